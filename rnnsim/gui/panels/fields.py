"""One editor per experiment field: validated as typed, applied on Enter or focus-out."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit

INVALID = "QLineEdit { border: 2px solid #d03030; background: #fff0f0; }"


def shown(value):
    """How a field value is written in its editor ("none" for None)."""
    return "none" if value is None else str(value)


class FieldEditor(QObject):
    """Wraps the widget editing one field and validates what the user types.

    Parameters
    ----------
    name : str
        Field path: ``"lr"`` or ``"task.gap"``.
    value : object
        The current value (its type picks the widget: bool → check box, choices → combo box,
        anything else → a line edit).
    check : callable
        ``check(name, text)`` raises ValueError, with the reason, for a value the experiment
        refuses.
    choices : sequence or None
        Accepted values for a combo box.

    Signals
    -------
    committed(name, text)
        A valid value was entered (Enter, focus out, a combo or check box change).
    refused(name, message)
        The value typed is invalid (while typing) or was refused (on Enter): the field keeps
        its old value.
    accepted(name)
        What is typed is valid.
    """

    committed = Signal(str, str)
    refused = Signal(str, str)
    accepted = Signal(str)

    def __init__(self, name, value, check, choices=None, parent=None):
        super().__init__(parent)
        self.name, self.value, self.check = name, value, check
        if isinstance(value, bool):
            self.widget = QCheckBox()
            self.widget.setChecked(value)
            self.widget.toggled.connect(lambda on: self._commit("true" if on else "false"))
        elif choices:
            self.widget = QComboBox()
            self.widget.addItems([str(c) for c in choices])
            self.widget.setCurrentText(str(value))
            self.widget.currentTextChanged.connect(self._commit)
        else:
            self.widget = QLineEdit(shown(value))
            self.widget.textEdited.connect(self._on_typed)
            self.widget.editingFinished.connect(self._on_finished)
        self.widget.setObjectName(f"field_{name}")

    def set_value(self, value):
        """Show ``value`` without emitting anything."""
        self.value = value
        self.widget.blockSignals(True)
        if isinstance(self.widget, QCheckBox):
            self.widget.setChecked(bool(value))
        elif isinstance(self.widget, QComboBox):
            self.widget.setCurrentText(str(value))
        else:
            self.widget.setText(shown(value))
            self.widget.setStyleSheet("")
        self.widget.blockSignals(False)

    def _on_typed(self, text):
        try:
            self.check(self.name, text)
        except ValueError as exc:
            self.widget.setStyleSheet(INVALID)
            self.refused.emit(self.name, str(exc))
            return
        self.widget.setStyleSheet("")
        self.accepted.emit(self.name)

    def _on_finished(self):
        text = self.widget.text()
        if text.strip() == shown(self.value):
            return
        self._commit(text)

    def _commit(self, text):
        try:
            self.check(self.name, text)
        except ValueError as exc:
            self.refused.emit(self.name, f"refused, {self.name} stays {shown(self.value)}: {exc}")
            self.set_value(self.value)
            return
        self.accepted.emit(self.name)
        self.committed.emit(self.name, text)
