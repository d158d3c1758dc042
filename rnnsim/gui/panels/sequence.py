"""Sequence panel: the current sequence as tokens (click one to move there), and your own."""

from __future__ import annotations

import html

from PySide6.QtCore import QEvent, Qt, Signal
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
from rnnsim.gui.canvas.readout import prediction_text
from rnnsim.gui.canvas.unfolded_update import current_column
from rnnsim.gui.number_format import number
from rnnsim.sim.probe import completions, parse_question, unknown_words

CURRENT = "QToolButton { background: #ffe27a; font-weight: bold; }"
DONE = "QToolButton { background: #e8eef7; }"
TODO = "QToolButton { color: #999; }"


def target_line(snapshot, j):
    """The strip's line for frame ``j``'s target d_j and its loss E_j, once the frame has run,
    where the sequence gives a target that is not the frame's own word ("" elsewhere: the
    wolf story names its frames, only its last animal is a question; the canvas shows every
    d_t and E_t)."""
    if not snapshot.mask[j - 1] or j > len(snapshot.target_tokens):
        return ""
    if snapshot.target_tokens[j - 1] == snapshot.input_tokens[j - 1]:
        return ""
    e = snapshot.E[j - 1] if j <= len(snapshot.E) else float("nan")
    return f"\n{sub('d', j)} {snapshot.target_tokens[j - 1]} · {sub('E', j)} {number(e, 2)}"


