"""PlotDocks: every plot in its own QDockWidget, redrawn from the newest Snapshot at ≤ 30 Hz."""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QDockWidget

from rnnsim.gui.plots.activations import ActivationsPlot
from rnnsim.gui.plots.grad_norms import GradNormsPlot
from rnnsim.gui.plots.gradient_flow import GradientFlowPlot
from rnnsim.gui.plots.saturation import SaturationPlot
from rnnsim.gui.plots.spectrum import SpectrumPlot
from rnnsim.gui.plots.training import TrainingPlot
from rnnsim.gui.plots.weights import WeightsPlot

MAX_RATE_HZ = 30.0  # no plot is redrawn more often than this
CPU_SHARE = 0.03  # while snapshots stream in, redrawing and repainting take this share of the
# GUI thread (counted from every paint event): one plot shown redraws a few times a second


def plot_classes():
    """The plot classes in dock order."""
    return (
        ActivationsPlot,
        GradientFlowPlot,
        TrainingPlot,
        GradNormsPlot,
        SaturationPlot,
        SpectrumPlot,
        WeightsPlot,
    )


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
        Seconds each redraw took (setData/setImage and the repaint), for benchmarks.

    Notes
    -----
    A snapshot drawn ``immediate`` (a user's step, a slow run, a pause) goes into every visible
    plot at once. While snapshots stream in (training, running fast), the visible plots are
    redrawn one at a time, the least recently drawn first, each followed by a pause about 30
    times as long as it and every paint since the last redraw took (``CPU_SHARE``): the GUI
    thread is never blocked for longer than one plot takes, and training keeps the GIL nearly
    all the time. That holds for the first snapshot of a stream too: redrawing (and then
    repainting) seven plots of 5000 updates at once stalled the window for 250–400 ms at the
    start of a training (it did when that snapshot came more than 0.6 s after the last).
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
        self._drawn = dict.fromkeys(self.plots)  # name → snapshot last drawn
        self._drawn_at = dict.fromkeys(self.plots, -1.0)  # name → when
        self._next_allowed = -1.0
        self._painted = 0.0  # paint seconds of all plots accounted for so far
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._tick)

    def update(self, snapshot, immediate=False):
        """Show ``snapshot`` (only the newest is kept; hidden plots are drawn when shown).

        ``immediate``: draw every visible plot now (stepping, running slowly, paused), so the
        plots show what the canvas shows; otherwise (training, running fast) the redraws
        share the GUI thread as described in the class notes.
        """
        now = time.perf_counter()
        self.snapshot = snapshot
        if immediate:
            self._timer.stop()
            start = time.perf_counter()
            for plot in self._visible():
                self._draw(plot)
            cost = time.perf_counter() - start
            self.draw_times.append(cost)
            self._next_allowed = time.perf_counter() + self._pause(cost)
        elif not self._timer.isActive():
            self._timer.start(max(0, round(1000 * (self._next_allowed - now))))

    def flush(self):
        """Draw the newest snapshot into every visible plot that shows an older one (after a
        pause or the end of training: every view shows the same state)."""
        self._timer.stop()
        for plot in self._visible():
            self._draw(plot)

    def refresh(self):
        """Draw the newest snapshot into every plot now, visible or not (before an export)."""
        self._timer.stop()
        for plot in self.plots.values():
            self._draw(plot)

    def _visible(self):
        return [
            plot
            for dock, plot in zip(self.docks, self.plots.values(), strict=True)
            if dock.isVisible() and not dock.visibleRegion().isEmpty()
        ]

    def _stale(self):
        now = time.perf_counter()
        return [
            p
            for p in self._visible()
            if self._drawn[p.name] is not self.snapshot
            and now - self._drawn_at[p.name] >= 1.0 / MAX_RATE_HZ
        ]

    def _tick(self):
        stale = self._stale()
        if self.snapshot is None or not stale:
            if self.snapshot is not None and any(
                self._drawn[p.name] is not self.snapshot for p in self._visible()
            ):
                self._timer.start(round(1000 / MAX_RATE_HZ))
            return
        plot = min(stale, key=lambda p: self._drawn_at[p.name])
        start = time.perf_counter()
        self._draw(plot)
        plot.graphics.viewport().repaint()
        cost = time.perf_counter() - start
        self.draw_times.append(cost)
        pause = self._pause(cost)
        self._next_allowed = time.perf_counter() + pause
        if len(stale) > 1 or self._drawn[plot.name] is not self.snapshot:
            self._timer.start(round(1000 * pause))

    def _pause(self, cost):
        """Seconds to wait after a redraw that took ``cost`` seconds, so that the plots take
        CPU_SHARE of the time. The cost is made up to every paint of every plot since the last
        redraw (pyqtgraph repaints again when ranges and axes settle, and on resizes)."""
        painted = sum(p.graphics.paint_seconds for p in self.plots.values())
        cost = max(cost, painted - self._painted)
        self._painted = painted
        return cost * (1 - CPU_SHARE) / CPU_SHARE

    def _draw(self, plot):
        if self.snapshot is not None and self._drawn[plot.name] is not self.snapshot:
            plot.show_snapshot(self.snapshot)
            self._drawn[plot.name] = self.snapshot
            self._drawn_at[plot.name] = time.perf_counter()

    def _on_visible(self, plot, visible):
        if visible:
            self._draw(plot)
