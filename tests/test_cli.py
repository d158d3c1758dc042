"""The rnnsim command: train headless (every file, a JSON last line), tasks, presets, errors."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from rnnsim import catalog, cli
from rnnsim.cli.train import evaluate
from rnnsim.sim import Experiment, Simulation
from rnnsim.tasks import TASKS, make_task

ROOT = Path(__file__).resolve().parent.parent
PLOTS = (
    "activations",
    "gradient_flow",
    "training",
    "grad_norms",
    "saturation",
    "spectrum",
    "weights",
)
EXPECTED = {f"{p}.{ext}" for p in PLOTS for ext in ("png", "svg", "csv")} | {
    "gradient_flow_matrix.csv",
    "saturation_histogram.csv",
    "network_unfolded.png",
    "network_unfolded.svg",
    "network_folded.png",
    "network_folded.svg",
    "experiment.json",
    "run.npz",
    "metrics.json",
    "report.md",
    "report.html",
    "report.pdf",
}


def last_json_line(text):
    lines = [line for line in text.splitlines() if line.strip()]
    return json.loads(lines[-1])


def test_train_writes_every_file_and_ends_with_a_json_line(tmp_path, capsys, qapp):
    out = tmp_path / "run"
    code = cli.main(
        [
            "train",
            "--updates",
            "30",
            "--set",
            "task.gap=3",
            "--set",
            "lr=0.02",
            "--scale",
            "1",
            "--eval-batch",
            "64",
            "--out",
            str(out),
        ]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert set(os.listdir(out)) == EXPECTED
    result = last_json_line(captured.out)
    assert result["updates"] == 30
    assert set(result["metrics"]) == set(score_keys())
    assert all(0.0 <= v <= 1.0 for v in result["metrics"].values())
    assert len(captured.out.strip().splitlines()) == 1  # stdout holds only the result
    assert "update 30/30" in captured.err and "wrote" in captured.err
    saved = Experiment.from_json((out / "experiment.json").read_text())
    assert saved.knobs["gap"] == 3 and saved.lr == 0.02
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["metrics"] == result["metrics"] and metrics["eval_batch"] == 64
    assert not [n for n in os.listdir(out) if n.startswith(".")]


def score_keys():
    """The keys of the wolf task's score, from scoring a batch against itself."""
    task = make_task("wolf")
    _, D, mask = task.sample(4, np.random.default_rng(0))
    return task.score(D, D, mask)


@pytest.mark.slow
def test_train_is_reproducible_and_set_reaches_fields_and_knobs(tmp_path, capsys, qapp):
    args = [
        "train",
        "--updates",
        "4",
        "--set",
        "cell=lstm",
        "--set",
        "task.gap=5",
        "--set",
        "clip_norm=none",
        "--scale",
        "1",
        "--eval-batch",
        "16",
        "--quiet",
    ]
    assert cli.main([*args, "--out", str(tmp_path / "a")]) == 0
    first = last_json_line(capsys.readouterr().out)
    assert cli.main([*args, "--out", str(tmp_path / "b")]) == 0
    captured = capsys.readouterr()
    assert last_json_line(captured.out) == first and captured.err == ""
    saved = Experiment.from_json((tmp_path / "a" / "experiment.json").read_text())
    assert (saved.cell, saved.knobs["gap"], saved.clip_norm) == ("lstm", 5, None)


def test_train_from_an_experiment_file(tmp_path, capsys, qapp):
    path = tmp_path / "exp.json"
    path.write_text(Experiment(n_hidden=5, seed=3).to_json())
    assert (
        cli.main(
            [
                "train",
                "--experiment",
                str(path),
                "--updates",
                "2",
                "--quiet",
                "--scale",
                "1",
                "--out",
                str(tmp_path / "o"),
            ]
        )
        == 0
    )
    saved = Experiment.from_json((tmp_path / "o" / "experiment.json").read_text())
    assert (saved.n_hidden, saved.seed) == (5, 3)
    assert last_json_line(capsys.readouterr().out)["updates"] == 2


@pytest.mark.parametrize(
    "args, message",
    [
        (["--set", "cell=rnn"], "--set cell: got 'rnn', expected one of"),
        (["--set", "task.gapp=3"], "--set task.gapp: unknown knob"),
        (["--set", "n_hidden"], "--set: got 'n_hidden', expected FIELD=VALUE"),
        (["--set", "lr=fast"], "--set lr"),
        (["--preset", "nope"], "--preset: got 'nope', expected one of wolf, "),
        (["--updates", "-1"], "--updates: got -1"),
        (["--scale", "0"], "--scale: got 0"),
    ],
)
def test_usage_errors_exit_2_with_a_clear_message(tmp_path, capsys, args, message):
    out = tmp_path / "never"
    assert cli.main(["train", *args, "--out", str(out)]) == 2
    captured = capsys.readouterr()
    assert message in captured.err and captured.out == ""
    assert captured.err.startswith("rnnsim train: error:")
    assert not out.exists()


