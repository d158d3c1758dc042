"""A QGraphicsView with zoom (wheel, +/−), pan (drag) and fit to view."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QGraphicsView, QStyle


class ZoomView(QGraphicsView):
    """Zoom with the mouse wheel around the pointer, pan by dragging, ``fit()`` to see all."""

    MIN_SCALE, MAX_SCALE = 0.01, 8.0
    zoom_bias = 1.0  # projector mode: ``fit`` shows the scene this much larger
    view_changed = Signal()  # zoomed or scrolled

    def __init__(self, scene, parent=None):
        super().__init__(scene, parent)
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setOptimizationFlag(QGraphicsView.OptimizationFlag.DontSavePainterState, True)
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self._fitted = None  # the rect last fitted, kept in view on resize until the user zooms
        self.horizontalScrollBar().valueChanged.connect(self.view_changed)
        self.verticalScrollBar().valueChanged.connect(self.view_changed)

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
        self.scale(f, f)
        self._zoom_changed()

    def fit(self, rect=None):
        """Show ``rect`` (the whole scene when None), keeping the aspect ratio."""
        rect = QRectF(rect) if rect is not None else self.scene().sceneRect()
        self._fitted = rect
        self.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)
        if self.scale_factor() > 1.6:
            self._scale_by(1.6 / self.scale_factor())
        if self.zoom_bias != 1.0:  # projector mode: larger than fitted, scrolled to the step
            self._scale_by(self.zoom_bias)
        self._zoom_changed()

    def _zoom_changed(self):
        detail = getattr(self.scene(), "detail", None)
        if detail is not None:
            detail.set_zoom(self.scale_factor())
        self.view_changed.emit()

    def visible_scene_rect(self):
        """The part of the scene shown in the viewport."""
        return self.mapToScene(self.viewport().rect()).boundingRect()

    def resizeEvent(self, event):
        super().resizeEvent(event)
        if self._fitted is not None and not self._scroll_bar_toggled(event):
            self.fit(self._fitted)
        self.view_changed.emit()

    def _scroll_bar_toggled(self, event):
        """True when the viewport changed only by a scroll bar appearing or going.

        Refitting then would shrink or grow the scene just enough to toggle the bar again,
        an endless resize loop on a borderline fit.
        """
        old, new = event.oldSize(), event.size()
        if not old.isValid():
            return False
        extent = self.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent, None, self)
        dw, dh = abs(new.width() - old.width()), abs(new.height() - old.height())
        return (dw, dh) in ((extent, 0), (0, extent))

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
