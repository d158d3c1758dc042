"""The real main window under random use (issue 12): 2,000 triggers of its actions with event
processing in between, then a clean close; Save/Open through the one state file; a broken
preset; a growing loss warned of in the status line."""

import os
import random
import shutil

import pytest
from PySide6.QtCore import QtMsgType, qInstallMessageHandler
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QDialog, QFileDialog, QInputDialog, QMessageBox

from rnnsim.gui.settings import open_settings
from rnnsim.sim import Experiment, Simulation, load_experiment

TRIGGERS = int(os.environ.get("RNNSIM_TEST_TRIGGERS", "2000"))
HEAVY = ("actionCompare_", "actionSweep", "actionExportAll", "actionExportAnimation")


class QtWarnings(list):
    """Every Qt warning, critical or fatal message while installed."""

    IGNORED = ("propagateSizeHints",)  # the offscreen platform's note, not ours

    def __enter__(self):
        self._previous = qInstallMessageHandler(self._handle)
        return self

    def __exit__(self, *exc):
        qInstallMessageHandler(self._previous)

    def _handle(self, kind, context, text):
        if (
            kind != QtMsgType.QtDebugMsg
            and kind != QtMsgType.QtInfoMsg
            and not any(s in text for s in self.IGNORED)
        ):
            self.append(text)


@pytest.fixture
def dialogs(tmp_path, monkeypatch):
    """File dialogs answer with the state file (Save, Open) or a settings file (Export
    experiment), other exports and modal dialogs are cancelled. Returns the state file."""
    state = tmp_path / "saved.npz"
    Simulation(Experiment(n_hidden=6, batch_size=4)).save(state)

    def save_name(parent, title, suggested="", file_filter="", *rest, **kw):
        path = {".npz": state, ".json": tmp_path / "settings.json"}.get(
            next((s for s in (".npz", ".json") if s in file_filter), ""), ""
        )
        return (str(path), "")

    answers = {
        "getSaveFileName": save_name,
        "getOpenFileName": lambda *a, **k: (str(state), ""),
        "getExistingDirectory": lambda *a, **k: "",
    }
    for name, answer in answers.items():
        monkeypatch.setattr(QFileDialog, name, staticmethod(answer))
    for name in ("getItem", "getInt", "getDouble", "getText"):
        monkeypatch.setattr(QInputDialog, name, staticmethod(lambda *a, **k: ("", False)))
    monkeypatch.setattr(QDialog, "exec", lambda self: QDialog.DialogCode.Rejected)
    for name in ("question", "warning", "information", "critical"):
        monkeypatch.setattr(
            QMessageBox, name, staticmethod(lambda *a, **k: QMessageBox.StandardButton.Cancel)
        )
    return state


@pytest.fixture
def window(qtbot, tmp_path, dialogs):
    from rnnsim.gui import MainWindow

    experiment = Experiment(n_hidden=6, batch_size=4).with_values({"task.gap": "3"})
    win = MainWindow(experiment, settings=open_settings(tmp_path / "settings.ini"))
    win.files._dialog = QFileDialog
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.snapshot is not None, timeout=15000)
    win.train_n.setValue(3)
    win.resize(1000, 700)  # every trigger repaints: a smaller window paints faster
    yield win
    win.close()


