"""PlotDocks: every plot in its own QDockWidget, redrawn from the newest Snapshot at ≤ 30 Hz."""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QDockWidget

MAX_RATE_HZ = 30.0


def plot_classes():
    """The plot classes in dock order."""
    from rnnsim.gui.plots.activations import ActivationsPlot
    from rnnsim.gui.plots.grad_norms import GradNormsPlot
    from rnnsim.gui.plots.gradient_flow import GradientFlowPlot
    from rnnsim.gui.plots.saturation import SaturationPlot
    from rnnsim.gui.plots.spectrum import SpectrumPlot
    from rnnsim.gui.plots.training import TrainingPlot
    from rnnsim.gui.plots.weights import WeightsPlot

    return (ActivationsPlot, GradientFlowPlot, TrainingPlot, GradNormsPlot, SaturationPlot,
            SpectrumPlot, WeightsPlot)


class PlotDocks(QObject):
    """The docked plots of the window.

    Parameters
    ----------
    window : QMainWindow or None
        Parent of the docks (the window adds them with ``addDockWidget``).

    Attributes
    ----------
    docks : list of QDockWidget
        One per plot, objectName ``plotDock_<name>``.
    plots : dict
        Plot name (``activations``, ``gradient_flow``, ...) → PlotView.
    draw_times : list of float
        Seconds spent redrawing the visible plots, one entry per redraw (for benchmarks).
    """

    def __init__(self, window=None):
        super().__init__(window)
        self.plots = {}
        self.docks = []
        for cls in plot_classes():
            plot = cls()
            dock = QDockWidget(plot.title, window)
            dock.setObjectName(f"plotDock_{plot.name}")
            dock.setWidget(plot)
            dock.visibilityChanged.connect(lambda on, p=plot: self._on_visible(p, on))
            self.plots[plot.name] = plot
            self.docks.append(dock)
        self.snapshot = None
        self.draw_times = []
        self._drawn = {name: None for name in self.plots}  # name → snapshot last drawn
        self._last_draw = -1.0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._draw_visible)

    def update(self, snapshot):
        """Show ``snapshot``: now if the last redraw ended ≥ 1/30 s ago, else when it has.

        Only the newest snapshot is kept; plots in hidden docks are redrawn when shown.
        """
        self.snapshot = snapshot
        wait = self._last_draw + 1.0 / MAX_RATE_HZ - time.perf_counter()
        if wait <= 0:
            self._timer.stop()
            self._draw_visible()
        elif not self._timer.isActive():
            self._timer.start(max(1, int(wait * 1000 + 0.5)))

    def refresh(self):
        """Draw the newest snapshot into every plot now, visible or not (before an export)."""
        self._timer.stop()
        for plot in self.plots.values():
            self._draw(plot)

    def _draw_visible(self):
        if self.snapshot is None:
            return
        start = time.perf_counter()
        for dock, plot in zip(self.docks, self.plots.values(), strict=True):
            if dock.isVisible() and not dock.visibleRegion().isEmpty():
                self._draw(plot)
        self._last_draw = time.perf_counter()
        self.draw_times.append(self._last_draw - start)

    def _draw(self, plot):
        if self.snapshot is not None and self._drawn[plot.name] is not self.snapshot:
            plot.show_snapshot(self.snapshot)
            self._drawn[plot.name] = self.snapshot

    def _on_visible(self, plot, visible):
        if visible:
            self._draw(plot)
