"""Sweeps with seeds and three axes: aggregates, the live grid.csv, resume, a worker that dies,
and the backend interface (processes)."""

import csv
import math
import os
import signal
import threading
import time

import numpy as np
import pytest

from rnnsim.sim import Experiment
from rnnsim.sim.sweep import SweepRun, SweepSpec, estimate
from rnnsim.sim.sweep_backends import (
    CancelledError,
    JobFuture,
    ProcessBackend,
    WorkerLost,
    make_backend,
)
from rnnsim.sim.sweep_files import load_result, read_runs
from rnnsim.sim.sweep_grid import CellResult, SweepResult, evaluate_cell
from tests.tasks.training import one_blas_thread

BASE = Experiment(n_hidden=8, knobs={"gap": 1}, batch_size=8)


def rows_of(path):
    return list(csv.reader(open(path, newline="")))


def test_seeds_aggregate_to_mean_sd_min_max_and_disagreement(tmp_path):
    spec = SweepSpec(BASE, "task.gap", [1, 3], updates=20, eval_batch=64, seeds=3, threshold=0.5)
    assert spec.seed_values == (0, 1, 2) and spec.runs == 6
    with SweepRun(spec, workers=2, grid_csv=tmp_path / "grid.csv") as run:
        result = run.run()
    alone = np.empty((2, 3))
    for c, gap in enumerate([1, 3]):
        for k in range(3):
            exp = BASE.with_values({"task.gap": gap, "seed": k})
            with one_blas_thread():
                alone[c, k] = evaluate_cell(0, c, exp, 20, 64).metric
    np.testing.assert_array_equal(result.values[0, 0], alone)
    np.testing.assert_allclose(result.mean[0, 0], alone.mean(axis=1))
    np.testing.assert_allclose(result.std[0, 0], alone.std(axis=1, ddof=1))
    np.testing.assert_array_equal(result.low[0, 0], alone.min(axis=1))
    np.testing.assert_array_equal(result.high[0, 0], alone.max(axis=1))
    meets = (alone >= 0.5).sum(axis=1)
    np.testing.assert_array_equal(result.meets[0, 0], meets)
    np.testing.assert_array_equal(result.disagree[0, 0], (meets > 0) & (meets < 3))
    grid = rows_of(tmp_path / "grid.csv")
    assert grid[0] == [
        "task.gap",
        "seed",
        "final_accuracy",
        "loss",
        "state",
        "updates",
        "seconds",
        "message",
    ]
    assert sorted((r[0], r[1]) for r in grid[1:]) == [(g, s) for g in "13" for s in "012"]
    summary = result.summary_rows()
    assert summary[0][:6] == ["task.gap", "seeds", "mean", "sd", "min", "max"]
    assert len(summary) == 3 and summary[1][1] == 3
    assert float(summary[2][2]) == pytest.approx(alone[1].mean())
    assert summary[1][-2:] == [int(meets[0]), "yes" if 0 < meets[0] < 3 else "no"]


def test_aggregates_skip_diverged_seeds_and_count_them_against_the_claim():
    r = SweepResult(
        "lr", [0.1], None, (), "final_accuracy", 0.5, 10, seeds=(0, 1, 2), threshold=0.9
    )
    r.add(CellResult(0, 0, 0.95, 0.1, 10, False, 0.1, seed=0))
    assert r.cell_state[0, 0, 0] == "running" and not r.disagree[0, 0, 0]
    r.add(CellResult(0, 0, math.nan, math.nan, 3, True, 0.1, "diverged", seed=1))
    r.add(CellResult(0, 0, 0.97, 0.1, 10, False, 0.1, seed=2))
    assert r.cell_state[0, 0, 0] == "done"
    assert r.mean[0, 0, 0] == pytest.approx(0.96) and r.counts("diverged")[0, 0, 0] == 1
    assert r.disagree[0, 0, 0]  # two meet the claim, the diverged one does not
    assert "1 diverged" in r.cell_summary(0, 0, 0) and "2 meet" in r.cell_summary(0, 0, 0)


