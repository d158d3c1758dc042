"""The command line's manners: --version, one-line errors and exit codes, --out checked before
training, broken pipes, Ctrl-C in train, figures that never cost the result, and a headless
run that continues (bit for bit) and opens in the window."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from rnnsim import __version__, cli
from rnnsim.cli.common import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE
from tests.processes import ctrl_c_as_in_a_terminal

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
FIGURES = {f"{p}.{ext}" for p in PLOTS for ext in ("png", "svg", "csv")} | {
    "gradient_flow_matrix.csv",
    "saturation_histogram.csv",
    "network_unfolded.png",
    "network_unfolded.svg",
    "network_folded.png",
    "network_folded.svg",
}
DATA = {"run.npz", "experiment.json", "metrics.json", "report.md", "report.html"}
FAST = ["--scale", "1", "--eval-batch", "8", "--quiet"]


def last_json(text):
    return json.loads([line for line in text.splitlines() if line.strip()][-1])


def headless_env():
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    return env


def test_exit_codes_are_the_contract():
    assert (EXIT_OK, EXIT_FAILED, EXIT_USAGE, cli.EXIT_DIVERGED, EXIT_INTERRUPTED) == (
        0,
        1,
        2,
        3,
        130,
    )


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"rnnsim {__version__}"


@pytest.mark.parametrize(
    "argv",
    [
        ["train", "--updates", "many", "--out", "x"],
        ["train", "--updates", "1"],
        ["trian"],
        ["presets", "--bogus"],
    ],
)
def test_usage_errors_are_one_line_and_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(argv)
    assert exc.value.code == EXIT_USAGE
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and err.startswith("rnnsim")
    assert ": error: " in err and "--help" in err


def _bad_out(tmp_path, kind, monkeypatch):
    if kind == "missing parent":
        return tmp_path / "no" / "such" / "run", "its parent"
    if kind == "a file":
        (tmp_path / "f").write_text("x")
        return tmp_path / "f", "is a file"
    if kind == "under a file":
        (tmp_path / "f").write_text("x")
        return tmp_path / "f" / "run", "is not a folder"
    import tempfile  # not writable: root may write anywhere, so the probe is refused here

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    return tmp_path / "run", "Permission denied"


@pytest.mark.parametrize("kind", ["missing parent", "a file", "under a file", "not writable"])
def test_out_is_checked_before_any_training(kind, tmp_path, capsys, monkeypatch):
    out, message = _bad_out(tmp_path, kind, monkeypatch)
    code = cli.main(["train", "--updates", "1000000000", *FAST, "--out", str(out)])
    captured = capsys.readouterr()
    assert code == EXIT_USAGE and captured.out == ""
    assert captured.err.startswith("rnnsim train: error: --out: ") and message in captured.err
    assert len(captured.err.strip().splitlines()) == 1  # no training line, no traceback


@pytest.mark.parametrize("command", ["presets", "tasks"])
def test_a_closed_pipe_ends_quietly(command, tmp_path):
    read, write = os.pipe()
    os.close(read)  # the reader is gone before the first line, as after `| head -0`
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "rnnsim", command],
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            cwd=tmp_path,
            env=headless_env(),
            check=False,
        )
    finally:
        os.close(write)
    assert proc.returncode == EXIT_OK
    assert proc.stderr == ""


@pytest.mark.slow
def test_ctrl_c_in_train_stops_and_writes_everything(tmp_path):
    out = tmp_path / "run"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "rnnsim",
            "train",
            "--updates",
            "100000000",
            "--set",
            "n_hidden=4",
            "--scale",
            "1",
            "--eval-batch",
            "8",
            "--out",
            str(out),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env=headless_env(),
        preexec_fn=ctrl_c_as_in_a_terminal,
    )
    try:
        for line in proc.stderr:  # wait until training runs
            if line.startswith("update "):
                break
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=110)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == EXIT_INTERRUPTED, stderr
    assert "Traceback" not in stderr and "stopping at the next update" in stderr
    result = last_json(stdout)
    assert result["interrupted"] is True and 0 < result["updates"] < 100000000
    assert FIGURES | DATA <= set(os.listdir(out))
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["interrupted"] is True and metrics["updates"] == result["updates"]
    with np.load(out / "run.npz") as state:
        assert int(state["updates"]) == result["updates"]
    notice = f"Ctrl-C stopped training after update {result['updates']}"
    assert f"| interrupted | {notice} |" in (out / "report.md").read_text()
    assert notice in (out / "report.html").read_text()


@pytest.mark.slow
def test_a_60_frame_wolf_run_exports_every_figure(tmp_path, capsys, qapp):
    from PySide6.QtGui import QImage

    from rnnsim.gui.render import MAX_PIXELS

    out = tmp_path / "run"
    code = cli.main(
        [
            "train",
            "--set",
            "task.gap=58",
            "--set",
            "n_hidden=4",
            "--updates",
            "1",
            "--scale",
            "2",
            "--eval-batch",
            "8",
            "--out",
            str(out),
        ]
    )
    captured = capsys.readouterr()
    assert code == EXIT_OK, captured.err
    assert FIGURES | DATA <= set(os.listdir(out))
    assert "network_unfolded.png: drawn at scale" in captured.err
    image = QImage(str(out / "network_unfolded.png"))
    assert 0.5 * MAX_PIXELS < max(image.width(), image.height()) <= MAX_PIXELS
    assert last_json(captured.out)["updates"] == 1


def test_a_figure_too_large_to_draw_is_skipped_with_a_warning(tmp_path, qapp):
    from PySide6.QtWidgets import QGraphicsScene, QGraphicsView

    from rnnsim.gui.export import export_all
    from rnnsim.sim import Experiment

    scene = QGraphicsScene()
    scene.addRect(0, 0, 200_000, 50)  # would need scale 0.06 to fit
    view = QGraphicsView(scene)
    warnings = []
    try:
        written = export_all(
            tmp_path,
            canvas=view,
            experiment=Experiment(),
            results={"updates": 0, "metrics": {}},
            warn=warnings.append,
        )
    finally:
        view.deleteLater()
    names = {os.path.basename(p) for p in written}
    assert {"network.svg", "experiment.json", "metrics.json", "report.md"} <= names
    assert "network.png" not in names and not (tmp_path / "network.png").exists()
    assert len(warnings) == 1 and warnings[0].startswith("network.png: skipped: ")
    assert "too large" in warnings[0]


@pytest.mark.slow
def test_a_headless_run_continues_bit_for_bit(tmp_path, capsys, qapp):
    settings = ["--set", "n_hidden=6", "--set", "optimizer=adam", "--set", "update_every=2"]
    assert (
        cli.main(["train", *settings, "--updates", "7", *FAST, "--out", str(tmp_path / "first")])
        == EXIT_OK
    )
    assert last_json(capsys.readouterr().out)["updates"] == 7
    assert (
        cli.main(
            [
                "train",
                "--experiment",
                str(tmp_path / "first" / "run.npz"),
                "--updates",
                "5",
                *FAST,
                "--out",
                str(tmp_path / "more"),
            ]
        )
        == EXIT_OK
    )
    continued = last_json(capsys.readouterr().out)
    assert (
        cli.main(["train", *settings, "--updates", "12", *FAST, "--out", str(tmp_path / "once")])
        == EXIT_OK
    )
    once = last_json(capsys.readouterr().out)
    assert continued == once and once["updates"] == 12
    with np.load(tmp_path / "more" / "run.npz") as a, np.load(tmp_path / "once" / "run.npz") as b:
        params = [k for k in a.files if k.startswith(("param/", "optim/"))]
        assert len(params) > 5
        for key in params:
            assert np.array_equal(a[key], b[key]), key


def test_a_state_file_is_refused_with_one_line(tmp_path, capsys):
    bad = tmp_path / "run.npz"
    bad.write_bytes(b"not a zip")
    code = cli.main(
        ["train", "--experiment", str(bad), "--updates", "1", *FAST, "--out", str(tmp_path / "o")]
    )
    err = capsys.readouterr().err
    assert code == EXIT_USAGE and err.startswith("rnnsim train: error: --experiment: ")
    assert len(err.strip().splitlines()) == 1


def test_the_window_and_main_py_open_a_state_file(monkeypatch):
    calls = []
    monkeypatch.setattr("rnnsim.gui.run", lambda argv: calls.append(argv) or 0)
    assert cli.main(["out/run.npz"]) == 0
    assert cli.main(["gui", "out/run.npz"]) == 0
    assert calls == [["out/run.npz"], ["gui", "out/run.npz"]]


def test_report_escapes_what_the_user_typed():
    from rnnsim.gui.report import report_html, report_markdown
    from rnnsim.sim import Experiment

    exp = Experiment(
        title="a | b <script>",
        description="one\n# two\n| three |",
        task="custom",
        knobs={"sequences": "bear tree | squirrel -> wolf\ncow tree -> dog"},
    )
    results = {"updates": 3, "metrics": {"accuracy|x": 0.5}}
    text = report_markdown(exp, results, [], [], ["run.npz"])
    rows = [line for line in text.splitlines() if line.startswith("|")]
    assert rows and all(_unescaped_pipes(line) == 3 for line in rows)
    assert "\n# two" not in text and "<script>" not in text
    assert "bear tree \\| squirrel -\\> wolf<br>cow tree -\\> dog" in text
    page = report_html(exp, results, [], [], ["run.npz"])
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "bear tree | squirrel -&gt; wolf<br>cow tree -&gt; dog" in page
    assert "<a href='run.npz'>run.npz</a>" in page


def _unescaped_pipes(line):
    count, escaped = 0, False
    for c in line:
        if c == "|" and not escaped:
            count += 1
        escaped = c == "\\" and not escaped
    return count


def test_errors_of_an_unexpected_kind_are_one_line(monkeypatch, capsys):
    def broken(args):
        raise OSError(28, "No space left on device", "/full/disk")

    monkeypatch.setattr("rnnsim.cli.presets.run", broken)
    assert cli.main(["presets"]) == EXIT_FAILED
    err = capsys.readouterr().err
    assert err == "rnnsim presets: error: /full/disk: No space left on device\n"


def test_ctrl_c_elsewhere_is_one_line_and_130(monkeypatch, capsys):
    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr("rnnsim.cli.tasks.run", interrupted)
    assert cli.main(["tasks"]) == EXIT_INTERRUPTED
    assert capsys.readouterr().err == "rnnsim tasks: interrupted\n"


# Ctrl-C while the command's imports run: a finder that raises KeyboardInterrupt when NumPy is
# first imported stands for the key pressed during the first second of ``rnnsim``
CTRL_C_IN_IMPORTS = """
import sys

