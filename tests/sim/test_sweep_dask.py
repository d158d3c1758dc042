"""The dask backend on an embedded LocalCluster of two workers (shared by the module): the same
grid as the processes backend, a worker killed mid-run, cancel, and seeds."""

import csv
import multiprocessing
import os
import signal
import time

import numpy as np
import pytest

pytest.importorskip("distributed")

from rnnsim.sim import Experiment
from rnnsim.sim.sweep import SweepRun, SweepSpec
from rnnsim.sim.sweep_backends import DaskBackend, embedded_cluster

BASE = Experiment(n_hidden=8, knobs={"gap": 1}, batch_size=8)

pytestmark = pytest.mark.slow  # a Dask cluster of worker processes


@pytest.fixture(scope="module")
def client():
    import distributed

    cluster = embedded_cluster(2)
    c = distributed.Client(cluster)
    c.wait_for_workers(2, timeout=60)
    yield c
    c.close()
    cluster.close()


def wait_for(predicate, seconds=60.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def test_dask_grid_equals_the_processes_grid_cell_for_cell(client):
    spec = SweepSpec(
        BASE, "task.gap", [1, 3], "cell", ["elman", "gru"], updates=10, eval_batch=32, seeds=2
    )
    with SweepRun(spec, workers=2) as local:
        a = local.run()
    with SweepRun(spec, backend=DaskBackend(client=client)) as remote:
        b = remote.run()
    assert b.completed == 8 and (b.cell_state == "done").all()
    np.testing.assert_array_equal(a.values, b.values)
    np.testing.assert_array_equal(a.loss, b.loss)
    np.testing.assert_array_equal(a.mean, b.mean)
    np.testing.assert_array_equal(a.std, b.std)
    assert [r.updates for _, r in sorted(a.runs.items())] == [
        r.updates for _, r in sorted(b.runs.items())
    ]


def test_seeds_on_dask_aggregate_like_numpy(client, tmp_path):
    spec = SweepSpec(BASE, "task.gap", [2], updates=5, eval_batch=16, seeds=4, threshold=0.5)
    with SweepRun(spec, backend=DaskBackend(client=client), grid_csv=tmp_path / "g.csv") as run:
        r = run.run()
    v = r.values[0, 0, 0]
    assert np.isfinite(v).all()
    assert r.mean[0, 0, 0] == pytest.approx(v.mean())
    assert r.std[0, 0, 0] == pytest.approx(v.std(ddof=1))
    assert (r.low[0, 0, 0], r.high[0, 0, 0]) == (v.min(), v.max())
    assert r.meets[0, 0, 0] == (v >= 0.5).sum()
    rows = list(csv.reader(open(tmp_path / "g.csv")))
    assert sorted(row[1] for row in rows[1:]) == ["0", "1", "2", "3"]


def test_a_dask_worker_killed_mid_run_is_retried(client):
    spec = SweepSpec(BASE, "task.gap", [1, 2], updates=1500, eval_batch=16)
    retried = []
    with SweepRun(spec, backend=DaskBackend(client=client)) as run:
        run.start()
        pids = client.run(os.getpid)
        assert wait_for(lambda: any(client.processing().values()))
        busy = next(w for w, keys in client.processing().items() if keys)
        os.kill(pids[busy], signal.SIGKILL)
        result = run.run(on_retry=lambda key, why: retried.append((key, why)))
    assert len(retried) == 1 and "Dask worker died" in retried[0][1]
    assert (result.cell_state == "done").all() and result.completed == 2
    client.wait_for_workers(2, timeout=60)  # the nanny restarts it for the next test


def test_cancel_stops_the_cluster_and_keeps_the_finished_rows(tmp_path):
    # two quick cells (H = 2, 3) first, then two that take ten times longer (H = 300, 301)
    spec = SweepSpec(BASE, "n_hidden", [2, 3, 300, 301], updates=1500, eval_batch=16)
    path = tmp_path / "grid.csv"
    before = set(multiprocessing.active_children())
    with SweepRun(spec, backend="dask", workers=2, grid_csv=path) as run:
        run.start()
        assert wait_for(lambda: run.poll() is not None and run.result.completed == 2, 90)
        run.cancel()  # the slow cells are running: their workers are ended, not waited for
        assert run.backend is None and run.cancelled
    assert run.result.completed == 2
    rows = list(csv.reader(open(path)))
    assert sorted(r[0] for r in rows[1:]) == ["2", "3"]
    assert not set(multiprocessing.active_children()) - before
