"""``rnnsim sweep`` (rnnsim/cli/sweep.py): files written, the preset's own sweep, usage errors."""

import csv
import json
import multiprocessing
import re

import pytest
from PySide6.QtGui import QImage

from rnnsim.cli.sweep import main


def test_sweep_writes_the_grid_and_both_heatmaps(tmp_path, capsys):
    out = tmp_path / "run"
    code = main(
        [
            "--preset",
            "minibatch",
            "--set",
            "n_hidden=4",
            "--x",
            "update_every=1,2,4",
            "--y",
            "cell=elman,gru",
            "--updates",
            "3",
            "--workers",
            "2",
            "--eval-batch",
            "16",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    assert not multiprocessing.active_children()
    captured = capsys.readouterr()
    summary = json.loads(captured.out.strip().splitlines()[-1])
    assert summary["x"] == "update_every" and summary["y"] == "cell"
    assert len(summary["grid"]) == 2 and len(summary["grid"][0]) == 3
    assert "  6/6 update_every=" in captured.err
    rows = list(csv.reader((out / "grid.csv").open()))
    assert rows[0][:4] == ["update_every", "cell", "seed", "final_accuracy"]
    assert {tuple(r[:2]) for r in rows[1:]} == {(x, y) for x in "124" for y in ("elman", "gru")}
    assert all(r[6] == "3" for r in rows[1:])
    image = QImage(str(out / "heatmap.png"))
    assert image.width() >= 1280 and image.height() >= 800
    svg = (out / "heatmap.svg").read_text()
    for label in ("update_every", "cell", "elman", "gru", "final_accuracy"):
        assert label in svg


def test_without_x_the_preset_runs_its_own_sweep(tmp_path, capsys):
    code = main(
        [
            "--preset",
            "exploding",
            "--updates",
            "2",
            "--eval-batch",
            "8",
            "--quiet",
            "--out",
            str(tmp_path),
        ]
    )
    assert code == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["x"] == "ws_scale" and summary["y"] == "clip_norm"
    assert len(summary["grid"]) == 2 and len(summary["grid"][0]) == 5


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--x", "lr"], "--x: got 'lr', expected FIELD=V1,V2"),
        (["--x", "lr=0.1,"], "--x: got 'lr=0.1,'"),
        (["--x", "lr=-1"], r"--x: x \(lr\): lr: got -1"),
        (["--x", "lr=0.1", "--y", "cell=rnn"], r"--y: y \(cell\): cell: got 'rnn'"),
        (["--experiment", "missing.json", "--x", "lr=0.1"], "--experiment: missing.json"),
        (["--preset", "nope"], "--preset: "),
        (["--x", "lr=0.1", "--workers", "0"], "--workers: got 0"),
        (["--x", "lr=0.1", "--updates", "0"], "--updates: got 0"),
    ],
)
def test_usage_errors_exit_2_and_name_the_option(tmp_path, capsys, args, message):
    assert main([*args, "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("rnnsim sweep: error: ")
    assert re.search(message, err)


def test_an_experiment_without_a_planned_sweep_needs_x(tmp_path, capsys):
    from rnnsim.sim import Experiment

    path = tmp_path / "exp.json"
    path.write_text(Experiment().to_json())
    assert main(["--experiment", str(path), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("rnnsim sweep: error: ") and "--x: required" in err


def test_metric_measures_a_claim_and_keeps_the_tasks_metric(tmp_path, capsys):
    from rnnsim.cli.sweep import METRIC_NAMES
    from rnnsim.sim.sweep_metrics import METRICS

    assert METRIC_NAMES == tuple(METRICS)  # the parser's list (it loads no NumPy) is complete
    out = tmp_path / "rough"
    args = ["--preset", "minibatch", "--set", "n_hidden=4", "--x", "update_every=1,4"]
    args += ["--metric", "loss_roughness", "--updates", "8", "--seeds", "2", "--workers", "1"]
    assert main([*args, "--eval-batch", "16", "--out", str(out)]) == 0
    rows = list(csv.reader((out / "grid.csv").open()))
    assert rows[0][:5] == ["update_every", "seed", "loss_roughness", "final_accuracy", "loss"]
    assert all(float(r[2]) >= 0 and 0 <= float(r[3]) <= 1 for r in rows[1:])
    summary = list(csv.reader((out / "summary.csv").open()))
    assert "final_accuracy_mean" in summary[0] and summary[1][-3:] == ["", "", ""]
    capsys.readouterr()
    assert main(["--plot", str(out)]) == 0  # drawn again from the files: same metric
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["metric"] == (
        "loss_roughness"
    )
    assert "loss roughness" in (out / "heatmap.svg").read_text()


def test_an_evaluation_batch_too_large_is_refused_before_any_run(tmp_path, capsys):
    """`--eval-batch 1000000000` ended in a worker's MemoryError traceback."""
    out = tmp_path / "grid"
    args = ["--x", "n_hidden=4,8", "--updates", "1", "--eval-batch", "1000000000"]
    assert main([*args, "--out", str(out)]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("rnnsim sweep: error: --eval-batch: a run: T=4 frames")
    assert "more than the memory ceiling" in line
    assert not out.exists() or not any(out.iterdir())
