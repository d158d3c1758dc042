"""What the canvas and status bar keep so that a draw makes and lets go of no Qt objects.

Every Qt value object Python lets go of (a QRectF returned by a getter, a QColor made for a
compare) gives up the GIL in its destructor; while a network trains, the worker thread takes
it each time and the GUI thread waits to get it back. So the draw path compares and measures
with plain numbers kept in Python. These tests check that what is kept stays true to Qt.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QGraphicsScene, QLabel

from rnnsim.gui.canvas.marks import CanvasArrow
from rnnsim.gui.canvas.readout import top_predictions
from rnnsim.gui.canvas.text import CanvasText
from rnnsim.gui.canvas.view import ZoomView
from rnnsim.gui.panels.status import ElidedLabel


def _fresh_box(view):
    r = view.mapToScene(view.viewport().rect()).boundingRect()
    return (r.left(), r.top(), r.right(), r.bottom())


def test_visible_box_follows_scroll_zoom_resize_and_scene_rect(qtbot):
    scene = QGraphicsScene()
    scene.setSceneRect(QRectF(0, 0, 4000, 3000))
    view = ZoomView(scene)
    qtbot.addWidget(view)
    view.resize(400, 300)
    view.show()
    qtbot.waitExposed(view)
    boxes = [view.visible_box()]
    assert boxes[-1] == _fresh_box(view)
    assert view.visible_box() is boxes[-1]  # kept while nothing moved
    view.horizontalScrollBar().setValue(view.horizontalScrollBar().value() + 250)
    view.verticalScrollBar().setValue(view.verticalScrollBar().value() + 120)
    boxes.append(view.visible_box())
    view.zoom(1.7)
    boxes.append(view.visible_box())
    view.fit(QRectF(100, 100, 500, 300))
    boxes.append(view.visible_box())
    view.resize(520, 260)
    qtbot.wait(10)
    boxes.append(view.visible_box())
    scene.setSceneRect(QRectF(0, 0, 300, 200))  # smaller than the view: centred anew
    boxes.append(view.visible_box())
    assert boxes[-1] == _fresh_box(view)
    assert len(set(boxes)) == len(boxes)  # each change gave a new box, each one true
    view.close()
    scene.deleteLater()


def test_arrow_style_from_argb_and_unchanged_style_is_not_rebuilt(qtbot, monkeypatch):
    arrow = CanvasArrow(QPointF(0, 0), QPointF(50, 0))
    argb = QColor(200, 60, 40, 128).rgba()
    arrow.set_style(argb, 2.5)
    assert arrow.color.rgba() == argb and arrow.width == 2.5
    assert arrow.brush().color().rgba() == argb  # the head is filled with it
    rebuilt = []
    monkeypatch.setattr(arrow, "_apply", lambda *a: rebuilt.append(a))
    arrow.set_style(argb, 2.5)
    arrow.set_style(QColor.fromRgba(argb), 2.5)  # the same colour as a QColor
    assert rebuilt == []
    arrow.set_style(argb, 3.0)
    arrow.set_style(QColor(1, 2, 3), 3.0)
    arrow.set_style(QColor(1, 2, 3), 3.0, Qt.PenStyle.DashLine)
    assert len(rebuilt) == 3


@pytest.mark.parametrize("size, bold", [(7.5, True), (8.0, False), (10.5, False)])
def test_centred_text_is_centred_from_the_font(qtbot, size, bold):
    item = CanvasText("", size=size, bold=bold)
    for text in ["bear 0.80\ncow 0.20", "E₃ = 0.123", "wolf/dog", "✂ cut"]:
        item.set_text(text, center_x=100.0)
        width = item.boundingRect().width()
        centre = item.x() + width / 2
        assert abs(centre - 100.0) <= 0.5 + 1e-9  # Qt's box may add up to 1 px of bearing


def test_elided_label_hint_as_qt_gives_it(qtbot):
    label = ElidedLabel("")
    qtbot.addWidget(label)

    def qt_hint():
        hint = QLabel.minimumSizeHint(label)
        least = label.fontMetrics().horizontalAdvance("M…") + 4
        return (min(hint.width(), least), hint.height())

    texts = ["", "x", "Mx", "E = 8.932 (this sequence) · mean of B = 32: 8.599", "a\nb"]
    for zoom in (1.0, 2.0):
        font = QFont(label.font())
        font.setPointSizeF(9.0 * zoom)
        label.setFont(font)
        for text in texts:
            label.setText(text)
            hint = label.minimumSizeHint()
            assert (hint.width(), hint.height()) == qt_hint(), (zoom, text)


def test_top_predictions_order_as_a_stable_descending_argsort():
    rng = np.random.default_rng(0)
    for _ in range(500):
        n = int(rng.integers(1, 8))
        y = rng.choice([0.1, 0.2, 0.5, math.nan, -1.0, 0.2], size=n)
        names = [f"u{i}" for i in range(n)]
        want = [names[i] for i in np.argsort(-y, kind="stable")[:2]]
        assert [name for name, _ in top_predictions(y, names, "linear", top=2)] == want
