"""Sequence panel: the current sequence as tokens (click one to move there), and your own."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from rnnsim.gui.canvas.notation import sub
from rnnsim.gui.canvas.unfolded_update import current_column

CURRENT = "QToolButton { background: #ffe27a; font-weight: bold; }"
DONE = "QToolButton { background: #e8eef7; }"
TODO = "QToolButton { color: #999; }"


class SequencePanel(QWidget):
    """Tokens x_1 … x_T of the displayed sequence; typing a sequence uses the custom task.

    Signals
    -------
    seek(int)
        The user clicked token ``j``: move the cursor to t = j.
    custom_sequence(str)
        The user typed a sequence (custom task syntax) and pressed Use.
    """

    seek = Signal(int)
    custom_sequence = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.buttons = []
        self._pool = []  # every button made so far; the first T are shown
        self._tokens = None
        self.row = QHBoxLayout()
        self.row.setContentsMargins(2, 2, 2, 2)
        holder = QWidget()
        holder.setLayout(self.row)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(holder)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        scroll.setMinimumHeight(58)
        scroll.setMaximumHeight(72)
        self.scroll = scroll
        self.edit = QLineEdit()
        self.edit.setObjectName("customSequence")
        self.edit.setPlaceholderText("your own sequence: bear tree squirrel -> wolf")
        self.edit.setMinimumWidth(240)
        self.edit.setToolTip("Type input tokens x_1 … x_T (and targets after ->) to run the "
                             "network on your own sequence (the custom task).")
        use = QPushButton("Use")
        use.setToolTip("Switch to the custom task with this sequence.")
        use.clicked.connect(lambda: self.custom_sequence.emit(self.edit.text()))
        self.edit.returnPressed.connect(use.click)
        self.error = QLabel("")
        self.error.setObjectName("sequenceError")
        self.error.setStyleSheet("color: #b00020;")
        self.error.setWordWrap(True)
        custom = QVBoxLayout()
        custom.addWidget(self.edit)
        custom.addWidget(use)
        top = QHBoxLayout()
        top.addWidget(scroll, 1)
        top.addLayout(custom)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.addLayout(top)
        layout.addWidget(self.error)
        self.error.hide()

    def show_error(self, text):
        """Show why a typed sequence was refused (empty text hides the message)."""
        self.error.setText(text)
        self.error.setVisible(bool(text))

    def update_snapshot(self, snapshot):
        """Show the snapshot's tokens; the current step is highlighted."""
        tokens = tuple(snapshot.input_tokens)
        if tokens != self._tokens:
            self._rebuild(tokens)
        col = current_column(snapshot.cursor, snapshot.T)
        for j, button in enumerate(self.buttons, start=1):
            style = CURRENT if j == col else (DONE if j <= snapshot.cursor.t else TODO)
            if button.styleSheet() != style:
                button.setStyleSheet(style)
        if 1 <= col <= len(self.buttons):
            self.scroll.ensureWidgetVisible(self.buttons[col - 1])

    def _rebuild(self, tokens):
        """Show ``tokens``, reusing the buttons already made (new ones only when T grows)."""
        self._tokens = tokens
        if self.row.count() and self.row.itemAt(self.row.count() - 1).widget() is None:
            self.row.takeAt(self.row.count() - 1)  # the stretch goes back at the end
        while len(self._pool) < len(tokens):
            j = len(self._pool) + 1
            button = QToolButton()
            button.setToolTip(f"Move the cursor to t = {j}: states s_0 … s_{j} computed.")
            button.clicked.connect(lambda _=False, j=j: self.seek.emit(j))
            self.row.addWidget(button)
            self._pool.append(button)
        for j, button in enumerate(self._pool, start=1):
            if j <= len(tokens):
                button.setText(f"{sub('x', j)}\n{tokens[j - 1]}")
            button.setVisible(j <= len(tokens))
        self.buttons = self._pool[:len(tokens)]
        self.row.addStretch(1)
