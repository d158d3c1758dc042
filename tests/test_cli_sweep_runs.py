"""``rnnsim sweep`` with seeds, a third axis, --plot, --out checks, Ctrl-C and --resume."""

import csv
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time

import pytest

from rnnsim.cli.sweep import main
from tests.processes import ctrl_c_as_in_a_terminal

SMALL = ["--preset", "minibatch", "--set", "n_hidden=4", "--eval-batch", "16"]


def rows_of(path):
    return list(csv.reader(open(path, newline="")))


def test_seeds_give_a_row_per_cell_and_seed_and_a_summary_per_cell(tmp_path, capsys):
    out = tmp_path / "run"
    code = main(
        [
            *SMALL,
            "--x",
            "update_every=1,2",
            "--y",
            "cell=elman,gru",
            "--seeds",
            "3",
            "--updates",
            "3",
            "--workers",
            "2",
            "--out",
            str(out),
        ]
    )
    assert code == 0 and not multiprocessing.active_children()
    captured = capsys.readouterr()
    assert "plan: update_every × cell: 4 cells × 3 seeds × 3 updates = 12 runs" in captured.err
    assert "per run" in captured.err and "calibrated in" in captured.err
    grid = rows_of(out / "grid.csv")
    assert grid[0][:4] == ["update_every", "cell", "seed", "final_accuracy"]
    assert len(grid) == 13 and {r[2] for r in grid[1:]} == {"0", "1", "2"}
    summary = rows_of(out / "summary.csv")
    assert summary[0][:7] == ["update_every", "cell", "seeds", "mean", "sd", "min", "max"]
    assert len(summary) == 5 and all(r[2] == "3" for r in summary[1:])
    for row in summary[1:]:
        values = [float(g[3]) for g in grid[1:] if g[:2] == row[:2]]
        assert float(row[3]) == pytest.approx(sum(values) / 3)
        assert (float(row[5]), float(row[6])) == (min(values), max(values))
    last = json.loads(captured.out.strip().splitlines()[-1])
    assert last["seeds"] == 3 and len(last["grid"]) == 2 and len(last["sd"][0]) == 2
    plan = json.loads((out / "sweep.json").read_text())
    assert plan["seed_values"] == [0, 1, 2] and plan["updates"] == 3


def test_a_third_axis_writes_one_heatmap_per_value_and_plot_redraws_from_the_csv(tmp_path, capsys):
    out = tmp_path / "run"
    assert (
        main(
            [
                *SMALL,
                "--x",
                "update_every=1,2",
                "--y",
                "cell=elman,gru",
                "--z",
                "lr=0.01,0.03",
                "--updates",
                "2",
                "--workers",
                "2",
                "--quiet",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "grid.csv",
        "heatmap_lr=0.01.png",
        "heatmap_lr=0.01.svg",
        "heatmap_lr=0.03.png",
        "heatmap_lr=0.03.svg",
        "summary.csv",
        "sweep.json",
    ]
    first = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    for p in out.iterdir():
        if p.name != "grid.csv":
            p.unlink()
    assert main(["--plot", str(out), "--quiet"]) == 0  # from grid.csv alone
    again = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert again["grid"] == first["grid"] and again["z"] == "lr"
    assert (out / "heatmap_lr=0.03.png").stat().st_size > 0 and (out / "summary.csv").exists()
    assert (
        "lr=0.03" in (out / "heatmap_lr=0.03.svg").read_text()
        or "0.03" in (out / "heatmap_lr=0.03.svg").read_text()
    )


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ("missing/run", "its parent"),
        ("a-file", "is a file, expected a folder"),
        ("/proc/rnnsim-sweep-out", "cannot create /proc/rnnsim-sweep-out"),
    ],
)
def test_out_is_checked_before_any_training(tmp_path, capsys, where, message):
    (tmp_path / "a-file").write_text("x")
    target = where if where.startswith("/") else str(tmp_path / where)
    assert main([*SMALL, "--x", "update_every=1", "--updates", "100000", "--out", target]) == 2
    err = capsys.readouterr().err
    assert err.startswith("rnnsim sweep: error: --out: ") and message in err
    assert not (tmp_path / "missing").exists()


def test_a_usage_error_creates_no_output_folder(tmp_path, capsys):
    assert main([*SMALL, "--x", "lr=-1", "--out", str(tmp_path / "run")]) == 2
    assert not (tmp_path / "run").exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_folder_is_refused_up_front(tmp_path, capsys):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        assert main([*SMALL, "--x", "update_every=1", "--out", str(folder / "run")]) == 2
    finally:
        folder.chmod(0o755)
    assert "--out: cannot " in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--seeds", "0"], "--seeds: got 0"),
        (["--z", "lr=0.1"], "--z: given without --y"),
        (["--scheduler", "tcp://127.0.0.1:8786"], "--scheduler: given without --backend dask"),
        (["--backend", "dask", "--scheduler", "127.0.0.1"], "expected tcp://HOST:PORT"),
        (["--x", "seed=1,2", "--seeds", "2"], "--seeds: seeds: got 2, but seed is swept"),
    ],
)
def test_new_usage_errors_exit_2(tmp_path, capsys, args, message):
    base = [] if "--x" in args else ["--x", "update_every=1"]
    assert main([*SMALL, *base, *args, "--out", str(tmp_path / "o")]) == 2
    assert message in capsys.readouterr().err


