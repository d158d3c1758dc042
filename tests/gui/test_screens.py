"""Small screens and a projector: 1024×600, Compare and Sweep at 1280×720, View menu modes."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDockWidget

from rnnsim.gui.settings import open_settings


@pytest.fixture
def window(qtbot, tmp_path):
    from rnnsim.gui import MainWindow
    from rnnsim.sim import Experiment

    win = MainWindow(Experiment(), settings=open_settings(tmp_path / "settings.ini"))
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    qtbot.waitUntil(lambda: win.snapshot is not None, timeout=15000)
    yield win
    win.close()


def _settle(qtbot, window, w, h):
    for _ in range(2):  # the first resize may tab the plots, which lets the window shrink more
        window.resize(w, h)
        qtbot.wait(100)
        QApplication.processEvents()


def _reachable(window, dock):
    """Shown with room, or a tab of a shown group (one click away)."""
    if dock.isVisible() and not dock.visibleRegion().isEmpty():
        return dock.width() >= 100 and dock.height() >= 60
    return any(
        other.isVisible() and not other.visibleRegion().isEmpty()
        for other in window.tabifiedDockWidgets(dock)
    )


def test_the_window_fits_1024_by_600_with_a_usable_canvas(window, qtbot):
    _settle(qtbot, window, 1024, 600)
    assert (window.width(), window.height()) == (1024, 600)
    assert window.minimumSizeHint().width() <= 1024
    assert window.canvas.unfolded.height() >= 200
    docks = [d for d in window.findChildren(QDockWidget) if d.objectName() != "samplesDock"]
    assert len(docks) >= 11
    for dock in docks:
        assert _reachable(window, dock), dock.objectName()
    assert window.docks["experiment"].width() >= 150  # its fields are readable
    _settle(qtbot, window, 1400, 900)  # larger again: the plots go back along the bottom
    assert not window.screen_fit.compact
    assert window.canvas.unfolded.height() >= 200


def test_maximise_and_restore_reopen_a_squeezed_panel(window, qtbot):
    _settle(qtbot, window, 1400, 900)
    # the offscreen screen is only 800 px wide: maximised, the canvas leaves the panel nothing
    # to spare (the canvas is fitted again); restored to 1400 px, the panel is reopened
    for change, least in ((window.showMaximized, 0), (window.showNormal, 250)):
        window.resizeDocks([window.docks["experiment"]], [10], Qt.Orientation.Horizontal)
        qtbot.wait(50)
        assert window.docks["experiment"].width() < 100
        window.canvas.unfolded._fitted = None
        change()
        qtbot.waitUntil(lambda: window.canvas.unfolded._fitted is not None, timeout=3000)
        qtbot.waitUntil(
            lambda least=least: window.docks["experiment"].width() >= least, timeout=3000
        )


def test_projector_mode_enlarges_and_remembers_its_zoom(window, qtbot):
    view = window.view_actions
    before = window.font().pointSizeF()
    view.set_zoom(2.0)
    view.projector.setChecked(True)
    assert window.font().pointSizeF() == pytest.approx(2 * before)
    assert all(p.graphics.zoom == 2.0 for p in window.plots.plots.values())
    assert window.canvas.legend.zoom == 2.0
    assert float(window.settings.value("view/projector_zoom")) == 2.0
    view.projector.setChecked(False)
    assert window.font().pointSizeF() == pytest.approx(before)
    view.canvas_only.setChecked(True)
    assert not any(d.isVisible() for d in window.findChildren(QDockWidget))
    assert window.findChild(type(window.actions.actionStep), "actionStep").isEnabled()
    view.canvas_only.setChecked(False)
    assert window.docks["experiment"].isVisible()
    window.docks["experiment"].setFloating(True)
    view.reset_layout.trigger()
    assert not window.docks["experiment"].isFloating()


@pytest.mark.parametrize("zoom, canvas_height", [(1.5, 150), (2.0, 100)])
def test_projector_mode_fits_a_1024_by_600_screen(window, qtbot, zoom, canvas_height):
    from rnnsim.gui.screen_fit import FRAME

    free = (1024 - FRAME[0], 600 - FRAME[1])  # what the window manager leaves the window
    window.screen_fit.free_area = lambda: free  # the offscreen screen is 800 × 800
    view = window.view_actions
    view.set_zoom(zoom)
    view.projector.setChecked(True)
    _settle(qtbot, window, *free)
    assert window.font().pointSizeF() > 10
    least = window.minimumSizeHint()  # fonts, toolbars, docks and status bar at projector size
    assert least.width() <= free[0] and least.height() <= free[1], (least, free)
    assert window.width() <= free[0] and window.height() <= free[1]
    assert window.screen_fit.compact  # the plots are tabs on the right
    assert window.canvas.unfolded.height() >= canvas_height
    assert window.canvas.unfolded.width() >= 300
    docks = [d for d in window.findChildren(QDockWidget) if d.objectName() != "samplesDock"]
    for dock in docks:
        assert _reachable(window, dock), dock.objectName()
    loss = window.status.labels["loss"]
    assert "mean of B" in loss.text()  # whole in text() and the tooltip, elided on screen
    view.projector.setChecked(False)
    assert window.width() <= free[0] and window.height() <= free[1]


def test_compare_and_sweep_fit_1280_by_720(window, qtbot):
    from rnnsim.gui.guided_menu import open_compare, open_sweep
    from rnnsim.sim.presets import list_presets

    preset = next(p for p in list_presets() if len(p.variants) >= 2)
    for view in (open_compare(window, preset), open_sweep(window, None)):
        assert view.minimumSizeHint().width() <= 1280, type(view).__name__
        assert view.minimumSizeHint().height() <= 720, type(view).__name__
        view.resize(1280, 720)
        qtbot.wait(50)
        assert (view.width(), view.height()) == (1280, 720)
        view.close()
