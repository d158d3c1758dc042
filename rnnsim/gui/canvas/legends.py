"""Legend strip under the canvas: the colour scales of s_t, x_t, y_t and ‖∂E/∂s_k‖ (log)."""

from __future__ import annotations

import math
from itertools import pairwise

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from rnnsim.gui.canvas.colors import strip_image
from rnnsim.gui.number_format import log_tick_labels, tick_labels


def _ticks(scale):
    """Tick values (in the scale's own units) and their labels; none for a broken scale."""
    lo, hi = scale.lo, scale.hi
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return [], []
    if scale.log:
        lo, hi = math.floor(lo), math.ceil(hi)
        step = max(1, -(-(hi - lo) // 3))
        values = list(range(lo, hi + 1, step))
        return values, log_tick_labels(values)
    values = [lo, (lo + hi) / 2, hi]
    return values, tick_labels(values)


def fitting_ticks(scale, bar_w, metrics, gap=6.0):
    """``_ticks`` without the middle labels when the labels would not fit side by side under a
    bar ``bar_w`` pixels wide (huge values: "6.02e249" and "9.2e250" need the room)."""
    values, labels = _ticks(scale)
    if len(labels) <= 2:
        return values, labels
    span = (scale.hi - scale.lo) or 1.0
    last = len(labels) - 1
    spans = []  # (left, right) of each label: the ends aligned inward, the others centred
    for i, (v, label) in enumerate(zip(values, labels, strict=True)):
        px, w = (v - scale.lo) / span * bar_w, metrics.horizontalAdvance(label)
        spans.append(
            (px, px + w) if i == 0 else (px - w, px) if i == last else (px - w / 2, px + w / 2)
        )
    if any(a[1] + gap > b[0] for a, b in pairwise(spans)):
        return [values[0], values[-1]], [labels[0], labels[-1]]
    return values, labels


def _same_scales(a, b) -> bool:
    """Whether two lists of (title, ColorScale) draw the same legend."""
    return len(a) == len(b) and all(
        ta == tb
        and (
            sa is sb
            or (
                sa.lo == sb.lo
                and sa.hi == sb.hi
                and sa.log == sb.log
                and sa.title == sb.title
                and (sa.lut is sb.lut or np.array_equal(sa.lut, sb.lut))
            )
        )
        for (ta, sa), (tb, sb) in zip(a, b, strict=True)
    )


class LegendBar(QWidget):
    """Draws one colour bar per scale, each with its title and tick labels."""

    BAR_W, BAR_H = 150, 10

    def __init__(self, parent=None):
        super().__init__(parent)
        self.scales = []  # list of (title, ColorScale)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumHeight(46)
        self._font = QFont("DejaVu Sans")
        self._font.setPointSizeF(8.0)
        self.zoom = 1.0

    def sizeHint(self):
        return QSize(4 * (self.BAR_W + 40), round(46 * self.zoom))

    def set_zoom(self, zoom):
        """Projector mode: text and bars ``zoom`` times larger."""
        self.zoom = float(zoom)
        self._font.setPointSizeF(8.0)
        self.setMinimumHeight(round(46 * self.zoom))
        self.updateGeometry()
        self.update()

    def set_scales(self, scales):
        """Show ``scales``: a list of (title, ColorScale); repainted only when they changed
        (the canvas sets them with every snapshot)."""
        scales = list(scales)
        if not _same_scales(scales, self.scales):
            self.scales = scales
            self.update()

    def paintEvent(self, event):
        painter = QPainter(self)
        try:
            self._paint(painter)
        finally:
            painter.end()  # even if drawing failed: an active painter breaks the backing store

    def _paint(self, painter):
        painter.fillRect(self.rect(), QColor(252, 252, 252))
        painter.scale(self.zoom, self.zoom)  # the layout below is in unzoomed pixels
        painter.setFont(self._font)
        x = 12.0
        n = max(len(self.scales), 1)
        bar_w = int(max(60, min(self.BAR_W, (self.width() / self.zoom - 24 - 44 * n) / n)))
        for title, scale in self.scales:
            painter.setPen(QColor(30, 30, 30))
            painter.drawText(QRectF(x, 2, bar_w + 40, 14), Qt.AlignmentFlag.AlignLeft, title)
            bar = QRectF(x, 17, bar_w, self.BAR_H)
            lut = scale.lut[np.linspace(0, len(scale.lut) - 1, bar_w).astype(int)]
            painter.drawImage(bar, strip_image(lut))
            painter.setPen(QPen(QColor(120, 120, 120), 0.8))
            painter.drawRect(bar)
            values, labels = fitting_ticks(scale, bar_w, QFontMetricsF(self._font))
            span = (scale.hi - scale.lo) or 1.0
            last = len(values) - 1
            for i, (v, label) in enumerate(zip(values, labels, strict=True)):
                px = x + (v - scale.lo) / span * bar_w
                if not math.isfinite(px):
                    continue
                painter.drawLine(QPointF(px, 27), QPointF(px, 30))
                # the end labels stay inside the bar's span: neighbours never overlap
                align = (
                    Qt.AlignmentFlag.AlignLeft
                    if i == 0
                    else Qt.AlignmentFlag.AlignRight
                    if i == last
                    else Qt.AlignmentFlag.AlignHCenter
                )
                box = (
                    QRectF(px, 30, bar_w / 2, 14)
                    if i == 0
                    else QRectF(px - bar_w / 2, 30, bar_w / 2, 14)
                    if i == last
                    else QRectF(px - bar_w / 4, 30, bar_w / 2, 14)
                )
                painter.drawText(box, align, label)
            x += bar_w + 44
