"""W_x, W_s, W_y as heatmaps (top row) and their last change ΔW (bottom row)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from rnnsim.gui.canvas.layout import GATE_NAMES
from rnnsim.gui.plots.base import PlotView
from rnnsim.gui.plots.common import (
    Table,
    colorbar,
    colormap,
    integer_ticks,
    symmetric_levels,
)

MATRICES = (
    ("Wx", "W_x", "i (unit of x_t)", "j (unit of s_t)"),
    ("Ws", "W_s", "i (unit of s_t−1)", "j (unit of s_t)"),
    ("Wy", "W_y", "i (unit of s_t)", "o (unit of y_t)"),
)


class WeightsPlot(PlotView):
    """Each weight matrix W[i, j] (row i, column j: row vectors times W) and its last ΔW."""

    name = "weights"
    title = "Weights W_x, W_s, W_y and ΔW"

    def _build(self):
        self.images, self.delta_images, self.plots = {}, {}, {}
        self._separators = {}  # id(plot) → gate block separator lines
        cmap = colormap("CET-D1A")
        for col, (key, label, rows, cols) in enumerate(MATRICES):
            for row, (store, prefix) in enumerate(((self.images, ""), (self.delta_images, "Δ"))):
                plot = self.add_plot(row, col, f"{prefix}{label}", cols, rows)
                plot.showGrid(False, False)
                plot.invertY(True)
                plot.setAspectLocked(False)
                image = pg.ImageItem(axisOrder="row-major")
                plot.addItem(image)
                store[key] = image
                self.plots[prefix + key] = plot
        n = len(MATRICES)
        self.arrange(
            [
                (self.plots[p + k], r, c)
                for c, (k, *_) in enumerate(MATRICES)
                for r, p in enumerate(("", "Δ"))
            ],
            [
                (self.plots[p + k], 0, c + r * n)
                for c, (k, *_) in enumerate(MATRICES)
                for r, p in enumerate(("", "Δ"))
            ],
        )
        self.bar = colorbar(cmap, "W[i, j]")
        self.bar.setImageItem(list(self.images.values()), insert_in=self.plots["Wy"])
        self.delta_bar = colorbar(cmap, "ΔW[i, j]")
        self.delta_bar.setImageItem(list(self.delta_images.values()), insert_in=self.plots["ΔWy"])

    def _draw(self, snap):
        weights = [np.asarray(snap.weights[k]) for k, *_ in MATRICES if k in snap.weights]
        deltas = [
            np.asarray(snap.delta_weights[k]) for k, *_ in MATRICES if k in snap.delta_weights
        ]
        levels, dlevels = symmetric_levels(*weights), symmetric_levels(*deltas)
        for key, *_ in MATRICES:
            for store, source, lv, prefix in (
                (self.images, snap.weights, levels, ""),
                (self.delta_images, snap.delta_weights, dlevels, "Δ"),
            ):
                W = source.get(key)
                image = store[key]
                if W is None:
                    image.clear()
                    continue
                W = np.atleast_2d(np.asarray(W, dtype=float))
                image.setImage(W, levels=lv, autoLevels=False)
                image.setRect(pg.QtCore.QRectF(-0.5, -0.5, W.shape[1], W.shape[0]))
                plot = self.plots[prefix + key]
                plot.setRange(
                    xRange=(-0.5, W.shape[1] - 0.5), yRange=(-0.5, W.shape[0] - 0.5), padding=0
                )
                integer_ticks(plot, W.shape[1], W.shape[0])
                self._gate_blocks(plot, key, snap, W.shape[1])
                shape = f"{W.shape[0]}×{W.shape[1]}"
                plot.setTitle(
                    f"{prefix}{dict((k, v) for k, v, *_ in MATRICES)[key]}  ({shape})",
                    color="#202020",
                    size="10pt",
                )
        self.bar.setLevels(levels)
        self.delta_bar.setLevels(dlevels)

    def _gate_blocks(self, plot, key, snap, n_cols):
        """LSTM/GRU: W_x and W_s hold one block of H columns per gate (i, f, o, g; z, r, n):
        label the blocks, not 4H unit numbers, and draw a line between them."""
        names = GATE_NAMES.get(snap.cell) if key in ("Wx", "Ws") else None
        H = np.asarray(snap.s).shape[1]
        blocks = bool(names) and n_cols == len(names) * H
        lines = self._separators.setdefault(id(plot), [])
        wanted = len(names) - 1 if blocks else 0
        while len(lines) < wanted:
            line = pg.InfiniteLine(angle=90, pen=pg.mkPen("#202020", width=1.5))
            plot.addItem(line)
            lines.append(line)
        for j, line in enumerate(lines):
            line.setVisible(j < wanted)
            if j < wanted:
                line.setValue((j + 1) * H - 0.5)
        axis = plot.getAxis("bottom")
        label = (
            f"gate blocks {', '.join(names)} ({H} units each)"
            if blocks
            else dict((k, c) for k, _, _, c in MATRICES)[key]
        )
        if blocks:
            axis.setTicks([[(j * H + (H - 1) / 2, name) for j, name in enumerate(names)]])
        else:
            axis.setTicks(None)
        if axis.labelText != label:
            plot.setLabel("bottom", label, color="#202020", **{"font-size": "10pt"})

    def tables(self):
        if self.snapshot is None:
            return {}
        names, rows, cols, w, dw = [], [], [], [], []
        for key, *_ in MATRICES:
            W = self.snapshot.weights.get(key)
            if W is None:
                continue
            W = np.atleast_2d(np.asarray(W, dtype=float))
            dW = np.atleast_2d(
                np.asarray(self.snapshot.delta_weights.get(key, np.zeros_like(W)), dtype=float)
            )
            i, j = np.indices(W.shape)
            names += [key] * W.size
            rows.append(i.ravel())
            cols.append(j.ravel())
            w.append(W.ravel())
            dw.append(dW.ravel())
        return {
            self.name: Table(
                ("param", "row", "col", "W", "delta_W"),
                (
                    names,
                    np.concatenate(rows),
                    np.concatenate(cols),
                    np.concatenate(w),
                    np.concatenate(dw),
                ),
            )
        }
