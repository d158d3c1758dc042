"""Panels driven by hand-built Snapshots: inspector, lecture, sequence, field editors."""

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from rnnsim.gui.canvas import Selection
from rnnsim.gui.number_format import number
from rnnsim.gui.panels.fields import FieldEditor
from rnnsim.gui.panels.inspector import InspectorPanel, phi_prime
from rnnsim.gui.panels.lecture import LecturePanel
from rnnsim.gui.panels.sequence import SequencePanel
from tests.gui.snapshots import make_snapshot


@pytest.fixture
def inspector(qtbot):
    panel = InspectorPanel()
    qtbot.addWidget(panel)
    panel.show()
    return panel


def test_inspector_shows_a_state_unit(inspector):
    snap = make_snapshot(T=6, H=4, t=6, phase="backward", k=2, seed=3)
    inspector.update_snapshot(snap)
    inspector.set_selection(Selection("s", j=4, unit=2))
    text = inspector.text.toPlainText()
    a = float(snap.a[3, 2])
    assert f"{snap.s[4, 2]:.4g}" in text
    assert f"{a:.4g}" in text
    assert f"{1 - np.tanh(a) ** 2:.4g}" in text  # Φ'(a) of tanh
    assert f"{snap.dE_ds[4, 2]:.4g}" in text
    assert f"{np.linalg.norm(snap.dE_ds[4]):.4g}" in text
    best = int(np.argmax(snap.y[3]))
    assert f"{snap.output_names[best]} {snap.y[3, best]:.2f}" in text
    assert f"{snap.E[3]:.4g}" in text


def test_inspector_says_when_the_sweep_has_not_reached_a_state(inspector):
    inspector.update_snapshot(make_snapshot(T=6, t=6, phase="backward", k=4))
    inspector.set_selection(Selection("s", j=2, unit=0))
    assert "not reached by the backward sweep yet" in inspector.text.toPlainText()
    inspector.set_selection(Selection("s", j=6, unit=0))
    assert "not reached" not in inspector.text.toPlainText()


def test_inspector_refreshes_with_new_snapshots_and_future_steps(inspector):
    inspector.update_snapshot(make_snapshot(T=6, t=2))
    inspector.set_selection(Selection("s", j=4, unit=0))
    assert "Not computed yet" in inspector.text.toPlainText()
    snap = make_snapshot(T=6, t=5)
    inspector.update_snapshot(snap)
    assert f"{snap.s[4, 0]:.4g}" in inspector.text.toPlainText()


def test_inspector_matrix_statistics(inspector):
    snap = make_snapshot(T=5, H=4, t=5)
    inspector.update_snapshot(snap)
    inspector.set_selection(Selection("W", name="Ws"))
    text = inspector.text.toPlainText()
    W = snap.weights["Ws"]
    assert "4 × 4" in text
    assert f"{W.mean():.4g}" in text and f"{W.std():.4g}" in text
    assert f"{snap.sigma_max:.4g}" in text
    assert f"{snap.gamma * snap.sigma_max:.4g}" in text


def test_inspector_gates_of_an_lstm(inspector):
    snap = make_snapshot(T=4, H=3, t=4, cell="lstm")
    inspector.update_snapshot(snap)
    inspector.set_selection(Selection("s", j=2, unit=1))
    text = inspector.text.toPlainText()
    for name in ("i", "f", "o", "g"):
        assert f"gate {name}" in text
        assert f"{snap.gates[name][1, 1]:.4g}" in text


@pytest.mark.parametrize("name", ["tanh", "sigmoid", "relu"])
def test_phi_prime_matches_finite_differences(name):
    a = np.array([-1.3, -0.2, 0.4, 2.0])
    from rnnsim.engine import get_activation

    f = get_activation(name).f
    numeric = (f(a + 1e-6) - f(a - 1e-6)) / 2e-6
    np.testing.assert_allclose(phi_prime(name, a), numeric, atol=1e-6)


def test_lecture_follows_the_phase_and_links_to_weights(qtbot):
    panel = LecturePanel()
    qtbot.addWidget(panel)
    panel.show()
    panel.update_snapshot(make_snapshot(T=4, t=2))
    assert panel.current == "state"
    snap = make_snapshot(T=4, phase="backward", k=1)
    panel.update_snapshot(snap)
    assert panel.current == "bptt"
    assert number(snap.gamma * snap.sigma_max) in panel.text.toPlainText()
    from PySide6.QtCore import QUrl

    with qtbot.waitSignal(panel.show_requested) as blocker:
        panel.text.anchorClicked.emit(QUrl("show:Ws"))
    assert blocker.args == ["Ws"]