class CtrlC:
    def find_spec(self, name, path=None, target=None):
        if name == "numpy":
            raise KeyboardInterrupt
        return None

sys.meta_path.insert(0, CtrlC())
from rnnsim.launch import {entry}
sys.exit({entry}())
"""


@pytest.mark.parametrize(("entry", "command"), [("main", "rnnsim"), ("gui_main", "rnnsim-gui")])
def test_ctrl_c_while_importing_is_one_line_and_130(entry, command):
    done = subprocess.run(
        [sys.executable, "-c", CTRL_C_IN_IMPORTS.format(entry=entry), "--version"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == EXIT_INTERRUPTED
    assert done.stderr == f"{command}: interrupted while starting\n"  # no traceback


def test_the_state_is_written_before_anything_that_may_fail(tmp_path, capsys, monkeypatch):
    def refuse(sim, batch):
        raise ValueError("forward: the evaluation batch needs more memory than there is")

    monkeypatch.setattr("rnnsim.cli.train.evaluate", refuse)
    out = tmp_path / "run"
    assert cli.main(["train", "--updates", "3", *FAST, "--out", str(out)]) == EXIT_FAILED
    err = capsys.readouterr().err
    assert err.strip().splitlines()[-1].startswith("rnnsim train: error: forward: ")
    with np.load(out / "run.npz") as state:
        assert int(state["updates"]) == 3
