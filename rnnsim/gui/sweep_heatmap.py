"""The heatmap of a sweep: the mean metric of every cell over its seeds, axes labelled by knob
and value.

Used by the sweep dialog and by ``rnnsim sweep`` (exported with ``rnnsim.gui.export``).
Each cell reads its mean and, with several seeds, ``±`` the standard deviation; its tooltip
gives mean, sd, min–max and how many seeds met the claim. A cell whose seeds disagree about
the claim (some meet it, some do not) is outlined. Cells not started are blank, a cell still
running its seeds shows the mean so far; diverged and failed cells are grey with their state.
With a third axis the window draws one small heatmap per z value (small multiples); the
command line draws one heatmap per z value (``layer``).
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPen
from PySide6.QtWidgets import QGraphicsRectItem

from rnnsim.gui.number_format import fixed, number
from rnnsim.gui.plots.base import PlotView
from rnnsim.gui.plots.common import FOREGROUND, Table, colorbar, colormap
from rnnsim.sim.sweep_grid import value_label

PENDING = (255, 255, 255, 255)
BROKEN = (190, 190, 190, 255)  # diverged or failed
OUTLINE = "#E4002B"  # seeds disagree about the claim
MAX_COLUMNS = 3  # small multiples per row


def metric_levels(result) -> tuple[float, float]:
    """Colour levels: [0, 1] for accuracies and shares (``diverged``), [0, ≥ 1] for a ratio
    to a bound (``flow_vs_bound``), else the finite range of the means."""
    if "accuracy" in result.metric_name or result.metric_name == "diverged":
        return 0.0, 1.0
    finite = result.mean[np.isfinite(result.mean)]
    if not finite.size:
        return 0.0, 1.0
    low, high = float(finite.min()), float(finite.max())
    if result.metric_name == "flow_vs_bound":
        return 0.0, max(1.0, high)
    return (low, high) if high > low else (low - 0.5, high + 0.5)


class SweepHeatmap(PlotView):
    """A sweep's grid as heatmaps (columns: x values, rows: y values, row 0 at the bottom; one
    panel per z value).

    It draws a ``SweepResult`` (``show_result``), not a Snapshot.
    """

    name = "sweep"
    title = "Sweep"

    def _build(self):
        self.result = None
        self.layers: list[int] = []  # the z index of each panel
        self.cmap = colormap("viridis")
        self.panels: list[tuple] = []  # (plot, image) per panel
        self.bar = None
        self._lay_out(1)
        self.texts: list[pg.TextItem] = []
        self.outlines: list[QGraphicsRectItem] = []
        self._items: list[tuple] = []  # (plot, item) added for the current result
        self._text_at: dict[tuple[int, int, int], pg.TextItem] = {}
        self.graphics.scene().sigMouseMoved.connect(self._on_mouse_moved)

    def _lay_out(self, n: int) -> None:
        """``n`` panels, side by side up to MAX_COLUMNS a row, and the colour bar."""
        self.graphics.ci.clear()
        self.panels = []
        cols = min(n, MAX_COLUMNS)
        self.heading = self.graphics.addLabel(
            "Sweep", row=0, col=0, colspan=cols + 1, color=FOREGROUND, size="11pt"
        )
        for i in range(n):
            plot = self.add_plot(1 + i // cols, i % cols, "", "x", "y")
            plot.showGrid(x=False, y=False)
            image = pg.ImageItem(axisOrder="row-major")
            plot.addItem(image)
            self.panels.append((plot, image))
        self.plot, self.image = self.panels[0]
        levels = self.bar.levels() if self.bar is not None else (0.0, 1.0)
        self.bar = colorbar(self.cmap, "metric", levels)
        self.graphics.addItem(self.bar, row=1, col=cols, rowspan=math.ceil(n / cols))

    def _draw(self, snapshot):
        raise TypeError("a sweep heatmap draws a SweepResult: use show_result(result)")

    def show_result(self, result, layer: int | None = None) -> None:
        """Draw ``result`` (a ``SweepResult``, complete or not): layer ``layer`` only, or
        every z value as small multiples (None)."""
        self.result = result
        n_layers = result.shape[0]
        self.layers = list(range(n_layers)) if layer is None else [layer]
        if len(self.layers) != len(self.panels):
            self._lay_out(len(self.layers))
        levels = metric_levels(result)
        self._clear_items()
        rows, cols = result.shape[1:]
        states, mean, disagree = result.cell_state, result.mean, result.disagree
        for i, l in enumerate(self.layers):
            plot, image = self.panels[i]
            image.setImage(
                self._rgba(states[l], mean[l], levels), autoLevels=False, levels=(0, 255)
            )
            image.setRect(QRectF(-0.5, -0.5, cols, rows))
            plot.setRange(xRange=(-0.5, cols - 0.5), yRange=(-0.5, rows - 0.5), padding=0)
            self._label_axes(plot, result)
            self._write_values(plot, result, l, levels)
            self._outline(plot, disagree[l])
        self.bar.setLevels(levels)
        if result.task_metric:  # a claim's metric: chance is the task metric's
            better = result.direction
        else:
            better = (
                "lower is better"
                if result.lower_is_better
                else (f"chance {number(result.chance)}" if math.isfinite(result.chance) else "")
            )
        self.bar.axis.setLabel(
            f"{result.metric_label}" + (f" ({better})" if better else ""),
            color=FOREGROUND,
            **{"font-size": "10pt"},
        )
        self._titles(result)

    def _clear_items(self) -> None:
        for plot, item in self._items:
            plot.removeItem(item)
        self.texts, self.outlines, self._items, self._text_at = [], [], [], {}

    def _titles(self, result) -> None:
        seeds = len(result.seeds)
        over = f"mean of {seeds} seeds" if seeds > 1 else "one seed"
        done = f"{result.completed}/{result.total} runs"
        claim = ""
        if result.claims and seeds > 1:  # one line per cell's claim would not fit: hover
            claim = (
                "<br>outlined: the seeds disagree on their cell's claim (its tooltip says which)"
            )
        elif result.threshold is not None and seeds > 1:
            sign = "≤" if result.lower_is_better else "≥"
            claim = (
                f"<br>outlined: the seeds disagree on {result.metric_name} {sign} "
                f"{result.threshold:g}"
            )
        head = f"{result.metric_name} after {result.updates} updates, {over} ({done}){claim}"
        self.heading.setText(head, color=FOREGROUND, size="11pt")
        for i, l in enumerate(self.layers):
            z = f"{result.z} = {value_label(result.z_values[l])}" if result.z else ""
            self.panels[i][0].setTitle(z or None, color=FOREGROUND, size="10pt")

    def _rgba(self, states, mean, levels) -> np.ndarray:
        low, high = levels
        norm = np.clip((np.nan_to_num(mean, nan=low) - low) / (high - low), 0, 1)
        rgba = self.cmap.map(norm.ravel(), mode="byte").reshape(*mean.shape, 4)
        rgba[states == "pending"] = PENDING
        # grey: no seed has a value (a metric of divergence has one for a diverged seed)
        rgba[((states == "diverged") | (states == "failed")) & ~np.isfinite(mean)] = BROKEN
        return rgba.astype(np.uint8)  # (rows, cols, 4)

    def _label_axes(self, plot, result) -> None:
        plot.setLabel("bottom", result.x, color=FOREGROUND, **{"font-size": "10pt"})
        plot.setLabel("left", result.y or "", color=FOREGROUND, **{"font-size": "10pt"})
        x_ticks = [(i, value_label(v)) for i, v in enumerate(result.x_values)]
        y_ticks = (
            [(j, value_label(v)) for j, v in enumerate(result.y_values)] if result.y else [(0, "")]
        )
        plot.getAxis("bottom").setTicks([x_ticks, []])
        plot.getAxis("left").setTicks([y_ticks, []])

    def _write_values(self, plot, result, layer: int, levels) -> None:
        low, high = levels
        states, mean, sd = result.cell_state[layer], result.mean[layer], result.std[layer]
        seeds = len(result.seeds)
        # accuracies and shares (diverged) to two decimals (0.95); losses, errors and the
        # claims' ratios to 3 digits (0.0012, not 0.00)
        shares = "accuracy" in result.metric_name or result.metric_name == "diverged"
        write = fixed if shares else (lambda v: number(v, 3))
        for (r, c), state in np.ndenumerate(states):
            if state == "pending":
                continue
            value = mean[r, c]
            if state in ("done", "running"):
                text = write(value) + (f"\n±{write(sd[r, c])}" if seeds > 1 else "")
                if state == "running":
                    text += f"\n({seeds - int(result.counts('pending')[layer, r, c])}/{seeds})"
            elif np.isfinite(value):  # every seed diverged, and the metric says so
                text = write(value) + f"\n{state}"
            else:
                text = state
            light = np.isfinite(value) and (value - low) / (high - low) < 0.6
            item = pg.TextItem(text, color="#FFFFFF" if light else FOREGROUND, anchor=(0.5, 0.5))
            _centre_lines(item)
            item.setPos(c, r)
            plot.addItem(item)
            self._items.append((plot, item))
            self.texts.append(item)
            self._text_at[(layer, r, c)] = item

    def _outline(self, plot, disagree) -> None:
        pen = QPen(QColor(OUTLINE))
        pen.setWidthF(3.0)
        pen.setCosmetic(True)
        for r, c in zip(*np.nonzero(disagree), strict=True):
            rect = QGraphicsRectItem(c - 0.45, r - 0.45, 0.9, 0.9)
            rect.setPen(pen)
            rect.setBrush(Qt.BrushStyle.NoBrush)
            rect.setZValue(10)
            plot.addItem(rect)
            self._items.append((plot, rect))
            self.outlines.append(rect)

    # ----------------------------------------------------------------- reading
    def tables(self) -> dict[str, Table]:
        """The summary, one row per cell with a finished seed (``SweepResult.summary_rows``)."""
        if self.result is None or not self.result.runs:
            return {}
        head, *rows = self.result.summary_rows()
        columns = tuple([row[i] for row in rows] for i in range(len(head)))
        return {self.name: Table(tuple(head), columns)}

    def cell_text(self, row: int, col: int, layer: int = 0) -> str | None:
        """The text written in cell (layer, row, col), or None when it is blank."""
        item = self._text_at.get((layer, row, col))
        return None if item is None else item.toPlainText()

    def cell_tooltip(self, row: int, col: int, layer: int = 0) -> str:
        """What the tooltip of cell (layer, row, col) says."""
        result = self.result
        if result is None:
            return ""
        where = [f"{result.x} = {value_label(result.x_values[col])}"]
        if result.y:
            where.append(f"{result.y} = {value_label(result.y_values[row])}")
        if result.z:
            where.append(f"{result.z} = {value_label(result.z_values[layer])}")
        summary = result.cell_summary(layer, row, col) or "not run yet"
        return f"{', '.join(where)}\n{summary}"

    def outlined(self, layer: int | None = None) -> set[tuple[int, int]]:
        """The (row, col) of the outlined cells of ``layer`` (None: the first panel)."""
        if self.result is None:
            return set()
        layer = self.layers[0] if layer is None else layer
        return {
            (int(r), int(c)) for r, c in zip(*np.nonzero(self.result.disagree[layer]), strict=True)
        }

    def _on_mouse_moved(self, pos: QPointF) -> None:
        if self.result is None:
            return
        for i, l in enumerate(self.layers):
            plot = self.panels[i][0]
            if not plot.sceneBoundingRect().contains(pos):
                continue
            p = plot.vb.mapSceneToView(pos)
            c, r = round(p.x()), round(p.y())
            rows, cols = self.result.shape[1:]
            if 0 <= r < rows and 0 <= c < cols:
                self.graphics.setToolTip(self.cell_tooltip(r, c, l))
                return
        self.graphics.setToolTip("")


def _centre_lines(item: pg.TextItem) -> None:
    """Centre each line of a multi-line TextItem (Qt aligns them left)."""
    doc = item.textItem.document()
    option = doc.defaultTextOption()
    option.setAlignment(Qt.AlignmentFlag.AlignHCenter)
    doc.setDefaultTextOption(option)
    item.textItem.setTextWidth(doc.idealWidth())
