"""SweepView as a user runs it: fill the form, click Run, wait, check the heatmap; Cancel and
closing the window end the worker processes."""

import multiprocessing

import numpy as np
import pytest
from PySide6.QtCore import Qt

from rnnsim.gui.sweep_view import SweepView
from rnnsim.sim import Experiment
from rnnsim.sim.presets import load_preset

SMALL = Experiment(n_hidden=6, batch_size=8, knobs={"gap": 1})


def no_workers_left(run):
    assert run.alive == []
    assert not set(run.processes) & set(multiprocessing.active_children())


@pytest.fixture
def view(qtbot):
    w = SweepView(SMALL, workers=2)
    qtbot.addWidget(w)
    w.resize(900, 650)
    w.show()
    return w


def test_run_fills_the_heatmap_with_labelled_axes(qtbot, view):
    view.x_field.setCurrentText("task.gap")
    qtbot.keyClicks(view.x_values, "1, 4, 8")
    view.y_field.setCurrentText("cell")
    qtbot.keyClicks(view.y_values, "elman,gru")
    view.updates.setValue(10)
    with qtbot.waitSignal(view.finished, timeout=60000) as blocker:
        qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)
    result = blocker.args[0]
    no_workers_left(view.run)
    assert result.mean.shape == (1, 2, 3) and np.isfinite(result.mean).all()
    assert view.progress.value() == 6 and view.run_button.isEnabled()
    plot = view.heatmap.plot
    assert plot.getAxis("bottom").labelText == "task.gap"
    assert plot.getAxis("left").labelText == "cell"
    assert [t for _, t in plot.getAxis("bottom")._tickLevels[0]] == ["1", "4", "8"]
    assert [t for _, t in plot.getAxis("left")._tickLevels[0]] == ["elman", "gru"]
    assert view.heatmap.cell_text(1, 2) == f"{result.mean[0, 1, 2]:.2f}"
    image = view.heatmap.image.image  # (rows, cols, 4) colours of the cells
    assert image.shape == (2, 3, 4)
    expected = view.heatmap.cmap.map(result.mean.ravel(), mode="byte")  # levels are [0, 1]
    np.testing.assert_array_equal(image.reshape(-1, 4), expected)
    assert "done: 6 runs" in view.status.text()


def test_a_bad_value_is_reported_not_run(qtbot, view):
    view.x_field.setCurrentText("lr")
    qtbot.keyClicks(view.x_values, "0.1, -2")
    qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)
    assert view.run is None
    assert "lr: got -2" in view.status.text()


def slow_form(view):
    view.experiment = load_preset("lstm-rescue").experiment
    view.x_field.setCurrentText("task.gap")
    view.x_values.setText("30, 31, 32, 33")
    view.y_field.setCurrentText("(none)")
    view.updates.setValue(5000)


def test_cancel_ends_the_worker_processes(qtbot, view):
    slow_form(view)
    qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)
    run = view.run
    assert view.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: len(run.alive) == 2, timeout=20000)
    qtbot.wait(300)
    with qtbot.waitSignal(view.cancelled, timeout=10000):
        qtbot.mouseClick(view.cancel_button, Qt.MouseButton.LeftButton)
    no_workers_left(run)
    assert run.result.completed == 0 and "cancelled after 0 of 4 runs" in view.status.text()
    assert view.run_button.isEnabled() and not view._timer.isActive()


def test_closing_the_window_ends_the_worker_processes(qtbot, view):
    slow_form(view)
    qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)
    run = view.run
    qtbot.waitUntil(lambda: len(run.alive) == 2, timeout=20000)
    view.close()
    no_workers_left(run)


def test_a_preset_fills_the_form(qtbot):
    w = SweepView.from_preset(load_preset("truncated"))
    qtbot.addWidget(w)
    assert w.x_field.currentText() == "task.gap" and w.x_values.text() == "2, 4, 6, 8, 10"
    assert w.y_field.currentText() == "bptt_steps" and w.y_values.text() == "3, 5, 10, none"
    assert w.updates.value() == 400
    spec = w.spec()
    assert spec.shape == (4, 5) and spec.experiments[0][3][0].bptt_steps is None
