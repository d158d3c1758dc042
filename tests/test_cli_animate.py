"""``rnnsim animate``: a recording from a preset, an experiment or a saved run; its errors."""

import json
import os
import sys

from PIL import Image

from rnnsim import cli
from rnnsim.sim import Experiment, Simulation

TINY = ["--set", "task.gap=0", "--set", "n_hidden=3", "--set", "batch_size=2"]


def test_animate_trains_then_records_and_ends_with_a_json_line(tmp_path, capsys, qapp):
    out = tmp_path / "sweep.gif"
    code = cli.main(
        [
            "animate",
            *TINY,
            "--train",
            "4",
            "--parts",
            "backward",
            "--width",
            "320",
            "--view",
            "unfolded",
            "--grad-of",
            "E_T",
            "--out",
            str(out),
        ]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    result = json.loads(captured.out.strip().splitlines()[-1])
    assert result == {"frames": 1 + 3, "files": [str(out)]}
    assert "frame 4/4 (100 %)" in captured.err and "training 4 updates first" in captured.err
    with Image.open(out) as im:
        assert im.n_frames == 4 and im.size == (320, 180)


def test_animate_opens_a_saved_run(tmp_path, capsys, qapp):
    sim = Simulation(Experiment(n_hidden=3, batch_size=2).with_values({"task.gap": "0"}))
    sim.train(2)
    sim.save(tmp_path / "run.npz")
    code = cli.main(
        [
            "animate",
            "--experiment",
            str(tmp_path / "run.npz"),
            "--parts",
            "update",
            "--width",
            "320",
            "--quiet",
            "--out",
            str(tmp_path / "f.png"),
        ]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert captured.err == ""
    files = json.loads(captured.out)["files"]
    assert [p.rsplit("/", 1)[1] for p in files] == ["f_0001.png", "f_0002.png"]


def test_animate_refuses_bad_input_with_status_2(tmp_path, capsys):
    for args, words in (
        (["--out", str(tmp_path / "a.avi")], "--out: got"),
        (["--parts", "sideways", "--out", str(tmp_path / "a.gif")], "--parts"),
        (["--width", "4000", "--out", str(tmp_path / "a.gif")], "--width"),
        (["--preset", "nope", "--out", str(tmp_path / "a.gif")], "--preset"),
        (["--projector", "5", "--out", str(tmp_path / "a.gif")], "--projector: got 5.0"),
    ):
        assert cli.main(["animate", *args]) == 2
        err = capsys.readouterr().err
        assert err.startswith("rnnsim animate: error: ") and words in err, err
    assert list(tmp_path.iterdir()) == []


def test_animate_refuses_an_unwritable_out_before_any_training(tmp_path, capsys, monkeypatch):
    from rnnsim.cli import animate, common

    def no_training(*args):
        raise AssertionError("trained or recorded before checking --out")

    monkeypatch.setattr(animate, "_simulation", no_training)
    a_file = tmp_path / "a_file"
    a_file.write_text("x")
    train = ["--train", "100000"]
    for out, words in (
        (tmp_path / "missing" / "a.gif", "the folder " + str(tmp_path / "missing") + " does not"),
        (a_file / "a.gif", "the folder " + str(a_file) + " is not a folder"),
        (a_file / "deeper" / "f.png", "the folder " + str(a_file) + " is not a folder"),
    ):
        assert cli.main(["animate", *train, "--out", str(out)]) == 2
        err = capsys.readouterr().err
        assert err.startswith("rnnsim animate: error: --out: cannot write ") and words in err, err

    def read_only(*args, **kwargs):  # what a read-only folder does (root may write anywhere)
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(common.tempfile, "mkstemp", read_only)
    assert cli.main(["animate", *train, "--out", str(tmp_path / "a.gif")]) == 2
    err = capsys.readouterr().err
    assert err.endswith(f"--out: cannot write {tmp_path / 'a.gif'}: Permission denied\n"), err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a_file"]


def test_projector_takes_the_window_s_zoom_by_default():
    from rnnsim.cli import animate
    from rnnsim.gui.projector import DEFAULT_ZOOM
    from rnnsim.usage import EXIT_INTERRUPTED

    parser = cli.build_parser()
    out = ["--out", "a.gif"]
    assert parser.parse_args(["animate", *out]).projector == 1.0
    assert parser.parse_args(["animate", "--projector", *out]).projector == DEFAULT_ZOOM == 1.5
    assert parser.parse_args(["animate", "--projector", "1.75", *out]).projector == 1.75
    assert animate.EXIT_INTERRUPTED is EXIT_INTERRUPTED  # one table of exit statuses


def test_animate_mp4_without_the_video_extra_says_so_in_one_line(
    tmp_path, capsys, monkeypatch, qapp
):
    monkeypatch.setitem(sys.modules, "av", None)
    code = cli.main(
        ["animate", *TINY, "--quiet", "--width", "320", "--out", str(tmp_path / "a.mp4")]
    )
    err = capsys.readouterr().err
    assert code == 1
    assert err.count("\n") == 1 and "pip install 'rnnsim[video]'" in err
    assert list(tmp_path.iterdir()) == []


def test_progress_lines_are_one_per_step(tmp_path, capsys, qapp):
    out = tmp_path / "a.gif"
    code = cli.main(
        [
            "animate",
            *TINY,
            "--train",
            "2",
            "--parts",
            "forward",
            "--width",
            "320",
            "--progress",
            "lines",
            "--out",
            str(out),
        ]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    lines = captured.err.splitlines()
    assert [x for x in lines if x.startswith("frame ")] == ["frame 1/3", "frame 2/3", "frame 3/3"]
    assert lines[[i for i, x in enumerate(lines) if x.startswith("train ")][-1]] == "train 2/2"


def test_sigterm_stops_a_recording_and_writes_nothing(tmp_path):
    import signal
    import subprocess

    out = tmp_path / "a.gif"
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "rnnsim",
            "animate",
            *TINY,
            "--train",
            "1000000",
            "--progress",
            "lines",
            "--out",
            str(out),
        ],
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    try:
        for line in child.stderr:
            if line.startswith("train "):
                break
        child.send_signal(signal.SIGTERM)
        rest = child.stderr.read()
        assert child.wait(timeout=60) == 130
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert "interrupted; nothing was written" in rest
    assert list(tmp_path.iterdir()) == []