def _actions(window):
    """Every action of the window that does something (named, not a submenu, not Quit)."""
    found = [a for a in window.findChildren(QAction) if a.objectName() and a.menu() is None]
    docks = [d.toggleViewAction() for d in window.findChildren(type(window.docks["inspector"]))]
    return found + docks


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_2000_random_actions_then_a_clean_close(window, qtbot):
    rng = random.Random(2026)
    actions = _actions(window)
    names = {a.objectName() for a in actions}
    for needed in (
        "actionStep",
        "actionStepBack",
        "actionRun",
        "actionTrain",
        "actionNewSequence",
        "actionReset",
        "actionOpen",
        "actionSave",
        "actionExportExperiment",
        "actionReopenLast",
    ):
        assert needed in names, needed
    heavy = [a for a in actions if a.objectName().startswith(HEAVY)]
    light = [a for a in actions if a not in heavy]
    counts = dict.fromkeys((a.objectName() or a.text() for a in actions), 0)
    app = QApplication.instance()
    with QtWarnings() as qt_warnings:
        for action in heavy:  # each once: they open views or long exports
            action.trigger()
            counts[action.objectName()] += 1
            app.processEvents()
        window.guided_views.close_all()  # the compare and sweep views: closed again
        for i in range(TRIGGERS - len(heavy)):
            action = rng.choice(light)
            action.trigger()
            counts[action.objectName() or action.text()] += 1
            app.processEvents()
            if i % 25 == 0:
                window.draw_newest()
            if i % 50 == 0:
                qtbot.wait(rng.randint(1, 20))
        if window.actions.actionRun.isChecked():
            window.actions.actionRun.trigger()
        qtbot.wait(50)
        window.draw_newest()
        assert window.snapshot is not None
        window.close()
        app.processEvents()
    assert sum(counts.values()) == TRIGGERS
    assert all(counts.values()), [k for k, v in counts.items() if not v]
    assert not window.worker_thread.thread.isRunning()
    assert qt_warnings == []


def test_save_and_open_use_the_one_state_file(window, qtbot, dialogs):
    window.actions.actionTrain.trigger()
    qtbot.waitUntil(lambda: window.snapshot.updates == 3, timeout=10000)
    dialogs.unlink()
    window.actions.actionSave.trigger()
    qtbot.waitUntil(dialogs.exists, timeout=5000)
    sim = Simulation()
    assert sim.load(dialogs) == "Loaded saved.npz: 3 updates."
    window.actions.actionReset.trigger()
    qtbot.waitUntil(lambda: window.snapshot.updates == 0, timeout=5000)
    window.actions.actionOpen.trigger()
    qtbot.waitUntil(lambda: window.snapshot.updates == 3, timeout=5000)
    assert "Loaded saved.npz: 3 updates." in window.message.text()


def test_export_experiment_writes_the_settings_alone(window, tmp_path):
    window.export_experiment(str(tmp_path / "settings"))
    assert load_experiment(tmp_path / "settings.json") == window.experiment
    assert "Exported the experiment's settings" in window.message.text()


def test_a_broken_preset_leaves_the_window_working(qtbot, tmp_path, monkeypatch, capsys):
    from rnnsim.gui import MainWindow
    from rnnsim.sim.presets import presets_dir

    shutil.copy(presets_dir() / "wolf.json", tmp_path / "wolf.json")
    (tmp_path / "broken.json").write_text('{"schema": 1,')
    monkeypatch.setenv("RNNSIM_PRESETS", str(tmp_path))
    win = MainWindow(settings=open_settings(tmp_path / "settings.ini"))
    qtbot.addWidget(win)
    try:
        qtbot.waitUntil(lambda: win.snapshot is not None, timeout=15000)
        assert win.findChild(QAction, "actionPreset_wolf") is not None
        assert win.findChild(QAction, "actionPreset_broken") is None
        assert "preset 'broken' skipped" in win.message.text()
        err = capsys.readouterr().err.splitlines()
        assert [line for line in err if "broken" in line] == [err[0]]
    finally:
        win.close()


def test_a_growing_loss_is_shown_in_the_status_line(window, qtbot):
    exp = window.experiment.with_values(
        {
            "lr": "100",
            "ws_scale": "10",
            "optimizer": "sgd",
            "clip_norm": "none",
            "n_hidden": "16",
            "batch_size": "32",
            "task.gap": "2",
        }
    )
    window.apply_experiment(exp)
    window.actions.actionReset.trigger()
    window.train_n.setValue(30)
    window.actions.actionTrain.trigger()
    qtbot.waitUntil(lambda: "the loss grew" in window.message.text(), timeout=20000)
    assert "training is unstable" in window.message.text()
