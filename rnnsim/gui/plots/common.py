"""Shared pieces of the plots: colours, styled plot items, smoothing, tables of plotted data."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from rnnsim.gui.plots.number_axis import ColorBar, NumberAxis

EXPORT_SIZE = (960, 600)  # layout of an exported plot, pixels at scale 1

#: Curve colours (colour-blind safe, Okabe–Ito), in the order curves are added.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")
FOREGROUND = "#202020"
GRID_ALPHA = 0.18
SMOOTH_WINDOW = 20  # updates averaged by the smoothed training curves


@dataclass(frozen=True)
class Table:
    """The data behind a plot, as written to CSV.

    ``columns`` are equal-length 1-D sequences (numbers or strings), one per header name.
    """

    header: tuple[str, ...]
    columns: tuple

    def __post_init__(self):
        if len(self.header) != len(self.columns):
            raise ValueError(
                f"columns: got {len(self.columns)} for {len(self.header)} "
                "header names, expected one column per name"
            )
        lengths = {len(c) for c in self.columns}
        if len(lengths) > 1:
            raise ValueError(f"columns: got lengths {sorted(lengths)}, expected equal lengths")

    @property
    def n_rows(self) -> int:
        """Number of data rows."""
        return len(self.columns[0]) if self.columns else 0

    def rows(self):
        """Yield each row as a tuple of cells (floats written with full precision)."""
        for i in range(self.n_rows):
            yield tuple(_cell(c[i]) for c in self.columns)


def _cell(value):
    if isinstance(value, str):
        return value
    if isinstance(value, (bool, np.bool_)):
        return int(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    return repr(float(value))


def pen(index: int, width: float = 2.0, alpha: int = 255, style=Qt.PenStyle.SolidLine):
    """The pen of curve ``index`` of the palette; ``alpha`` < 255 fades it toward white.

    The faded colour is opaque: Qt strokes a long polyline with a translucent pen as one
    filled outline (hundreds of milliseconds for a few thousand points), an opaque one fast.
    """
    color = pg.mkColor(PALETTE[index % len(PALETTE)])
    if alpha < 255:
        a = alpha / 255
        color = pg.mkColor(*(round(a * c + (1 - a) * 255) for c in color.getRgb()[:3]))
    return pg.mkPen(color, width=width, style=style)


class OpaqueGridAxis(NumberAxis):
    """An axis whose ticks and grid lines are drawn opaque, in the colour their translucent
    pen would give on the white background, behind the curves; its labels are written by
    ``number_format`` (see ``NumberAxis``).

    Qt strokes translucent grid lines slowly (~3 ms per axis and repaint, most of a plot's
    repaint); opaque ones of the same look cost a fraction of that.
    """

    def __init__(self, orientation, **kwargs):
        super().__init__(orientation, **kwargs)
        self._pens = {}  # rgba → opaque pen
        self.integer = False  # time steps, lags, updates: ticks on whole numbers only

    def tickSpacing(self, minVal, maxVal, size):
        levels = super().tickSpacing(minVal, maxVal, size)
        if not self.integer or self.logMode:
            return levels
        whole = [
            (max(1.0, round(spacing)), offset)
            for spacing, offset in levels
            if spacing >= 1 or spacing == levels[0][0]
        ]
        return [(s, o) for i, (s, o) in enumerate(whole) if s not in (x for x, _ in whole[:i])]

    def generateDrawSpecs(self, p):
        specs = super().generateDrawSpecs(p)
        if specs is None:
            return None
        axis, ticks, texts = specs
        # faintest first: where levels coincide (log axes) the stronger line is drawn last
        return axis, [(self._opaque(pen_), a, b) for pen_, a, b in reversed(ticks)], thinned(texts)

    def _opaque(self, pen_):
        color = pen_.color()
        key = (color.rgba(), pen_.widthF())
        if key not in self._pens:
            a = color.alphaF()
            rgb = (round(a * c + (1 - a) * 255) for c in color.getRgb()[:3])
            opaque = pg.QtGui.QPen(pen_)
            opaque.setColor(pg.mkColor(*rgb))
            self._pens[key] = opaque
        return self._pens[key]


def thinned(texts, gap: float = 3.0):
    """Tick labels that do not run into each other: the major ones first, then each minor
    one that keeps ``gap`` pixels from every label already kept. ``texts`` are pyqtgraph's
    (rect, flags, text) specs, major levels first."""
    kept = []
    for spec in texts:
        rect = spec[0].adjusted(-gap, -gap, gap, gap)
        if not any(rect.intersects(other[0]) for other in kept):
            kept.append(spec)
    return kept


def integer_axis(plot: pg.PlotItem, side: str = "bottom") -> None:
    """Ticks on whole numbers only on ``side`` (time steps, lags, update numbers)."""
    axis = plot.getAxis(side)
    if isinstance(axis, OpaqueGridAxis):
        axis.integer = True
        axis.picture = None
        axis.update()


def dashed(color: str = "#555555", width: float = 1.5):
    """A dashed reference-line pen."""
    return pg.mkPen(color, width=width, style=Qt.PenStyle.DashLine)


def plot_axes() -> dict[str, OpaqueGridAxis]:
    """New left and bottom axes for a plot (``axisItems`` of ``pg.PlotItem``)."""
    return {side: OpaqueGridAxis(side) for side in ("left", "bottom")}


def style_plot(
    plot: pg.PlotItem,
    title: str,
    x_label: str,
    y_label: str,
    *,
    legend: bool = False,
    log_x: bool = False,
    log_y: bool = False,
):
    """Give ``plot`` a title, axis labels (units in the label text), a grid and dark ink.

    A plot built with ``axisItems=plot_axes()`` keeps its axes; any other gets new ones."""
    if not all(isinstance(plot.getAxis(side), OpaqueGridAxis) for side in ("left", "bottom")):
        plot.setAxisItems(plot_axes())
    for side in ("left", "bottom"):
        plot.getAxis(side).setZValue(-200)  # opaque grid lines under the view box's items
    plot.setTitle(title, color=FOREGROUND, size="11pt")
    for side in ("left", "bottom", "top", "right"):
        axis = plot.getAxis(side)
        axis.setPen(pg.mkPen(FOREGROUND))
        axis.setTextPen(pg.mkPen(FOREGROUND))
        axis.enableAutoSIPrefix(False)
    style = {"color": FOREGROUND, "font-size": "10pt"}
    plot.setLabel("bottom", x_label, **style)
    plot.setLabel("left", y_label, **style)
    plot.showGrid(x=True, y=True, alpha=GRID_ALPHA)
    plot.setLogMode(x=log_x, y=log_y)
    if log_y:
        plot.getAxis("left").setWidth(78)  # room for "0.0001" beside the axis label
    plot.setMenuEnabled(False)  # right-click opens the export menu (PlotView.contextMenuEvent)
    if legend:
        box = plot.addLegend(
            offset=(-8, 8),
            labelTextColor=FOREGROUND,
            brush=pg.mkBrush(255, 255, 255, 220),
            pen=pg.mkPen("#BBBBBB"),
        )
        box.setLabelTextSize("9pt")
    return plot


def curve(
    plot: pg.PlotItem, name: str | None, pen_, *, downsample: bool = False, **kwargs
) -> pg.PlotDataItem:
    """Add an empty curve; long ones are downsampled (peak method) and clipped to view."""
    item = pg.PlotDataItem([], [], pen=pen_, name=name, **kwargs)
    plot.addItem(item)  # applies the plot's own downsampling settings: override them after
    if downsample:
        item.setDownsampling(auto=True, method="peak")
        item.setClipToView(True)
    return item


def positive(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Keep the points with a finite, strictly positive y (what a log axis can show)."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    keep = np.isfinite(y) & (y > 0)
    return x[keep], y[keep]


def symmetric_levels(*arrays: np.ndarray) -> tuple[float, float]:
    """Colour levels (−m, m) with m the largest |value| (1e-12 at least)."""
    m = max(
        (
            float(np.nanmax(np.abs(a)))
            for a in arrays
            if a is not None and a.size and np.isfinite(a).any()
        ),
        default=0.0,
    )
    m = max(m, 1e-12)
    return -m, m


def colormap(name: str) -> pg.ColorMap:
    """A pyqtgraph colour map by name ("CET-D1A" diverging, "viridis" sequential)."""
    return pg.colormap.get(name)


def set_legend(plot: pg.PlotItem, entries) -> None:
    """Show exactly ``entries`` ((item, label) pairs) in the plot's legend, rebuilt on change."""
    entries = [(item, label) for item, label in entries]
    key = [(id(item), label) for item, label in entries]
    if getattr(plot, "_legend_key", None) == key:
        return
    plot._legend_key = key
    plot.legend.clear()
    for item, label in entries:
        plot.legend.addItem(item, label)


