"""ZoomView's fit under resizes: one fit per change of the view's size, none for a scroll bar.

The random-actions test once spun forever (and grew to 24 GB) in a 494 × 54 projector-mode
canvas: the fit made both scroll bars appear, the viewport shrank by 14 × 14, the refit made
them go, and so on. These tests pin the rule that ends it: a fit depends on the view's largest
viewport alone, and a resize refits only when that changed.
"""

import pytest
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QApplication, QGraphicsScene, QStyle

from rnnsim.gui.canvas.view import ZoomView


class CountingView(ZoomView):
    """Counts its fits and its resize events."""

    def __init__(self, scene):
        super().__init__(scene)
        self.fits = self.resizes = 0

    def fit(self, rect=None):
        self.fits += 1
        super().fit(rect)

    def resizeEvent(self, event):
        self.resizes += 1
        if self.resizes < 200:  # beyond, an endless loop: stop it here, the test fails
            super().resizeEvent(event)


@pytest.fixture
def view(qtbot):
    scene = QGraphicsScene()
    scene.setSceneRect(QRectF(-40, -14, 4944, 526))  # the unfolded scene of the endless loop
    scene.addRect(QRectF(0, 0, 4900, 500))
    v = CountingView(scene)
    v.keep = scene  # a QGraphicsScene without a parent lives as long as a reference
    qtbot.addWidget(v)
    v.show()
    qtbot.waitExposed(v)
    return v


def _settle(view, size):
    view.fits = view.resizes = 0
    view.resize(*size)
    for _ in range(20):
        QApplication.processEvents()


def _bar(view):
    return view.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent, None, view)


@pytest.mark.parametrize("bias", [1.0, 1.5, 2.0])
@pytest.mark.parametrize("size", [(494, 54), (494, 68), (508, 54), (300, 40), (900, 120)])
def test_a_resize_fits_once_whatever_the_scroll_bars_do(view, bias, size):
    view.zoom_bias = bias
    view.fit()
    _settle(view, size)
    assert view.fits == 1, (view.fits, view.resizes)
    assert view.resizes <= 3  # the view's own, then at most a bar or two appearing
    view.fits = view.resizes = 0
    view.fit()  # a fit at this size (projector mode's refit, a new layout): it settles
    for _ in range(20):
        QApplication.processEvents()
    assert view.fits == 1, (view.fits, view.resizes)
    assert view.resizes <= 2
    if bias == 1.0:  # the scene is shown whole when not enlarged (projector mode scrolls)
        assert not view.horizontalScrollBar().isVisible()
        assert not view.verticalScrollBar().isVisible()
        assert view.visible_scene_rect().width() >= view.sceneRect().width() - 1


def test_a_fit_of_part_of_the_scene_leaves_room_for_the_bar_it_brings(view):
    _settle(view, (600, 200))
    part = QRectF(0, 0, 600, 526)
    view.fit(part)
    QApplication.processEvents()
    assert view.horizontalScrollBar().isVisible()  # the rest of the scene is a scroll away
    shown = view.visible_scene_rect()
    assert shown.height() >= part.height() - 1  # nothing of the part hidden under the bar


def test_growing_by_one_scroll_bar_width_refits(view):
    """The header above the canvas grew by exactly one bar's width (a guide's step line): the
    view is smaller, so the fit must shrink with it, not be taken for a bar appearing."""
    _settle(view, (1600, 120))  # the height decides the fit
    view.fit()
    before = view.scale_factor()
    _settle(view, (1600, 120 - _bar(view)))
    assert view.fits == 1
    assert view.scale_factor() < before
    assert not view.verticalScrollBar().isVisible()
    assert not view.horizontalScrollBar().isVisible()


def test_a_user_zoom_is_kept_on_resize(view):
    _settle(view, (600, 200))
    view.fit()
    view.zoom(2.0)
    zoomed = view.scale_factor()
    _settle(view, (500, 180))
    assert view.fits == 0
    assert view.scale_factor() == pytest.approx(zoomed)
