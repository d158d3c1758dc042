"""`rnnsim gui --screenshot PNG` (through rnnsim.gui.run) writes a picture of the window."""

import pytest
from PySide6.QtGui import QImage

from rnnsim.gui import parse_args, run


def test_screenshot_writes_a_png_after_n_steps(qapp, tmp_path, monkeypatch):
    monkeypatch.setenv("RNNSIM_SETTINGS", str(tmp_path / "settings.ini"))
    out = tmp_path / "window.png"
    assert run(["gui", "--screenshot", str(out), "--steps", "3"]) == 0
    image = QImage(str(out))
    assert not image.isNull()
    assert image.width() >= 800 and image.height() >= 600
    colours = {
        image.pixel(x, y) for x in range(0, image.width(), 37) for y in range(0, image.height(), 37)
    }
    assert len(colours) > 20  # a drawn window, not a blank image
    assert (
        not (tmp_path / "settings.ini").exists()
        or "window" not in (tmp_path / "settings.ini").read_text()
    )


def test_screenshot_of_a_saved_experiment(qapp, tmp_path, monkeypatch):
    from rnnsim.sim import Experiment, save_experiment

    monkeypatch.setenv("RNNSIM_SETTINGS", str(tmp_path / "settings.ini"))
    path = tmp_path / "lstm.json"
    save_experiment(Experiment(cell="lstm", n_hidden=6), path)
    out = tmp_path / "lstm.png"
    assert run(["gui", "--experiment", str(path), "--screenshot", str(out)]) == 0
    assert not QImage(str(out)).isNull()


def test_arguments_are_checked():
    args = parse_args(["gui", "exp.json", "--screenshot", "a.png", "--steps", "4"])
    assert (args.experiment, args.screenshot, args.steps) == ("exp.json", "a.png", 4)
    assert parse_args([]).experiment is None
    with pytest.raises(SystemExit):
        parse_args(["--steps", "-1"])
    with pytest.raises(SystemExit):
        parse_args(["a.json", "--experiment", "b.json"])


def test_unwritable_screenshot_path_is_an_error(qapp, tmp_path, monkeypatch):
    monkeypatch.setenv("RNNSIM_SETTINGS", str(tmp_path / "settings.ini"))
    with pytest.raises(ValueError, match="--screenshot"):
        run(["--screenshot", str(tmp_path / "missing" / "x.png")])


def test_a_missing_experiment_file_is_an_error_not_a_crash(qapp, tmp_path, capsys):
    assert run(["gui", str(tmp_path / "nope.json")]) == 2
    assert "nope.json" in capsys.readouterr().err
