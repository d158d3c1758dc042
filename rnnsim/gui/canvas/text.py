"""Text on the canvas, and the level of detail that shows it only where it is readable."""

from __future__ import annotations

import contextlib

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QTransform
from PySide6.QtWidgets import (
    QGraphicsSimpleTextItem,
    QGraphicsTextItem,
    QStyleOptionGraphicsItem,
)

from rnnsim.gui.canvas.items import VectorItem
from rnnsim.gui.canvas.marks import GateBars

TEXT = QColor(30, 30, 30)
_METRICS: dict[tuple[float, bool], QFontMetricsF] = {}  # (size, bold) → metrics of the font


class CanvasText(QGraphicsSimpleTextItem):
    """Plain text, only re-laid out when changed.

    ``min_lod`` / ``max_lod``: the zoom range in which it is readable; the scene shows or hides
    it when the zoom changes (``detail_range``), so painting needs no Python call.
    """

    def __init__(self, text="", size=9.0, color=TEXT, bold=False, min_px=5.0, max_lod=None):
        super().__init__(text)
        self._text, self._color = text, QColor(color)
        self._color_asked = color  # the object last asked for: the same one needs no compare
        self._request = (text, None)  # (text asked for, max_width) of the shown text
        self.detail_range = (min_px / max(size, 1.0), max_lod or float("inf"))
        font = QFont("DejaVu Sans")
        font.setPointSizeF(size)
        font.setBold(bold)
        self.setFont(font)
        metrics = _METRICS.get((size, bold))
        if metrics is None:
            metrics = _METRICS[(size, bold)] = QFontMetricsF(font)
        self._metrics = metrics
        self.setBrush(QBrush(color))

    def make_clickable(self, key, on_click, tip):
        """Call ``on_click(key, None)`` when the text is clicked (a state's label, say)."""
        self._key, self._on_click = key, on_click
        self.setToolTip(tip)
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def mousePressEvent(self, event):
        on_click = getattr(self, "_on_click", None)
        if on_click is None:
            event.ignore()
            return
        on_click(self._key, None)
        event.accept()

    def fitted(self, text, max_width):
        """``text`` elided ("…") to at most ``max_width`` scene pixels; "" when not even
        "…" fits. The font scales with the zoom like the scene, so it fits at every zoom."""
        metrics = self._metrics
        if metrics.horizontalAdvance(text) <= max_width:
            return text
        elided = metrics.elidedText(text, Qt.TextElideMode.ElideRight, max_width)
        return elided if elided and metrics.horizontalAdvance(elided) <= max_width else ""

    def text_width(self, text):
        """Scene width of ``text`` in this item's font: its widest line."""
        advance = self._metrics.horizontalAdvance
        return max(advance(line) for line in text.split("\n"))

    def set_text(self, text, color=None, center_x=None, max_width=None):
        """Change the text (and colour) only when it differs; True when the text changed.

        With ``center_x`` the text is centred on that x (scene coordinates of the parent);
        with ``max_width`` it is elided to that width (hidden when nothing fits).
        """
        if max_width is not None:
            request = (text, max_width)
            if request == self._request:
                text = self._text
            else:
                self._request, text = request, self.fitted(text, max_width)
        else:
            self._request = (text, None)  # else a later fit to the old request kept this text
        changed = text != self._text
        if changed:
            self._text = text
            self.setText(text)
            if center_x is not None:  # the widest line, from the font: no QRectF to let go
                self.setX(center_x - self.text_width(text) / 2)  # (``CanvasArrow.set_style``)
        if color is not None and color is not self._color_asked:
            self._color_asked = color
            if color != self._color:
                self._color = QColor(color)
                self.setBrush(QBrush(color))
        return changed


class HtmlItem(QGraphicsTextItem):
    """Rich text for notation labels (W<sub>y</sub>), hidden when too small to read.

    The scene's ``Detail`` hides it below ``MIN_LOD`` (no paint() override: Qt paints it
    without Python).
    """

    MIN_LOD = 0.45

    def __init__(self, html, size=10.0, color=TEXT, key=None, on_click=None):
        super().__init__()
        self.key, self.on_click = key, on_click
        font = QFont("DejaVu Sans")
        font.setPointSizeF(size)
        self.setFont(font)
        self.setDefaultTextColor(color)
        self._html = None
        self.set_html(html)

    def set_html(self, html):
        """Show ``html`` (re-laid out only when it changed)."""
        if html != self._html:
            self._html = html
            self.setHtml(html)

    def mousePressEvent(self, event):
        if self.on_click is None:
            event.ignore()
            return
        self.on_click(self.key, None)
        event.accept()


class Detail:
    """Level of detail by visibility: text and gate bars shown only where readable.

    Hidden items cost nothing to draw, so the scene stays fast when zoomed out to T = 200.
    The vectors are told the zoom too: they draw their units as C++ items or merge them.
    """

    GATES_FROM = 0.25

    def __init__(self):
        self.items = []  # (item, low, high): visible for low <= zoom < high
        self.vectors = []  # VectorItems
        self.lod = 1.0

    def collect(self, items):
        """Remember the items whose visibility depends on the zoom, and apply the current one."""
        self.items = []
        self.vectors = []
        for item in items:
            if isinstance(item, VectorItem):
                self.vectors.append(item)
            elif isinstance(item, CanvasText):
                self.items.append((item, *item.detail_range))
            elif isinstance(item, HtmlItem):
                self.items.append((item, HtmlItem.MIN_LOD, float("inf")))
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
        for vector in self.vectors:
            vector.set_lod(lod)

    @contextlib.contextmanager
    def exporting(self, lod):
        """While open, the scene renders for export at level of detail ``lod`` (see
        ``render_lod``): the vectors paint themselves for it, notation labels show as it
        allows (as their paint() did: the other texts are set apart by the scenes)."""
        html = [entry for entry in self.items if isinstance(entry[0], HtmlItem)]
        for vector in self.vectors:
            vector.set_exporting(True)
        for item, low, high in html:
            item.setVisible(low <= lod < high)
        try:
            yield
        finally:
            for vector in self.vectors:
                vector.set_exporting(False)
            for item, low, high in html:
                item.setVisible(low <= self.lod < high)


def render_lod(scene, painter, target, source, mode):
    """The level of detail the items see in ``scene.render(painter, target, source, mode)``
    (the transform QGraphicsScene::render sets up, then what lod_of makes of it)."""
    source = QRectF(source) if not source.isNull() else scene.sceneRect()
    if target.isNull():
        device = painter.device()
        target = QRectF(0, 0, device.width(), device.height())
    xratio = target.width() / max(source.width(), 1e-9)
    yratio = target.height() / max(source.height(), 1e-9)
    if mode == Qt.AspectRatioMode.KeepAspectRatio:
        xratio = yratio = min(xratio, yratio)
    elif mode == Qt.AspectRatioMode.KeepAspectRatioByExpanding:
        xratio = yratio = max(xratio, yratio)
    transform = QTransform.fromScale(xratio, yratio) * painter.worldTransform()
    return QStyleOptionGraphicsItem.levelOfDetailFromTransform(transform)
