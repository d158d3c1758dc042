"""File ▸ Export animation…: the dialog's choices, and a recording from the window that leaves
the window's cursor, zoom and selection as they were; Cancel leaves nothing behind."""

import os

import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMenu, QPushButton

from rnnsim.gui.animation import AnimationOptions
from rnnsim.gui.animation.dialog import AnimationDialog, AnimationExport
from rnnsim.gui.settings import open_settings


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("RNNSIM_SETTINGS", str(tmp_path / "settings.ini"))
    from rnnsim.gui import MainWindow
    from rnnsim.sim import Experiment

    experiment = Experiment(n_hidden=4, batch_size=4)  # the wolf story, T = 4 frames
    win = MainWindow(experiment, settings=open_settings(tmp_path / "settings.ini"))
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    qtbot.waitUntil(lambda: win.snapshot is not None, timeout=15000)
    yield win
    win.close()


def state_of(window):
    canvas = window.canvas
    return {"cursor": window.snapshot.cursor, "updates": window.snapshot.updates,
            "unfolded": canvas.unfolded.transform(), "folded": canvas.folded.transform(),
            "scroll": canvas.unfolded.horizontalScrollBar().value(),
            "selection": canvas.selection, "mode": canvas.mode.currentIndex(),
            "grad": canvas.grad_source.currentIndex(),
            "filled": canvas.unfolded_scene.filled_columns()}


def test_the_menu_has_export_animation(window):
    export = window.findChild(QMenu, "exportMenu")
    assert "actionExportAnimation" in {a.objectName() for a in export.actions()}


def test_recording_leaves_the_window_as_it_was(window, qtbot, tmp_path):
    for _ in range(3):
        qtbot.keyClick(window, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: window.snapshot.cursor.t == 3, timeout=5000)
    window.canvas.unfolded.zoom(1.6)
    window.canvas._on_click(("s", 2), 1)  # as a click on unit 1 of s_2
    window.canvas.set_grad_source(True)
    before = state_of(window)
    assert before["selection"] is not None
    path = tmp_path / "window.gif"
    options = AnimationOptions(width=320, view="unfolded", grad_of="E")  # not the window's
    job = AnimationExport(window, options, str(path), source="window")
    with qtbot.waitSignal(job.done, timeout=60000) as done:
        job.start()
    assert done.args == [[str(path)]]
    with Image.open(path) as im:
        assert im.n_frames == 1 + 4 + 5 + 1  # the window's sequence from its first frame
    qtbot.wait(100)  # anything the recording might have sent the window has arrived
    assert state_of(window) == before
    assert window.worker.sim.cursor == before["cursor"]
    assert "Recorded 11 frames" in window.message.text()
    window.actions.actionStepBack.trigger()  # the window's own undo still works
    qtbot.waitUntil(lambda: window.snapshot.cursor.t == 2, timeout=5000)


def test_cancel_while_training_first_leaves_nothing(window, qtbot, tmp_path):
    path = tmp_path / "fresh.gif"
    job = AnimationExport(window, AnimationOptions(width=320), str(path), source="fresh",
                          train=1_000_000)
    with qtbot.waitSignal(job.done, timeout=30000) as done:
        job.start()
        qtbot.waitUntil(lambda: job._trained[0] > 0, timeout=20000)
        qtbot.mouseClick(job.progress.findChild(QPushButton), Qt.MouseButton.LeftButton)
    assert done.args == [[]]
    assert not path.exists() and not [f for f in os.listdir(tmp_path) if "fresh" in f]
    assert "cancelled" in window.message.text()
    assert window.snapshot.updates == 0


def test_a_fresh_run_is_trained_first(window, qtbot, tmp_path):
    path = tmp_path / "f.png"
    job = AnimationExport(window, AnimationOptions(width=320, parts=("update",)), str(path),
                          source="fresh", train=5)
    with qtbot.waitSignal(job.done, timeout=60000) as done:
        job.start()
    assert [os.path.basename(p) for p in done.args[0]] == ["f_0001.png", "f_0002.png"]
    assert window.snapshot.updates == 0  # the window did not train


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
    options = dialog.options()
    assert (options.content, options.view, options.parts, options.fps, options.size) == \
        ("canvas+plots", "unfolded", ("backward", "update"), 8.0, (960, 400))
    assert (dialog.source(), dialog.train(), dialog.path()) == ("fresh", 30, str(tmp_path /
                                                                                "a.mp4"))
    dialog.file.setText(str(tmp_path / "a.avi"))
    dialog._on_accept()
    assert "expected a file name ending in" in dialog.error.text() and not dialog.result()
    for box in dialog.parts.values():
        box.setChecked(False)
    dialog.file.setText(str(tmp_path / "a.gif"))
    dialog._on_accept()
    assert "parts" in dialog.error.text()