def test_dask_missing_names_the_extra(tmp_path, capsys, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "distributed" else real(name, *a),
    )
    assert main([*SMALL, "--x", "update_every=1", "--backend", "dask", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (
        "rnnsim sweep: error: --backend dask: Dask is not installed; pip install 'rnnsim[dask]'"
    )


def test_resume_refuses_another_sweep_in_the_folder(tmp_path, capsys):
    out = str(tmp_path)
    assert main([*SMALL, "--x", "update_every=1,2", "--updates", "2", "--quiet", "--out", out]) == 0
    assert (
        main([*SMALL, "--x", "update_every=1,2", "--updates", "3", "--resume", "--out", out]) == 2
    )
    err = capsys.readouterr().err
    assert "--resume: " in err and "holds another sweep (updates differ)" in err
    assert (
        main([*SMALL, "--x", "update_every=1,2", "--updates", "2", "--resume", "--out", out]) == 0
    )
    err = capsys.readouterr().err
    assert "2 already in grid.csv" in err and "nothing left to run" in err
    assert len(rows_of(tmp_path / "grid.csv")) == 3


def sweep_process(out, *extra):
    """``rnnsim sweep`` in its own session (a terminal's process group): quick cells first
    (H = 2 to 5), then a slow one (H = 250)."""
    cmd = [
        sys.executable,
        "-m",
        "rnnsim",
        "sweep",
        "--preset",
        "minibatch",
        "--x",
        "n_hidden=2,3,4,5,250",
        "--updates",
        "600",
        "--eval-batch",
        "16",
        "--workers",
        "2",
        "--out",
        str(out),
        *extra,
    ]
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    return subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,
        preexec_fn=ctrl_c_as_in_a_terminal,
    )


def wait_rows(path, n, proc, seconds=90):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and proc.poll() is None:
        if path.exists() and len(rows_of(path)) - 1 >= n:
            return True
        time.sleep(0.05)
    return False


def group_gone(pgid, seconds=20):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


def end_group(proc):
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(10)


@pytest.mark.parametrize("backend", ["processes", pytest.param("dask", marks=pytest.mark.slow)])
def test_ctrl_c_cancels_the_workers_keeps_the_finished_rows_and_exits_130(tmp_path, backend):
    if backend == "dask":
        pytest.importorskip("distributed")
    out = tmp_path / "run"
    proc = sweep_process(out, "--backend", backend)
    try:
        assert wait_rows(out / "grid.csv", 2, proc)
        os.killpg(proc.pid, signal.SIGINT)  # what a terminal sends to the whole group
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 130, err
        assert group_gone(proc.pid)
    finally:
        end_group(proc)
    assert "Traceback" not in err and "interrupted; workers ended" in err
    header, *rows = rows_of(out / "grid.csv")
    # the quick points that finished, in whatever order the workers finished them (under load
    # dask's second worker can finish H = 4 before the first finishes H = 3); never H = 250
    hidden = [r[header.index("n_hidden")] for r in rows]
    assert 2 <= len(rows) < 5 and len(set(hidden)) == len(hidden), hidden
    assert set(hidden) <= {"2", "3", "4", "5"}, hidden
    assert {r[header.index("state")] for r in rows} == {"done"}
    assert (out / "summary.csv").exists()


@pytest.mark.slow
def test_resume_after_a_kill_completes_the_grid_without_running_finished_rows(tmp_path):
    pytest.importorskip("distributed")
    out = tmp_path / "run"
    proc = sweep_process(out, "--backend", "dask")
    try:
        assert wait_rows(out / "grid.csv", 3, proc, seconds=120)
        os.killpg(proc.pid, signal.SIGKILL)  # the whole sweep, its Dask cluster too
        proc.wait(10)
        assert group_gone(proc.pid)
    finally:
        end_group(proc)
    before = rows_of(out / "grid.csv")
    kept = {r[0]: r for r in before[1:]}
    assert len(kept) >= 3
    fast = [
        "--preset",
        "minibatch",
        "--x",
        "n_hidden=2,3,4,5,250",
        "--updates",
        "600",
        "--eval-batch",
        "16",
        "--workers",
        "2",
        "--resume",
        "--quiet",
        "--out",
        str(out),
    ]
    assert main(fast) == 0
    after = rows_of(out / "grid.csv")
    assert after[: len(before)] == before  # not re-run, not rewritten
    assert sorted(r[0] for r in after[1:]) == ["2", "250", "3", "4", "5"]
