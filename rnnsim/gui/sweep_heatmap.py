"""The heatmap of a sweep: the final metric of every cell, axes labelled by knob and value.

Used by the sweep dialog and by ``rnnsim sweep`` (exported with ``rnnsim.gui.export``).
Cells still running are blank; diverged and failed cells are grey with their state written in.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF

from rnnsim.gui.number_format import fixed, number
from rnnsim.gui.plots.base import PlotView
from rnnsim.gui.plots.common import FOREGROUND, Table, colorbar, colormap
from rnnsim.sim.sweep_grid import value_label

PENDING = (255, 255, 255, 255)
BROKEN = (190, 190, 190, 255)  # diverged or failed
LOWER_IS_BETTER = ("mse", "loss", "bits_per_char")


def metric_levels(result) -> tuple[float, float]:
    """Colour levels: [0, 1] for accuracies, else the finite range of the grid."""
    if "accuracy" in result.metric_name:
        return 0.0, 1.0
    finite = result.grid[np.isfinite(result.grid)]
    if not finite.size:
        return 0.0, 1.0
    low, high = float(finite.min()), float(finite.max())
    return (low, high) if high > low else (low - 0.5, high + 0.5)


class SweepHeatmap(PlotView):
    """A sweep's grid as a heatmap (columns: x values, rows: y values, row 0 at the bottom).

    It draws a ``SweepResult`` (``show_result``), not a Snapshot.
    """

    name = "sweep"
    title = "Sweep"

    def _build(self):
        self.result = None
        self.cmap = colormap("viridis")
        self.plot = self.add_plot(0, 0, "Sweep", "x", "y")
        self.plot.showGrid(x=False, y=False)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.plot.addItem(self.image)
        self.bar = colorbar(self.cmap, "metric", (0.0, 1.0))
        self.graphics.addItem(self.bar, row=0, col=1)
        self.texts: list[pg.TextItem] = []

    def _draw(self, snapshot):
        raise TypeError("a sweep heatmap draws a SweepResult: use show_result(result)")

    def show_result(self, result) -> None:
        """Draw ``result`` (a ``rnnsim.sim.sweep.SweepResult``, complete or not)."""
        self.result = result
        rows, cols = result.grid.shape
        levels = metric_levels(result)
        self.image.setImage(self._rgba(result, levels), autoLevels=False, levels=(0, 255))
        self.image.setRect(QRectF(-0.5, -0.5, cols, rows))
        self.plot.setRange(xRange=(-0.5, cols - 0.5), yRange=(-0.5, rows - 0.5), padding=0)
        self._label_axes(result)
        self.bar.setLevels(levels)
        better = "lower is better" if result.metric_name in LOWER_IS_BETTER else \
            f"chance {number(result.chance)}"
        self.bar.axis.setLabel(f"{result.metric_name} ({better})", color=FOREGROUND,
                               **{"font-size": "10pt"})
        done = f"{result.completed}/{result.total} cells"
        self.plot.setTitle(f"{result.metric_name} after {result.updates} updates, on a fresh "
                           f"batch ({done})", color=FOREGROUND, size="11pt")
        self._write_values(result, levels)

    def _rgba(self, result, levels) -> np.ndarray:
        low, high = levels
        norm = np.clip((np.nan_to_num(result.grid, nan=low) - low) / (high - low), 0, 1)
        rgba = self.cmap.map(norm.ravel(), mode="byte").reshape(*result.grid.shape, 4)
        rgba[result.state == "pending"] = PENDING
        rgba[(result.state == "diverged") | (result.state == "failed")] = BROKEN
        return rgba.astype(np.uint8)  # (rows, cols, 4)

    def _label_axes(self, result) -> None:
        self.plot.setLabel("bottom", result.x, color=FOREGROUND, **{"font-size": "10pt"})
        self.plot.setLabel("left", result.y or "", color=FOREGROUND, **{"font-size": "10pt"})
        x_ticks = [(i, value_label(v)) for i, v in enumerate(result.x_values)]
        y_ticks = [(j, value_label(v)) for j, v in enumerate(result.y_values)] if result.y \
            else [(0, "")]
        self.plot.getAxis("bottom").setTicks([x_ticks, []])
        self.plot.getAxis("left").setTicks([y_ticks, []])

    def _write_values(self, result, levels) -> None:
        for item in self.texts:
            self.plot.removeItem(item)
        self.texts = []
        low, high = levels
        for (r, c), state in np.ndenumerate(result.state):
            if state == "pending":
                continue
            value = result.grid[r, c]
            text = fixed(value) if state == "done" else state
            light = state == "done" and (value - low) / (high - low) < 0.6
            item = pg.TextItem(text, color="#FFFFFF" if light else FOREGROUND, anchor=(0.5, 0.5))
            item.setPos(c, r)
            self.plot.addItem(item)
            self.texts.append(item)

    def tables(self) -> dict[str, Table]:
        """The grid, one row per finished cell (the columns of ``SweepResult.rows``)."""
        if self.result is None or not self.result.cells:
            return {}
        head, *rows = self.result.rows()
        columns = tuple([row[i] for row in rows] for i in range(len(head)))
        return {self.name: Table(tuple(head), columns)}

    def cell_text(self, row: int, col: int) -> str | None:
        """The text written in cell (row, col), or None when it is blank."""
        for item in self.texts:
            pos = item.pos()
            if math.isclose(pos.x(), col) and math.isclose(pos.y(), row):
                return item.toPlainText()
        return None
