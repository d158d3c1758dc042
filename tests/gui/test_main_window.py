"""The main window, driven as a user would: keys, toolbar actions, panels, canvas clicks."""

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog

from rnnsim.gui.canvas import Selection
from rnnsim.gui.settings import open_settings

ACTION_NAMES = (
    "actionStep",
    "actionStepBack",
    "actionRun",
    "actionTrain",
    "actionNewSequence",
    "actionReset",
    "actionExportAll",
    "actionOpen",
    "actionSave",
)


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("RNNSIM_SETTINGS", str(tmp_path / "settings.ini"))
    from rnnsim.gui import MainWindow
    from rnnsim.sim import Experiment

    experiment = Experiment().with_values({"task.gap": "6"})  # T = 8 frames
    win = MainWindow(experiment, settings=open_settings(tmp_path / "settings.ini"))
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    qtbot.waitUntil(lambda: win.snapshot is not None, timeout=15000)
    yield win
    win.close()


def key(qtbot, window, k, times=1):
    for _ in range(times):
        qtbot.keyClick(window, k)


def drawn_t(window):
    return window.snapshot.cursor.t


def test_launch_has_the_default_experiment_and_named_actions(window):
    assert window.experiment.task == "wolf"
    for name in ACTION_NAMES:
        assert window.findChild(type(window.actions.actionStep), name) is not None, name
    assert window.actions.actionRun.isCheckable()
    assert window.snapshot.cursor.t == 0
    assert "t = 0" in window.status.text()


def test_right_five_times_fills_five_columns(window, qtbot):
    key(qtbot, window, Qt.Key.Key_Right, 5)
    qtbot.waitUntil(lambda: drawn_t(window) == 5, timeout=5000)
    assert window.canvas.unfolded_scene.filled_columns() == 5
    assert "t = 5" in window.status.text()
    assert QApplication.activeModalWidget() is None


def test_left_undoes_a_step(window, qtbot):
    key(qtbot, window, Qt.Key.Key_Right, 3)
    qtbot.waitUntil(lambda: drawn_t(window) == 3, timeout=5000)
    states_at_3 = np.array(window.snapshot.s)
    key(qtbot, window, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: drawn_t(window) == 4, timeout=5000)
    key(qtbot, window, Qt.Key.Key_Left)
    qtbot.waitUntil(lambda: drawn_t(window) == 3, timeout=5000)
    np.testing.assert_array_equal(window.snapshot.s, states_at_3)
    assert window.canvas.unfolded_scene.filled_columns() == 3
    assert "t = 3" in window.status.text()


def test_space_runs_and_space_pauses(window, qtbot):
    window.speed.setValue(len(window.speed_values) - 1)  # as fast as it goes
    key(qtbot, window, Qt.Key.Key_Space)
    assert window.actions.actionRun.isChecked()
    start = window.snapshot
    qtbot.waitUntil(
        lambda: (
            window.snapshot is not start
            and (window.snapshot.cursor.t > 2 or window.snapshot.updates > 0)
        ),
        timeout=5000,
    )
    key(qtbot, window, Qt.Key.Key_Space)
    assert not window.actions.actionRun.isChecked()
    qtbot.wait(300)  # pause takes effect within 50 ms; let the last snapshots arrive
    paused = window.snapshot
    qtbot.wait(300)
    assert window.snapshot.cursor == paused.cursor and window.snapshot.updates == paused.updates


def test_changing_the_hidden_size_redraws_the_canvas(window, qtbot):
    editor = window.experiment_panel.editors["n_hidden"].widget
    editor.selectAll()
    qtbot.keyClicks(editor, "7")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.snapshot.s.shape[1] == 7, timeout=5000)
    assert window.canvas.unfolded_scene.items_by_id[("s", 0)].n == 7
    assert window.canvas.folded_scene.items_by_id["s"].n == 7
    assert "re-initialised" in window.experiment_panel.message.text()


