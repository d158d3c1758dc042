"""Where the panels and plots go in the main window (the default layout)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QMainWindow

from rnnsim.gui.panels.experiment import ExperimentPanel
from rnnsim.gui.panels.inspector import InspectorPanel
from rnnsim.gui.panels.lecture import LecturePanel
from rnnsim.gui.panels.samples import SamplesPanel
from rnnsim.gui.panels.sequence import SequencePanel

LEFT = Qt.DockWidgetArea.LeftDockWidgetArea
RIGHT = Qt.DockWidgetArea.RightDockWidgetArea
TOP = Qt.DockWidgetArea.TopDockWidgetArea
BOTTOM = Qt.DockWidgetArea.BottomDockWidgetArea


def _dock(window, title, widget, area, name):
    dock = QDockWidget(title, window)
    dock.setObjectName(name)
    dock.setWidget(widget)
    window.addDockWidget(area, dock)
    return dock


def build_docks(window):
    """Create the Experiment (left), Sequence (top), Inspector and Lecture (right) panels, and
    Generated text (right, below them; shown while the task writes text).

    Sets ``window.experiment_panel``, ``sequence_panel``, ``inspector``, ``lecture``,
    ``samples`` and ``window.docks`` (name → QDockWidget).
    """
    window.setDockOptions(
        QMainWindow.DockOption.AllowTabbedDocks | QMainWindow.DockOption.AllowNestedDocks
    )
    window.experiment_panel = ExperimentPanel(window.experiment)
    window.sequence_panel = SequencePanel()
    window.inspector = InspectorPanel()
    window.lecture = LecturePanel()
    window.docks = {
        "experiment": _dock(window, "Experiment", window.experiment_panel, LEFT, "experimentDock"),
        "sequence": _dock(window, "Sequence x₁ … x_T", window.sequence_panel, TOP, "sequenceDock"),
        "inspector": _dock(window, "Inspector", window.inspector, RIGHT, "inspectorDock"),
    }
    window.samples = SamplesPanel()
    samples = QDockWidget("Generated text", window)
    samples.setObjectName("samplesDock")
    samples.setWidget(window.samples)
    window.addDockWidget(RIGHT, samples, Qt.Orientation.Vertical)  # below, not tabbed
    samples.hide()
    window.samples.dock = samples
    window.docks["samples"] = samples
    lecture = QDockWidget("Lecture", window)
    lecture.setObjectName("lectureDock")
    lecture.setWidget(window.lecture)
    window.tabifyDockWidget(window.docks["inspector"], lecture)
    window.docks["lecture"] = lecture
    window.docks["inspector"].raise_()


def build_plots(window):
    """Add the plot docks, tabbed along the bottom, and a View menu listing every dock.

    ``window.plots`` is the ``PlotDocks`` (None when the plots package is not available).
    """
    window.plots = None
    docks = list(window.docks.values())
    try:
        from rnnsim.gui.plots import PlotDocks, add_export_actions
    except ImportError:
        PlotDocks = None
    if PlotDocks is not None:
        window.plots = PlotDocks(window)
        files = getattr(window, "files", None)
        if files is not None:
            add_export_actions(files.export_menu, window.plots, window.canvas, parent=window)
        for dock in window.plots.docks:
            window.addDockWidget(BOTTOM, dock)
            docks.append(dock)
        for dock in window.plots.docks[1:]:
            window.tabifyDockWidget(window.plots.docks[0], dock)
        if window.plots.docks:
            window.plots.docks[0].raise_()
    view_menu = window.menuBar().addMenu("&View")
    for dock in docks:
        view_menu.addAction(dock.toggleViewAction())


def default_sizes(window):
    """Give the canvas most of the window: narrow side panels, a short sequence strip."""
    window.resizeDocks(
        [window.docks["experiment"], window.docks["inspector"]],
        [320, 300],
        Qt.Orientation.Horizontal,
    )
    docks, sizes = [window.docks["sequence"]], [92]
    if window.plots is not None and window.plots.docks:
        docks.append(window.plots.docks[0])
        sizes.append(240)
    window.resizeDocks(docks, sizes, Qt.Orientation.Vertical)


def hide_stale_tab_bars(window):
    """Hide dock tab bars Qt leaves behind when a second group of tabbed docks is made.

    Qt 6 keeps the two-tab bar it created for the first tabification of a group visible at
    its first position; the group's real bar lists the same tabs and more.
    """
    from PySide6.QtWidgets import QTabBar

    bars = [b for b in window.findChildren(QTabBar) if b.parent() is window]
    titles = {b: [b.tabText(i) for i in range(b.count())] for b in bars}
    for bar in bars:
        mine = titles[bar]
        if any(
            other is not bar
            and len(titles[other]) > len(mine)
            and titles[other][: len(mine)] == mine
            for other in bars
        ):
            bar.hide()
