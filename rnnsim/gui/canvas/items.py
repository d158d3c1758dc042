"""Scene items of the network canvas, each created once per layout and updated in place."""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainterPath, QPen
from PySide6.QtWidgets import (
    QGraphicsEllipseItem,
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsRectItem,
    QStyleOptionGraphicsItem,
)
from shiboken6 import Shiboken

from rnnsim.gui.canvas.colors import strip_image

UNIT = 12.0  # diameter of one unit in scene pixels
PITCH = 16.0  # distance between unit centres
MAX_ROWS = 8  # units per grid column in a block
MERGE_BELOW = 5.0  # screen pixels: smaller units merge into one node

OUTLINE = QColor(90, 90, 90)
EMPTY_PEN = QPen(QColor(190, 190, 190), 1.0, Qt.PenStyle.DashLine)
OUTLINE_PEN = QPen(OUTLINE, 0.8)
RING_PEN = QPen(QColor(0, 0, 0), 2.5)
_NO_CONTENTS = QGraphicsItem.GraphicsItemFlag.ItemHasNoContents
_BEHIND = QGraphicsItem.GraphicsItemFlag.ItemStacksBehindParent
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


class _Units:
    """The C++ items that draw a VectorItem's units: Qt paints them without calling Python.

    ``outline`` (the path of every unit's circle) holds ``fills`` (one ellipse per unit,
    stacked behind the outline) and ``ring`` (the selection ring, over the outline).
    """

    def __init__(self, parent, rects, path):
        self.outline = QGraphicsPathItem(path, parent)
        self.outline.setBrush(Qt.BrushStyle.NoBrush)
        self.outline.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.fills = QGraphicsRectItem(self.outline)  # holds the ellipses, draws nothing
        self.fills.setFlag(_NO_CONTENTS, True)
        self.fills.setFlag(_BEHIND, True)
        self.fills.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.ellipses = []
        for rect in rects:
            ellipse = QGraphicsEllipseItem(rect, self.fills)
            ellipse.setPen(Qt.PenStyle.NoPen)
            ellipse.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
            self.ellipses.append(ellipse)
        self.ring = QGraphicsEllipseItem(self.outline)
        self.ring.setPen(RING_PEN)
        self.ring.setBrush(Qt.BrushStyle.NoBrush)
        self.ring.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.ring.setVisible(False)
        self.shown = None  # the ARGB array the ellipses' brushes show (None: no brush yet)
        self.filled = None  # whether they show it (else the dashed empty outline)

    def count(self):
        """How many scene items this is."""
        return len(self.ellipses) + 3

    def delete(self):
        """Delete the C++ items now (their Python wrappers become unusable)."""
        Shiboken.delete(self.outline)
        self.ellipses = []


