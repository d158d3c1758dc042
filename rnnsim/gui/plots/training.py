"""Training: the loss E and the task's metrics per weight update, raw and smoothed, with chance."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from rnnsim.gui.plots.base import PlotView
from rnnsim.gui.plots.common import (
    SMOOTH_WINDOW,
    Table,
    curve,
    dashed,
    legend_below,
    moving_mean,
    pen,
)

MAX_METRICS = 6


class TrainingPlot(PlotView):
    """Loss (top) and metrics (bottom) against the update number."""

    name = "training"
    title = "Training: loss and metrics"

    def _build(self):
        self.loss_plot = self.add_plot(0, 0, "loss E per weight update", "",
                                       "loss E (per sequence)", legend=True)
        self.loss_raw = curve(self.loss_plot, "E (raw)", pen(0, 1, alpha=90), downsample=True)
        self.loss_smooth = curve(self.loss_plot, f"E (mean of last {SMOOTH_WINDOW})",
                                 pen(0, 2.5), downsample=True)
        self.metric_plot = self.add_plot(1, 0, "task metrics", "weight update n (updates)",
                                         "metric (task score)")
        legend_below(self, self.metric_plot, 2, 0)
        self.metric_plot.setXLink(self.loss_plot)
        self.metric_raw = [curve(self.metric_plot, None, pen(i + 1, 1, alpha=90),
                                 downsample=True) for i in range(MAX_METRICS)]
        self.metric_smooth = [curve(self.metric_plot, None, pen(i + 1, 2.5), downsample=True)
                              for i in range(MAX_METRICS)]
        self.chance = pg.InfiniteLine(angle=0, pen=dashed("#444444", 1.5), label="chance",
                                      labelOpts={"color": "#444444", "position": 0.02,
                                                 "anchors": [(0, 0), (0, 0)]})
        self.metric_plot.addItem(self.chance)
        self._legend_key = None
        self.smoothed = {}  # name → smoothed array last drawn

    def _draw(self, snap):
        h = snap.history
        n = np.asarray(h.update, dtype=float)  # (n,)
        loss = np.asarray(h.loss, dtype=float)
        self.smoothed = {"loss": moving_mean(loss)}
        self.loss_raw.setData(n, loss)
        self.loss_smooth.setData(n, self.smoothed["loss"])
        names = self.metric_names(snap)
        for i in range(MAX_METRICS):
            raw, smooth = self.metric_raw[i], self.metric_smooth[i]
            if i < len(names):
                values = np.asarray(h.metrics[names[i]], dtype=float)
                self.smoothed[names[i]] = moving_mean(values)
                raw.setData(n, values)
                smooth.setData(n, self.smoothed[names[i]])
            else:
                raw.setData([], [])
                smooth.setData([], [])
            raw.setVisible(i < len(names))
            smooth.setVisible(i < len(names))
        self._set_legend(names)
        self.chance.setValue(snap.chance)
        self.chance.label.setFormat(f"chance {snap.primary_metric} = {snap.chance:.3g}")
        self.chance.setVisible(bool(np.isfinite(snap.chance)))

    @staticmethod
    def metric_names(snap) -> list[str]:
        """Metric names, the primary one first (at most ``MAX_METRICS``)."""
        names = sorted(snap.history.metrics)
        if snap.primary_metric in names:
            names.remove(snap.primary_metric)
            names.insert(0, snap.primary_metric)
        return names[:MAX_METRICS]

    def _set_legend(self, names):
        if names == self._legend_key:
            return
        self._legend_key = list(names)
        legend = self.metric_plot.legend
        legend.clear()
        for i, name in enumerate(names):
            legend.addItem(self.metric_smooth[i], f"{name} (mean of last {SMOOTH_WINDOW})")
        if names:
            legend.addItem(self.metric_raw[0], "raw values (faint)")

    def tables(self):
        if self.snapshot is None:
            return {}
        h = self.snapshot.history
        names = self.metric_names(self.snapshot)
        header = ["update", "loss", "loss_smoothed"]
        cols = [np.asarray(h.update), np.asarray(h.loss), self.smoothed["loss"]]
        for name in names:
            header += [name, f"{name}_smoothed"]
            cols += [np.asarray(h.metrics[name]), self.smoothed[name]]
        return {self.name: Table(tuple(header), tuple(cols))}
