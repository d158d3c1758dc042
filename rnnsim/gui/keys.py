"""The stepping keys, window-wide: Right, Left and Space wherever the focus is, except in a
text field; Escape gives the focus back to the canvas.

Qt's own shortcuts lose these keys to whichever widget uses them itself (a slider, a combo
box, a button's Space, a plot); an event filter on the widget that has the focus (key events go
to it first) sees them before it. While no widget has the focus nothing competes for the keys:
the actions' own shortcuts step, and the window's ``keyPressEvent`` hands Escape to
``StepKeys.escape``. No filter on the window, nor an application-wide one: a filter calls into
Python, taking the GIL from the training thread, for every event of what it watches (the
window alone gets some 65 a second while it trains, mostly repaint and layout requests).

    from rnnsim.gui.keys import StepKeys
    window.step_keys = StepKeys(window, {Qt.Key.Key_Right: window.actions.actionStep, ...},
                                home=window.canvas.unfolded)
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

_KEY_EVENTS = (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress)


def is_text_field(widget) -> bool:
    """Whether ``widget`` takes typed text (a line edit, an editable text, spin or combo box)."""
    while widget is not None:
        if isinstance(widget, (QLineEdit, QAbstractSpinBox)):
            return True
        if isinstance(widget, (QTextEdit, QPlainTextEdit)):
            return not widget.isReadOnly()
        if isinstance(widget, QComboBox):
            return widget.isEditable()
        widget = widget.parentWidget() if isinstance(widget, QLineEdit) else None
    return False


class StepKeys(QObject):
    """Routes the stepping keys of ``window`` to their actions, whatever has the focus.

    Parameters
    ----------
    window : QWidget
        The top-level window whose keys are routed (other windows are left alone).
    actions : dict
        Qt.Key → QAction triggered by that key without modifiers.
    home : QWidget
        Where Escape puts the focus (the canvas).
    """

    def __init__(self, window, actions, home):
        super().__init__(window)
        self.window, self.actions, self.home = window, dict(actions), home
        self._watched = None  # the focus widget whose events pass through eventFilter
        app = QApplication.instance()
        app.focusChanged.connect(self._on_focus)
        self._on_focus(None, app.focusWidget())

    def _on_focus(self, _old, new):
        """Filter the events of the widget that has the focus now (and no longer the last)."""
        if self._watched is not None:
            try:
                self._watched.removeEventFilter(self)
            except RuntimeError:  # deleted meanwhile
                pass
        self._watched = new if isinstance(new, QWidget) and new is not self.window else None
        if self._watched is not None:
            self._watched.installEventFilter(self)

    def eventFilter(self, obj, event):
        if event.type() not in _KEY_EVENTS or not isinstance(obj, QWidget):
            return False
        try:
            if obj.window() is not self.window:
                return False
        except RuntimeError:  # a widget being deleted
            return False
        mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        key = event.key()
        if mods != Qt.KeyboardModifier.NoModifier:
            return False
        if key == Qt.Key.Key_Escape:
            return self._escape(event)
        action = self.actions.get(key)
        if action is None or not action.isEnabled():
            return False
        if is_text_field(obj) or is_text_field(QApplication.focusWidget()):
            return False  # typing: the field gets the key, not the simulation
        if event.type() == QEvent.Type.ShortcutOverride:
            event.accept()  # no QShortcut fires: the key press comes here next
            return True
        action.trigger()
        return True

    def _escape(self, event):
        if event.type() == QEvent.Type.ShortcutOverride:
            event.accept()
            return True
        self.escape()
        return True

    def escape(self):
        """Escape: give the focus back to ``home`` (the canvas), where the keys step."""
        self.home.setFocus(Qt.FocusReason.ShortcutFocusReason)