def test_unwritable_out_folder_fails_without_traceback(tmp_path, capsys, qapp):
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    code = cli.main(["train", "--updates", "1", "--quiet", "--out", str(blocker / "run")])
    captured = capsys.readouterr()
    assert code == 2 and "--out: cannot create" in captured.err and captured.out == ""
    assert os.listdir(tmp_path) == ["file.txt"]


def test_sweep_is_dispatched(tmp_path, capsys, qapp):
    code = cli.main(
        [
            "sweep",
            "--x",
            "task.gap=1,2",
            "--updates",
            "1",
            "--workers",
            "1",
            "--eval-batch",
            "4",
            "--quiet",
            "--out",
            str(tmp_path),
        ]
    )
    assert code == 0
    assert last_json_line(capsys.readouterr().out)["x"] == "task.gap"
    assert {"grid.csv", "heatmap.png", "heatmap.svg"} <= set(os.listdir(tmp_path))
    assert cli.main(["sweep", "--x", "nope", "--out", str(tmp_path / "x")]) == 2
    assert capsys.readouterr().err.startswith("rnnsim sweep: error:")


def test_tasks_and_presets_list_what_there_is(capsys):
    assert cli.main(["tasks"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("wolf: The wolf and the dog")
    for knob in make_task("wolf").knobs:
        assert f"task.{knob.name} = " in text
    assert "final_accuracy (chance 0.5)" in text
    assert cli.main(["presets"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("wolf (default): The wolf and the dog")
    assert "cell=elman" in text


def test_tasks_knob_columns_line_up_and_descriptions_wrap(capsys):
    assert cli.main(["tasks"]) == 0
    blocks = capsys.readouterr().out.split("\n\n")
    assert len(blocks) == len(TASKS)
    for block, name in zip(blocks, TASKS, strict=True):
        lines = block.splitlines()
        knob_lines = [line for line in lines if line.startswith("    task.")]
        assert len(knob_lines) == len(make_task(name).knobs)
        kinds = {line.index(" (") for line in knob_lines}  # where "(int, 0..200)" starts
        end = [line.index(")  ") + 3 for line in knob_lines]
        helps = {
            e + len(line[e:]) - len(line[e:].lstrip())
            for e, line in zip(end, knob_lines, strict=True)
        }
        assert len(kinds) <= 1 and len(helps) <= 1, knob_lines  # one column each
        assert all(len(line) <= 100 for line in lines if not line.startswith("    ")), name


def test_wolf_preset_is_the_default_experiment():
    assert catalog.preset_names()[0] == "wolf"
    assert catalog.preset_experiment("wolf") == Experiment()


def test_no_command_or_gui_opens_the_window(monkeypatch):
    calls = []
    monkeypatch.setattr("rnnsim.gui.run", lambda argv: calls.append(argv) or 0)
    assert cli.main([]) == 0
    assert cli.main(["gui", "--screenshot", "x.png"]) == 0
    assert cli.main(["exp.json"]) == 0
    assert calls == [[], ["gui", "--screenshot", "x.png"], ["exp.json"]]


def test_help_and_unknown_commands(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["--help"])
    assert exc.value.code == 0
    text = capsys.readouterr().out
    for command in ("train", "sweep", "tasks", "presets", "gui"):
        assert command in text
    with pytest.raises(SystemExit) as exc:
        cli.main(["trian"])
    assert exc.value.code == 2


@pytest.mark.slow
def test_train_as_a_subprocess_without_a_display(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    }
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "rnnsim",
            "train",
            "--updates",
            "3",
            "--scale",
            "1",
            "--eval-batch",
            "8",
            "--out",
            str(tmp_path / "run"),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=100,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert last_json_line(proc.stdout)["updates"] == 3
    assert set(os.listdir(tmp_path / "run")) == EXPECTED


def test_a_float32_run_is_evaluated_in_float32():
    """`rnnsim train --set dtype=float32` trained, then every run ended in 'error: X: got
    dtype float64, expected float32' (exit 1, no figures): the evaluation batch was float64."""
    sim = Simulation(Experiment(dtype="float32", n_hidden=4, batch_size=2))
    sim.train(1)
    results = evaluate(sim, 8)
    assert set(results["metrics"]) == {"accuracy", "final_accuracy", "context_accuracy"}
    assert results["loss"] > 0
