"""The network canvas, driven by hand-built Snapshots (no Simulation needed)."""

import dataclasses
import itertools

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QImage, QPainter

from rnnsim.gui.canvas import NetworkCanvas, Selection
from rnnsim.gui.canvas.items import PITCH, VectorItem
from rnnsim.gui.number_format import number
from tests.gui.snapshots import make_snapshot


def test_forward_fills_columns_one_by_one(canvas):
    for t in range(0, 6):
        canvas.show_snapshot(make_snapshot(T=8, t=t))
        assert canvas.unfolded_scene.filled_columns() == t
    snap = canvas.snapshot
    items = canvas.unfolded_scene.items_by_id
    for j in range(6):
        np.testing.assert_array_equal(items[("s", j)].values, snap.s[j])
    for j in range(1, 6):
        np.testing.assert_array_equal(items[("y", j)].values, snap.y[j - 1])
        assert items[("token", j)].text() == snap.input_tokens[j - 1]
    assert not items[("s", 6)].filled and not items[("y", 6)].filled


def test_items_are_updated_in_place_and_rebuilt_on_new_shape(canvas):
    canvas.show_snapshot(make_snapshot(T=6, H=4, t=1))
    item = canvas.unfolded_scene.items_by_id[("s", 3)]
    canvas.show_snapshot(make_snapshot(T=6, H=4, t=4))
    assert canvas.unfolded_scene.items_by_id[("s", 3)] is item
    assert item.filled
    canvas.show_snapshot(make_snapshot(T=6, H=7, t=4))
    new = canvas.unfolded_scene.items_by_id[("s", 3)]
    assert new is not item and new.n == 7
    assert canvas.folded_scene.items_by_id["s"].n == 7


def test_predictions_over_y_are_the_top_outputs(canvas):
    names = ("bear", "cow", "tree")
    snap = make_snapshot(T=4, n_out=3, t=3, output_names=names)
    canvas.show_snapshot(snap)
    text = canvas.unfolded_scene.items_by_id[("pred", 2)].text()
    y = snap.y[1]
    best = int(np.argmax(y))
    assert text.splitlines()[0] == f"{names[best]} {y[best]:.2f}"
    assert canvas.unfolded_scene.items_by_id[("E", 2)].text().endswith(number(snap.E[1]))


def test_backward_sweep_draws_gradient_right_to_left_on_a_log_scale(canvas):
    snap = make_snapshot(T=8, H=4, phase="backward", k=3, seed=2)
    canvas.show_snapshot(snap)
    items = canvas.unfolded_scene.items_by_id
    norms = np.linalg.norm(snap.dE_ds, axis=1)
    visible = [j for j in range(1, 9) if items[("grad", j)].isVisible()]
    assert visible == [4, 5, 6, 7, 8]  # ∂E/∂s_j is known for j > k
    arrow = items[("grad", 4)]
    assert arrow.start.x() > arrow.end.x()  # pointing from s_4 back to s_3
    widths = {j: items[("grad", j)].width for j in visible}
    order = sorted(visible, key=lambda j: norms[j])
    assert [widths[j] for j in order] == sorted(widths.values())
    scale = canvas.unfolded_scene.scales.grad
    assert scale.log
    assert items[("grad", 5)].color == scale.qcolor(norms[5])
    assert 10**scale.lo <= norms[4:].min() and norms[4:].max() <= 10**scale.hi


def test_gradient_of_the_last_frame_fades_with_the_lag(canvas):
    snap = make_snapshot(T=8, H=4, phase="backward", k=2, seed=2)
    canvas.set_grad_source(True)
    canvas.show_snapshot(snap)
    items = canvas.unfolded_scene.items_by_id
    norms = canvas.unfolded_scene.scales.grad_norms
    np.testing.assert_allclose(norms[3:], snap.grad_flow[-1, 3:])
    assert np.all(np.isnan(norms[:3]))  # not reached by the sweep yet
    widths = [items[("grad", j)].width for j in range(3, 9)]
    assert widths == sorted(widths)  # thinner and thinner towards the left
    assert "E_T" in canvas.legend.scales[-1][0]
    canvas.set_grad_source(False)
    assert canvas.unfolded_scene.scales.grad_norms[8] == pytest.approx(
        np.linalg.norm(snap.dE_ds[8])
    )


def test_truncated_bptt_cuts_are_shown_and_stop_the_arrow(canvas):
    canvas.show_snapshot(make_snapshot(T=8, phase="backward", k=-1, bptt_cuts=(3, 6)))
    items = canvas.unfolded_scene.items_by_id
    assert [j for j in range(1, 9) if items[("cut", j)].isVisible()] == [3, 6]
    assert not items[("grad", 3)].isVisible() and items[("grad", 4)].isVisible()
    assert items[("cut_text", 3)].text().endswith("cut")