def test_a_bad_value_is_refused_visibly_and_changes_nothing(window, qtbot):
    before = window.experiment
    editor = window.experiment_panel.editors["lr"].widget
    editor.selectAll()
    qtbot.keyClicks(editor, "fast")
    message = window.experiment_panel.message
    assert "lr" in message.text() and "'fast'" in message.text()
    assert message.isVisible()
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert "refused" in message.text()
    assert editor.text() == str(before.lr)
    assert window.experiment == before
    qtbot.wait(100)
    assert window.snapshot.experiment == before


def click_scene_point(qtbot, window, item, point):
    """Left-click ``point`` (in ``item``'s coordinates) on the unfolded canvas."""
    view = window.canvas.unfolded
    view.centerOn(item)
    pos = view.mapFromScene(item.mapToScene(point))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=pos)


def test_clicking_a_unit_shows_its_values_in_the_inspector(window, qtbot):
    key(qtbot, window, Qt.Key.Key_Right, 2)
    qtbot.waitUntil(lambda: drawn_t(window) == 2, timeout=5000)
    window.canvas.set_mode("Unfolded")
    item = window.canvas.unfolded_scene.items_by_id[("s", 2)]
    click_scene_point(qtbot, window, item, item.unit_center(3))
    assert window.canvas.selection == Selection("s", j=2, unit=3)
    snap = window.snapshot
    text = window.inspector.text.toPlainText()
    assert f"{snap.s[2, 3]:.4g}" in text
    assert f"{snap.a[1, 3]:.4g}" in text
    best = int(np.argmax(snap.y[1]))
    assert f"{snap.output_names[best]} {snap.y[1, best]:.2f}" in text
    if window.plots is not None:  # the clicked unit is traced in the activations plot
        assert 3 in window.plots.plots["activations"].units


def test_train_shows_progress_and_the_window_closes_cleanly_while_training(window, qtbot):
    window.train_n.setValue(100000)
    window.actions.actionTrain.trigger()
    assert QApplication.activeModalWidget() is None
    assert window.status.progress.isVisible() and window.status.stop.isVisible()
    qtbot.waitUntil(lambda: window.snapshot.updates > 0, timeout=10000)
    thread = window.worker_thread.thread
    window.close()
    assert thread.isFinished()


def test_stop_button_ends_training(window, qtbot):
    window.train_n.setValue(100000)
    window.actions.actionTrain.trigger()
    qtbot.waitUntil(lambda: window.snapshot.updates > 0, timeout=10000)
    qtbot.mouseClick(window.status.stop, Qt.MouseButton.LeftButton)
    qtbot.wait(300)
    stopped = window.snapshot.updates
    qtbot.wait(300)
    assert window.snapshot.updates == stopped < 100000


def test_no_command_opens_a_dialog(window, qtbot):
    for name in ("actionStep", "actionStepBack", "actionNewSequence", "actionReset"):
        getattr(window.actions, name).trigger()
        qtbot.wait(20)
        assert QApplication.activeModalWidget() is None
        assert not [
            w for w in QApplication.topLevelWidgets() if isinstance(w, QDialog) and w.isVisible()
        ]


def test_layout_and_recent_files_are_remembered(window, tmp_path, qtbot):
    window.save_experiment(str(tmp_path / "exp"))
    path = tmp_path / "exp.npz"  # the state file's suffix is added
    qtbot.waitUntil(path.exists, timeout=5000)
    window.close()
    settings = open_settings(tmp_path / "settings.ini")
    assert settings.value("window/state") is not None
    from rnnsim.gui.settings import last_experiment, recent_files

    assert recent_files(settings)[0] == str(path)
    assert '"task": "wolf"' in last_experiment(settings)


