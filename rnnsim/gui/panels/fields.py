"""One editor per experiment field: validated as typed, applied on Enter or focus-out."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit

INVALID = "QLineEdit { border: 2px solid #d03030; background: #fff0f0; }"


def parse_value(text, current, kind=None):
    """Parse ``text`` typed for a field whose current value is ``current``.

    Parameters
    ----------
    text : str
        What the user typed.
    current : object
        The field's current value; its type decides the parse (int, float, str, None).
    kind : str or None
        "int", "float", "str", "path" or None (infer from ``current``).

    Raises
    ------
    ValueError
        When the text is not a number where one belongs; the message says what was typed.
    """
    text = text.strip()
    kind = kind or ("int" if isinstance(current, int) and not isinstance(current, bool)
                    else "float" if isinstance(current, float) else
                    "str" if isinstance(current, str) else "none")
    if kind == "none" or (text.lower() in ("", "none") and current is None):
        if text.lower() in ("", "none"):
            return None
        number = float(text)
        return int(number) if number.is_integer() and "." not in text else number
    if kind == "int":
        try:
            return int(text)
        except ValueError:
            raise ValueError(f"got {text!r}, expected a whole number") from None
    if kind == "float":
        try:
            return float(text)
        except ValueError:
            raise ValueError(f"got {text!r}, expected a number") from None
    return text


class FieldEditor(QObject):
    """Wraps the widget editing one field; ``committed(name, value)`` when a value is applied.

    ``check(name, value)`` is called as the user types and must raise ValueError (with the
    reason) for a value that would be refused; ``refused(name, message)`` reports it.
    """

    committed = Signal(str, object)
    refused = Signal(str, str)
    accepted = Signal(str)

    def __init__(self, name, value, check, choices=None, kind=None, parent=None):
        super().__init__(parent)
        self.name, self.value, self.check, self.kind = name, value, check, kind
        if isinstance(value, bool):
            self.widget = QCheckBox()
            self.widget.setChecked(value)
            self.widget.toggled.connect(lambda on: self._commit(bool(on)))
        elif choices:
            self.widget = QComboBox()
            self.widget.addItems([str(c) for c in choices])
            self.widget.setCurrentText(str(value))
            self.widget.currentTextChanged.connect(self._commit)
        else:
            self.widget = QLineEdit(self._show(value))
            self.widget.textEdited.connect(self._on_typed)
            self.widget.editingFinished.connect(self._on_finished)
        self.widget.setObjectName(f"field_{name}")

    @staticmethod
    def _show(value):
        return "none" if value is None else str(value)

    def set_value(self, value):
        """Show ``value`` without emitting anything."""
        self.value = value
        self.widget.blockSignals(True)
        if isinstance(self.widget, QCheckBox):
            self.widget.setChecked(bool(value))
        elif isinstance(self.widget, QComboBox):
            self.widget.setCurrentText(str(value))
        else:
            self.widget.setText(self._show(value))
            self.widget.setStyleSheet("")
        self.widget.blockSignals(False)

    def _validate(self, text):
        value = parse_value(text, self.value, self.kind)
        self.check(self.name, value)
        return value

    def _on_typed(self, text):
        try:
            self._validate(text)
        except ValueError as exc:
            self.widget.setStyleSheet(INVALID)
            self.refused.emit(self.name, str(exc))
            return
        self.widget.setStyleSheet("")
        self.accepted.emit(self.name)

    def _on_finished(self):
        text = self.widget.text()
        if text == self._show(self.value):
            return
        try:
            value = self._validate(text)
        except ValueError as exc:
            self.refused.emit(self.name, f"refused, {self.name} stays {self._show(self.value)}:"
                                         f" {exc}")
            self.set_value(self.value)
            return
        self._commit(value)

    def _commit(self, value):
        if isinstance(self.widget, QComboBox):
            value = type(self.value)(value) if self.value is not None else value
        try:
            self.check(self.name, value)
        except ValueError as exc:
            self.refused.emit(self.name, f"refused: {exc}")
            self.set_value(self.value)
            return
        self.value = value
        self.accepted.emit(self.name)
        self.committed.emit(self.name, value)
