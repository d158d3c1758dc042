"""The docked live plots: activations, gradient flow, training, gradient norms, saturation,
spectrum of W_s, weights. Each is a ``PlotView`` updated from Snapshots.

    docks = PlotDocks(window)          # window.addDockWidget(area, dock) for dock in docks.docks
    docks.update(snapshot)             # redrawn at most 30 times a second
    docks.plots["gradient_flow"]       # name → PlotView (export with rnnsim.gui.export)
    add_export_actions(menu, docks, canvas, parent=window)   # File ▸ Export entries
"""

from rnnsim.gui.plots.menus import add_export_actions
from rnnsim.gui.plots.plot_docks import PlotDocks, plot_classes

__all__ = ["PlotDocks", "add_export_actions", "plot_classes"]
