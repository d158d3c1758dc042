"""Arrows and gate bars of the canvas (W_x, W_s, W_y, the gradient, LSTM/GRU gates)."""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import QGraphicsItem, QGraphicsPathItem

ARROW_GREY = QColor(120, 120, 120)


class CanvasArrow(QGraphicsPathItem):
    """A straight arrow from ``start`` to ``end`` with a filled head, painted natively by Qt.

    The pen (colour, width, dash) is updated in place; the head grows with the width.
    """

    def __init__(self, start, end, color=ARROW_GREY, width=1.2, key=None, on_click=None, head=7.0):
        super().__init__()
        self.key, self.on_click, self.head = key, on_click, head
        self.start, self.end = QPointF(start), QPointF(end)
        self._apply(QColor(color), width, Qt.PenStyle.SolidLine)

    def _apply(self, color, width, style):
        self._style = (color.rgba(), float(width), style)
        pen = QPen(color, width, style)
        pen.setCapStyle(Qt.PenCapStyle.FlatCap)
        pen.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
        self.setPen(pen)
        self.setBrush(QBrush(color))
        dx, dy = self.end.x() - self.start.x(), self.end.y() - self.start.y()
        length = math.hypot(dx, dy) or 1.0
        ux, uy = dx / length, dy / length
        head = self.head + width
        tip = self.end
        base = QPointF(tip.x() - ux * head, tip.y() - uy * head)
        px, py = -uy * head * 0.5, ux * head * 0.5
        path = QPainterPath(self.start)
        path.lineTo(base)
        path.addPolygon(
            QPolygonF(
                [
                    tip,
                    QPointF(base.x() + px, base.y() + py),
                    QPointF(base.x() - px, base.y() - py),
                    tip,
                ]
            )
        )
        self.setPath(path)

    def set_style(self, color, width, style=Qt.PenStyle.SolidLine):
        """Change colour (a QColor, or an ARGB int), width and dash style (rebuilt only when
        they differ).

        Compared on a key kept in Python, not on ``self.pen()``: every Qt value object that
        Python lets go (a QPen or QColor returned by a getter, say) gives up the GIL in its
        destructor, and the training thread waiting for it takes it, so while a network trains
        each such object costs a hand-over of the GIL each way.
        """
        rgba = color if isinstance(color, int) else color.rgba()
        if (rgba, float(width), style) != self._style:
            self._apply(QColor.fromRgba(rgba), width, style)

    @property
    def width(self):
        """The pen width (the gradient arrows encode ‖∂E/∂s‖ in it)."""
        return self.pen().widthF()

    @property
    def color(self):
        """The pen colour."""
        return self.pen().color()

    def mousePressEvent(self, event):
        if self.on_click is None:
            event.ignore()
            return
        self.on_click(self.key, None)
        event.accept()


class GateBars(QGraphicsItem):
    """LSTM/GRU gates of one time step as small vertical bars (mean over units), with letters.

    Values in [0, 1] fill the bar from the bottom; the candidate (``g``/``n``, in [−1, 1])
    fills from the middle.
    """

    WIDTH, HEIGHT, GAP = 9.0, 34.0, 3.0

    def __init__(self, names):
        super().__init__()
        self.names = tuple(names)
        self.values = None  # (len(names),) mean gate values, or None
        self._font = QFont("DejaVu Sans")
        self._font.setPointSizeF(7.0)

    def boundingRect(self):
        w = len(self.names) * (self.WIDTH + self.GAP)
        return QRectF(-1, -1, w + 2, self.HEIGHT + 14)

    def set_values(self, values):
        """Show the mean gate values (one per name), or nothing when None."""
        self.values = None if values is None else np.asarray(values, dtype=float)
        self.update()

    def paint(self, painter, option, widget=None):
        if self.values is None:
            return
        painter.setFont(self._font)
        for i, (name, v) in enumerate(zip(self.names, self.values, strict=True)):
            x = i * (self.WIDTH + self.GAP)
            frame = QRectF(x, 0, self.WIDTH, self.HEIGHT)
            painter.setPen(QPen(QColor(120, 120, 120), 0.6))
            painter.setBrush(QColor(250, 250, 250))
            painter.drawRect(frame)
            signed = name in ("g", "n")
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(70, 110, 180) if signed else QColor(60, 150, 90))
            if signed:
                mid = self.HEIGHT / 2
                h = float(np.clip(v, -1, 1)) * mid
                painter.drawRect(QRectF(x, mid - max(h, 0), self.WIDTH, abs(h)))
            else:
                h = float(np.clip(v, 0, 1)) * self.HEIGHT
                painter.drawRect(QRectF(x, self.HEIGHT - h, self.WIDTH, h))
            painter.setPen(QColor(40, 40, 40))
            painter.drawText(
                QRectF(x - 2, self.HEIGHT, self.WIDTH + 4, 12), Qt.AlignmentFlag.AlignHCenter, name
            )
