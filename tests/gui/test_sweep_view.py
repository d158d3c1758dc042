"""SweepView as a user runs it: fill the form, click Run, wait, check the heatmap; Cancel and
closing the window end the worker processes."""

import multiprocessing

import numpy as np
import pyqtgraph as pg
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


def test_seeds_show_mean_spread_tooltip_and_outline_disagreeing_cells(qtbot, view):
    view.x_field.setCurrentText("task.gap")
    view.x_values.setText("1, 3")
    view.updates.setValue(15)
    view.seeds.setValue(3)
    view.threshold = 0.4  # the claim's line (a preset's sweep brings its own)
    with qtbot.waitSignal(view.finished, timeout=60000) as blocker:
        qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)
    result = blocker.args[0]
    assert result.values.shape == (1, 1, 2, 3) and result.completed == 6
    heat = view.heatmap
    for c in range(2):
        mean, sd = result.mean[0, 0, c], result.std[0, 0, c]
        assert heat.cell_text(0, c) == f"{mean:.2f}\n±{sd:.2f}"
        tip = heat.cell_tooltip(0, c)
        assert tip.startswith(f"task.gap = {[1, 3][c]}\nmean {mean:.3f}, sd {sd:.3f}, min ")
        assert "over 3 of 3 seeds" in tip and "meet final_accuracy >= 0.4" in tip
    expected = {(0, c) for c in range(2) if result.disagree[0, 0, c]}
    assert heat.outlined() == expected and len(heat.outlines) == len(expected)
    assert "the seeds disagree on final_accuracy ≥ 0.4" in heat.heading.text


def test_a_third_axis_draws_small_multiples(qtbot, view):
    view.x_field.setCurrentText("task.gap")
    view.x_values.setText("1, 2")
    view.y_field.setCurrentText("cell")
    view.y_values.setText("elman")
    view.z_field.setCurrentText("n_hidden")
    view.z_values.setText("4, 6, 8")
    view.updates.setValue(3)
    with qtbot.waitSignal(view.finished, timeout=60000) as blocker:
        qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)
    assert blocker.args[0].shape == (3, 1, 2)
    heat = view.heatmap
    assert len(heat.panels) == 3
    titles = [plot.titleLabel.text for plot, _ in heat.panels]
    assert titles == ["n_hidden = 4", "n_hidden = 6", "n_hidden = 8"]
    assert heat.cell_text(0, 1, layer=2) == f"{blocker.args[0].mean[2, 0, 1]:.2f}"


def test_the_backend_and_scheduler_are_remembered_and_an_unreachable_one_is_reported(
    qtbot, view, monkeypatch
):
    pytest.importorskip("distributed")
    import rnnsim.sim.sweep_backends as backends

    monkeypatch.setattr(backends, "CONNECT_TIMEOUT", 1.0)
    assert not view.scheduler.isEnabled()
    view.backend.setCurrentIndex(view.backend.findData("dask"))
    assert view.scheduler.isEnabled()
    view.scheduler.setText("tcp://127.0.0.1:9")
    view.x_field.setCurrentText("lr")
    view.x_values.setText("0.1")
    qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "could not start" in view.status.text(), timeout=30000)
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in view.status.text()
    assert view.run_button.isEnabled() and not view._timer.isActive()
    again = SweepView(SMALL)
    qtbot.addWidget(again)
    assert again.backend.currentData() == "dask"
    assert again.scheduler.text() == "tcp://127.0.0.1:9"


@pytest.fixture(scope="module")
def dask_executors():
    """Dask's process-wide thread pools (offload, future callbacks) start on first use and
    live with the process: start them before the test, whose new threads must all end."""
    distributed = pytest.importorskip("distributed")
    import threading

    with (
        distributed.LocalCluster(
            n_workers=1,
            processes=False,  # in-process transport
            dashboard_address="127.0.0.1:0",
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        called = threading.Event()
        client.submit(abs, -1).add_done_callback(lambda f: called.set())
        assert called.wait(30)


@pytest.mark.slow
def test_the_window_runs_a_sweep_on_an_embedded_dask_cluster(dask_executors, qtbot, view):
    view.backend.setCurrentIndex(view.backend.findData("dask"))
    view.scheduler.setText("")
    view.x_field.setCurrentText("task.gap")
    view.x_values.setText("1, 2")
    view.updates.setValue(5)
    view.seeds.setValue(2)
    with qtbot.waitSignal(view.finished, timeout=90000) as blocker:
        qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)
    assert blocker.args[0].completed == 4 and view.run.backend is None  # cluster closed
    assert "done: 4 runs" in view.status.text()


def test_hovering_a_cell_shows_its_seeds_in_the_tooltip(qtbot, view):
    from rnnsim.sim.sweep_grid import CellResult, SweepResult

    result = SweepResult(
        "task.gap", [1, 3], None, (), "final_accuracy", 0.5, 10, seeds=(0, 1), threshold=0.9
    )
    for k, value in enumerate([0.95, 0.5]):
        result.add(CellResult(0, 1, value, 0.1, 10, False, 0.1, seed=k))
    view.heatmap.show_result(result)
    qtbot.wait(50)
    plot = view.heatmap.plot
    centre = plot.vb.mapViewToScene(pg.Point(1, 0))  # column 1, row 0
    pos = view.heatmap.graphics.mapFromScene(centre)
    qtbot.mouseMove(view.heatmap.graphics.viewport(), pos)
    qtbot.waitUntil(lambda: view.heatmap.graphics.toolTip() != "", timeout=5000)
    tip = view.heatmap.graphics.toolTip()
    assert tip.startswith("task.gap = 3\nmean 0.725, sd 0.318, min 0.500 – max 0.950")
    assert "1 meet final_accuracy >= 0.9" in tip
    assert view.heatmap.outlined() == {(0, 1)}


def test_a_presets_sweep_measures_and_labels_its_claim(qtbot):
    """exploding: the form says what each run measures, the spec carries the claims, the
    colour bar names the metric and its meaning, and a disagreeing cell is outlined."""
    from rnnsim.sim.sweep_grid import CellResult, SweepResult

    view = SweepView.from_preset(load_preset("exploding"), workers=1)
    qtbot.addWidget(view)
    view.resize(900, 650)
    view.show()
    assert view.measures.text() == "Measures: diverged (share of seeds)"
    view.seeds.setValue(2)
    spec = view.spec()
    assert spec.metric == "diverged" and len(spec.claims) == 2
    view.x_field.setCurrentText("lr")  # a claim on ws_scale no longer applies
    view.x_values.setText("0.1")
    assert [c["where"] for c in view.spec().claims] == [{"clip_norm": 1.0}]
    result = SweepResult.empty(spec)
    for (row, col), flags in {(0, 4): (True, True), (1, 4): (False, True)}.items():
        for seed, diverged in enumerate(flags):
            run = CellResult(row, col, float(diverged), 0.0, 5, diverged, 0.1, "", 0, seed)
            result.add(run)
    view.heatmap.show_result(result)
    bar = view.heatmap.bar.axis.labelText
    assert bar == "diverged (share of seeds)"
    assert view.heatmap.outlined() == {(1, 4)}
    assert view.heatmap.cell_text(0, 4) == "1.00\ndiverged"
    assert "disagree on their cell's claim" in view.heatmap.heading.text
    assert view.heatmap.cell_tooltip(1, 4).endswith("1 meet diverged <= 0")
    assert view.heatmap.cell_tooltip(0, 4).endswith("2 meet diverged >= 1")
    assert not view.grab().isNull()