def test_hidden_panels_render_when_shown(qtbot):
    panel = LecturePanel()
    qtbot.addWidget(panel)
    panel.update_snapshot(make_snapshot(T=4, phase="backward", k=1))
    assert panel.current is None  # hidden: nothing rendered yet
    panel.show()
    assert panel.current == "bptt"


def test_sequence_buttons_are_reused_for_a_new_sequence(qtbot):
    panel = SequencePanel()
    qtbot.addWidget(panel)
    panel.update_snapshot(make_snapshot(T=6, t=1, seed=1))
    first = list(panel.buttons)
    snap = make_snapshot(T=4, t=1, seed=2)
    panel.update_snapshot(snap)
    assert panel.buttons == first[:4]
    assert [b.text().split("\n")[1] for b in panel.buttons] == list(snap.input_tokens)
    assert not first[4].isVisibleTo(panel) and not first[5].isVisibleTo(panel)


def test_a_new_batch_of_the_same_length_keeps_the_strip_laid_out(qtbot):
    """While training every snapshot has new tokens: the texts change, the layout stays."""
    panel = SequencePanel()
    qtbot.addWidget(panel)
    panel.update_snapshot(make_snapshot(T=5, t=1, seed=1))
    items = [panel.row.itemAt(i) for i in range(panel.row.count())]
    snap = make_snapshot(T=5, t=3, seed=7)
    panel.update_snapshot(snap)
    assert [panel.row.itemAt(i) for i in range(panel.row.count())] == items  # same stretch
    assert [b.text().split("\n")[1] for b in panel.buttons] == list(snap.input_tokens)
    assert "ffe27a" in panel.buttons[2].styleSheet()  # t = 3 highlighted


def test_sequence_tokens_and_seek(qtbot):
    panel = SequencePanel()
    qtbot.addWidget(panel)
    snap = make_snapshot(T=5, t=2)
    panel.update_snapshot(snap)
    assert [b.text().split("\n")[1] for b in panel.buttons] == list(snap.input_tokens)
    assert "ffe27a" in panel.buttons[1].styleSheet()  # t = 2 highlighted
    with qtbot.waitSignal(panel.seek) as blocker:
        panel.buttons[3].click()
    assert blocker.args == [4]


def test_field_editor_refuses_bad_values_and_keeps_the_old_one(qtbot):
    def check(name, text):
        try:
            value = int(text)
        except ValueError:
            raise ValueError(f"{name}: got {text!r}, expected a whole number") from None
        if value < 1:
            raise ValueError(f"{name}: got {value}, expected >= 1")

    editor = FieldEditor("n_hidden", 8, check)
    qtbot.addWidget(editor.widget)
    refused, committed = [], []
    editor.refused.connect(lambda n, m: refused.append(m))
    editor.committed.connect(lambda n, v: committed.append(v))
    qtbot.keyClicks(editor.widget, "x")
    assert "border" in editor.widget.styleSheet() and "'8x'" in refused[-1]
    editor.widget.setText("0")
    editor.widget.editingFinished.emit()
    assert editor.widget.text() == "8" and not committed
    assert "n_hidden stays 8" in refused[-1]
    editor.widget.setText("12")
    editor.widget.editingFinished.emit()
    assert committed == ["12"]


@pytest.fixture
def experiment_panel(qtbot):
    from rnnsim.gui.panels.experiment import ExperimentPanel
    from rnnsim.sim import Experiment

    panel = ExperimentPanel(Experiment())
    qtbot.addWidget(panel)
    panel.show()
    return panel


def test_experiment_panel_has_every_field_and_knob(experiment_panel):
    import dataclasses

    exp = experiment_panel.experiment
    names = {f.name for f in dataclasses.fields(exp)} - {"knobs"}
    assert names <= set(experiment_panel.editors)
    assert {f"task.{k}" for k in exp.knobs} <= set(experiment_panel.editors)
    for name in ("cell", "n_hidden", "task"):
        assert experiment_panel.findChild(QLabel, f"note_{name}").text().startswith("⟳")
    assert "Reset" in experiment_panel.findChild(QLabel, "note_seed").text()
    assert "W_s" in experiment_panel.editors["n_hidden"].widget.toolTip()


def test_experiment_panel_applies_valid_values_live(experiment_panel, qtbot):
    changed = []
    experiment_panel.experiment_changed.connect(changed.append)
    editor = experiment_panel.editors["lr"].widget
    editor.selectAll()
    qtbot.keyClicks(editor, "0.05")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert changed and changed[-1].lr == 0.05
    assert "weights are kept" in experiment_panel.message.text()
    knob = experiment_panel.editors["task.gap"].widget
    knob.selectAll()
    qtbot.keyClicks(knob, "7")
    qtbot.keyClick(knob, Qt.Key.Key_Return)
    assert changed[-1].knobs["gap"] == 7


