"""The axes and colour bars of every plot, labelled through ``number_format``.

pyqtgraph's own axis writes ``4e+143``, ``1e-05`` or a row of decimals (``1.000010``) that
does not fit beside a colour bar, and its colour bar raises on NaN levels. ``NumberAxis``
labels its ticks with ``number_format.tick_labels`` (log axes with ``log_tick_labels``), as
the canvas, the status bar and the reports write numbers; ``ColorBar`` is a colour bar whose
value axis is a ``NumberAxis`` and whose levels are always finite. Every plot axis
(``common.OpaqueGridAxis``) and every colour bar (``common.colorbar``: weights, activations,
gradient flow, the sweep's heatmaps) is one of these.
"""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtGui import QFontMetricsF

from rnnsim.gui.number_format import log_tick_labels, tick_labels


class NumberAxis(pg.AxisItem):
    """An axis whose tick labels are written by ``number_format`` (4e143, 1e-12, 1500, nan)."""

    def tickStrings(self, values, scale, spacing):
        if self.logMode:
            return self.logTickStrings(values, scale, spacing)
        return tick_labels([v * scale for v in values], spacing=spacing * scale)

    def logTickStrings(self, values, scale, spacing):
        shift = math.log10(scale) if scale > 0 else 0.0
        return log_tick_labels([v + shift for v in values])

    def labels_width(self, lo: float, hi: float) -> float:
        """Pixels the widest tick label of the range (lo, hi) needs, with tick and gap."""
        length = max(self.geometry().height(), 100.0)
        metrics = QFontMetricsF(self.style["tickFont"] or self.font())
        widths = [
            metrics.horizontalAdvance(text)
            for spacing, values in self.tickValues(lo, hi, length)
            for text in self.tickStrings(values, 1.0, spacing)
        ]
        return max(widths, default=0.0) + max(0, self.style["tickLength"]) + 4


def finite_levels(levels, previous=(0.0, 1.0)) -> tuple[float, float]:
    """``levels`` (low, high) made drawable: a non-finite end keeps ``previous``'s, an empty
    or overflowing range is widened around its middle."""
    lo, hi = (float(x) if x is not None else math.nan for x in levels)
    if not math.isfinite(lo):
        lo = previous[0] if not math.isfinite(hi) or previous[0] < hi else hi - 1.0
    if not math.isfinite(hi):
        hi = previous[1] if previous[1] > lo else lo + 1.0
    if lo > hi:
        lo, hi = hi, lo
    if not math.isfinite(hi - lo):  # ±1e308: a span the axis cannot compute with
        lo, hi = lo / 2, hi / 2
    if hi - lo <= 1e-12 * max(abs(lo), abs(hi), 1e-300):
        half = max(abs(lo) * 1e-6, 1e-12)
        lo, hi = lo - half, hi + half
    return lo, hi


class ColorBar(pg.ColorBarItem):
    """A ``pg.ColorBarItem`` with a ``NumberAxis`` for its values and NaN-safe levels."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        side = "bottom" if self.horizontal else "right"
        old = self.axis
        axis = NumberAxis(side)
        self.setAxisItems({side: axis})
        axis.setZValue(old.zValue())
        axis.setStyle(showValues=True)
        axis.unlinkFromView()
        self.axis = axis
        self.axis.setRange(*self.values)
        self.least_width = 62  # pixels of its value axis (tick labels and title)

    def fit_axis(self) -> None:
        """Widen the value axis when its tick labels need more than ``least_width`` (a narrow
        range: 1.000012) and narrow it back after (a fixed width: pyqtgraph's automatic one
        crashes Python at exit)."""
        title = self.axis.label.boundingRect().height() * 0.8 if self.axis.label.isVisible() else 0
        width = math.ceil(max(self.least_width, self.axis.labels_width(*self.values) + title))
        if width != self.axis.fixedWidth:
            self.axis.setWidth(width)

    def setLevels(self, values=None, low=None, high=None, update_items=True):
        if values is not None:
            low, high = values
        current = self.values
        low = current[0] if low is None else low
        high = current[1] if high is None else high
        super().setLevels(finite_levels((low, high), current), update_items=update_items)
        self.fit_axis()