def test_weight_update_is_marked(canvas):
    canvas.show_snapshot(make_snapshot(T=4, phase="update", t=4, updates=2, update_every=3))
    items = canvas.unfolded_scene.items_by_id
    badge = items["badge"]
    assert "3/3 gradients ready" in badge.text() and "next step: update 3" in badge.text()
    right = badge.mapRectToScene(badge.boundingRect()).right()
    assert right < items[("E", 1)].mapRectToScene(items[("E", 1)].boundingRect()).left()
    canvas.show_snapshot(make_snapshot(T=4, t=0, updates=3, update_every=3))
    assert "update 3 applied" in badge.text()
    assert "update 3 applied" in canvas.folded_scene.items_by_id["update"].text()


def test_lstm_shows_gates_and_its_cell_state_line(canvas):
    snap = make_snapshot(T=5, H=3, t=4, cell="lstm")
    canvas.show_snapshot(snap)
    items = canvas.unfolded_scene.items_by_id
    np.testing.assert_array_equal(items[("c", 2)].values, snap.c[2])
    assert items[("c_line", 2)].isVisible()
    bars = items[("gates", 3)]
    assert bars.names == ("i", "f", "o", "g")
    np.testing.assert_allclose(bars.values, [snap.gates[n][2].mean() for n in bars.names])
    assert items[("gates", 5)].values is None


def test_clicking_a_unit_selects_it(canvas, qtbot):
    canvas.set_mode("Unfolded")
    canvas.show_snapshot(make_snapshot(T=4, H=4, t=3))
    item = canvas.unfolded_scene.items_by_id[("s", 2)]
    view = canvas.unfolded
    pos = view.mapFromScene(item.mapToScene(item.unit_center(1)))
    with qtbot.waitSignal(canvas.selected) as blocker:
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert blocker.args == [Selection("s", j=2, unit=1)]
    assert item.selected_unit == 1


def _render(item, scale):
    image = QImage(200, 200, QImage.Format.Format_ARGB32)
    image.fill(QColor(255, 255, 255))
    painter = QPainter(image)
    painter.scale(scale, scale)
    item.paint(painter, None)
    painter.end()
    return image


def test_units_merge_into_one_node_when_too_small():
    values = np.linspace(-1, 1, 256)
    item = VectorItem(("s", 1), 256)
    argb = np.full(256, 0xFFB2182B, dtype=np.uint32)
    item.set_data(values, argb, mean_argb=0xFF2166AC)
    big = _render(item, 1.0)
    small = _render(item, 0.2)
    gap = QPointF(15.5, 15.5)  # between four unit circles
    assert big.pixelColor(gap.toPoint()) == QColor(255, 255, 255)
    height = item.rows * PITCH * 0.2  # the node on screen
    top_of_node = small.pixelColor(20, int(height * 0.2))  # filled with the mean colour
    assert top_of_node == QColor(0x21, 0x66, 0xAC)
    bar = small.pixelColor(25, int(height * 0.8))  # the activation bar along its bottom
    assert bar == QColor(0xB2, 0x18, 0x2B)


def test_large_network_builds_and_updates(canvas):
    snap = make_snapshot(T=200, H=256, n_in=9, n_out=9, t=150)
    canvas.show_snapshot(snap)
    assert canvas.unfolded_scene.filled_columns() == 150
    before = len(canvas.unfolded_scene.items())
    canvas.show_snapshot(make_snapshot(T=200, H=256, n_in=9, n_out=9, t=151, seed=1))
    assert len(canvas.unfolded_scene.items()) == before
    assert canvas.unfolded_scene.filled_columns() == 151


def test_zoom_pan_fit_and_follow(canvas, qtbot):
    canvas.set_mode("Unfolded")
    canvas.show_snapshot(make_snapshot(T=120, H=8, t=3))
    view = canvas.unfolded
    visible = view.visible_scene_rect()
    assert visible.contains(canvas.columns_rect(3, 3).center())  # opens near the cursor
    canvas.show_snapshot(make_snapshot(T=120, H=8, t=90))
    assert view.visible_scene_rect().contains(canvas.columns_rect(90, 90).center())  # follows
    before = view.scale_factor()
    canvas.fit()
    fitted = view.scale_factor()
    assert fitted < before
    assert view.visible_scene_rect().contains(canvas.unfolded_scene.sceneRect().center())
    qtbot.keyClick(view, Qt.Key.Key_Plus)
    assert view.scale_factor() == pytest.approx(fitted * 1.25)
    assert canvas.unfolded_scene.detail.lod == pytest.approx(view.scale_factor())


