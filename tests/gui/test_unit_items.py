"""The canvas units as C++ items: colours, outline, ring, merging and which columns have them."""

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QGraphicsItem, QGraphicsScene

from rnnsim.gui.canvas import Selection
from rnnsim.gui.canvas.items import EMPTY_PEN, MERGE_BELOW, OUTLINE_PEN, UNIT, VectorItem
from tests.gui.snapshots import make_snapshot

NO_CONTENTS = QGraphicsItem.GraphicsItemFlag.ItemHasNoContents
RED, BLUE, GREEN = 0xFFB2182B, 0xFF2166AC, 0xFF1B7837


def _colors(item):
    return [e.brush().color().rgba() for e in item._units.ellipses]


def _vector(n, qtbot):
    scene = QGraphicsScene()
    item = VectorItem(("s", 1), n)
    scene.addItem(item)
    return scene, item


def test_units_carry_their_colours_after_set_data(qtbot):
    _scene, item = _vector(6, qtbot)
    item.set_lod(1.0)
    argb = np.array([RED, BLUE, GREEN, RED, BLUE, GREEN], dtype=np.uint32)
    item.set_data(np.zeros(6), argb)
    assert item.flags() & NO_CONTENTS  # Qt paints the children; paint() is not called
    assert _colors(item) == argb.tolist()
    assert item._units.outline.pen() == OUTLINE_PEN and item._units.fills.isVisible()
    changed = argb.copy()
    changed[[1, 4]] = RED
    item.set_data(np.ones(6), changed)
    assert _colors(item) == changed.tolist()
    item.set_data(None, None)  # not computed yet: the dashed outline alone
    assert not item._units.fills.isVisible() and item._units.outline.pen() == EMPTY_PEN
    item.set_data(np.zeros(6), argb)
    assert _colors(item) == argb.tolist() and item._units.fills.isVisible()


def test_units_merge_below_the_threshold_and_come_back(qtbot):
    _scene, item = _vector(16, qtbot)
    argb = np.full(16, RED, dtype=np.uint32)
    item.set_lod(1.0)
    item.set_data(np.zeros(16), argb)
    assert item.scene_item_count() == 16 + 3
    item.set_lod(0.99 * MERGE_BELOW / UNIT)  # merged: paint() draws the node
    assert not item.flags() & NO_CONTENTS and not item._units.outline.isVisible()
    argb2 = np.full(16, BLUE, dtype=np.uint32)
    item.set_data(np.ones(16), argb2)  # while merged
    item.set_lod(1.01 * MERGE_BELOW / UNIT)
    assert item.flags() & NO_CONTENTS and item._units.outline.isVisible()
    assert _colors(item) == argb2.tolist()  # brought up to date on the way back


def test_the_ring_follows_the_selected_unit(qtbot):
    _scene, item = _vector(12, qtbot)
    item.set_lod(1.0)
    item.set_data(np.zeros(12), np.full(12, RED, dtype=np.uint32))
    ring = item._units.ring
    assert not ring.isVisible()
    item.set_selected_unit(9)
    assert ring.isVisible() and ring.rect().center() == item.unit_center(9)
    item.set_selected_unit(None)
    assert not ring.isVisible()


def test_items_and_paint_draw_the_same_pixels(qtbot):
    """The C++ children draw what paint() draws (units, outline, ring)."""
    argb = np.array([RED, BLUE, GREEN] * 8, dtype=np.uint32)
    images = []
    for children in (False, True):
        scene, item = _vector(24, qtbot)
        if children:
            item.set_lod(1.0)
        item.set_data(np.zeros(24), argb)
        item.set_selected_unit(5)
        assert bool(item.flags() & NO_CONTENTS) == children
        image = QImage(120, 140, QImage.Format.Format_ARGB32)
        image.fill(QColor(255, 255, 255))
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        scene.render(painter, image.rect().toRectF(), item.sceneBoundingRect())
        painter.end()
        images.append(image)
    assert images[0] == images[1]
    seen = {images[1].pixel(x, y) for x in range(120) for y in range(140)}
    assert {RED, BLUE, GREEN} <= seen  # the units were drawn, not two blank images


def test_clicking_a_unit_drawn_by_items_selects_it(canvas, qtbot):
    canvas.set_mode("Unfolded")
    canvas.show_snapshot(make_snapshot(T=4, H=6, t=3))
    item = canvas.unfolded_scene.items_by_id[("s", 2)]
    assert item.flags() & NO_CONTENTS and item.scene_item_count() > 0
    view = canvas.unfolded
    pos = view.mapFromScene(item.mapToScene(item.unit_center(4)))
    with qtbot.waitSignal(canvas.selected) as blocker:
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert blocker.args == [Selection("s", j=2, unit=4)]
    assert item._units.ring.isVisible()
    assert item._units.ring.rect().center() == item.unit_center(4)


def test_only_columns_in_view_have_unit_items(canvas):
    """T = 200, H = 256: 51 456 state units, items only for the few columns in view."""
    canvas.set_mode("Unfolded")
    canvas.show_snapshot(make_snapshot(T=200, H=256, n_in=9, n_out=9, t=150))
    view = canvas.unfolded
    view.zoom(1.0 / view.scale_factor())
    scene = canvas.unfolded_scene
    items = scene.items_by_id
    visible = scene.visible_columns(view.visible_scene_rect())
    with_items = [j for j in range(201) if items[("s", j)].scene_item_count()]
    assert with_items and set(with_items) <= set(visible) | {0}
    assert sum(v.scene_item_count() for v in scene.detail.vectors) < 10_000
    j = with_items[0]
    assert _colors(items[("s", j)]) == items[("s", j)].argb.tolist()
    canvas.fit()  # every column in view, all merged: no new unit items
    assert not any(v.flags() & NO_CONTENTS for v in scene.detail.vectors)
    assert [j for j in range(201) if items[("s", j)].scene_item_count()] == with_items
