"""Gradient norms of W_x, W_s, W_y per update (log axis), the clipping threshold, clip marks."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from rnnsim.gui.number_format import number
from rnnsim.gui.plots.base import PlotView
from rnnsim.gui.plots.common import (
    Table,
    curve,
    dashed,
    integer_axis,
    legend_below,
    pen,
    positive,
)

MATRICES = {"Wx": "‖∂E/∂W_x‖", "Ws": "‖∂E/∂W_s‖", "Wy": "‖∂E/∂W_y‖"}


class GradNormsPlot(PlotView):
    """Norms of the weight gradients (before clipping) against the update number."""

    name = "grad_norms"
    title = "Gradient norms"

    def _build(self):
        self.plot = self.add_plot(
            0,
            0,
            "gradient norms per weight update (before clipping)",
            "weight update n (updates)",
            "‖∂E/∂W‖ (log scale)",
            log_y=True,
        )
        integer_axis(self.plot)
        legend_below(self, self.plot, 1, 0, columns=3)
        self.curves = {
            name: curve(self.plot, label, pen(i, 1), downsample=True)
            for i, (name, label) in enumerate(MATRICES.items())
        }
        self.global_curve = curve(
            self.plot, "global norm (all parameters)", pen(6, 1.2, alpha=160), downsample=True
        )
        self.marks = curve(
            self.plot,
            "clipping fired",
            None,
            symbol="x",
            symbolSize=7,
            symbolPen=pg.mkPen("#B00020", width=1.5),
            symbolBrush="#B00020",
        )
        self.threshold = pg.InfiniteLine(
            angle=0,
            pen=dashed("#B00020", 1.5),
            label="clip",
            labelOpts={"color": "#B00020", "position": 0.99, "anchors": [(1, 1), (1, 1)]},
        )
        self.plot.addItem(self.threshold)
        # the value goes in the legend, where it never sits on a curve
        self.threshold_key = curve(self.plot, "clip threshold", dashed("#B00020", 1.5))

    def _draw(self, snap):
        h = snap.history
        n = np.asarray(h.update, dtype=float)
        for name, item in self.curves.items():
            values = h.grad_norms.get(name)
            item.setData(*positive(n, values) if values is not None else ([], []))
            item.setVisible(values is not None)
        self.global_curve.setData(*positive(n, h.global_norm))
        clipped = np.asarray(h.clipped, dtype=bool)
        x, y = positive(n[clipped], np.asarray(h.global_norm, dtype=float)[clipped])
        self.marks.setData(x, y)
        clip = getattr(snap.experiment, "clip_norm", None)
        self.threshold.setVisible(clip is not None)
        if clip is not None:
            self.threshold.setValue(np.log10(clip))
            self.threshold.label.setFormat("clip")
        self.threshold_key.setVisible(clip is not None)
        label = f"clip threshold = {number(clip)} (dashed)" if clip is not None else None
        self._legend_threshold(label)

    def _legend_threshold(self, label):
        legend = self.plot.legend
        if getattr(self, "_threshold_label", None) == label:
            return
        self._threshold_label = label
        legend.removeItem(self.threshold_key)
        if label is not None:
            legend.addItem(self.threshold_key, label)

    def tables(self):
        if self.snapshot is None:
            return {}
        h = self.snapshot.history
        names = [n for n in MATRICES if n in h.grad_norms]
        names += sorted(set(h.grad_norms) - set(names))
        header = ("update", *tuple(f"norm_{n}" for n in names), "global_norm", "clipped")
        cols = (
            np.asarray(h.update),
            *(np.asarray(h.grad_norms[n]) for n in names),
            np.asarray(h.global_norm),
            np.asarray(h.clipped, dtype=bool),
        )
        return {self.name: Table(header, cols)}
