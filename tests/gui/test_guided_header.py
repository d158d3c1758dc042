"""The header above the canvas: the experiment's title, explanation and the preset's claim."""

import itertools

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


def test_a_capped_header_shows_whole_lines_never_part_of_one(qtbot):
    # on a small screen the header keeps 3 lines; the title line is taller than the others,
    # so 3 lines' spacing + a margin (as it was) cut the third line through its letters
    from rnnsim.gui.panels.header import ExperimentHeader

    header = ExperimentHeader()
    qtbot.addWidget(header)
    header.resize(420, 400)
    header.show()
    header.set_experiment(load_preset("wolf").experiment, claim="a claim " * 30)
    whole = header.heightForWidth(header.width())  # Qt's own layout of every line
    heights = [header.lines_height(n) for n in range(1, 12)]
    lines = heights.index(max(heights)) + 1  # lines past the last add nothing
    assert lines >= 5
    assert abs(heights[lines - 1] - whole) <= 2  # the line measure agrees with Qt's layout
    assert all(a < b for a, b in itertools.pairwise(heights[:lines]))
    title_line = heights[0]
    assert title_line > heights[1] - heights[0]  # the title's line is the tallest
    header.set_max_lines(3)
    assert header.maximumHeight() == heights[2]
    header.resize(300, 400)  # narrower: the text wraps anew, the three lines are taller
    qtbot.waitUntil(lambda: header.maximumHeight() == header.lines_height(3))
    header.set_max_lines(None)
    assert header.maximumHeight() == 16777215


def test_a_small_screen_keeps_three_whole_lines_of_the_header(window, qtbot):
    window.screen_fit.set_compact(True)
    header = window.header
    assert header.max_lines == 3
    qtbot.waitUntil(lambda: header.maximumHeight() == header.lines_height(3))
    assert header.maximumHeight() < header.heightForWidth(header.width())  # wolf: 4+ lines
    window.screen_fit.set_compact(False)
    assert header.max_lines is None