class VectorItem(QGraphicsRectItem):
    """A vector of units (x_t, s_t, c_t or y_t): one circle per unit, coloured by value.

    When a unit would be smaller than ``MERGE_BELOW`` screen pixels the units merge into one
    rounded node filled with the mean colour and a small activation bar of every unit.

    The units are drawn by C++ child items (one ellipse per unit, the outline, the selection
    ring) once the item knows its zoom (``set_lod``, from the scene's ``Detail``) is large
    enough and it is ``live`` (in view): Qt then paints them without taking the GIL from the
    training thread, and ``set_data`` re-brushes only the units whose colour changed. Else
    (merged, out of view, no zoom known, or an export) ``paint`` draws in Python.

    Parameters
    ----------
    key : tuple
        Model id of the vector, e.g. ``("s", j)``; passed to ``on_click`` with the unit index.
    n : int
        Number of units.
    on_click : callable or None
        ``on_click(key, unit)`` when the user clicks a unit.
    live : bool
        Whether it starts in view (the unfolded scene marks the columns in view live).
    """

    def __init__(self, key, n, on_click=None, live=True):
        self.rows, self.cols = block_shape(n)
        super().__init__(QRectF(-2, -2, self.cols * PITCH + 4, self.rows * PITCH + 4))
        self.setPen(Qt.PenStyle.NoPen)
        self.key = key
        self.n = n
        self.on_click = on_click
        self.argb = None  # (n,) uint32 ARGB or None while empty
        self.values = None  # (n,) the values drawn, for tests and tooltips
        self.selected_unit = None
        self._bar = None
        self._brushes = None  # QBrush per unit, made at the first paint after set_data
        self._mean = QColor(230, 230, 230)  # the mean colour (merged drawing only)
        self._mean_argb = None  # the ARGB it was made from; set_data keeps the int alone
        self.live = live
        self._lod = None  # the zoom of the view showing it; None: unknown (paint decides)
        self._exporting = False
        self._units = None  # _Units, made when first needed
        self._children = False  # whether the _Units draw (else paint does)
        self.setAcceptHoverEvents(False)

    @property
    def filled(self):
        """Whether the vector has been computed (drawn in colour)."""
        return self.argb is not None

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
            if mean_argb is not None:  # a QColor only when drawn merged (``_mean_color``):
                self._mean_argb = int(mean_argb)  # a Qt object let go gives up the GIL
        if self._children:
            self._sync_units()
        elif self._use_children():
            self._apply_mode(create=True)
        else:
            self.update()

    def set_selected_unit(self, unit):
        """Ring unit ``unit`` (or nothing when None)."""
        if unit != self.selected_unit:
            self.selected_unit = unit
            if self._units is not None:
                self._sync_ring()
            if not self._children:
                self.update()

    def set_lod(self, lod):
        """The zoom (screen pixels per scene pixel) of the view showing the item.

        Units already made are shown or hidden; new ones are made by ``set_live`` or
        ``set_data`` (a zoom comes before the scene knows which columns are in view)."""
        self._lod = lod
        self._apply_mode(create=False)

    def set_live(self, live):
        """In view (its units drawn by C++ items when the zoom allows) or not (their items
        deleted: an H = 256, T = 200 scene keeps only the columns in view)."""
        if live == self.live and (self._children or not live or not self._use_children()):
            return
        self.live = live
        self._apply_mode(create=live)

    def set_exporting(self, exporting):
        """While True, ``paint`` draws everything (scene.render at any scale, as before)."""
        self._exporting = exporting
        self._apply_mode(create=False)

    def scene_item_count(self):
        """How many child items the units have now (0 when ``paint`` draws them)."""
        return self._units.count() if self._units is not None else 0

    def _use_children(self):
        return (
            self.live
            and not self._exporting
            and self._lod is not None
            and self._lod * UNIT >= MERGE_BELOW
        )

    def _apply_mode(self, create):
        children = self._use_children() and (create or self._units is not None)
        if children:
            self._sync_units()
        if children != self._children:
            self._children = children
            if self._units is not None:
                self._units.outline.setVisible(children)
            self.setFlag(_NO_CONTENTS, children)
            self.update()
        if not self.live and self._units is not None:
            self._units.delete()
            self._units = None

    def _sync_units(self):
        """Bring the C++ unit items up to date: brushes of changed colours, outline, ring."""
        units = self._units
        if units is None:
            units = self._units = _Units(self, *self._geometry())
            units.outline.setVisible(self._children)
            self._sync_ring()
        argb = self.argb
        filled = argb is not None
        if filled != units.filled:
            units.filled = filled
            units.fills.setVisible(filled)
            units.outline.setPen(OUTLINE_PEN if filled else EMPTY_PEN)
        if not filled:
            return
        shown = units.shown
        if shown is argb:
            return
        colors = argb.tolist()
        ellipses, brushes = units.ellipses, _BRUSHES
        changed = range(self.n) if shown is None else np.flatnonzero(shown != argb).tolist()
        for i in changed:
            c = colors[i]
            ellipses[i].setBrush(brushes.get(c) or brush_of(c))
        units.shown = argb

    def _sync_ring(self):
        ring, unit = self._units.ring, self.selected_unit
        if unit is not None and unit < self.n:
            c = self.unit_center(unit)
            r = UNIT / 2 + 2
            ring.setRect(QRectF(c.x() - r, c.y() - r, 2 * r, 2 * r))
            ring.setVisible(True)
        else:
            ring.setVisible(False)

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

    def _mean_color(self):
        """The mean colour as a QColor (made again only when set_data changed it)."""
        if self._mean_argb is not None and self._mean_argb != self._mean.rgba():
            self._mean = QColor.fromRgba(self._mean_argb)
        return self._mean

    def _paint_merged(self, painter):
        rect = QRectF(0, 0, self.cols * PITCH, self.rows * PITCH)
        mean = self._mean_color()
        if self.argb is not None and rect.height() * lod_of(painter) < 4.0:
            painter.fillRect(rect, mean)  # a few pixels: the mean colour is all one sees
            return
        if self.argb is None:
            painter.setPen(EMPTY_PEN)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(rect, 4, 4)
            return
        painter.setPen(QPen(OUTLINE, 0))
        painter.setBrush(mean)
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
