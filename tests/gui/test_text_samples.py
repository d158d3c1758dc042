"""The Generated text panel of the main window with the text preset, trained as a user would."""

import pytest
from PySide6.QtGui import QAction

from rnnsim.gui.settings import open_settings
from rnnsim.sim.presets import load_preset


def text_experiment(length=12):
    base = load_preset("text").experiment
    return base.with_values({"n_hidden": 16, "batch_size": 8, "task.length": length})


@pytest.fixture
def make_window(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("RNNSIM_SETTINGS", str(tmp_path / "settings.ini"))
    from rnnsim.gui import MainWindow

    made = []

    def make(experiment):
        win = MainWindow(experiment, settings=open_settings(tmp_path / "settings.ini"))
        qtbot.addWidget(win)
        win.show()
        qtbot.waitUntil(lambda: win.samples.generated is not None, timeout=15000)
        made.append(win)
        return win

    yield make
    for win in made:
        win.close()


def train(qtbot, window, n):
    target = window.snapshot.updates + n
    window.train_n.setValue(n)
    window.findChild(QAction, "actionTrain").trigger()
    qtbot.waitUntil(lambda: window.samples.generated.updates == target, timeout=30000)


def test_text_is_generated_as_it_learns(qtbot, make_window):
    window = make_window(text_experiment())
    alphabet = set(window.experiment.make_task().characters)
    panel = window.samples
    assert window.docks["samples"].isVisible()
    assert "the" in panel.info.text() and "temperature 0.5" in panel.info.text()
    train(qtbot, window, 15)
    first = panel.shown_text
    assert first and set(first) <= alphabet
    assert "After 15 updates" in panel.info.text()
    drawn = panel.text.toPlainText()
    assert drawn == panel.generated.seed_text + first.replace("\n", "↵\n")
    train(qtbot, window, 25)
    second = panel.shown_text
    assert second and set(second) <= alphabet and second != first


def test_stepping_rewrites_the_text_after_each_update(qtbot, make_window):
    window = make_window(text_experiment(length=3))
    before = window.samples.shown_text
    step = window.findChild(QAction, "actionStep")
    for _ in range(8):  # 3 forward frames, 4 sweep steps, the update
        step.trigger()
    qtbot.waitUntil(lambda: window.samples.generated.updates == 1, timeout=15000)
    assert window.samples.shown_text != before


def test_panel_hides_for_tasks_that_do_not_write(qtbot, make_window):
    window = make_window(text_experiment())
    window.apply_experiment(load_preset("wolf").experiment)
    qtbot.waitUntil(lambda: window.snapshot.experiment.task == "wolf", timeout=15000)
    window.draw_newest()
    assert window.samples.generated is None and window.samples.shown_text == ""
    assert not window.docks["samples"].isVisible()