def test_view_modes(canvas):
    canvas.show_snapshot(make_snapshot(T=4, t=1))
    canvas.set_mode("Folded")
    assert canvas.folded.isVisible() and not canvas.unfolded.isVisible()
    canvas.set_mode("Unfolded")
    assert canvas.unfolded.isVisible() and not canvas.folded.isVisible()
    canvas.set_mode("Folded + unfolded")
    assert canvas.unfolded.isVisible() and canvas.folded.isVisible()


def test_the_combos_show_their_whole_text_when_there_is_room(canvas, qtbot):
    canvas.show_snapshot(make_snapshot(T=4, t=1))
    canvas.set_grad_source(True)
    canvas.set_mode("Folded + unfolded")
    for combo in (canvas.mode, canvas.grad_source):
        metrics = combo.fontMetrics()
        longest = max(metrics.horizontalAdvance(combo.itemText(i)) for i in range(combo.count()))
        assert combo.sizeHint().width() > longest  # text, frame and arrow
        assert combo.minimumSizeHint().width() <= combo.sizeHint().width()  # it may give way
        qtbot.waitUntil(lambda c=combo: c.width() >= c.sizeHint().width())  # 1200 px: room
    canvas.resize(512, 600)  # as in a 1024 px window: they give way, not below 8 characters
    qtbot.waitUntil(lambda: canvas.mode.width() < canvas.mode.sizeHint().width())
    assert canvas.mode.width() >= canvas.mode.minimumSizeHint().width()


def test_texts_give_way_to_captions_when_zoomed_out(canvas):
    canvas.set_mode("Unfolded")
    canvas.show_snapshot(make_snapshot(T=150, H=32, t=150))
    items = canvas.unfolded_scene.items_by_id
    canvas.unfolded.fit()
    assert canvas.unfolded.scale_factor() < 0.5
    assert items[("caption", 10)].isVisible() and not items[("token", 10)].isVisible()
    assert items[("caption", 10)].text().startswith("10 ")
    canvas.unfolded.zoom(4.0 / canvas.unfolded.scale_factor() * 0.2)
    assert not items[("caption", 10)].isVisible() and items[("token", 10)].isVisible()


def test_clicking_a_weight_label_selects_the_matrix(canvas, qtbot):
    canvas.set_mode("Folded")
    canvas.show_snapshot(make_snapshot(T=4, t=2))
    label = canvas.folded_scene.items_by_id["Ws_label"]
    view = canvas.folded
    pos = view.mapFromScene(label.mapToScene(label.boundingRect().center()))
    with qtbot.waitSignal(canvas.selected) as blocker:
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert blocker.args == [Selection("W", name="Ws")]


def test_clicking_a_state_label_selects_the_whole_state(canvas, qtbot):
    canvas.set_mode("Unfolded")
    canvas.show_snapshot(make_snapshot(T=4, t=3))
    label = canvas.unfolded_scene.items_by_id[("s_label", 2)]
    view = canvas.unfolded
    pos = view.mapFromScene(label.mapToScene(label.boundingRect().center()))
    with qtbot.waitSignal(canvas.selected) as blocker:
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert blocker.args == [Selection("s", j=2, unit=None)]


@pytest.mark.parametrize("zoom", [0.15, 0.3, 0.45, 0.6, 1.0])
def test_token_labels_of_neighbouring_columns_never_overlap(canvas, zoom):
    canvas.set_mode("Unfolded")
    snap = make_snapshot(T=40, H=4, t=40)
    long = tuple(f"{'flower' if j % 2 else 'beaver'}-{j}-and-more" for j in range(40))
    canvas.show_snapshot(dataclasses.replace(snap, input_tokens=long))
    canvas.unfolded.zoom(zoom / canvas.unfolded.scale_factor())
    assert canvas.unfolded.scale_factor() == pytest.approx(zoom)
    scene = canvas.unfolded_scene
    scene.refresh_texts(range(1, 41))
    shown = {
        j: (name, item)
        for j in range(1, 41)
        for name in ("caption", "token")
        if (item := scene.items_by_id[(name, j)]).isVisible() and item.text()
    }
    assert sorted(shown) == list(range(1, 41))  # one label per column, elided, not dropped
    rects = [item.sceneBoundingRect() for _, item in shown.values()]
    for left, right in itertools.pairwise(rects):
        assert left.right() < right.left(), (left, right)
    screen = [canvas.unfolded.mapFromScene(r).boundingRect() for r in rects]
    for left, right in itertools.pairwise(screen):
        assert not left.intersects(right)
    for j, (name, item) in shown.items():
        full = long[j - 1] if name == "token" else f"{j} {long[j - 1]}"
        assert item.text().endswith("…") and full.startswith(item.text()[:-1])


