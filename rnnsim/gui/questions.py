"""Asking the trained network a question from the Sequence panel, and the Undo that brings a
trained network back after a custom task replaced it.

    from rnnsim.gui.questions import install_questions
    window.questions = install_questions(window)      # once, after the worker exists

Adds the action ``actionUndoTask`` (Ctrl+Z) to the window.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence


class QuestionLink(QObject):
    """Queued commands from the window to the worker: ask, apply undoably, undo."""

    ask = Signal(str)
    apply_undoable = Signal(object)
    undo_task = Signal()

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        q, worker, panel = Qt.ConnectionType.QueuedConnection, window.worker, window.sequence_panel
        self.ask.connect(worker.ask, q)
        self.apply_undoable.connect(worker.apply_undoable, q)
        self.undo_task.connect(worker.undo_task, q)
        worker.undo_task_available.connect(self._on_undo_available, q)
        panel.ask.connect(self._on_ask)
        panel.undo_task.connect(self._on_undo)
        self.action = QAction("Undo: bring the trained network back", window)
        self.action.setObjectName("actionUndoTask")
        self.action.setShortcut(QKeySequence("Ctrl+Z"))
        self.action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.action.setToolTip(
            "Bring back the task and the trained network that a custom task replaced  [Ctrl+Z]"
        )
        self.action.setEnabled(False)
        self.action.triggered.connect(self._on_undo)
        window.addAction(self.action)

    def _on_ask(self, text):
        self.window._stop_running()
        self.ask.emit(text)

    def _on_undo(self):
        if self.action.isEnabled():
            self.window._stop_running()
            self.undo_task.emit()

    def _on_undo_available(self, available):
        self.action.setEnabled(bool(available))
        self.window.sequence_panel.set_undo_available(available)

    def make_custom_task(self, experiment):
        """Switch to ``experiment`` (a custom task) remembering the network for Undo."""
        self.window._stop_running()
        self.apply_undoable.emit(experiment)


def install_questions(window) -> QuestionLink:
    """Wire the Sequence panel's questions and Undo to ``window``'s worker."""
    return QuestionLink(window)