def test_typing_your_own_sequence_runs_it(window, qtbot):
    panel = window.sequence_panel
    qtbot.keyClicks(panel.edit, "bear tree tree squirrel -> wolf")
    qtbot.keyClick(panel.edit, Qt.Key.Key_Return)
    words = ("bear", "tree", "tree", "squirrel", "wolf/dog")  # in the story's words: the
    qtbot.waitUntil(lambda: window.snapshot.input_tokens == words, timeout=5000)  # same task
    assert window.snapshot.experiment.task == "wolf"
    assert [b.text().split("\n")[1] for b in panel.buttons] == list(words)
    key(qtbot, window, Qt.Key.Key_Left, 3)
    qtbot.waitUntil(lambda: drawn_t(window) == 2, timeout=5000)
    assert window.canvas.unfolded_scene.items_by_id[("token", 2)].text() == "tree"


def test_a_bad_typed_sequence_is_refused_and_changes_nothing(window, qtbot):
    before = window.experiment
    panel = window.sequence_panel
    qtbot.keyClicks(panel.edit, "bear tree ->")
    qtbot.keyClick(panel.edit, Qt.Key.Key_Return)
    assert panel.error.isVisible() and "no target after" in panel.error.text()
    qtbot.wait(100)
    assert window.experiment == before and window.snapshot.experiment == before


def test_clicking_a_token_moves_the_cursor_there(window, qtbot):
    qtbot.mouseClick(window.sequence_panel.buttons[2], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: drawn_t(window) == 3, timeout=5000)
    assert window.canvas.unfolded_scene.filled_columns() == 3


def test_the_last_experiment_can_be_reopened(window, qtbot, tmp_path):
    from rnnsim.gui.settings import remember_experiment
    from rnnsim.sim import Experiment

    remember_experiment(window.settings, Experiment(n_hidden=5).to_json())
    window.files.reopen.trigger()
    qtbot.waitUntil(lambda: window.snapshot.s.shape[1] == 5, timeout=5000)
    assert window.experiment_panel.editors["n_hidden"].widget.text() == "5"


def test_export_all_action_writes_the_canvas_and_the_experiment(
    window, qtbot, tmp_path, monkeypatch
):
    from PySide6.QtWidgets import QFileDialog

    out = tmp_path / "export"
    monkeypatch.setattr(
        QFileDialog, "getExistingDirectory", staticmethod(lambda *args, **kwargs: str(out))
    )
    key(qtbot, window, Qt.Key.Key_Right, 2)
    qtbot.waitUntil(lambda: drawn_t(window) == 2, timeout=5000)
    window.actions.actionExportAll.trigger()
    for name in ("network_unfolded.png", "network_folded.svg", "experiment.json", "report.md"):
        assert (out / name).exists(), name
    assert '"task": "wolf"' in (out / "experiment.json").read_text()
    assert "Exported" in window.message.text()


def test_file_menu_has_open_save_recent_and_export(window):
    from PySide6.QtWidgets import QMenu

    file_menu = window.findChild(QMenu, "fileMenu")
    names = {a.objectName() for a in file_menu.actions()}
    assert {"actionOpen", "actionSave"} <= names
    assert window.findChild(QMenu, "recentMenu") is not None
    export = window.findChild(QMenu, "exportMenu")
    assert "actionExportAll" in {a.objectName() for a in export.actions()}
    for action in window.actions.all():
        assert len(action.toolTip()) > 30, action.objectName()


def test_without_an_experiment_the_window_opens_the_wolf_preset(qtbot, tmp_path):
    from rnnsim.catalog import preset_experiment
    from rnnsim.gui import MainWindow

    win = MainWindow(settings=open_settings(tmp_path / "s.ini"))
    qtbot.addWidget(win)
    assert win.experiment == preset_experiment("wolf")
    qtbot.waitUntil(lambda: win.snapshots_received > 0, timeout=5000)
    win.close()


