"""Where the panels and plots go in the main window (the default layout)."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QMainWindow, QMenu, QTabBar

from rnnsim.gui.panels.experiment import ExperimentPanel
from rnnsim.gui.panels.inspector import InspectorPanel
from rnnsim.gui.panels.lecture import LecturePanel
from rnnsim.gui.panels.samples import SamplesPanel
from rnnsim.gui.panels.sequence import SequencePanel
from rnnsim.gui.plots import PlotDocks, add_export_actions

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


@dataclass
class Panels:
    """The side panels of the window and their docks (name → QDockWidget)."""

    experiment: ExperimentPanel
    sequence: SequencePanel
    inspector: InspectorPanel
    lecture: LecturePanel
    samples: SamplesPanel
    docks: dict[str, QDockWidget]


def build_docks(window: QMainWindow, experiment) -> Panels:
    """Create the Experiment (left), Sequence (top), Inspector and Lecture (right) panels, and
    Generated text (right, below them; shown while the task writes text), docked in
    ``window``; return them."""
    window.setDockOptions(
        QMainWindow.DockOption.AllowTabbedDocks | QMainWindow.DockOption.AllowNestedDocks
    )
    panels = Panels(
        experiment=ExperimentPanel(experiment),
        sequence=SequencePanel(),
        inspector=InspectorPanel(),
        lecture=LecturePanel(),
        samples=SamplesPanel(),
        docks={},
    )
    docks = panels.docks
    docks["experiment"] = _dock(window, "Experiment", panels.experiment, LEFT, "experimentDock")
    docks["sequence"] = _dock(window, "Sequence x₁ … x_T", panels.sequence, TOP, "sequenceDock")
    docks["inspector"] = _dock(window, "Inspector", panels.inspector, RIGHT, "inspectorDock")
    samples = QDockWidget("Generated text", window)
    samples.setObjectName("samplesDock")
    samples.setWidget(panels.samples)
    window.addDockWidget(RIGHT, samples, Qt.Orientation.Vertical)  # below, not tabbed
    samples.hide()
    panels.samples.dock = samples
    docks["samples"] = samples
    lecture = QDockWidget("Lecture", window)
    lecture.setObjectName("lectureDock")
    lecture.setWidget(panels.lecture)
    window.tabifyDockWidget(docks["inspector"], lecture)
    docks["lecture"] = lecture
    docks["inspector"].raise_()
    return panels


def build_plots(window: QMainWindow, export_menu: QMenu, canvas) -> PlotDocks:
    """The plot docks, tabbed along the bottom of ``window``; their export actions go into
    ``export_menu`` (File ▸ Export)."""
    plots = PlotDocks(window)
    add_export_actions(export_menu, plots, canvas, parent=window)
    for dock in plots.docks:
        window.addDockWidget(BOTTOM, dock)
    for dock in plots.docks[1:]:
        window.tabifyDockWidget(plots.docks[0], dock)
    if plots.docks:
        plots.docks[0].raise_()
    return plots


def build_view_menu(window: QMainWindow, docks) -> QMenu:
    """The View menu: a check item showing or hiding each of ``docks``."""
    view_menu = window.menuBar().addMenu("&View")
    for dock in docks:
        view_menu.addAction(dock.toggleViewAction())
    return view_menu


def default_sizes(window):
    """Give the canvas most of the window: narrow side panels, a short sequence strip."""
    window.resizeDocks(
        [window.docks["experiment"], window.docks["inspector"]],
        [320, 300],
        Qt.Orientation.Horizontal,
    )
    docks, sizes = [window.docks["sequence"]], [92]
    if window.plots.docks:
        docks.append(window.plots.docks[0])
        sizes.append(240)
    window.resizeDocks(docks, sizes, Qt.Orientation.Vertical)


def hide_stale_tab_bars(window):
    """Hide dock tab bars Qt leaves behind when a second group of tabbed docks is made.

    Qt 6 keeps the two-tab bar it created for the first tabification of a group visible at
    its first position; the group's real bar lists the same tabs and more.
    """
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