def test_three_axes_make_layers_and_the_cap_is_the_windows_only():
    spec = SweepSpec(
        BASE,
        "task.gap",
        [1, 2],
        "cell",
        ["elman", "gru"],
        z="n_hidden",
        z_values=[4, 6, 8],
        updates=2,
    )
    assert spec.cells == 12 and len(spec.experiments) == 3
    assert spec.experiments[2][1][0].n_hidden == 8 and spec.experiments[2][1][0].cell == "gru"
    big = dict(
        x="lr", x_values=[0.01 * i for i in range(1, 30)], y="n_hidden", y_values=list(range(2, 22))
    )
    assert SweepSpec(BASE, **big, seeds=5).runs == 29 * 20 * 5
    with pytest.raises(ValueError, match="got 580 cells, expected at most 400"):
        SweepSpec(BASE, **big, max_cells=400)
    with pytest.raises(ValueError, match="z: given without y"):
        SweepSpec(BASE, "lr", [0.1], z="cell", z_values=["gru"])
    with pytest.raises(ValueError, match="z: got 'lr', the same field as x"):
        SweepSpec(BASE, "lr", [0.1], "cell", ["gru"], z="lr", z_values=[0.2])
    with pytest.raises(ValueError, match="seeds: got 2, but seed is swept"):
        SweepSpec(BASE, "seed", [1, 2], seeds=2)


def test_a_third_axis_runs_and_rows_name_all_three(tmp_path):
    spec = SweepSpec(
        BASE,
        "task.gap",
        [1],
        "cell",
        ["elman"],
        z="n_hidden",
        z_values=[4, 6],
        updates=3,
        eval_batch=16,
    )
    with SweepRun(spec, workers=2, grid_csv=tmp_path / "grid.csv") as run:
        result = run.run()
    assert result.shape == (2, 1, 1) and (result.cell_state == "done").all()
    grid = rows_of(tmp_path / "grid.csv")
    assert grid[0][:4] == ["task.gap", "cell", "n_hidden", "seed"]
    assert sorted(r[2] for r in grid[1:]) == ["4", "6"]


def slow_then_quick(updates=20000):
    """One slow cell first (column 0), then quick ones: rows arrive while the slow one runs."""
    return SweepSpec(BASE, "task.gap", [1, 2, 3, 4], updates=updates, eval_batch=16)


def test_rows_are_appended_as_runs_finish_and_resume_runs_only_the_rest(tmp_path):
    spec = SweepSpec(BASE, "task.gap", [1, 2, 3], updates=5, eval_batch=16, seeds=2)
    path = tmp_path / "grid.csv"
    seen = []
    with SweepRun(spec, workers=1, grid_csv=path) as run:
        run.run(
            progress=lambda done, total, r: seen.append((done, len(rows_of(path)) - 1)),
            should_stop=lambda: len(seen) >= 3,
        )
    assert [done for done, _ in seen] == list(range(1, len(seen) + 1))
    assert all(rows >= done for done, rows in seen)  # a run's row is in the file by then
    kept = rows_of(path)
    assert run.cancelled and len(kept) - 1 == run.result.completed >= 3
    with open(path, "a") as f:
        f.write("2,1,0.5")  # a row cut off by a kill
    with SweepRun(spec, workers=2, grid_csv=path, resume=True) as again:
        assert again.resumed == len(kept) - 1
        result = again.run()
    assert result.completed == 6 and (result.cell_state == "done").all()
    final = rows_of(path)
    assert final[: len(kept)] == kept  # the finished rows stay as they were, not re-run
    assert len(final) == 7 and len({tuple(r[:2]) for r in final[1:]}) == 6
    assert [r.key for r in read_runs(path, SweepResult.empty(spec))] != []
    redrawn = load_result(tmp_path)
    np.testing.assert_array_equal(redrawn.values, result.values)


def test_resume_refuses_a_grid_csv_of_another_sweep(tmp_path):
    path = tmp_path / "grid.csv"
    path.write_text(
        "task.gap,seed,final_accuracy,loss,state,updates,seconds,message\n"
        "99,0,0.5,1.0,done,5,0.1,\n"
    )
    spec = SweepSpec(BASE, "task.gap", [1, 2], updates=5)
    with pytest.raises(ValueError, match=r"line 2 \(99, 0\) is not in this sweep"):
        SweepRun(spec, grid_csv=path, resume=True)
    other = SweepSpec(BASE, "lr", [0.1], updates=5)
    with pytest.raises(ValueError, match="are not this sweep's"):
        SweepRun(other, grid_csv=path, resume=True)


