"""Sweeps: the grid, worker processes that always end, the CSV."""

import csv
import multiprocessing
import time

import numpy as np
import pytest

from rnnsim.sim import Experiment
from rnnsim.sim.presets import load_preset
from rnnsim.sim.sweep import SweepRun, SweepSpec, write_csv
from rnnsim.sim.sweep_grid import evaluate_cell
from tests.tasks.training import one_blas_thread

BASE = Experiment(n_hidden=8, knobs={"gap": 1}, batch_size=8)


def no_children_left(run):
    assert run.alive == []
    assert not set(run.processes) & set(multiprocessing.active_children())


def test_a_two_knob_grid_matches_cells_run_in_this_process(tmp_path):
    spec = SweepSpec(BASE, "task.gap", [1, 3], "cell", ["elman", "gru"], updates=20, eval_batch=64)
    seen = []
    with SweepRun(spec, workers=2) as run:
        result = run.run(progress=lambda done, total, cell: seen.append((done, total)))
    assert len(run.processes) == 2 and seen == [(1, 4), (2, 4), (3, 4), (4, 4)]
    no_children_left(run)
    assert result.mean.shape == (1, 2, 2) and (result.cell_state == "done").all()
    for r, cell in enumerate(["elman", "gru"]):
        for c, gap in enumerate([1, 3]):
            exp = BASE.with_values({"task.gap": gap, "cell": cell})
            with one_blas_thread():  # as in the workers: the same sums in the same order
                alone = evaluate_cell(r, c, exp, 20, 64)
            assert result.mean[0, r, c] == alone.metric
            assert result.loss[0, r, c, 0] == pytest.approx(alone.loss, rel=1e-9)
    path = tmp_path / "grid.csv"
    write_csv(result, path)
    rows = list(csv.reader(path.open()))
    assert rows[0] == [
        "task.gap",
        "cell",
        "seed",
        "final_accuracy",
        "loss",
        "state",
        "updates",
        "seconds",
        "message",
    ]
    assert [r[:3] for r in rows[1:]] == [
        ["1", "elman", "0"],
        ["3", "elman", "0"],
        ["1", "gru", "0"],
        ["3", "gru", "0"],
    ]
    assert float(rows[1][3]) == result.mean[0, 0, 0] and rows[1][6] == "20"


def test_one_knob_and_a_diverged_cell():
    exploding = load_preset("exploding").experiment
    spec = SweepSpec(exploding, "clip_norm", ["none", 1.0], updates=30, eval_batch=32)
    with SweepRun(spec, workers=1) as run:
        result = run.run()
    assert result.mean.shape == (1, 1, 2)
    assert list(result.cell_state[0, 0]) == ["diverged", "done"]
    assert np.isnan(result.mean[0, 0, 0]) and result.mean[0, 0, 1] >= 0
    assert "Training diverged" in result.runs[(0, 0, 0, 0)].message
    assert result.rows()[0][:3] == ["clip_norm", "seed", "final_accuracy"]
    no_children_left(run)


def slow_spec():
    lstm = load_preset("lstm-rescue").experiment
    return SweepSpec(lstm, "task.gap", [30, 31, 32, 33], updates=5000, eval_batch=32)


def wait_until_started(run):
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not all(p.pid for p in run.processes):
        time.sleep(0.05)
    assert len(run.alive) == 2


def test_cancel_ends_the_worker_processes():
    run = SweepRun(slow_spec(), workers=2)
    run.start()
    wait_until_started(run)
    time.sleep(0.5)
    run.cancel()  # the cells would take minutes: cancel ends the workers, it does not wait
    no_children_left(run)
    assert run.result.completed == 0 and run.cancelled


def test_should_stop_and_leaving_the_with_block_end_the_workers():
    calls = []
    with SweepRun(slow_spec(), workers=2) as run:
        result = run.run(should_stop=lambda: len(calls) > 10 or calls.append(1))
    assert run.cancelled and result.completed == 0
    no_children_left(run)
    with SweepRun(slow_spec(), workers=2) as other:
        other.start()
        wait_until_started(other)
    no_children_left(other)


def test_preset_sweep_plans_make_specs():
    for name in ("vanishing", "exploding", "truncated", "lstm-rescue", "minibatch"):
        p = load_preset(name)
        spec = SweepSpec.from_plan(p.experiment, p.sweep, updates=3)
        assert spec.shape == (len(p.sweep.y_values), len(p.sweep.x_values))
        assert spec.updates == 3
    truncated = SweepSpec.from_plan(
        load_preset("truncated").experiment, load_preset("truncated").sweep
    )
    assert truncated.experiments[0][3][0].bptt_steps is None  # "none" parsed as full BPTT


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"x": "lr", "x_values": []}, "x_values: got an empty list"),
        ({"x": "lr", "x_values": "0.1"}, "x_values: got '0.1', expected a list"),
        ({"x": "lr", "x_values": [-1]}, r"x \(lr\): lr: got -1"),
        ({"x": "nope", "x_values": [1]}, r"x \(nope\): nope: unknown experiment field"),
        (
            {"x": "lr", "x_values": [0.1], "y": "cell", "y_values": ["rnn"]},
            r"y \(cell\): cell: got 'rnn'",
        ),
        ({"x": "lr", "x_values": [0.1], "y": "lr", "y_values": [0.2]}, "the same field as x"),
        ({"x": "lr", "x_values": [0.1], "y_values": [1]}, "y_values: given without y"),
        ({"x": "lr", "x_values": [0.1], "updates": 0}, "updates: got 0"),
        (
            {
                "x": "lr",
                "x_values": list(range(1, 30)),
                "y": "seed",
                "y_values": list(range(20)),
                "max_cells": 400,
            },
            "got 580 cells, expected at most 400",
        ),
        (  # issue 12: MemoryError traceback in a worker; now refused before any run
            {"x": "n_hidden", "x_values": [4, 8], "eval_batch": 10**9},
            r"eval_batch: a run: .*evaluation batch 1000000000 needs about .* more than the "
            "memory ceiling",
        ),
    ],
)
def test_bad_specs_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        SweepSpec(BASE, **kwargs)


def test_bad_runs_are_named():
    spec = SweepSpec(BASE, "lr", [0.1])
    with pytest.raises(ValueError, match="workers: got 0"):
        SweepRun(spec, workers=0)
    with pytest.raises(ValueError, match="spec: got dict"):
        SweepRun({}, workers=1)
