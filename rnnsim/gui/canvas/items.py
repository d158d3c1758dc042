"""Scene items of the network canvas, each created once per layout and updated in place."""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainterPath, QPen
from PySide6.QtWidgets import (
    QGraphicsItem,
    QStyleOptionGraphicsItem,
)

from rnnsim.gui.canvas.colors import strip_image

UNIT = 12.0  # diameter of one unit in scene pixels
PITCH = 16.0  # distance between unit centres
MAX_ROWS = 8  # units per grid column in a block
MERGE_BELOW = 5.0  # screen pixels: smaller units merge into one node

OUTLINE = QColor(90, 90, 90)
EMPTY_PEN = QPen(QColor(190, 190, 190), 1.0, Qt.PenStyle.DashLine)
OUTLINE_PEN = QPen(OUTLINE, 0.8)
_UNIT_GEOMETRY = {}  # (rows, n) → (unit rectangles, outline path)
_BRUSHES: dict[int, QBrush] = {}  # ARGB → brush: the colour tables hold a few hundred colours


def brush_of(argb: int) -> QBrush:
    """The (shared) solid brush of colour ``argb``."""
    brush = _BRUSHES.get(argb)
    if brush is None:
        if len(_BRUSHES) > 4096:
            _BRUSHES.clear()
        brush = _BRUSHES[argb] = QBrush(QColor.fromRgba(argb))
    return brush


def lod_of(painter):
    """Scale of the painter's transform (screen pixels per scene pixel)."""
    return QStyleOptionGraphicsItem.levelOfDetailFromTransform(painter.worldTransform())


def block_shape(n):
    """(rows, cols) of a block of ``n`` units: one column up to MAX_ROWS, then a grid that
    grows towards a square (H = 256: 16 × 16)."""
    cols = max(1, math.ceil(n / max(MAX_ROWS, math.ceil(math.sqrt(n)))))
    rows = math.ceil(n / cols)
    return rows, cols


class VectorItem(QGraphicsItem):
    """A vector of units (x_t, s_t, c_t or y_t): one circle per unit, coloured by value.

    When a unit would be smaller than ``MERGE_BELOW`` screen pixels the units merge into one
    rounded node filled with the mean colour and a small activation bar of every unit.

    Parameters
    ----------
    key : tuple
        Model id of the vector, e.g. ``("s", j)``; passed to ``on_click`` with the unit index.
    n : int
        Number of units.
    on_click : callable or None
        ``on_click(key, unit)`` when the user clicks a unit.
    """

    def __init__(self, key, n, on_click=None):
        super().__init__()
        self.key = key
        self.n = n
        self.rows, self.cols = block_shape(n)
        self._rect = QRectF(-2, -2, self.cols * PITCH + 4, self.rows * PITCH + 4)
        self.on_click = on_click
        self.argb = None  # (n,) uint32 ARGB or None while empty
        self.values = None  # (n,) the values drawn, for tests and tooltips
        self.selected_unit = None
        self._bar = None
        self._brushes = None  # QBrush per unit, made at the first paint after set_data
        self._mean = QColor(230, 230, 230)
        self.setAcceptHoverEvents(False)

    @property
    def filled(self):
        """Whether the vector has been computed (drawn in colour)."""
        return self.argb is not None

    def boundingRect(self):
        return self._rect

    def unit_center(self, i):
        """Centre of unit ``i`` in item coordinates."""
        col, row = divmod(i, self.rows)
        return QPointF(col * PITCH + PITCH / 2, row * PITCH + PITCH / 2)

    def unit_at(self, pos):
        """Index of the unit under ``pos`` (item coordinates), or None."""
        col, row = int(pos.x() // PITCH), int(pos.y() // PITCH)
        i = col * self.rows + row
        inside = 0 <= col < self.cols and 0 <= row < self.rows and i < self.n
        return i if inside else None

    def set_data(self, values, argb, mean_argb=None):
        """Show ``values`` (n,) with colours ``argb`` (n,); None empties the vector."""
        if argb is None:
            if self.argb is None:
                return
            self.argb = self.values = self._bar = self._brushes = None
        else:
            self.values, self.argb = values, argb
            self._bar = self._brushes = None
            if mean_argb is not None:
                self._mean = QColor.fromRgba(int(mean_argb))
        self.update()

    def set_selected_unit(self, unit):
        """Ring unit ``unit`` (or nothing when None)."""
        if unit != self.selected_unit:
            self.selected_unit = unit
            self.update()

    def paint(self, painter, option, widget=None):
        if lod_of(painter) * UNIT < MERGE_BELOW:
            self._paint_merged(painter)
        else:
            self._paint_units(painter)

    def _geometry(self):
        """(ellipse rectangles, outline path of all units), shared by blocks of one shape."""
        key = (self.rows, self.n)
        cached = _UNIT_GEOMETRY.get(key)
        if cached is None:
            rects = []
            path = QPainterPath()
            for i in range(self.n):
                c = self.unit_center(i)
                rect = QRectF(c.x() - UNIT / 2, c.y() - UNIT / 2, UNIT, UNIT)
                rects.append(rect)
                path.addEllipse(rect)
            cached = _UNIT_GEOMETRY[key] = (rects, path)
        return cached

    def _paint_units(self, painter):
        painter.setRenderHint(painter.RenderHint.Antialiasing, True)
        rects, outline = self._geometry()
        if self.argb is None:
            painter.setPen(EMPTY_PEN)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawPath(outline)
            return
        if self._brushes is None:
            self._brushes = [brush_of(c) for c in self.argb.tolist()]
        painter.setPen(Qt.PenStyle.NoPen)
        for rect, brush in zip(rects, self._brushes, strict=True):
            painter.setBrush(brush)
            painter.drawEllipse(rect)
        painter.setPen(OUTLINE_PEN)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(outline)
        if self.selected_unit is not None and self.selected_unit < self.n:
            painter.setPen(QPen(QColor(0, 0, 0), 2.5))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawEllipse(self.unit_center(self.selected_unit), UNIT / 2 + 2, UNIT / 2 + 2)

    def _paint_merged(self, painter):
        rect = QRectF(0, 0, self.cols * PITCH, self.rows * PITCH)
        if self.argb is not None and rect.height() * lod_of(painter) < 4.0:
            painter.fillRect(rect, self._mean)  # a few pixels: the mean colour is all one sees
            return
        if self.argb is None:
            painter.setPen(EMPTY_PEN)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(rect, 4, 4)
            return
        painter.setPen(QPen(OUTLINE, 0))
        painter.setBrush(self._mean)
        painter.drawRoundedRect(rect, 4, 4)
        if self._bar is None:
            self._bar = strip_image(self.argb)
        h = max(rect.height() * 0.3, 3.0)
        bar = QRectF(rect.left() + 2, rect.bottom() - h - 2, rect.width() - 4, h)
        painter.drawImage(bar, self._bar)

    def mousePressEvent(self, event):
        unit = self.unit_at(event.pos())
        if unit is None or self.on_click is None:
            event.ignore()
            return
        self.on_click(self.key, unit)
        event.accept()