def test_view_mode_speed_and_n_are_remembered(qtbot, tmp_path):
    from rnnsim.gui import MainWindow

    path = tmp_path / "s.ini"
    win = MainWindow(settings=open_settings(path))
    qtbot.addWidget(win)
    win.canvas.set_mode("Unfolded")
    win.speed.setValue(1)
    win.train_n.setValue(1234)
    win.close()
    again = MainWindow(settings=open_settings(path))
    qtbot.addWidget(again)
    assert again.canvas.mode.currentText() == "Unfolded"
    assert again.speed.value() == 1 and again.train_n.value() == 1234
    again.close()


def test_keys_reach_the_simulation_from_the_widget_that_has_focus_at_launch(window, qtbot):
    focus = QApplication.focusWidget()
    assert focus is window.canvas.unfolded
    qtbot.keyClick(focus, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: drawn_t(window) == 1, timeout=5000)
    qtbot.keyClick(focus, Qt.Key.Key_Space)
    assert window.actions.actionRun.isChecked()
    qtbot.keyClick(focus, Qt.Key.Key_Space)
    assert not window.actions.actionRun.isChecked()


def test_clicking_a_state_label_shows_the_whole_state(window, qtbot):
    key(qtbot, window, Qt.Key.Key_Right, 3)
    qtbot.waitUntil(lambda: drawn_t(window) == 3, timeout=5000)
    window.canvas.set_mode("Unfolded")
    label = window.canvas.unfolded_scene.items_by_id[("s_label", 2)]
    click_scene_point(qtbot, window, label, label.boundingRect().center())
    text = window.inspector.text.toPlainText()
    assert "state s2" in text.replace("\u2082", "2")
    assert f"{np.linalg.norm(window.snapshot.s[2]):.4g}" in text


def test_an_idle_window_does_not_poll(window, qtbot):
    """A snapshot starts the draw; nothing wakes the GUI thread (each wake-up is a call into
    Python that takes the GIL from the worker) while nothing arrives."""
    key(qtbot, window, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: drawn_t(window) == 1 and not window.has_pending, timeout=5000)
    qtbot.waitUntil(lambda: not window._timer.isActive(), timeout=5000)
    assert window.status.rate == 0.0  # stepping: no updates a second


def test_the_rate_falls_to_zero_once_no_snapshot_comes(window, qtbot):
    window.status.rate = 12.0
    window.status._rate_t = 0.0  # long ago
    window._rate_timer.start(1)  # as if the last draw was that long ago
    qtbot.waitUntil(lambda: window.status.rate == 0.0, timeout=5000)
    assert "0 updates/s" in window.status.text()


def test_progress_is_shown_with_the_next_draw(window, qtbot):
    window._on_state("training")
    window._on_progress(40, 100, 0.0)
    qtbot.waitUntil(lambda: window.status.progress.value() == 40, timeout=5000)
    assert window.status.progress.isVisibleTo(window)
    window._on_progress(60, 100, 0.0)
    window._on_state("idle")  # the training ended before that progress was drawn
    qtbot.waitUntil(lambda: not window._timer.isActive(), timeout=5000)
    assert not window.status.progress.isVisibleTo(window)


def test_escape_with_no_focus_widget_gives_the_focus_to_the_canvas(window, qtbot):
    """No event filter on the window: its keyPressEvent takes Escape when nothing has the focus."""
    from PySide6.QtCore import QEvent
    from PySide6.QtGui import QKeyEvent

    focus = QApplication.focusWidget()
    if focus is not None:
        focus.clearFocus()
    event = QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Escape, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, event)
    assert window.canvas.unfolded.hasFocus() or QApplication.focusWidget() is window.canvas.unfolded


def test_the_lecture_rewrites_its_numbers_less_often_while_training(window):
    from rnnsim.gui.panels.lecture import NUMBERS_INTERVAL_MS, STREAMING_INTERVAL_MS

    window._on_state("training")
    assert window.lecture.numbers_interval_ms == STREAMING_INTERVAL_MS
    window._on_state("idle")
    assert window.lecture.numbers_interval_ms == NUMBERS_INTERVAL_MS
