"""The Lecture panel's Code view: reference source, current line and live values."""

import inspect

import numpy as np
import pytest

from rnnsim.engine import reference
from rnnsim.gui.number_format import vector
from rnnsim.gui.panels import lecture_code
from rnnsim.gui.panels.lecture import LecturePanel
from rnnsim.sim import Experiment, Simulation


@pytest.fixture
def panel(qtbot):
    panel = LecturePanel()
    qtbot.addWidget(panel)
    panel.resize(520, 640)
    panel.show()
    panel.tabs.setCurrentWidget(panel.code)
    return panel


def _highlighted_line(code_view) -> str:
    (selection,) = code_view.code.extraSelections()
    return selection.cursor.block().text()


def test_the_code_follows_the_step_from_forward_to_bptt_to_the_update(panel):
    sim = Simulation(Experiment())
    sim.step()
    sim.step()
    snap = sim.snapshot()
    panel.update_snapshot(snap)
    view = panel.code
    assert view.code.toPlainText() == inspect.getsource(reference.elman_forward)
    assert "s[t] = f(a[t])" in _highlighted_line(view)
    assert view.formula.text().endswith("s_t = Φ(a_t)")
    values = view.values.toPlainText()
    assert f"{snap.input_tokens[1]} {vector(snap.X[1])}" in values
    assert vector(snap.s[2]) in values
    assert "s_2" in values and "E_2" in values
    sim.run_to_end()  # forward done: the sweep is next
    while sim.cursor.phase != "backward":
        sim.step()
    sim.step()
    panel.update_snapshot(sim.snapshot())
    assert view.code.toPlainText() == inspect.getsource(reference.elman_bptt)
    assert "da = ds * dphi" in _highlighted_line(view)
    assert "∂E/∂s_" in view.values.toPlainText()
    while sim.cursor.phase != "update":
        sim.step()
    panel.update_snapshot(sim.snapshot())
    assert view.function == "sgd_minibatch"
    assert "lr" in _highlighted_line(view)


def test_the_forward_values_are_the_references_numbers(panel):
    sim = Simulation(Experiment())
    for _ in range(3):
        sim.step()
    snap = sim.snapshot()
    s, a, y = reference.elman_forward(
        {k: np.asarray(v) for k, v in snap.weights.items()},
        reference.lecture_time(snap.X[:, None, :]),
        snap.s[0][None, :],
        snap.activation,
    )
    rows = dict(lecture_code.step_values(snap))
    assert rows["s_3"] == vector(s[3][0])
    assert rows["a_3"] == vector(a[3][0])
    assert rows["y_3"] == vector(y[3][0])


def test_an_lstm_shows_its_step_and_a_chosen_function_stays(panel):
    sim = Simulation(Experiment(cell="lstm"))
    sim.step()
    panel.update_snapshot(sim.snapshot())
    assert panel.code.function == "lstm_step"
    assert "c_1" in panel.code.values.toPlainText()
    panel.code.choice.setCurrentText("gradient_through_time")
    sim.step()
    panel.update_snapshot(sim.snapshot())
    assert panel.code.function == "gradient_through_time"
    assert "grad = grad @" in _highlighted_line(panel.code)


def test_every_function_has_its_current_line():
    for name in lecture_code.FUNCTIONS:
        line = lecture_code.source_of(name).splitlines()[lecture_code.current_line(name)]
        assert lecture_code.FUNCTIONS[name][1] in line


def test_comments_are_found_outside_strings_only():
    assert lecture_code._comment_start('x = "#"  # note') == 9
    assert lecture_code._comment_start("y = 'a#b'") == -1


def test_numbers_are_finite_safe():
    assert vector([np.nan, np.inf, -np.inf, 1.234567]) == "[nan, inf, −inf, 1.235]"
    assert vector(np.arange(8.0)).endswith("… (8 entries)]")