def test_experiment_panel_refuses_out_of_range_values(experiment_panel, qtbot):
    before = experiment_panel.experiment
    editor = experiment_panel.editors["task.gap"].widget
    editor.selectAll()
    qtbot.keyClicks(editor, "999")
    assert "gap" in experiment_panel.message.text()
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert "refused" in experiment_panel.message.text()
    assert editor.text() == str(before.knobs["gap"])
    assert experiment_panel.experiment == before


def test_changing_the_task_rebuilds_its_knobs(experiment_panel):
    changed = []
    experiment_panel.experiment_changed.connect(changed.append)
    experiment_panel.editors["task"].widget.setCurrentText("adding")
    assert changed[-1].task == "adding"
    assert set(experiment_panel.editors) >= {f"task.{k}" for k in changed[-1].knobs}
    assert "task.gap" not in experiment_panel.editors
    assert "re-initialised" in experiment_panel.message.text()


def test_inspector_shows_a_whole_state_and_its_step_jacobian(inspector):
    snap = make_snapshot(T=6, H=4, t=6, phase="backward", k=1, seed=4)
    inspector.update_snapshot(snap)
    inspector.set_selection(Selection("s", j=3, unit=None))
    text = inspector.text.toPlainText()
    d = 1 - np.tanh(snap.a[2]) ** 2
    jac = np.diag(d) @ snap.weights["Ws"].T
    assert f"{np.linalg.norm(snap.s[3]):.4g}" in text
    assert f"{np.linalg.norm(jac, 2):.4g}" in text
    assert f"{snap.gamma * snap.sigma_max:.4g}" in text
    assert f"{np.linalg.norm(snap.dE_ds[3]):.4g}" in text


def test_lecture_numbers_are_rewritten_at_most_twice_a_second_and_never_left_stale(qtbot):
    import dataclasses

    from rnnsim.gui.panels.lecture import NUMBERS_INTERVAL_MS

    panel = LecturePanel()
    qtbot.addWidget(panel)
    panel.show()
    base = make_snapshot(T=4, phase="backward", k=1)
    first, second, third = (
        dataclasses.replace(base, sigma_max=v) for v in (1.2345, 2.3456, 7.7654)
    )
    panel.update_snapshot(first)
    shown = panel.text.toPlainText()
    assert number(first.gamma * 1.2345) in shown
    panel.update_snapshot(second)  # same concept, new numbers, within the interval: held
    panel.update_snapshot(third)
    assert panel.text.toPlainText() == shown
    assert number(third.gamma * 7.7654) not in shown
    qtbot.waitUntil(
        lambda: number(third.gamma * 7.7654) in panel.text.toPlainText(),
        timeout=NUMBERS_INTERVAL_MS + 1000,
    )
    assert not panel._refresh.isActive()
    panel.update_snapshot(make_snapshot(T=4, t=2))  # a new concept shows at once
    assert panel.current == "state"


def test_the_strip_keeps_the_current_frame_in_view_as_its_buttons_widen(qtbot):
    """Frames that have run get a prediction line and widen after the scroll to the current
    one: the strip scrolls again, and the current button ends wholly in view."""
    panel = SequencePanel()
    qtbot.addWidget(panel)
    panel.resize(1024, 100)
    panel.show()
    names = ("a squirrel", "a beaver")  # a prediction line wider than the frame's word
    panel.update_snapshot(make_snapshot(T=4, t=0, output_names=names))
    qtbot.wait(50)
    for t in (0, 20):  # a new, longer sequence; snapshots drawn faster than laid out
        panel.update_snapshot(make_snapshot(T=40, t=t, output_names=names))
    panel.update_snapshot(make_snapshot(T=40, phase="backward", k=26, output_names=names))
    button = panel.buttons[26]  # x_27, the backward sweep's current frame
    assert "bold" in button.styleSheet()

    def wholly_shown():
        viewport = panel.scroll.viewport()
        left = button.mapTo(viewport, button.rect().topLeft()).x()
        return left >= 0 and left + button.width() <= viewport.width()

    qtbot.waitUntil(lambda: button.width() == button.sizeHint().width())  # laid out anew
    qtbot.waitUntil(wholly_shown, timeout=5000)


def test_the_progress_bar_shows_the_count_and_keeps_its_updates(qtbot):
    from PySide6.QtWidgets import QMainWindow

    from rnnsim.gui.panels.status import StatusFields

    window = QMainWindow()
    qtbot.addWidget(window)
    status = StatusFields(window.statusBar())
    window.show()
    status.show_progress((3, 40))
    status.show_progress((17, 40))
    status.show_progress((17, 40))
    bar = status.progress
    assert bar.value() == 17 and bar.text() == "17 / 40 updates"
    assert bar.updatesEnabled()  # set aside only while the value changes
    status.show_progress(None)
    assert not bar.isVisible() and not status.stop.isVisible()
