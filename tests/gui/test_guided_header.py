"""The header above the canvas: the experiment's title, explanation and the preset's claim."""

import pytest
from PySide6.QtGui import QAction

from rnnsim.gui.settings import open_settings
from rnnsim.sim.presets import load_preset


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("RNNSIM_SETTINGS", str(tmp_path / "settings.ini"))
    from rnnsim.gui import MainWindow

    win = MainWindow(settings=open_settings(tmp_path / "settings.ini"))
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.snapshot is not None, timeout=15000)
    yield win
    win.close()


def test_header_shows_the_default_presets_story(window):
    wolf = load_preset("wolf")
    header = window.header
    assert header.isVisible()
    assert (header.title, header.description, header.claim) == (
        wolf.title,
        wolf.explanation,
        wolf.claim,
    )
    assert wolf.title in header.text() and "bear seen long ago" in header.text()
    assert ("Look for" in header.text()) == bool(wolf.claim)  # wolf has no guide yet


def test_loading_a_preset_from_the_guided_menu_shows_its_title_and_explanation(qtbot, window):
    preset = load_preset("lstm-rescue")
    window.findChild(QAction, "actionPreset_lstm-rescue").trigger()
    qtbot.waitUntil(lambda: window.snapshot.experiment == preset.experiment, timeout=15000)
    window.draw_newest()
    header = window.header
    assert (header.title, header.description, header.claim) == (
        preset.title,
        preset.explanation,
        preset.claim,
    )
    text = header.text()
    assert preset.title in text and preset.claim.replace(">", "&gt;") in text
    assert header.wordWrap()
    assert header.height() < window.centralWidget().height() / 4  # the canvas keeps the room
    assert header.geometry().bottom() <= window.canvas.geometry().top()


def test_header_follows_an_edited_experiment(qtbot, window):
    edited = window.experiment.replace(title="My own story", description="Gap of five.")
    window.experiment_panel.set_experiment(edited)
    window.experiment_panel.experiment_changed.emit(edited)
    qtbot.waitUntil(lambda: window.snapshot.experiment == edited, timeout=15000)
    window.draw_newest()
    assert (window.header.title, window.header.description) == ("My own story", "Gap of five.")
    assert window.header.claim == ""  # no preset has this title: no claim shown
    assert "Look for" not in window.header.text()