def test_follow_brings_a_column_cut_at_the_edge_wholly_into_view(canvas):
    """A busy machine draws few snapshots: the current column may first be drawn half out of
    the view; following shows it whole (its backward arrows beside it)."""
    canvas.set_mode("Unfolded")
    canvas.show_snapshot(make_snapshot(T=120, H=8, t=3))
    view = canvas.unfolded
    g = canvas.unfolded_scene.geometry
    visible = view.visible_scene_rect()
    # column 30's centre 10 px inside the right edge: the column is half out of view
    view.centerOn(QPointF(g.center_x(30) + 10 - visible.width() / 2, visible.center().y()))
    visible = view.visible_scene_rect()
    assert visible.contains(canvas.columns_rect(30, 30).center())
    assert visible.right() < 31 * g.pitch
    canvas.show_snapshot(make_snapshot(T=120, H=8, t=30))
    visible = view.visible_scene_rect()
    assert visible.left() <= 30 * g.pitch and 31 * g.pitch <= visible.right()


def test_texts_after_many_snapshots_are_those_of_the_last(canvas, qtbot):
    """Texts skipped as unchanged never stay stale: forward, back, other sequences, zoom."""
    snaps = [
        make_snapshot(T=6, t=2, seed=1),
        make_snapshot(T=6, t=5, seed=1),
        make_snapshot(T=6, t=5, seed=2),
        make_snapshot(T=6, t=1, seed=2),
        make_snapshot(T=6, t=4, seed=1),
    ]
    for snap in snaps:
        canvas.show_snapshot(snap)
    fresh = NetworkCanvas()
    qtbot.addWidget(fresh)
    fresh.resize(1200, 600)
    fresh.show()
    fresh.show_snapshot(snaps[-1])
    names = ("caption", "token", "pred", "E", "target")
    for j in range(1, 7):
        for name in names:
            ours = canvas.unfolded_scene.items_by_id[(name, j)]
            theirs = fresh.unfolded_scene.items_by_id[(name, j)]
            assert ours.text() == theirs.text(), (name, j)
            if ours.text():  # the colour of an empty text shows nowhere
                assert ours.brush().color() == theirs.brush().color(), (name, j)
                assert ours.x() == theirs.x(), (name, j)


def test_the_folded_loop_is_styled_and_clicked_as_before(canvas, qtbot):
    canvas.set_mode("Folded")
    canvas.show_snapshot(make_snapshot(T=4, t=2))
    loop = canvas.folded_scene.items_by_id["Ws"]
    red = QColor(200, 0, 0)
    loop.set_style(red, 3.0)
    assert loop.curve.pen().color() == red and loop.curve.pen().widthF() == 3.0
    assert loop.head.brush().color() == red  # the head filled with the curve's colour
    view = canvas.folded
    corner = loop.mapToScene(loop.boundingRect().topRight() + QPointF(-3, 3))  # off the curve
    with qtbot.waitSignal(canvas.selected) as blocker:
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.mapFromScene(corner))
    assert blocker.args == [Selection("W", name="Ws")]


def test_notation_labels_show_only_where_readable_on_screen_and_in_exports(canvas):
    from rnnsim.gui.render import scene_png

    canvas.show_snapshot(make_snapshot(T=4, t=2))
    scene = canvas.unfolded_scene
    label = scene.items_by_id[("W_label", "Wx")]
    view = canvas.unfolded
    view.zoom(0.44 / view.scale_factor())
    assert not label.isVisible()
    view.zoom(0.46 / view.scale_factor())
    assert label.isVisible()

    def blue_pixels(scale):
        image = scene_png(scene, scale)
        rect = label.sceneBoundingRect().translated(10 - scene.itemsBoundingRect().left(), 0)
        rect.moveTop(rect.top() + 10 - scene.itemsBoundingRect().top())
        box = [int(v * scale) for v in (rect.left(), rect.top(), rect.right(), rect.bottom())]
        return sum(
            1
            for x in range(box[0], box[2])
            for y in range(box[1], box[3])
            if QColor(image.pixel(x, y)).blue() > QColor(image.pixel(x, y)).red() + 60
        )

    assert blue_pixels(1.0) > 0  # W_x, dark blue, in a full-size export
    assert blue_pixels(0.4) == 0  # too small to read: left out, as on screen
    view.zoom(0.3 / view.scale_factor())
    assert not label.isVisible()
    scene_png(scene, 1.0)
    assert not label.isVisible()  # the export left the screen's level of detail alone