class SequencePanel(QWidget):
    """Tokens x_1 … x_T of the displayed sequence, and a question of your own.

    A sequence typed in the current task's words (``set_task``) is checked and completed as
    you type; Ask runs the trained network on it, unchanged. A sequence with words outside
    the vocabulary offers a custom task instead, saying that the weights will be
    re-initialised (Undo brings the trained network back).

    Signals
    -------
    seek(int)
        The user clicked token ``j``: move the cursor to t = j.
    ask(str)
        The user asked a question in the task's words.
    custom_sequence(str)
        The user chose to make a custom task of a sequence outside the vocabulary.
    undo_task()
        The user pressed Undo: bring the trained network back.
    """

    seek = Signal(int)
    ask = Signal(str)
    custom_sequence = Signal(str)
    undo_task = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.buttons = []
        self._pool = []  # every button made so far; the first T are shown
        self._tokens = None
        self.task = None
        self._task_key = None
        self.row = QHBoxLayout()
        self.row.setContentsMargins(2, 2, 2, 2)
        holder = QWidget()
        holder.setLayout(self.row)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(holder)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        scroll.setMinimumHeight(72)
        scroll.setMaximumHeight(84)
        self.scroll = scroll
        self._current = None  # the current frame's column, kept in view
        scroll.horizontalScrollBar().rangeChanged.connect(self._show_current)
        self.edit = QLineEdit()
        self.edit.setObjectName("customSequence")
        self.edit.setPlaceholderText("ask the network: bear tree squirrel -> wolf")
        self.edit.setMinimumWidth(260)
        self.edit.setToolTip(
            "Type a sequence in the task's own words (targets after ->, for the last frames) "
            "and press Enter: the trained network runs on it, unchanged, and the canvas steps "
            "through it. The wolf story's ambiguous animal wolf/dog is added at the end when "
            "missing."
        )
        self.candidates = []  # the task's words completing the word being typed
        self.edit.textEdited.connect(self._on_edited)
        self.edit.installEventFilter(self)  # Tab completes the word being typed
        self.ask_button = QPushButton("Ask")
        self.ask_button.setObjectName("askButton")
        self.ask_button.setToolTip("Run the trained network on this sequence (weights kept).")
        self.ask_button.clicked.connect(self._on_ask)
        self.edit.returnPressed.connect(self._on_return)
        self.custom_button = QPushButton("Make a custom task…")
        self.custom_button.setObjectName("customTaskButton")
        self.custom_button.setToolTip(
            "A new task whose vocabulary is the words you typed: "
            "its network starts from fresh weights."
        )
        self.custom_button.clicked.connect(lambda: self.custom_sequence.emit(self.edit.text()))
        self.undo_button = QPushButton("Undo")
        self.undo_button.setObjectName("undoTaskButton")
        self.undo_button.setToolTip("Bring back the task and the trained network (Ctrl+Z).")
        self.undo_button.clicked.connect(self.undo_task)
        self.error = QLabel("")
        self.error.setObjectName("sequenceError")
        self.error.setWordWrap(True)
        self.error.setTextFormat(Qt.TextFormat.RichText)
        self.error.setStyleSheet("color: #b00020; font-size: 8.5pt;")
        line = QHBoxLayout()
        line.setSpacing(4)
        line.addWidget(self.edit, 1)
        line.addWidget(self.ask_button)
        line.addWidget(self.custom_button)
        line.addWidget(self.undo_button)
        custom = QVBoxLayout()
        custom.setSpacing(1)
        custom.addLayout(line)
        custom.addWidget(self.error)
        box = QWidget()
        box.setLayout(custom)
        box.setMaximumWidth(700)
        box.setMinimumWidth(560)
        top = QHBoxLayout()
        top.addWidget(scroll, 1)
        top.addWidget(box)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.addLayout(top)
        self.custom_button.hide()
        self.undo_button.hide()
        self.setMinimumHeight(90)

    # ----------------------------------------------------------------- questions
    def set_experiment(self, experiment):
        """Check typed words against ``experiment``'s task from now on."""
        key = (experiment.task, tuple(sorted(experiment.knobs.items(), key=str)))
        if key == self._task_key:
            return
        self._task_key = key
        try:
            self.task = experiment.make_task()
        except ValueError:
            self.task = None
        if self.edit.text():
            self._on_edited(self.edit.text())

    def set_task(self, task):
        """Check typed words against ``task`` (a ``rnnsim.tasks.Task``)."""
        self.task, self._task_key = task, None

    def set_undo_available(self, available):
        """Show or hide Undo (bring the trained network back)."""
        self.undo_button.setVisible(bool(available))

    def validate(self, text):
        """Show what is wrong with ``text`` (unknown words with the vocabulary) or what Ask
        will do; returns True when Ask can run it."""
        self.custom_button.hide()
        if self.task is None or not text.strip():
            self.show_error("")
            return False
        unknown = unknown_words(self.task, text)
        if unknown:
            self.error.setToolTip("\n".join(reason for _, reason in unknown))
            words = [w for w, _ in unknown if w.text]
            if not words:
                self.show_error(unknown[0][1])
                return False
            role = words[0].role
            vocabulary = self.task.input_words() if role == "input" else self.task.target_words()
            listed = ", ".join(vocabulary[:24]) + (" …" if len(vocabulary) > 24 else "")
            named = html.escape(", ".join(repr(w.text) for w in words), quote=False)
            self.show_error(
                f"{named}: not a word of task {self.task.name!r} "
                f"({html.escape(listed, quote=False) or 'numbers such as 0.5'}).<br>"
                "<b>Make a custom task…</b> re-initialises the weights (Undo brings the "
                "trained network back).",
                rich=True,
            )
            self.custom_button.show()
            return False
        self.error.setToolTip("")
        try:
            question = parse_question(self.task, text)
        except ValueError as exc:
            self.show_error(str(exc))
            return False
        words = " ".join(question.words)
        added = f" ({question.added} added)" if question.added else ""
        self.show_note(
            f"{question.T} frames: {words[:80]}{added}. Enter asks the trained network, unchanged."
        )
        return True

    def _on_edited(self, text):
        if self.task is None:
            self.candidates = []
            self.validate(text)
            return
        partial = "" if not text or text[-1].isspace() else text.split()[-1]
        self.candidates = completions(self.task, text) if partial else []
        if self.candidates:  # a word being typed: what it may become, not an error yet
            self.custom_button.hide()
            words = self.candidates
            more = f" … ({len(words)})" if len(words) > 8 else ""
            self.show_note(f"{partial}… {' · '.join(words[:8])}{more}   (Tab completes)")
        else:
            self.validate(text)

    def complete(self):
        """Complete the word being typed as far as its candidates agree (Tab)."""
        if not self.candidates:
            return False
        text = self.edit.text()
        partial = text.split()[-1]
        common = self.candidates[0]
        for word in self.candidates[1:]:  # the letters every candidate starts with
            while not word.startswith(common):
                common = common[:-1]
        if len(common) > len(partial):
            self.edit.setText(text[: len(text) - len(partial)] + common)
            self._on_edited(self.edit.text())
        return True

    def eventFilter(self, obj, event):
        if (
            obj is self.edit
            and event.type() == QEvent.Type.KeyPress
            and event.key() == Qt.Key.Key_Tab
            and self.candidates
        ):
            self.complete()
            return True
        return super().eventFilter(obj, event)

    def _on_return(self):
        self._on_ask()

    def _on_ask(self):
        text = self.edit.text()
        if self.validate(text):
            self.ask.emit(text)

    def show_error(self, text, rich=False):
        """Show why a typed sequence cannot be asked (empty text hides the message)."""
        self.error.setStyleSheet("color: #b00020; font-size: 8.5pt;")
        self.error.setText(text if rich else html.escape(text, quote=False))
        self.error.setVisible(bool(text))

    def show_note(self, text):
        """Show what Ask will do with the typed sequence (not an error)."""
        self.error.setStyleSheet("color: #245; font-size: 8.5pt;")
        self.error.setText(html.escape(text, quote=False))
        self.error.setVisible(bool(text))

    def update_snapshot(self, snapshot):
        """Show the snapshot's tokens, and under each frame already run the network's top
        prediction; the current step is highlighted."""
        tokens = tuple(snapshot.input_tokens)
        if tokens != self._tokens:
            self._rebuild(tokens)
        col = current_column(snapshot.cursor, snapshot.T)
        kind = getattr(snapshot.experiment, "output", "softmax")
        known = snapshot.y.shape[0]
        for j, button in enumerate(self.buttons, start=1):
            style = CURRENT if j == col else (DONE if j <= snapshot.cursor.t else TODO)
            if button.styleSheet() != style:
                button.setStyleSheet(style)
            text = f"{sub('x', j)}\n{tokens[j - 1]}"
            if j <= known:
                text += "\n→ " + prediction_text(
                    snapshot.y[j - 1], snapshot.output_names, kind, top=1
                )
                text += target_line(snapshot, j)
            if button.text() != text:
                button.setText(text)
        self._current = col if 1 <= col <= len(self.buttons) else None
        self._show_current()

    def _show_current(self, *_):
        """Scroll the current frame's button into view (again when the strip's width changed:
        its buttons widen as frames run, after this snapshot's scroll)."""
        if self._current is not None and self._current <= len(self.buttons):
            self.scroll.ensureWidgetVisible(self.buttons[self._current - 1])

    def _rebuild(self, tokens):
        """Show ``tokens``, reusing the buttons already made (new ones only when T grows).

        Same length as before (a new batch while training): ``update_snapshot`` writes the
        buttons' texts; the strip's layout is left alone (taking its stretch out and putting
        it back relaid out every button, five times a second while training)."""
        same_length = self._tokens is not None and len(tokens) == len(self._tokens)
        self._tokens = tokens
        if same_length:
            return
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
        self.buttons = self._pool[: len(tokens)]
        self.row.addStretch(1)
