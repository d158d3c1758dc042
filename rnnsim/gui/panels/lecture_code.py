"""The Lecture panel's Code view: the lecture-time reference source beside the live numbers.

The source shown is read from ``rnnsim.engine.reference`` itself (``inspect.getsource``), so
what the student reads is the code that the tests hold equal to the engine. The function
follows the step (forward pass, BPTT sweep, weight update), its current line is highlighted,
and the values of the current step t of the shown sequence are listed below it.
"""

from __future__ import annotations

import inspect
import re

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontDatabase,
    QSyntaxHighlighter,
    QTextCharFormat,
    QTextCursor,
    QTextFormat,
)
from PySide6.QtWidgets import (
    QComboBox,
    QLabel,
    QPlainTextEdit,
    QSplitter,
    QTextBrowser,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from rnnsim.engine import reference
from rnnsim.gui.number_format import number, vector

FOLLOW = "Follow the step"
#: function name → (its object, the substring of the line that the current step executes)
FUNCTIONS = {
    "elman_forward": (reference.elman_forward, "s[t] = f(a[t])"),
    "elman_bptt": (reference.elman_bptt, "da = ds * dphi"),
    "sgd_minibatch": (reference.sgd_minibatch, "p = {k: p[k] - lr"),
    "lstm_step": (reference.lstm_step, "c = f * c_prev + i * g"),
    "lstm_bptt": (reference.lstm_bptt, "dc = dc_later"),
    "gradient_through_time": (reference.gradient_through_time, "grad = grad @"),
}


def function_for(cell: str, phase: str) -> str:
    """The reference function that computes what the step of ``phase`` does for ``cell``."""
    if phase == "update":
        return "sgd_minibatch"
    if cell == "lstm":
        return "lstm_bptt" if phase == "backward" else "lstm_step"
    return "elman_bptt" if phase == "backward" else "elman_forward"


def source_of(name: str) -> str:
    """The source of reference function ``name``, as it is in the module."""
    return inspect.getsource(FUNCTIONS[name][0])


def line_formula(name: str) -> str:
    """The comment of the current line of ``name`` (the formula it computes), or ""."""
    line = source_of(name).splitlines()[current_line(name)]
    start = _comment_start(line)
    return line[start + 1 :].strip() if start >= 0 else ""


def current_line(name: str) -> int:
    """0-based line of ``source_of(name)`` that the current step executes."""
    marker = FUNCTIONS[name][1]
    for index, line in enumerate(source_of(name).splitlines()):
        if marker in line:
            return index
    raise LookupError(f"{name}: no line contains {marker!r}")


class PythonHighlighter(QSyntaxHighlighter):
    """Keywords, comments, strings and numbers of Python, in calm colours."""

    KEYWORDS = (
        "def",
        "return",
        "for",
        "in",
        "if",
        "else",
        "elif",
        "and",
        "or",
        "not",
        "None",
        "True",
        "False",
        "is",
        "lambda",
        "while",
        "with",
        "as",
        "import",
        "from",
    )

    def __init__(self, document):
        super().__init__(document)
        self._rules = []
        keyword = _format("#1f4e9c", bold=True)
        for word in self.KEYWORDS:
            self._rules.append((re.compile(rf"\b{word}\b"), keyword))
        self._rules.append((re.compile(r"\b\d+(\.\d+)?\b"), _format("#8a4b08")))
        self._rules.append((re.compile(r"\"[^\"]*\"|'[^']*'"), _format("#2e7d32")))
        self._docstring = _format("#2e7d32")
        self._comment = _format("#6b6b6b", italic=True)

    def highlightBlock(self, text):
        for pattern, fmt in self._rules:
            for match in pattern.finditer(text):
                self.setFormat(match.start(), match.end() - match.start(), fmt)
        comment = _comment_start(text)
        if comment >= 0:
            self.setFormat(comment, len(text) - comment, self._comment)
        self._docstrings(text)

    def _docstrings(self, text):
        """Triple-quoted text, across lines (block state 1 = inside a docstring)."""
        start, inside = 0, self.previousBlockState() == 1
        self.setCurrentBlockState(0)
        while True:
            if not inside:
                start = text.find('"""', start)
                if start < 0:
                    return
            end = text.find('"""', start + (0 if inside else 3))
            if end < 0:
                self.setFormat(start, len(text) - start, self._docstring)
                self.setCurrentBlockState(1)
                return
            self.setFormat(start, end + 3 - start, self._docstring)
            start, inside = end + 3, False


def _comment_start(text: str) -> int:
    """Index of the ``#`` that starts a comment (not one inside a string), or −1."""
    quote = None
    for i, ch in enumerate(text):
        if quote:
            quote = None if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch == "#":
            return i
    return -1


def _format(color: str, bold: bool = False, italic: bool = False) -> QTextCharFormat:
    fmt = QTextCharFormat()
    fmt.setForeground(QColor(color))
    if bold:
        fmt.setFontWeight(QFont.Weight.Bold)
    fmt.setFontItalic(italic)
    return fmt


def step_values(snapshot) -> list[tuple[str, str]]:
    """(name, value) rows of the current step of ``snapshot``, in lecture time (t from 1)."""
    cursor = snapshot.cursor
    if cursor.phase == "backward":
        return _backward_values(snapshot)
    if cursor.phase == "update":
        return _update_values(snapshot)
    t = cursor.t  # forward steps done: s_0 .. s_t are known
    if t == 0:
        return [("t", "0 (no frame yet)"), ("s_0", vector(snapshot.s[0]))]
    rows = [
        ("t", f"{t} of {len(snapshot.X)}"),
        (f"x_{t}", f"{snapshot.input_tokens[t - 1]}  {vector(snapshot.X[t - 1])}"),
        (f"s_{t - 1}", vector(snapshot.s[t - 1])),
        (f"a_{t}", vector(snapshot.a[t - 1])),
        (f"s_{t}", vector(snapshot.s[t])),
        (f"y_{t}", vector(snapshot.y[t - 1])),
    ]
    if snapshot.cell == "lstm" and snapshot.c is not None:
        rows.insert(4, (f"c_{t}", vector(snapshot.c[t])))
        rows.insert(4, (f"f_{t}", vector(snapshot.gates["f"][t - 1])))
    if snapshot.mask[t - 1]:
        rows.append((f"E_{t}", number(snapshot.E[t - 1])))
    return rows


def _backward_values(snapshot) -> list[tuple[str, str]]:
    T = len(snapshot.X)
    t = snapshot.cursor.k + 2  # the frame the sweep processed last (lecture time)
    if t > T:
        return [("t", f"{T} (the sweep starts at the last frame)")]
    grad = snapshot.dE_ds[t]
    return [
        ("t", f"{t} (sweeping back from {T})"),
        (f"∂E/∂s_{t}", vector(grad)),
        (f"‖∂E/∂s_{t}‖", number(np.linalg.norm(grad))),
        ("bound per step γ·σ_max(W_s)", number(snapshot.gamma * snapshot.sigma_max)),
    ]


def _update_values(snapshot) -> list[tuple[str, str]]:
    exp = snapshot.experiment
    delta = snapshot.delta_weights.get("Ws")
    return [
        ("updates so far", str(snapshot.updates)),
        ("gradients in the sum", f"{snapshot.pending} of M = {exp.update_every}"),
        ("η (lr)", number(exp.lr)),
        ("‖ΔW_s‖ of the last update", number(np.linalg.norm(delta)) if delta is not None else "—"),
        ("clipped", "yes" if snapshot.clipped else "no"),
    ]


class CodeView(QWidget):
    """The reference source (highlighted, current line marked) and the current step's values."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.choice = QComboBox()
        self.choice.setObjectName("codeChoice")
        self.choice.addItem(FOLLOW)
        self.choice.addItems(list(FUNCTIONS))
        self.choice.setToolTip(
            "Which function of rnnsim/engine/reference.py to show; "
            '"Follow the step" shows the one that computes the current '
            "step (forward, BPTT, update)."
        )
        self.choice.currentTextChanged.connect(self._on_choice)
        self.code = QPlainTextEdit()
        self.code.setObjectName("codeText")
        self.code.setReadOnly(True)
        self.code.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.code.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.highlighter = PythonHighlighter(self.code.document())
        self.values = QTextBrowser()
        self.values.setObjectName("codeValues")
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        self.formula = QLabel()
        self.formula.setObjectName("codeFormula")
        self.formula.setWordWrap(True)
        self.formula.setToolTip("What the highlighted line computes, in the lecture's notation")
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.code)
        split.addWidget(self.values)
        for pane in (self.code, self.values):  # both scroll: a low screen keeps the dock low
            pane.setMinimumHeight(36)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.choice)
        layout.addWidget(self.caption)
        layout.addWidget(self.formula)
        layout.addWidget(split, 1)
        self.function = None
        self._snapshot = None
        self._show_function("elman_forward")

    def update_snapshot(self, snapshot) -> None:
        """Show the function of the snapshot's step (when following) and its values."""
        self._snapshot = snapshot
        if self.choice.currentText() == FOLLOW:
            self._show_function(function_for(snapshot.cell, snapshot.cursor.phase))
        rows = "".join(
            f"<tr><td><i>{name}</i></td><td>&nbsp;=&nbsp;</td><td>{value}</td></tr>"
            for name, value in step_values(snapshot)
        )
        self.values.setHtml(f"<table>{rows}</table>")

    def _on_choice(self, text):
        if text == FOLLOW:
            if self._snapshot is not None:
                self.update_snapshot(self._snapshot)
        else:
            self._show_function(text)

    def _show_function(self, name: str) -> None:
        if name == self.function:
            return
        self.function = name
        self.code.setPlainText(source_of(name))
        self.caption.setText(
            f"rnnsim/engine/reference.py · {name} — the lecture's math in "
            "plain NumPy, tested equal to the engine to 1e-12"
        )
        line = current_line(name)
        self.formula.setText(f"<b>This step:</b> {line_formula(name)}")
        selection = QTextEdit.ExtraSelection()
        selection.format.setBackground(QColor("#fff4c2"))
        selection.format.setProperty(QTextFormat.Property.FullWidthSelection, True)
        cursor = QTextCursor(self.code.document().findBlockByNumber(line))
        selection.cursor = cursor
        self.code.setExtraSelections([selection])
        self.code.setTextCursor(cursor)
        self.code.centerCursor()