def colorbar(cmap: pg.ColorMap, label: str, levels=(-1.0, 1.0)) -> ColorBar:
    """A non-interactive vertical colour bar in dark ink, ``label`` beside its tick values
    (written by ``number_format``; NaN levels keep the last drawable ones)."""
    bar = ColorBar(
        values=levels,
        colorMap=cmap,
        interactive=False,
        width=14,
        pen=FOREGROUND,
        colorMapMenu=False,
    )
    for side in ("left", "right", "top", "bottom"):
        bar.getAxis(side).setPen(pg.mkPen(FOREGROUND))
    bar.axis.setTextPen(pg.mkPen(FOREGROUND))
    bar.axis.enableAutoSIPrefix(False)
    bar.axis.setLabel(label, color=FOREGROUND, **{"font-size": "10pt"})
    bar.fit_axis()
    return bar


def integer_ticks(plot: pg.PlotItem, n_x: int, n_y: int) -> None:
    """Ticks on whole cells: every cell up to 10 across (16 down), else every k-th."""
    for side, n, most in (("bottom", n_x, 10), ("left", n_y, 16)):
        step = max(1, -(-n // most))
        plot.getAxis(side).setTickSpacing(levels=[(step, 0)])


def legend_below(
    view,
    plot: pg.PlotItem,
    row: int,
    col: int,
    columns: int = 2,
    narrow_columns: int = 1,
    spacing: int = 18,
    rows: int = 3,
):
    """A legend in its own layout cell under ``plot`` (it never hides a curve).

    ``view`` is the plot's PlotView; curves added to ``plot`` with a name are listed in it.
    It has ``columns`` columns in a wide view and ``narrow_columns`` in a narrow one (short
    entries such as "s_t[3]" still fit side by side there), ``spacing`` pixels between them,
    and room for up to ``rows`` lines when it has more than one column.
    """
    legend = pg.LegendItem(
        offset=None,
        labelTextColor=FOREGROUND,
        colCount=columns,
        brush=pg.mkBrush(255, 255, 255, 0),
        pen=None,
        frame=False,
        horSpacing=spacing,
    )
    legend.setLabelTextSize("9pt")
    legend.wide_columns = columns
    legend.narrow_columns = narrow_columns  # a narrow dock lists long entries in one column
    legend.rows = rows
    legend.row = row
    view.legends_below.append(legend)
    view.graphics.addItem(legend, row=row, col=col)
    layout = view.graphics.ci.layout
    layout.setRowStretchFactor(row - 1, 1)
    layout.setRowStretchFactor(row, 0)
    layout.setRowMaximumHeight(row, 60)
    plot.legend = legend
    return legend
