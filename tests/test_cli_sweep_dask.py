"""``rnnsim sweep --backend dask --scheduler tcp://127.0.0.1:PORT`` against a real scheduler and
worker started as separate processes with Dask's own commands (127.0.0.1 only; bounded in time
and always torn down)."""

import contextlib
import csv
import json
import os
import signal
import socket
import subprocess
import sys
import time

import pytest

pytest.importorskip("distributed")

from rnnsim.cli.sweep import main
from rnnsim.sim.presets import load_preset
from rnnsim.sim.sweep_grid import evaluate_cell
from tests.tasks.training import one_blas_thread


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(args, log):
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    return subprocess.Popen(
        [sys.executable, "-m", "dask", *args],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        start_new_session=True,
    )


def stop(proc) -> None:
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 10)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(wait)
            return


@pytest.fixture
def scheduler(tmp_path):
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    log = open(tmp_path / "dask.log", "w")
    procs = []
    try:
        procs.append(
            start(
                [
                    "scheduler",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--no-dashboard",
                    "--idle-timeout",
                    "120s",
                ],
                log,
            )
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # the scheduler listens when it is up
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            time.sleep(0.1)
        procs.append(
            start(
                [
                    "worker",
                    address,
                    "--host",
                    "127.0.0.1",
                    "--nthreads",
                    "1",
                    "--nworkers",
                    "1",
                    "--no-dashboard",
                    "--death-timeout",
                    "60s",
                ],
                log,
            )
        )
        yield address
    finally:
        for proc in reversed(procs):
            stop(proc)
        log.close()
    assert all(p.poll() is not None for p in procs)


def test_a_sweep_through_a_separate_scheduler_and_worker(scheduler, tmp_path, capsys):
    out = tmp_path / "run"
    args = [
        "--preset",
        "minibatch",
        "--set",
        "n_hidden=4",
        "--x",
        "update_every=1,2",
        "--seeds",
        "2",
        "--updates",
        "3",
        "--eval-batch",
        "16",
        "--backend",
        "dask",
        "--scheduler",
        scheduler,
        "--out",
        str(out),
    ]
    assert main(args) == 0
    captured = capsys.readouterr()
    assert f"Dask workers ({scheduler})" in captured.err
    rows = list(csv.reader(open(out / "grid.csv")))
    assert len(rows) == 5 and all(r[4] == "done" for r in rows[1:])
    base = load_preset("minibatch").experiment.with_values({"n_hidden": 4})
    with one_blas_thread():
        alone = evaluate_cell(0, 0, base.with_values({"update_every": 2, "seed": 1}), 3, 16)
    (row,) = [r for r in rows[1:] if r[:2] == ["2", "1"]]
    assert float(row[2]) == alone.metric
    assert json.loads(captured.out.strip().splitlines()[-1])["runs"] == 4


def test_an_unreachable_scheduler_is_one_line_and_exit_2(tmp_path, capsys, monkeypatch):
    import rnnsim.sim.sweep_backends as backends

    monkeypatch.setattr(backends, "CONNECT_TIMEOUT", 1.0)
    port = free_port()
    code = main(
        [
            "--preset",
            "minibatch",
            "--x",
            "update_every=1",
            "--updates",
            "2",
            "--backend",
            "dask",
            "--scheduler",
            f"tcp://127.0.0.1:{port}",
            "--quiet",
            "--out",
            str(tmp_path),
        ]
    )
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1
    assert err.startswith(
        "rnnsim sweep: error: --backend dask: cannot reach the Dask "
        f"scheduler at tcp://127.0.0.1:{port}"
    )
