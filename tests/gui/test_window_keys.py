"""Right, Left and Space drive the simulation wherever the user clicked, except while typing."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from rnnsim.gui.keys import is_text_field
from rnnsim.gui.settings import open_settings


@pytest.fixture
def window(qtbot, tmp_path):
    from rnnsim.gui import MainWindow
    from rnnsim.sim import Experiment

    win = MainWindow(
        Experiment().with_values({"task.gap": "6"}),
        settings=open_settings(tmp_path / "settings.ini"),
    )
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    qtbot.waitUntil(lambda: win.snapshot is not None, timeout=15000)
    yield win
    win.close()


def _press(qtbot, k):
    """A key press as the keyboard delivers it: to the widget that has the focus."""
    qtbot.keyClick(QApplication.focusWidget(), k)


def _t(window):
    return window.snapshot.cursor.t


def _click(qtbot, widget):
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=widget.rect().center())
    widget.setFocus(Qt.FocusReason.MouseFocusReason)  # what a real click does to it


def test_right_and_left_step_after_clicking_a_plot_the_canvas_a_slider_or_a_dock(window, qtbot):
    speed = window.speed.value()
    targets = (
        window.plots.plots["activations"].graphics.viewport(),
        window.canvas.unfolded.viewport(),
        window.speed,  # a slider uses the arrows itself
        window.canvas.mode,  # a combo box opens on Space
        window.docks["inspector"].widget().text,
    )  # read-only text
    for n, widget in enumerate(targets, start=1):
        _click(qtbot, widget)
        _press(qtbot, Qt.Key.Key_Right)
        qtbot.waitUntil(lambda n=n: _t(window) == n, timeout=5000)
    assert window.speed.value() == speed
    _press(qtbot, Qt.Key.Key_Left)
    qtbot.waitUntil(lambda: _t(window) == len(targets) - 1, timeout=5000)
    _press(qtbot, Qt.Key.Key_Space)
    assert window.actions.actionRun.isChecked()
    _press(qtbot, Qt.Key.Key_Space)
    assert not window.actions.actionRun.isChecked()


def test_typing_in_a_text_field_never_steps_or_runs(window, qtbot):
    edit = window.plots.plots["activations"].units_edit  # a plain line edit, in a plot dock
    _click(qtbot, edit)
    edit.clear()
    assert is_text_field(QApplication.focusWidget())
    qtbot.keyClicks(QApplication.focusWidget(), "0 1 2")
    _press(qtbot, Qt.Key.Key_Left)
    _press(qtbot, Qt.Key.Key_Right)
    qtbot.wait(200)
    assert edit.text() == "0 1 2" and edit.cursorPosition() == len("0 1 2")
    assert not window.actions.actionRun.isChecked()
    assert _t(window) == 0 and window.worker.state == "idle"
    window.train_n.setFocus()  # a spin box is typed into too
    _press(qtbot, Qt.Key.Key_Right)
    qtbot.wait(200)
    assert _t(window) == 0
    _press(qtbot, Qt.Key.Key_Escape)  # Escape: back to the canvas, where the keys step
    assert QApplication.focusWidget() is window.canvas.unfolded
    _press(qtbot, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: _t(window) == 1, timeout=5000)
