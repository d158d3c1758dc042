"""File ▸ Export animation…: the dialog's choices reach ``rnnsim animate`` in a child process;
the window's cursor, zoom and selection stay as they were; progress reaches the dialog; Cancel
(and closing the window) stops the process and leaves nothing behind."""

import os

import pytest
from PIL import Image
from PySide6.QtCore import QProcess, Qt
from PySide6.QtWidgets import QDialog, QMenu, QPushButton

from rnnsim.cli import build_parser
from rnnsim.gui.animation import AnimationOptions
from rnnsim.gui.animation.dialog import (
    AnimationDialog,
    AnimationExport,
    command_options,
    export_animation,
)
from rnnsim.gui.settings import open_settings

TIMEOUT = 60000  # a child Python with PySide6: ~2 s on an idle machine, more under load


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("RNNSIM_SETTINGS", str(tmp_path / "settings.ini"))
    from rnnsim.gui import MainWindow
    from rnnsim.sim import Experiment

    # the wolf story with T = 2 frames: its forward pass records as 3 frames (s_0, s_1, s_2)
    experiment = Experiment(n_hidden=3, batch_size=2, seed=5).with_values({"task.gap": "0"})
    win = MainWindow(experiment, settings=open_settings(tmp_path / "settings.ini"))
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    qtbot.waitUntil(lambda: win.snapshot is not None, timeout=15000)
    yield win
    win.close()


def state_of(window):
    canvas, view = window.canvas, window.view_actions
    return {
        "projector": (view.projector.isChecked(), view.zoom, window.font().pointSizeF()),
        "zooms": (
            canvas.legend.zoom,
            canvas.unfolded.zoom_bias,
            canvas.folded.zoom_bias,
            *(plot.graphics.zoom for plot in window.plots.plots.values()),
        ),
        "cursor": window.snapshot.cursor,
        "updates": window.snapshot.updates,
        "unfolded": canvas.unfolded.transform(),
        "folded": canvas.folded.transform(),
        "scroll": canvas.unfolded.horizontalScrollBar().value(),
        "selection": canvas.selection,
        "mode": canvas.mode.currentIndex(),
        "grad": canvas.grad_source.currentIndex(),
        "filled": canvas.unfolded_scene.filled_columns(),
    }


def ended(job):
    """The job is over and its child process is not running; its temporary state is gone."""
    return (
        job.process is not None
        and job.process.state() == QProcess.ProcessState.NotRunning
        and job._folder is None
        and job.progress is None
    )


def outputs(folder, stem):
    return sorted(name for name in os.listdir(folder) if stem in name)


def test_the_menu_has_export_animation(window):
    export = window.findChild(QMenu, "exportMenu")
    assert "actionExportAnimation" in {a.objectName() for a in export.actions()}


def test_every_option_of_the_dialog_reaches_the_command_line():
    options = AnimationOptions(
        content="canvas+plots",
        view="folded",
        grad_of="E_T",
        parts=("backward", "update"),
        fps=7.5,
        hold_first=0.3,
        hold_last=4.0,
        width=962,
        height=400,
        projector=1.75,
    )
    args = build_parser().parse_args(["animate", *command_options(options), "--out", "a.gif"])
    again = AnimationOptions(
        content=args.content,
        view=args.view,
        grad_of=args.grad_of,
        parts=args.parts,
        fps=args.fps,
        hold_first=args.hold_first,
        hold_last=args.hold_last,
        width=args.width,
        height=args.height,
        projector=args.projector,
    )
    assert again == options
    plain = command_options(AnimationOptions())
    assert "--projector" not in plain  # off: the command line as before


