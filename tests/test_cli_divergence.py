"""Divergence is never silent (issue 12): the JSON line, metrics.json, the report, exit 3; a
growing loss is warned of; ws_scale is bounded; no NumPy RuntimeWarning reaches the user."""

import json
import os
import warnings

import pypdf
import pytest

from rnnsim import cli
from rnnsim.cli.common import EXIT_DIVERGED
from rnnsim.sim import Experiment, Simulation


def last_json_line(text):
    return json.loads([line for line in text.splitlines() if line.strip()][-1])


@pytest.mark.slow
def test_a_diverged_run_says_so_everywhere_and_exits_3(tmp_path, capsys, qapp):
    """`rnnsim train --preset exploding` stopped at update 4 and rolled back, said so only
    on stderr (nothing with --quiet) and exited 0."""
    out = tmp_path / "run"
    code = cli.main(
        [
            "train",
            "--preset",
            "exploding",
            "--updates",
            "300",
            "--quiet",
            "--scale",
            "0.5",
            "--eval-batch",
            "16",
            "--out",
            str(out),
        ]
    )
    captured = capsys.readouterr()
    assert code == EXIT_DIVERGED == 3
    line = last_json_line(captured.out)
    assert line["updates"] == 2
    assert line["diverged"] == {
        "update": 4,
        "rolled_back_to": 2,
        "reason": "the loss became NaN or Inf (gradient norm nan)",
    }
    assert json.loads((out / "metrics.json").read_text())["diverged"] == line["diverged"]
    assert (
        "| training diverged | at update 4: the loss became NaN or Inf"
        in (out / "report.md").read_text()
    )
    assert "training diverged" in (out / "report.html").read_text()
    pages = pypdf.PdfReader(str(out / "report.pdf")).pages
    pdf = "".join("".join(page.extract_text().split()) for page in pages)  # no white space
    assert "trainingdivergedatupdate4" in pdf and "rolledbacktotheweightsafterupdate2" in pdf
    assert "Training diverged at update 4" in captured.err  # even with --quiet
    assert (out / "run.npz").exists()  # the run still writes what it has


def test_a_growing_loss_is_warned_of_without_nan():
    """lr=100 ws_scale=10 SGD without clipping: loss 9.2 → thousands, no warning before."""
    exp = Experiment().with_values(
        {"lr": "100", "ws_scale": "10", "optimizer": "sgd", "clip_norm": "none"}
    )
    sim = Simulation(exp)
    assert sim.train(30) == 30 and sim.divergence is None
    assert sim.message.startswith("Warning: the loss grew from 9.23 (update 1) to ")
    assert "training is unstable" in sim.message and "lr is 100" in sim.message
    calm = Simulation(Experiment(n_hidden=5, batch_size=4))
    calm.train(60)
    assert calm.message == ""


def test_the_warning_reaches_the_headless_outputs(tmp_path, capsys):
    from rnnsim.cli.train import _training_notices

    sim = Simulation(
        Experiment().with_values(
            {"lr": "100", "ws_scale": "10", "optimizer": "sgd", "clip_norm": "none"}
        )
    )
    sim.train(20)
    results = {}
    _training_notices(sim, results)
    assert results["warning"].startswith("Warning: the loss grew")
    assert "rnnsim train: Warning: the loss grew" in capsys.readouterr().err
    from rnnsim.gui.report import report_markdown

    assert "| warning | Warning: the loss grew" in report_markdown(
        sim.experiment, results, [], [], []
    )


def test_ws_scale_has_an_upper_bound():
    with pytest.raises(ValueError, match=r"ws_scale: got 1e\+300, expected None .* <= 100"):
        Experiment(ws_scale=1e300)
    assert Experiment(ws_scale=100).ws_scale == 100.0


@pytest.mark.slow
def test_an_exploding_run_leaks_no_numpy_warning(tmp_path, capsys, qapp):
    """ws_scale=1e300 filled gradient_flow.csv with nan/inf and a RuntimeWarning leaked: the
    largest accepted scale, trained, stepped and exported with every warning an error."""
    out = tmp_path / "run"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        code = cli.main(
            [
                "train",
                "--preset",
                "exploding",
                "--set",
                "ws_scale=100",
                "--set",
                "lr=100",
                "--updates",
                "10",
                "--quiet",
                "--scale",
                "0.5",
                "--eval-batch",
                "16",
                "--out",
                str(out),
            ]
        )
    err = capsys.readouterr().err
    assert code in (0, EXIT_DIVERGED), err
    assert "Warning:" not in err.replace("rnnsim train: Warning: the loss grew", "")
    assert (out / "gradient_flow.csv").exists()


def test_an_evaluation_batch_too_large_is_refused_before_training(tmp_path, capsys):
    code = cli.main(["train", "--eval-batch", "1000000000", "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2
    assert "--eval-batch: experiment: " in err and "evaluation batch 1000000000 needs about" in err
    assert not (tmp_path / "o").exists()


def test_animate_says_its_training_diverged_and_exits_3(tmp_path, capsys, qapp):
    """`rnnsim animate --preset exploding --train 50` diverged at update 4 and said so only in
    a progress line (none with --quiet): exit 0, nothing in its JSON line."""
    out = tmp_path / "x.png"
    args = ["--preset", "exploding", "--train", "50", "--parts", "update", "--width", "320"]
    code = cli.main(["animate", *args, "--quiet", "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 3, captured.err
    result = json.loads(captured.out.strip().splitlines()[-1])
    assert result["diverged"] == {
        "update": 4,
        "rolled_back_to": 2,
        "reason": "the loss became NaN or Inf (gradient norm nan)",
    }
    assert sorted(os.listdir(tmp_path)) == ["x_0001.png", "x_0002.png"]
    (line,) = captured.err.strip().splitlines()
    assert line.startswith("rnnsim animate: Training diverged at update 4")