def wait_for(predicate, seconds=60.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


@pytest.mark.slow
def test_a_worker_killed_mid_run_is_retried_once_and_the_others_keep_going(tmp_path):
    spec = SweepSpec(BASE, "task.gap", [1, 2], updates=600, eval_batch=16)
    retried = []
    with SweepRun(spec, workers=2, grid_csv=tmp_path / "grid.csv") as run:
        run.start()
        backend = run.backend
        assert wait_for(lambda: len(backend.busy_pids()) == 2)
        victim = backend.busy_pids()[0]
        os.kill(victim, signal.SIGKILL)
        result = run.run(on_retry=lambda key, why: retried.append((key, why)))
    assert len(retried) == 1 and f"worker process {victim} died" in retried[0][1]
    assert (result.cell_state == "done").all()
    for c, gap in enumerate([1, 2]):
        with one_blas_thread():
            alone = evaluate_cell(0, c, BASE.with_values({"task.gap": gap}), 600, 16)
        assert result.values[0, 0, c, 0] == alone.metric
    assert len(run.processes) == 3 and run.alive == []


def test_a_run_lost_twice_is_marked_failed_with_the_reason(tmp_path):
    spec = SweepSpec(BASE, "task.gap", [1], updates=100000, eval_batch=16)
    with SweepRun(spec, workers=1, grid_csv=tmp_path / "grid.csv") as run:
        run.start()
        for _ in range(2):
            assert wait_for(lambda: run.poll() == [] and run.backend.busy_pids() != [])
            pid = run.backend.busy_pids()[0]  # (poll submits the retry)
            os.kill(pid, signal.SIGKILL)
            assert wait_for(lambda pid=pid: pid not in run.backend.busy_pids())
        result = run.run()
    assert result.cell_state[0, 0, 0] == "failed"
    message = result.runs[(0, 0, 0, 0)].message
    assert message.startswith("worker lost twice: worker process") and "then worker" in message
    row = rows_of(tmp_path / "grid.csv")[1]
    assert row[4] == "failed" and row[7] == message


def test_the_backend_interface_submit_callback_cancel():
    backend = make_backend("processes", workers=1)
    try:
        quick = backend.submit(
            next(SweepSpec(BASE, "lr", [0.1], updates=2, eval_batch=8).jobs())[1]
        )
        slow = backend.submit(next(SweepSpec(BASE, "lr", [0.1], updates=10**6).jobs())[1])
        queued = backend.submit(next(SweepSpec(BASE, "lr", [0.2], updates=2).jobs())[1])
        done = threading.Event()
        quick.add_done_callback(lambda f: done.set())
        assert done.wait(60) and quick.result()["updates"] == 2
        assert wait_for(lambda: backend.busy_pids() != [])
        busy = backend.busy_pids()[0]
        assert queued.cancel() and queued.cancelled()
        assert slow.cancel()  # running: its worker is ended and replaced
        assert wait_for(lambda: busy not in [p.pid for p in backend.alive])
        with pytest.raises(CancelledError):
            slow.result()
        assert not quick.cancel()
    finally:
        backend.close()
    assert backend.alive == []
    with pytest.raises(ValueError, match="only the dask backend uses a scheduler"):
        make_backend("processes", scheduler="tcp://127.0.0.1:1")
    with pytest.raises(ValueError, match="backend: got 'threads'"):
        make_backend("threads")


def test_job_future_runs_callbacks_once_and_raises_the_exception():
    f = JobFuture("{}")
    calls = []
    f.add_done_callback(calls.append)
    assert f.set_exception(WorkerLost("gone")) and not f.set_result({})
    with pytest.raises(WorkerLost, match="gone"):
        f.result()
    f.add_done_callback(calls.append)  # already done: called at once
    assert calls == [f, f] and not f.cancel()


def test_estimate_scales_a_short_calibration():
    spec = SweepSpec(BASE, "task.gap", [1, 3], updates=200, eval_batch=16, seeds=3)
    est = estimate(spec, workers=2)
    assert est.runs == 6 and est.workers == 2 and est.seconds_per_update > 0
    assert est.seconds == pytest.approx(est.seconds_per_run * 3)
    assert est.seconds_per_run == pytest.approx(
        est.seconds_per_run_fixed + 200 * est.seconds_per_update
    )


def test_process_backend_refuses_bad_workers():
    with pytest.raises(ValueError, match="workers: got 0"):
        ProcessBackend(0)