def test_the_dialogs_export_records_in_a_child_process(window, qtbot, tmp_path, monkeypatch):
    window.view_actions.set_zoom(1.25)  # the window in projector mode, at its own zoom
    window.view_actions.projector.setChecked(True)
    qtbot.keyClick(window, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: window.snapshot.cursor.t == 1, timeout=5000)
    window.canvas.unfolded.zoom(1.6)
    window.canvas._on_click(("s", 1), 1)  # as a click on unit 1 of s_1
    window.canvas.set_grad_source(True)
    qtbot.wait(100)  # settled: the projector fonts' relayout (a taller status bar) is done
    before = state_of(window)
    assert before["selection"] is not None
    path = tmp_path / "window.gif"

    def choose(dialog):  # the user's choices, not the window's view
        dialog.view.setCurrentIndex(1)  # unfolded
        dialog.grad_of.setCurrentIndex(0)  # E
        for part in ("backward", "update"):
            dialog.parts[part].setChecked(False)
        dialog.fps.setValue(5)
        dialog.hold_first.setValue(0.6)
        dialog.hold_last.setValue(1.0)
        dialog.width_box.setValue(320)
        dialog.file.setText(str(path))
        assert dialog.projector.isChecked()  # as the window is
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(AnimationDialog, "exec", choose)
    seen = []
    monkeypatch.setattr(AnimationExport, "start", _spy_start(AnimationExport.start, seen))
    job = export_animation(window)
    assert job is window.animation_export
    args = job.arguments()
    assert args[:5] == [
        "-m",
        "rnnsim",
        "animate",
        "--experiment",
        os.path.join(job._folder.name, "run.npz"),
    ]
    assert " ".join(args[5:]).startswith(
        "--content canvas --view unfolded --grad-of E "
        "--parts forward --fps 5.0 --hold-first 0.6 "
        "--hold-last 1.0 --width 320 --height 0 --projector 1.25"
    )
    assert args[-2:] == ["--out", str(path)]
    with qtbot.waitSignal(job.done, timeout=TIMEOUT) as done:
        pass
    assert done.args == [[str(path)]]
    assert ended(job)
    with Image.open(path) as im:
        assert (im.n_frames, im.size) == (3, (320, 180))
        durations = []
        for i in range(3):
            im.seek(i)
            durations.append(im.info["duration"])
        assert durations == [600, 200, 1000]
    assert ("frame", 3, 3, 3, 3) in seen  # the dialog showed the child's last frame line
    assert [s[1] for s in seen if s[0] == "frame"] == [1, 2, 3]
    qtbot.wait(100)  # anything the recording might have sent the window has arrived
    assert state_of(window) == before
    assert window.worker.sim.cursor == before["cursor"]
    assert "Recorded 3 frames" in window.message.text()
    window.actions.actionStepBack.trigger()  # the window's own undo still works
    qtbot.waitUntil(lambda: window.snapshot.cursor.t == 0, timeout=5000)


def _spy_start(start, seen):
    """AnimationExport.start that also notes (kind, done, total, dialog value, maximum) at
    every progress line."""

    def spy(job):
        job.progressed.connect(
            lambda kind, done, total: seen.append(
                (kind, done, total, job.progress.value(), job.progress.maximum())
            )
        )
        start(job)

    return spy


def test_cancel_while_training_stops_the_process_and_leaves_nothing(window, qtbot, tmp_path):
    path = tmp_path / "fresh.gif"
    job = AnimationExport(
        window, AnimationOptions(width=320), str(path), source="fresh", train=1_000_000
    )
    job.start()
    assert job.arguments()[3:7] == [
        "--experiment",
        os.path.join(job._folder.name, "experiment.json"),
        "--train",
        "1000000",
    ]
    folder = job._folder.name
    with qtbot.waitSignal(
        job.progressed, timeout=TIMEOUT, check_params_cb=lambda kind, done, total: done > 0
    ):
        pass
    assert job.progress.maximum() == 1_000_000 and job.progress.value() > 0
    with qtbot.waitSignal(job.done, timeout=TIMEOUT) as done:
        qtbot.mouseClick(job.progress.findChild(QPushButton), Qt.MouseButton.LeftButton)
    assert done.args == [[]]
    assert ended(job) and not os.path.exists(folder)
    assert job.process.exitStatus() == QProcess.ExitStatus.NormalExit  # SIGTERM: cleaned up
    assert outputs(tmp_path, "fresh") == []
    assert "cancelled" in window.message.text()
    assert window.snapshot.updates == 0


def test_cancel_while_writing_frames_removes_them(window, qtbot, tmp_path):
    path = tmp_path / "frames" / "f.png"
    path.parent.mkdir()
    (path.parent / "mine.png").write_bytes(b"not the recording's")
    job = AnimationExport(window, AnimationOptions(width=640), str(path), source="window")
    job.start()
    with qtbot.waitSignal(
        job.progressed, timeout=TIMEOUT, check_params_cb=lambda kind, done, total: kind == "frame"
    ):
        pass
    assert os.path.exists(path.parent / "f_0001.png")
    with qtbot.waitSignal(job.done, timeout=TIMEOUT) as done:
        job.cancel()
    assert done.args == [[]] and ended(job)
    assert os.listdir(path.parent) == ["mine.png"]
    assert "cancelled" in window.message.text()


