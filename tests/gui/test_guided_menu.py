"""The Guided menu on a real MainWindow: load a preset, open Compare and Sweep, close all."""

import multiprocessing

import pytest
from PySide6.QtGui import QAction

from rnnsim.gui.compare_view import CompareView
from rnnsim.gui.guided_menu import install_guided_menu
from rnnsim.gui.settings import open_settings
from rnnsim.gui.sweep_view import SweepView
from rnnsim.sim.presets import load_preset


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("RNNSIM_SETTINGS", str(tmp_path / "settings.ini"))
    from rnnsim.gui import MainWindow

    win = MainWindow(settings=open_settings(tmp_path / "settings.ini"))
    qtbot.addWidget(win)
    install_guided_menu(win)
    win.show()
    qtbot.waitUntil(lambda: win.snapshot is not None, timeout=15000)
    yield win
    win.close()


def action(window, name):
    found = window.findChild(QAction, name)
    assert found is not None, name
    return found


def test_loading_a_preset_applies_it_and_says_what_it_teaches(qtbot, window):
    preset = load_preset("vanishing")
    action(window, "actionPreset_vanishing").trigger()
    qtbot.waitUntil(lambda: window.snapshot.experiment == preset.experiment, timeout=15000)
    assert window.snapshot.activation == "sigmoid"
    assert window.snapshot.sigma_max == pytest.approx(2.0)  # reset: ws_scale took effect
    assert window.windowTitle() == "The vanishing gradient"
    assert action(window, "actionPreset_vanishing").toolTip() == preset.explanation


def test_compare_and_sweep_windows_close_with_the_main_window(qtbot, window):
    action(window, "actionCompare_minibatch").trigger()
    action(window, "actionSweep_lstm-rescue").trigger()
    views = list(window.guided_views.views)
    assert [type(v) for v in views] == [CompareView, SweepView]
    assert views[0].comparison.labels == ["M = 1", "M = 20"]
    sweep = views[1]
    sweep.x_values.setText("30, 31")
    sweep.updates.setValue(5000)
    sweep.run_button.click()
    run = sweep.run
    qtbot.waitUntil(lambda: len(run.alive) == 2, timeout=20000)  # started in a thread
    window.close()
    assert run.alive == [] and not set(run.processes) & set(multiprocessing.active_children())
    assert window.guided_views.views == []


def test_sweep_the_current_experiment(qtbot, window):
    action(window, "actionSweepCurrent").trigger()
    (view,) = window.guided_views.views
    assert view.experiment == window.experiment
    view.close()
    qtbot.waitUntil(lambda: window.guided_views.views == [], timeout=5000)
