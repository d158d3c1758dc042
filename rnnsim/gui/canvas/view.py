"""A QGraphicsView with zoom (wheel, +/−), pan (drag) and fit to view."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QPainter, QTransform
from PySide6.QtWidgets import QGraphicsView, QStyle


class ZoomView(QGraphicsView):
    """Zoom with the mouse wheel around the pointer, pan by dragging, ``fit()`` to see all."""

    MIN_SCALE, MAX_SCALE = 0.01, 8.0
    FIT_MAX = 1.6  # a fit never enlarges more than this (a tiny network stays tiny-ish)
    MARGIN = 2  # pixels left free around a fitted rect (as QGraphicsView.fitInView)
    zoom_bias = 1.0  # projector mode: ``fit`` shows the scene this much larger
    view_changed = Signal()  # zoomed or scrolled

    def __init__(self, scene, parent=None):
        super().__init__(scene, parent)
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setOptimizationFlag(QGraphicsView.OptimizationFlag.DontSavePainterState, True)
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self._fitted = None  # the rect last fitted, kept in view on resize until the user zooms
        self._fitted_for = None  # the largest viewport size that fit was computed for
        self.horizontalScrollBar().valueChanged.connect(self.view_changed)
        self.verticalScrollBar().valueChanged.connect(self.view_changed)
        # what the shown part of the scene depends on, read as plain numbers (visible_box)
        self._bars = (self.horizontalScrollBar(), self.verticalScrollBar())
        self._port = self.viewport()
        self._zooms = self._scene_rects = 0  # transforms set, scene rects changed
        self._box = self._box_key = None
        scene.sceneRectChanged.connect(self._on_scene_rect)

    def scale_factor(self):
        """Current zoom (screen pixels per scene pixel)."""
        return self.transform().m11()

    def zoom(self, factor):
        """Multiply the zoom by ``factor`` within [MIN_SCALE, MAX_SCALE] (ends auto-fit)."""
        self._fitted = None
        self._scale_by(factor)

    def _scale_by(self, factor):
        target = min(max(self.scale_factor() * factor, self.MIN_SCALE), self.MAX_SCALE)
        f = target / self.scale_factor()
        self._tell_detail(target)
        self.scale(f, f)
        self._zoom_changed()

    def fit(self, rect=None):
        """Show ``rect`` (the whole scene when None), keeping the aspect ratio."""
        rect = QRectF(rect) if rect is not None else self.scene().sceneRect()
        self._fitted = rect
        self._fitted_for = self.maximumViewportSize()
        if rect.width() <= 0 or rect.height() <= 0:
            return
        s = self._fit_scale(rect)
        self._tell_detail(s)
        self.setTransform(QTransform.fromScale(s, s))
        self.centerOn(rect.center())
        self._zoom_changed()

    def _fit_scale(self, rect):
        """The zoom that shows ``rect``: at most FIT_MAX, times ``zoom_bias`` (projector mode).

        It is computed from the viewport's largest size (no scroll bars) less the bars this
        zoom itself will need, so it depends on the view's size alone and never on whether a
        bar shows at the moment. A fit from the viewport as it is, bars and all, makes a bar
        appear, the viewport shrink, the fit change and the bar go again, without end.
        """
        full = self.maximumViewportSize()
        extent = self.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent, None, self)
        scene = self.sceneRect()
        bars = [False, False]  # horizontal, vertical: once needed, kept (so this ends)
        while True:
            w = full.width() - (extent if bars[1] else 0) - 2 * self.MARGIN
            h = full.height() - (extent if bars[0] else 0) - 2 * self.MARGIN
            s = min(max(w, 1) / rect.width(), max(h, 1) / rect.height(), self.FIT_MAX)
            s = min(max(s * self.zoom_bias, self.MIN_SCALE), self.MAX_SCALE)
            needed = [
                bars[0] or scene.width() * s > w + 2 * self.MARGIN,
                bars[1] or scene.height() * s > h + 2 * self.MARGIN,
            ]
            if needed == bars:
                return s
            bars = needed

    def _tell_detail(self, scale):
        """Tell the scene's level of detail the zoom ``scale`` (before the view moves: the
        scroll bars' view_changed then finds the vectors in view already at that zoom)."""
        detail = getattr(self.scene(), "detail", None)
        if detail is not None:
            detail.set_zoom(scale)

    def _zoom_changed(self):
        self._zooms += 1
        self._tell_detail(self.scale_factor())
        self.view_changed.emit()

    def _on_scene_rect(self, _rect):
        self._scene_rects += 1

    def visible_scene_rect(self):
        """The part of the scene shown in the viewport."""
        return self.mapToScene(self.viewport().rect()).boundingRect()

    def visible_box(self):
        """(left, top, right, bottom) of the part of the scene shown, as Python floats.

        The canvas asks with every snapshot: the box is kept while the scroll bars, the
        viewport's size, the zoom and the scene's rect stay the same (read as numbers), so
        that no Qt object is made and let go meanwhile (each one let go gives up the GIL, which
        the training thread then takes: see ``CanvasArrow.set_style``)."""
        h, v = self._bars
        port = self._port
        key = (h.value(), v.value(), port.width(), port.height(), self._zooms, self._scene_rects)
        if key != self._box_key:
            r = self.visible_scene_rect()
            self._box, self._box_key = (r.left(), r.top(), r.right(), r.bottom()), key
        return self._box

    def resizeEvent(self, event):
        super().resizeEvent(event)
        if self._fitted is not None and self.maximumViewportSize() != self._fitted_for:
            self.fit(self._fitted)  # the view itself changed size, not only its scroll bars
        self.view_changed.emit()

    def wheelEvent(self, event):
        steps = event.angleDelta().y() / 120.0
        if steps:
            self.zoom(1.18**steps)
        event.accept()

    def keyPressEvent(self, event):
        key = event.key()
        if key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom(1.25)
        elif key == Qt.Key.Key_Minus:
            self.zoom(0.8)
        elif key == Qt.Key.Key_F:
            self.fit()
        else:
            super().keyPressEvent(event)
