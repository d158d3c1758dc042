"""Scene items of the network canvas, each created once per layout and updated in place."""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsSimpleTextItem,
    QGraphicsTextItem,
    QStyleOptionGraphicsItem,
)

from rnnsim.gui.canvas.colors import strip_image

UNIT = 12.0  # diameter of one unit in scene pixels
PITCH = 16.0  # distance between unit centres
MAX_ROWS = 8  # units per grid column in a block
MERGE_BELOW = 5.0  # screen pixels: smaller units merge into one node

OUTLINE = QColor(90, 90, 90)
ARROW_GREY = QColor(120, 120, 120)
TEXT = QColor(30, 30, 30)
EMPTY_PEN = QPen(QColor(190, 190, 190), 1.0, Qt.PenStyle.DashLine)
OUTLINE_PEN = QPen(OUTLINE, 0.8)
_UNIT_GEOMETRY = {}  # (rows, n) → (unit rectangles, outline path)


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
            self._brushes = [QBrush(QColor.fromRgba(int(c))) for c in self.argb.tolist()]
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


class ArrowItem(QGraphicsPathItem):
    """A straight arrow from ``start`` to ``end`` with a filled head, painted natively by Qt.

    The pen (colour, width, dash) is updated in place; the head grows with the width.
    """

    def __init__(self, start, end, color=ARROW_GREY, width=1.2, key=None,
                 on_click=None, head=7.0):
        super().__init__()
        self.key, self.on_click, self.head = key, on_click, head
        self.start, self.end = QPointF(start), QPointF(end)
        self._apply(QColor(color), width, Qt.PenStyle.SolidLine)

    def _apply(self, color, width, style):
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
        path.addPolygon(QPolygonF([tip, QPointF(base.x() + px, base.y() + py),
                                  QPointF(base.x() - px, base.y() - py), tip]))
        self.setPath(path)

    def set_style(self, color, width, style=Qt.PenStyle.SolidLine):
        """Change colour, width and dash style (rebuilt only when they differ)."""
        pen = self.pen()
        if pen.color() != color or pen.widthF() != width or pen.style() != style:
            self._apply(QColor(color), width, style)

    @property
    def width(self):
        return self.pen().widthF()

    @property
    def color(self):
        return self.pen().color()

    def mousePressEvent(self, event):
        if self.on_click is None:
            event.ignore()
            return
        self.on_click(self.key, None)
        event.accept()


class TextItem(QGraphicsSimpleTextItem):
    """Plain text, only re-laid out when changed.

    ``min_lod`` / ``max_lod``: the zoom range in which it is readable; the scene shows or hides
    it when the zoom changes (``detail_range``), so painting needs no Python call.
    """

    def __init__(self, text="", size=9.0, color=TEXT, bold=False, min_px=5.0, max_lod=None):
        super().__init__(text)
        self._text, self._color = text, QColor(color)
        self.detail_range = (min_px / max(size, 1.0), max_lod or float("inf"))
        font = QFont("DejaVu Sans")
        font.setPointSizeF(size)
        font.setBold(bold)
        self.setFont(font)
        self.setBrush(QBrush(color))

    def set_text(self, text, color=None, center_x=None):
        """Change the text (and colour) only when it differs; True when the text changed.

        With ``center_x`` the text is centred on that x (scene coordinates of the parent).
        """
        changed = text != self._text
        if changed:
            self._text = text
            self.setText(text)
            if center_x is not None:
                self.setX(center_x - self.boundingRect().width() / 2)
        if color is not None and color != self._color:
            self._color = QColor(color)
            self.setBrush(QBrush(color))
        return changed


class HtmlItem(QGraphicsTextItem):
    """Rich text for notation labels (W<sub>y</sub>), skipped when too small to read."""

    def __init__(self, html, size=10.0, color=TEXT):
        super().__init__()
        font = QFont("DejaVu Sans")
        font.setPointSizeF(size)
        self.setFont(font)
        self.setDefaultTextColor(color)
        self._html = None
        self.set_html(html)

    def set_html(self, html):
        if html != self._html:
            self._html = html
            self.setHtml(html)

    def paint(self, painter, option, widget=None):
        if lod_of(painter) >= 0.45:
            super().paint(painter, option, widget)


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
            painter.drawText(QRectF(x - 2, self.HEIGHT, self.WIDTH + 4, 12),
                             Qt.AlignmentFlag.AlignHCenter, name)


class Detail:
    """Level of detail by visibility: text and gate bars shown only where readable.

    Hidden items cost nothing to draw, so the scene stays fast when zoomed out to T = 200.
    """

    GATES_FROM = 0.25

    def __init__(self):
        self.items = []  # (item, low, high): visible for low <= zoom < high
        self.lod = 1.0

    def collect(self, items):
        """Remember the items whose visibility depends on the zoom, and apply the current one."""
        self.items = []
        for item in items:
            if isinstance(item, TextItem):
                self.items.append((item, *item.detail_range))
            elif isinstance(item, GateBars):
                self.items.append((item, self.GATES_FROM, float("inf")))
        self.set_zoom(self.lod, force=True)

    def set_zoom(self, lod, force=False):
        """Show the items readable at zoom ``lod`` (screen pixels per scene pixel)."""
        if not force and lod == self.lod:
            return
        self.lod = lod
        for item, low, high in self.items:
            item.setVisible(low <= lod < high)
