"""Training: the loss E and the task's metrics per weight update, raw and smoothed, with chance."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from rnnsim.gui.number_format import number
from rnnsim.gui.plots.base import PlotView
from rnnsim.gui.plots.common import (
    FOREGROUND,
    SMOOTH_WINDOW,
    Table,
    curve,
    dashed,
    integer_axis,
    legend_below,
    pen,
)

MAX_METRICS = 6


def sparse_mean(updates: np.ndarray, values: np.ndarray, window: int = SMOOTH_WINDOW) -> np.ndarray:
    """Mean of the measured (finite) values of the last ``window`` updates; NaN elsewhere.

    updates, values : (n,); values is NaN where nothing was measured (a metric may be recorded
    every k-th update only). Entry i averages the finite values whose update number lies in
    (updates[i] − window, updates[i]]. Returns (n,).
    """
    u, v = np.asarray(updates, dtype=float), np.asarray(values, dtype=float)
    out = np.full(v.shape, np.nan)
    keep = np.isfinite(v)
    uk, vk = u[keep], v[keep]
    total = np.concatenate(([0.0], np.cumsum(vk)))
    hi = np.arange(1, uk.size + 1)
    lo = np.searchsorted(uk, uk - window, side="right")
    out[keep] = (total[hi] - total[lo]) / (hi - lo)
    return out


class TrainingPlot(PlotView):
    """Loss (top) and metrics (bottom) against the update number."""

    name = "training"
    title = "Training: loss and metrics"

    def _build(self):
        self.loss_plot = self.add_plot(
            0, 0, "loss E per weight update", "", "loss E (per sequence)", legend=True
        )
        self.loss_raw = curve(self.loss_plot, "E (raw)", pen(0, 1, alpha=90), downsample=True)
        self.loss_smooth = curve(
            self.loss_plot,
            f"E (mean of the last {SMOOTH_WINDOW} updates)",
            pen(0, 2.5),
            downsample=True,
        )
        self.metric_plot = self.add_plot(
            1, 0, "task metrics", "weight update n (updates)", "metric (task score)"
        )
        legend = legend_below(self, self.metric_plot, 2, 0)
        self.arrange(
            [(self.loss_plot, 0, 0), (self.metric_plot, 1, 0), (legend, 2, 0)],
            [(self.loss_plot, 0, 0), (self.metric_plot, 0, 1), (legend, 1, 1)],
            tall_rows={2: (0, 60)},
            wide_rows={1: (0, 60)},
        )
        self.metric_plot.setXLink(self.loss_plot)
        self.metric_raw = [
            curve(self.metric_plot, None, pen(i + 1, 1, alpha=90), downsample=True)
            for i in range(MAX_METRICS)
        ]
        self.metric_smooth = [
            curve(self.metric_plot, None, pen(i + 1, 2.5), downsample=True)
            for i in range(MAX_METRICS)
        ]
        self.chance = pg.InfiniteLine(
            angle=0,
            pen=dashed("#444444", 1.5),
            label="chance",
            labelOpts={"color": "#444444", "position": 0.99, "anchors": [(1, 1), (1, 1)]},
        )
        self.metric_plot.addItem(self.chance)
        # its value is in the legend, below the plot: never on the curves
        self.chance_key = curve(self.metric_plot, None, dashed("#444444", 1.5))
        for plot in (self.loss_plot, self.metric_plot):
            integer_axis(plot)
        self._legend_key = None
        self.smoothed = {}  # name → smoothed array last drawn

    def _arranged(self, name):
        # stacked, the loss plot shares the metrics plot's x axis label; beside it, its own
        self.loss_plot.setLabel(
            "bottom",
            "weight update n (updates)" if name == "wide" else "",
            color=FOREGROUND,
            **{"font-size": "10pt"},
        )

    def _draw(self, snap):
        h = snap.history
        n = np.asarray(h.update, dtype=float)  # (n,)
        loss = np.asarray(h.loss, dtype=float)
        self.smoothed = {"loss": sparse_mean(n, loss)}
        self._set(self.loss_raw, self.loss_smooth, n, loss, self.smoothed["loss"])
        names = self.metric_names(snap)
        for i in range(MAX_METRICS):
            raw, smooth = self.metric_raw[i], self.metric_smooth[i]
            if i < len(names):
                values = np.asarray(h.metrics[names[i]], dtype=float)
                self.smoothed[names[i]] = sparse_mean(n, values)
                self._set(raw, smooth, n, values, self.smoothed[names[i]])
            else:
                raw.setData([], [])
                smooth.setData([], [])
            raw.setVisible(i < len(names))
            smooth.setVisible(i < len(names))
        self.chance.setValue(snap.chance)
        self.chance.label.setFormat("chance")
        self.chance.setVisible(bool(np.isfinite(snap.chance)))
        self._chance_text = (
            f"chance {snap.primary_metric} = {number(snap.chance)} (dashed)"
            if np.isfinite(snap.chance)
            else None
        )
        self._set_legend(names)

    @staticmethod
    def _set(raw, smooth, n, values, smoothed):
        """Draw the measured entries only (a metric may be recorded every k-th update)."""
        keep = np.isfinite(values)
        raw.setData(n[keep], values[keep])
        smooth.setData(n[keep], smoothed[keep])

    @staticmethod
    def metric_names(snap) -> list[str]:
        """Metric names, the primary one first (at most ``MAX_METRICS``)."""
        names = sorted(snap.history.metrics)
        if snap.primary_metric in names:
            names.remove(snap.primary_metric)
            names.insert(0, snap.primary_metric)
        return names[:MAX_METRICS]

    def _set_legend(self, names):
        chance = getattr(self, "_chance_text", None)
        if (names, chance) == self._legend_key:
            return
        self._legend_key = (list(names), chance)
        legend = self.metric_plot.legend
        legend.clear()
        for i, name in enumerate(names):
            legend.addItem(
                self.metric_smooth[i], f"{name} (mean of the last {SMOOTH_WINDOW} updates)"
            )
        if names:
            legend.addItem(self.metric_raw[0], "raw values (faint)")
        if chance:
            legend.addItem(self.chance_key, chance)

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