def test_a_failure_shows_the_process_one_line_error(window, qtbot, tmp_path):
    path = tmp_path / "missing" / "a.gif"
    job = AnimationExport(window, AnimationOptions(width=320, parts=("update",)), str(path))
    with qtbot.waitSignal(job.done, timeout=TIMEOUT) as done:
        job.start()
    assert done.args == [[]] and ended(job)
    text = window.message.text()
    assert text.startswith("Export animation failed: rnnsim animate: error: ")
    assert f"the folder {path.parent} does not exist" in text and "\n" not in text


def test_a_fresh_run_is_trained_in_the_child(window, qtbot, tmp_path):
    path = tmp_path / "f.png"
    job = AnimationExport(
        window, AnimationOptions(width=320, parts=("update",)), str(path), source="fresh", train=5
    )
    trained = []
    job.progressed.connect(lambda kind, done, total: trained.append((kind, done, total)))
    with qtbot.waitSignal(job.done, timeout=TIMEOUT) as done:
        job.start()
    assert [os.path.basename(p) for p in done.args[0]] == ["f_0001.png", "f_0002.png"]
    assert ("train", 5, 5) in trained
    assert window.snapshot.updates == 0  # the window did not train


def test_closing_the_window_stops_the_recording(window, qtbot, tmp_path):
    path = tmp_path / "closing.gif"
    job = AnimationExport(
        window, AnimationOptions(width=320), str(path), source="fresh", train=1_000_000
    )
    job.start()
    folder = job._folder.name
    with qtbot.waitSignal(job.progressed, timeout=TIMEOUT):
        pass
    with qtbot.waitSignal(job.done, timeout=10000) as done:
        window.close()
    assert done.args == [[]] and ended(job) and not os.path.exists(folder)
    assert outputs(tmp_path, "closing") == []


def test_the_dialog_gives_the_options_and_refuses_a_bad_file(window, qtbot, tmp_path):
    dialog = AnimationDialog(window, str(tmp_path / "a.mp4"))
    qtbot.addWidget(dialog)
    dialog.content.setCurrentIndex(1)
    dialog.view.setCurrentIndex(1)
    dialog.parts["forward"].setChecked(False)
    dialog.fps.setValue(8)
    dialog.width_box.setValue(960)
    dialog.height_box.setValue(400)
    dialog.source_box.setCurrentIndex(1)
    dialog.train_n.setValue(30)
    assert not dialog.projector.isChecked() and dialog.options().projector == 1.0
    assert "Projector mode" in dialog.projector.toolTip()
    dialog.projector.setChecked(True)  # the window's projector zoom, 1.5 by default
    assert dialog.options().projector == window.view_actions.zoom == 1.5
    options = dialog.options()
    assert (options.content, options.view, options.parts, options.fps, options.size) == (
        "canvas+plots",
        "unfolded",
        ("backward", "update"),
        8.0,
        (960, 400),
    )
    assert (dialog.source(), dialog.train(), dialog.path()) == (
        "fresh",
        30,
        str(tmp_path / "a.mp4"),
    )
    dialog.file.setText(str(tmp_path / "a.avi"))
    dialog._on_accept()
    assert "expected a file name ending in" in dialog.error.text() and not dialog.result()
    for box in dialog.parts.values():
        box.setChecked(False)
    dialog.file.setText(str(tmp_path / "a.gif"))
    dialog._on_accept()
    assert "parts" in dialog.error.text()


def test_a_fresh_run_that_diverges_keeps_its_recording_and_says_so(window, qtbot, tmp_path):
    """`rnnsim animate` exits 3 when its --train updates diverged: the dialog keeps the file
    and its notice names the divergence (issue 12: never silent)."""
    from rnnsim.sim.presets import load_preset

    window.experiment = load_preset("exploding").experiment  # what a fresh run trains
    path = tmp_path / "x.png"
    job = AnimationExport(
        window, AnimationOptions(width=320, parts=("update",)), str(path), source="fresh", train=8
    )
    with qtbot.waitSignal(job.done, timeout=TIMEOUT) as done:
        job.start()
    assert [os.path.basename(p) for p in done.args[0]] == ["x_0001.png", "x_0002.png"]
    text = window.message.text()
    assert "training diverged at update 4 and was rolled back to update 2" in text
