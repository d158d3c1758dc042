"""File ▸ Export animation…: the choices, then the recording with progress and Cancel.

The recording never touches the window: its simulation is a copy (the worker saves its state
into a temporary file, or a fresh run is trained from the seed in a helper thread), and its
frames are drawn by the recording's own canvas and plots, one frame per turn of the event
loop, so the window stays usable while it records.
"""

from __future__ import annotations

import os
import tempfile
import threading

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressDialog,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
)

from rnnsim.gui.animation.options import FORMATS, AnimationOptions, format_of
from rnnsim.sim.recording import PARTS

SOURCES = ("The window's network, as it is now", "A fresh run from the seed, trained first")
CONTENT_LABELS = {"canvas": "The network canvas",
                  "canvas+plots": "The canvas with the activations and gradient-flow plots"}
VIEW_LABELS = {"both": "Folded + unfolded", "unfolded": "Unfolded", "folded": "Folded"}
GRAD_LABELS = {"E": "E = Σ E_t", "E_T": "E_T (last frame)"}
PART_LABELS = {"forward": "forward pass", "backward": "backward sweep (BPTT)",
               "update": "weight update"}
FILTER = ";;".join([f"{what} (*{ext})" for ext, what in FORMATS.items()])


class AnimationDialog(QDialog):
    """The choices of a recording; ``options()``, ``path()``, ``source()``, ``train()``."""

    def __init__(self, window=None, path=""):
        super().__init__(window)
        self.setWindowTitle("Export animation")
        self.setObjectName("animationDialog")
        form = QFormLayout()
        self.source_box = _combo("animationSource", SOURCES)
        self.train_n = QSpinBox()
        self.train_n.setObjectName("animationTrainN")
        self.train_n.setRange(0, 1_000_000)
        field = getattr(window, "train_n", None)  # the toolbar's N
        self.train_n.setValue(field.value() if field is not None else 200)
        self.train_n.setSuffix(" updates first")
        self.source_box.currentIndexChanged.connect(
            lambda i: self.train_n.setEnabled(i == 1))
        self.train_n.setEnabled(False)
        form.addRow("Record", _row(self.source_box, self.train_n))
        self.content = _combo("animationContent", CONTENT_LABELS.values())
        self.view = _combo("animationView", VIEW_LABELS.values())
        self.grad_of = _combo("animationGradOf", GRAD_LABELS.values())
        canvas = getattr(window, "canvas", None)
        if canvas is not None:  # start from what the window shows
            self.view.setCurrentIndex(canvas.mode.currentIndex())
            self.grad_of.setCurrentIndex(canvas.grad_source.currentIndex())
        form.addRow("Show", self.content)
        form.addRow("View", self.view)
        form.addRow("Gradient of", self.grad_of)
        self.parts = {}
        boxes = []
        for part in PARTS:
            box = QCheckBox(PART_LABELS[part])
            box.setObjectName(f"animationPart_{part}")
            box.setChecked(True)
            self.parts[part] = box
            boxes.append(box)
        form.addRow("Steps", _row(*boxes))
        self.fps = _number("animationFps", 0.2, 60, 4.0, " steps/s")
        self.hold_first = _number("animationHoldFirst", 0, 60, 1.5, " s first")
        self.hold_last = _number("animationHoldLast", 0, 60, 2.5, " s last")
        form.addRow("Timing", _row(self.fps, QLabel("hold"), self.hold_first, self.hold_last))
        self.width_box = QSpinBox()
        self.width_box.setObjectName("animationWidth")
        self.width_box.setRange(320, 1920)
        self.width_box.setSingleStep(2)
        self.width_box.setValue(1280)
        self.width_box.setSuffix(" px wide")
        self.height_box = QSpinBox()
        self.height_box.setObjectName("animationHeight")
        self.height_box.setRange(0, 1440)
        self.height_box.setSingleStep(2)
        self.height_box.setSpecialValueText("9/16 of the width")
        self.height_box.setSuffix(" px high")
        form.addRow("Size", _row(self.width_box, self.height_box))
        self.file = QLineEdit(path or os.path.join(os.path.expanduser("~"), "rnnsim.gif"))
        self.file.setObjectName("animationFile")
        self.file.setToolTip("The extension picks the format: " + ", ".join(
            f"{ext} {what}" for ext, what in FORMATS.items()) + ". MP4 needs the extra "
            "rnnsim[video]; PNG and SVG write numbered frames (name_0001.png, …).")
        choose = QPushButton("Choose…")
        choose.clicked.connect(self._choose)
        form.addRow("File", _row(self.file, choose))
        self.error = QLabel("")
        self.error.setObjectName("animationError")
        self.error.setStyleSheet("color: #b00020;")
        self.error.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.record_button = buttons.addButton("Record", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self._on_accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def options(self) -> AnimationOptions:
        """The chosen options (ValueError names a field that is wrong)."""
        return AnimationOptions(
            content=list(CONTENT_LABELS)[self.content.currentIndex()],
            view=list(VIEW_LABELS)[self.view.currentIndex()],
            grad_of=list(GRAD_LABELS)[self.grad_of.currentIndex()],
            parts=tuple(p for p, box in self.parts.items() if box.isChecked()),
            fps=self.fps.value(), hold_first=self.hold_first.value(),
            hold_last=self.hold_last.value(), width=self.width_box.value(),
            height=self.height_box.value())

    def path(self) -> str:
        """The output file."""
        return self.file.text().strip()

    def source(self) -> str:
        """"window" or "fresh"."""
        return ("window", "fresh")[self.source_box.currentIndex()]

    def train(self) -> int:
        """Updates to train first (a fresh run only)."""
        return self.train_n.value() if self.source() == "fresh" else 0

    def _choose(self):
        path, _ = QFileDialog.getSaveFileName(self, "Record into", self.path(), FILTER)
        if path:
            self.file.setText(path)

    def _on_accept(self):
        try:
            self.options()
            format_of(self.path())
        except ValueError as exc:
            self.error.setText(str(exc))
            return
        self.accept()


class AnimationExport(QObject):
    """One recording started from the window, with a progress dialog and Cancel.

    ``done(paths)`` when it ends (``[]`` when cancelled or failed; the window's status bar
    says which).
    """

    done = Signal(list)
    TRAIN_POLL_MS = 50

    def __init__(self, window, options, path, source="window", train=0):
        super().__init__(window)
        self.window, self.options, self.path = window, options, path
        self.source, self.train_n = source, int(train)
        self.recording = None
        self._ended = False
        self._folder = None
        self._sim = None
        self._thread = None
        self._stop = threading.Event()
        self._trained = [0]
        self._error = None
        self._timer = QTimer(self)
        self._timer.setObjectName("animationTimer")
        self._timer.timeout.connect(self._tick)
        self.progress = QProgressDialog("Preparing the recording…", "Cancel", 0, 100, window)
        self.progress.setObjectName("animationProgress")
        self.progress.setWindowTitle("Export animation")
        self.progress.setWindowModality(Qt.WindowModality.NonModal)
        self.progress.setMinimumDuration(0)
        self.progress.setAutoClose(False)
        self.progress.setAutoReset(False)
        self.progress.canceled.connect(self.cancel)

    # ----------------------------------------------------------------- starting
    def start(self):
        """Copy the window's state (or start a fresh run) and begin."""
        from rnnsim.sim import Simulation
        from rnnsim.sim.recording import simulation_for_recording

        self.progress.show()
        try:
            if self.source == "window":
                self._sim = simulation_for_recording(state=self._window_state())
                self._begin_recording()
                return
            self._sim = Simulation(self.window.experiment)
        except (OSError, ValueError) as exc:
            self._fail(str(exc))
            return
        self.progress.setLabelText(f"Training {self.train_n} updates first…")
        self.progress.setMaximum(max(self.train_n, 1))
        self._thread = threading.Thread(target=self._train, name="rnnsim-animation-train",
                                        daemon=True)
        self._thread.start()
        self._timer.start(self.TRAIN_POLL_MS)

    def _window_state(self):
        """The window's simulation saved by its worker into a temporary file (the worker's
        own thread does it between two commands); the path."""
        from PySide6.QtCore import Q_ARG, QMetaObject

        worker = self.window.worker
        if worker.state == "training":
            raise ValueError("the window is training: wait for it (or stop it), or record a "
                             "fresh run")
        self._folder = tempfile.TemporaryDirectory(prefix="rnnsim-animation-")
        path = os.path.join(self._folder.name, "window.npz")
        QMetaObject.invokeMethod(worker, "save", Qt.ConnectionType.BlockingQueuedConnection,
                                 Q_ARG(str, path))
        if not os.path.exists(path):
            raise OSError("the window's state could not be saved for the recording")
        QTimer.singleShot(0, self, lambda: self.window.show_notice(
            f"Recording the animation into {self.path}…"))  # after the worker's "Saved …"
        return path

    def _train(self):
        try:
            self._sim.train(self.train_n, callback=lambda p: self._trained.__setitem__(0, p.done),
                            should_stop=self._stop.is_set)
        except Exception as exc:  # reported in the GUI thread
            self._error = exc

    # ----------------------------------------------------------------- running
    def _tick(self):
        if self._thread is not None:
            if self._thread.is_alive():
                self.progress.setValue(self._trained[0])
                return
            self._thread.join()
            self._thread = None
            if self._error is not None:
                self._fail(str(self._error))
                return
            from rnnsim.sim.recording import rewind

            rewind(self._sim)
            self._begin_recording()
            return
        try:
            more = self.recording.advance()
        except (OSError, ValueError) as exc:
            self._fail(f"the recording failed: {exc}")
            return
        self.progress.setValue(self.recording.done)
        if not more:
            self._end(self.recording.written, f"Recorded {self.recording.done} frames into "
                      f"{self.path}")

    def _begin_recording(self):
        from rnnsim.gui.animation.encoders import MissingExtra
        from rnnsim.gui.animation.recorder import Recording

        try:
            self.recording = Recording(self._sim, self.options, self.path)
        except (MissingExtra, OSError, ValueError) as exc:
            self._fail(str(exc))
            return
        self.progress.setLabelText(f"Recording {self.recording.total} frames into "
                                   f"{os.path.basename(self.path)}…")
        self.progress.setMaximum(self.recording.total)
        self.progress.setValue(0)
        self._timer.start(0)

    def cancel(self):
        """Stop: nothing is left behind."""
        if self._thread is not None:
            self._stop.set()
            self._thread.join()
            self._thread = None
        if self.recording is not None and not self.recording.finished:
            self.recording.cancel()
        self._end([], "Export animation cancelled: nothing was written.")

    def _fail(self, text):
        if self.recording is not None and not self.recording.finished:
            self.recording.cancel()
        self._end([], f"Export animation failed: {text}", error=True)

    def _end(self, paths, notice, error=False):
        if self._ended:
            return
        self._ended = True
        self._timer.stop()
        if self.progress is not None:
            self.progress.canceled.disconnect(self.cancel)
            self.progress.close()
            self.progress.deleteLater()
            self.progress = None
        if self._folder is not None:
            self._folder.cleanup()
            self._folder = None
        self.window.show_notice(notice, error=error)
        self.done.emit(list(paths))


def export_animation(window, path=""):
    """Ask for the choices, then record with progress; returns the AnimationExport (or None
    when the dialog was cancelled)."""
    dialog = AnimationDialog(window, path)
    try:
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        job = AnimationExport(window, dialog.options(), dialog.path(), dialog.source(),
                              dialog.train())
    finally:
        dialog.deleteLater()
    window.animation_export = job  # keeps it alive until the next one
    job.start()
    return job


def _combo(name, labels):
    box = QComboBox()
    box.setObjectName(name)
    box.addItems(list(labels))
    return box


def _number(name, low, high, value, suffix):
    box = QDoubleSpinBox()
    box.setObjectName(name)
    box.setRange(low, high)
    box.setDecimals(1)
    box.setValue(value)
    box.setSuffix(suffix)
    return box


def _row(*widgets):
    from PySide6.QtWidgets import QWidget

    holder = QWidget()
    row = QHBoxLayout(holder)
    row.setContentsMargins(0, 0, 0, 0)
    for widget in widgets:
        row.addWidget(widget)
    return holder
