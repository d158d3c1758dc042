"""File ▸ Export animation…: the choices, then the recording with progress and Cancel.

The recording never touches the window: the worker saves the window's state into a temporary
``run.npz`` (or a fresh run takes the window's experiment), and a child process,
``rnnsim animate``, trains (for a fresh run), draws the frames with its own canvas and plots and
writes the file. No frame is drawn and no update is trained in the window's process; the
window reads the child's progress lines and stays usable while it records.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
import tempfile

from PySide6.QtCore import (
    Q_ARG,
    QMetaObject,
    QObject,
    QProcess,
    QProcessEnvironment,
    Qt,
    QTimer,
    Signal,
)
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
    QWidget,
)

import rnnsim
from rnnsim.gui.animation.options import FORMATS, AnimationOptions, format_of
from rnnsim.gui.projector import DEFAULT_ZOOM
from rnnsim.sim import atomic
from rnnsim.sim.recording import PARTS
from rnnsim.usage import EXIT_DIVERGED, EXIT_OK

SOURCES = ("The window's network, as it is now", "A fresh run from the seed, trained first")
CONTENT_LABELS = {
    "canvas": "The network canvas",
    "canvas+plots": "The canvas with the activations and gradient-flow plots",
}
VIEW_LABELS = {"both": "Folded + unfolded", "unfolded": "Unfolded", "folded": "Folded"}
GRAD_LABELS = {"E": "E = Σ E_t", "E_T": "E_T (last frame)"}
PART_LABELS = {
    "forward": "forward pass",
    "backward": "backward sweep (BPTT)",
    "update": "weight update",
}
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
        self.source_box.currentIndexChanged.connect(lambda i: self.train_n.setEnabled(i == 1))
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
        view_actions = getattr(window, "view_actions", None)  # View ▸ Projector mode
        self.projector_zoom = float(getattr(view_actions, "zoom", DEFAULT_ZOOM))
        self.projector = QCheckBox(f"Projector-mode fonts ({self.projector_zoom:g}×)")
        self.projector.setObjectName("animationProjector")
        projector_on = getattr(view_actions, "projector", None)
        self.projector.setChecked(projector_on is not None and projector_on.isChecked())
        self.projector.setToolTip(
            f"Text, lines, colour bars, plots and the network {self.projector_zoom:g} times "
            "larger, as View ▸ Projector mode draws the window (its zoom: View ▸ Projector "
            "zoom), legible from the back of a lecture hall. As there, the unfolded network "
            "then follows the current step and is cut where it does not fit. The window "
            "itself is not changed."
        )
        form.addRow("", self.projector)
        self.file = QLineEdit(path or os.path.join(os.path.expanduser("~"), "rnnsim.gif"))
        self.file.setObjectName("animationFile")
        self.file.setToolTip(
            "The extension picks the format: "
            + ", ".join(f"{ext} {what}" for ext, what in FORMATS.items())
            + ". MP4 needs the extra "
            "rnnsim[video]; PNG and SVG write numbered frames (name_0001.png, …)."
        )
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
            fps=self.fps.value(),
            hold_first=self.hold_first.value(),
            hold_last=self.hold_last.value(),
            width=self.width_box.value(),
            height=self.height_box.value(),
            projector=self.projector_zoom if self.projector.isChecked() else 1.0,
        )

    def path(self) -> str:
        """The output file."""
        return self.file.text().strip()

    def source(self) -> str:
        """ "window" or "fresh"."""
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
    """One recording started from the window: ``rnnsim animate`` in a child process, with a
    progress dialog and Cancel.

    The window's state goes into a temporary ``run.npz`` (saved by the worker in its own
    thread; a fresh run passes the window's experiment and ``--train N`` instead), then
    ``sys.executable -m rnnsim animate --experiment FILE <options> --progress lines --out
    PATH`` records it. Its ``train D/N`` and ``frame D/N`` lines on stderr move the progress
    dialog; Cancel terminates it (killed after ``GRACE_MS``) and removes its partial output.
    ``done(paths)`` when it ends (``[]`` when cancelled or failed; the window's status bar
    says which).
    """

    done = Signal(list)
    progressed = Signal(str, int, int)  # "train" or "frame", done, total (as the child says)
    GRACE_MS = 2000  # after terminate(), the child has this long to clean up before kill()
    PROGRESS = re.compile(r"^(train|frame) (\d+)/(\d+)\b")

    def __init__(self, window, options, path, source="window", train=0):
        super().__init__(window)
        self.setObjectName("animationExport")  # MainWindow.shutdown stops it
        self.window, self.options, self.path = window, options, os.path.abspath(path)
        self.source, self.train_n = source, int(train)
        self.process = None
        self.cancelled = False
        self._ended = False
        self._folder = None
        self._stderr = b""
        self._stdout = b""
        self._last_line = ""
        self._before = {}
        self._kill_timer = QTimer(self)
        self._kill_timer.setObjectName("animationKillTimer")
        self._kill_timer.setSingleShot(True)
        self._kill_timer.timeout.connect(self._kill)
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
        """Save the window's state (or its experiment, for a fresh run) and start the
        recording process."""
        self.progress.show()
        try:
            self._folder = tempfile.TemporaryDirectory(prefix="rnnsim-animation-")
            if self.source == "window":
                start = ["--experiment", self._window_state()]
            else:
                experiment = os.path.join(self._folder.name, "experiment.json")
                atomic.write_text(experiment, self.window.experiment.to_json())
                start = ["--experiment", experiment, "--train", str(self.train_n)]
        except (OSError, ValueError) as exc:
            self._fail(str(exc))
            return
        self._before = _outputs(self.path)
        self.process = QProcess(self)
        self.process.setObjectName("animationProcess")
        self.process.setProgram(sys.executable)
        self.process.setArguments(
            [
                "-m",
                "rnnsim",
                "animate",
                *start,
                *command_options(self.options),
                "--progress",
                "lines",
                "--out",
                self.path,
            ]
        )
        env = QProcessEnvironment.systemEnvironment()
        env.insert("QT_QPA_PLATFORM", "offscreen")
        package_root = os.path.dirname(os.path.dirname(os.path.abspath(rnnsim.__file__)))
        paths = [package_root, env.value("PYTHONPATH")]
        env.insert("PYTHONPATH", os.pathsep.join(p for p in paths if p))
        self.process.setProcessEnvironment(env)
        self.process.readyReadStandardError.connect(self._read_stderr)
        self.process.readyReadStandardOutput.connect(self._read_stdout)
        self.process.finished.connect(self._on_finished)
        self.process.errorOccurred.connect(self._on_error)
        if self.source == "window":
            self.progress.setLabelText("Starting the recording…")
        else:
            self.progress.setLabelText(f"Training {self.train_n} updates first…")
        self.process.start()

    def arguments(self) -> list[str]:
        """The child's command line after the interpreter (for tests and the curious)."""
        return [] if self.process is None else list(self.process.arguments())

    def _window_state(self):
        """The window's simulation saved by its worker into a temporary file (the worker's
        own thread does it between two commands); the path."""
        worker = self.window.worker
        if worker.state == "training":
            raise ValueError(
                "the window is training: wait for it (or stop it), or record a fresh run"
            )
        path = os.path.join(self._folder.name, "run.npz")
        QMetaObject.invokeMethod(
            worker, "save", Qt.ConnectionType.BlockingQueuedConnection, Q_ARG(str, path)
        )
        if not os.path.exists(path):
            raise OSError("the window's state could not be saved for the recording")
        QTimer.singleShot(
            0,
            self,
            lambda: (
                self._ended or self.window.show_notice(f"Recording the animation into {self.path}…")
            ),
        )  # after the worker's "Saved …"
        return path

    # ----------------------------------------------------------------- running
    @property
    def running(self) -> bool:
        """True while the recording process runs."""
        return self.process is not None and self.process.state() != QProcess.ProcessState.NotRunning

    def _read_stderr(self):
        self._stderr += bytes(self.process.readAllStandardError())
        *lines, self._stderr = self._stderr.split(b"\n")
        for raw in lines:
            line = raw.decode("utf-8", "replace").strip()
            match = self.PROGRESS.match(line)
            if match is None:
                if line:
                    self._last_line = line
                continue
            kind, done, total = match.group(1), int(match.group(2)), int(match.group(3))
            if self.progress is None or self.cancelled:
                continue
            self.progress.setMaximum(max(total, 1))
            self.progress.setValue(done)
            if kind == "train":
                self.progress.setLabelText(f"Training {total} updates first…")
            else:
                self.progress.setLabelText(
                    f"Recording {total} frames into {os.path.basename(self.path)}…"
                )
            self.progressed.emit(kind, done, total)

    def _read_stdout(self):
        self._stdout += bytes(self.process.readAllStandardOutput())

    def _on_error(self, error):
        if error == QProcess.ProcessError.FailedToStart:
            self._fail(
                f"could not start {sys.executable} -m rnnsim animate ({self.process.errorString()})"
            )

    def _on_finished(self, code, status):
        self._kill_timer.stop()
        self._read_stderr()
        self._read_stdout()
        if self._stderr.strip():  # a last line without its newline
            self._last_line = self._stderr.decode("utf-8", "replace").strip()
        if self.cancelled:
            self._remove_partial()
            self._end([], "Export animation cancelled: nothing was written.")
            return
        if status != QProcess.ExitStatus.NormalExit or code not in (EXIT_OK, EXIT_DIVERGED):
            self._remove_partial()
            self._fail(_one_line(self._last_line) or f"rnnsim animate stopped (exit {code})")
            return
        try:
            result = json.loads(self._stdout.decode("utf-8").strip().splitlines()[-1])
            paths, frames = list(result["files"]), int(result["frames"])
            diverged = result.get("diverged") if code == EXIT_DIVERGED else None
            note = (
                f"; training diverged at update {int(diverged['update'])} and was rolled "
                f"back to update {int(diverged['rolled_back_to'])}"
                if diverged
                else ""
            )
        except (ValueError, IndexError, KeyError, TypeError):
            self._fail("rnnsim animate did not say what it wrote")
            return
        self._end(paths, f"Recorded {frames} frames into {self.path}{note}")

    # ----------------------------------------------------------------- stopping
    def cancel(self):
        """Stop: the process is terminated (killed after GRACE_MS); nothing is left behind."""
        if self._ended or self.cancelled:
            return
        self.cancelled = True
        if not self.running:
            self._remove_partial()
            self._end([], "Export animation cancelled: nothing was written.")
            return
        if self.progress is not None:
            self.progress.setLabelText("Cancelling the recording…")
        self.process.terminate()
        self._kill_timer.start(self.GRACE_MS)

    def stop(self):
        """Cancel and wait for the process to end (the window is closing)."""
        self.cancel()
        if self.running:
            if not self.process.waitForFinished(self.GRACE_MS):
                self._kill()
                self.process.waitForFinished(self.GRACE_MS)
        self._kill_timer.stop()
        if not self._ended:  # finished() was not delivered (or the process never started)
            self._remove_partial()
            self._end([], "Export animation cancelled: nothing was written.")

    def _kill(self):
        if self.running:
            self.process.kill()

    def _remove_partial(self):
        """Remove what the process wrote and did not finish (its temporary file, numbered
        frames of a sequence, the output), keeping files that were there before as they were."""
        for name, stamp in _outputs(self.path).items():
            if self._before.get(name) != stamp:
                with contextlib.suppress(OSError):
                    os.remove(name)

    def _fail(self, text):
        self._end([], f"Export animation failed: {text}", error=True)

    def _end(self, paths, notice, error=False):
        if self._ended:
            return
        self._ended = True
        self._kill_timer.stop()
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


def command_options(options) -> list[str]:
    """``options`` as ``rnnsim animate`` flags."""
    return [
        "--content",
        options.content,
        "--view",
        options.view,
        "--grad-of",
        options.grad_of,
        "--parts",
        ",".join(options.parts),
        "--fps",
        repr(float(options.fps)),
        "--hold-first",
        repr(float(options.hold_first)),
        "--hold-last",
        repr(float(options.hold_last)),
        "--width",
        str(options.width),
        "--height",
        str(options.height),
        *(["--projector", repr(options.projector)] if options.projector != 1.0 else []),
    ]


def _outputs(path) -> dict[str, int]:
    """Files a recording into ``path`` may write, with their modification times: the file,
    its numbered frames (``name_0001.png``) and atomic temporary files."""
    folder = os.path.dirname(path)
    base = os.path.basename(path)
    stem, ext = os.path.splitext(base)
    frame = re.compile(re.escape(stem) + r"_\d{4,}" + re.escape(ext) + "$")
    temporary = re.compile(re.escape(f".{base}.") + r".*" + re.escape(atomic.TEMP_SUFFIX) + "$")
    frame_temporary = re.compile(
        re.escape(f".{stem}_")
        + r"\d{4,}"
        + re.escape(f"{ext}.")
        + r".*"
        + re.escape(atomic.TEMP_SUFFIX)
        + "$"
    )
    out = {}
    try:
        names = os.listdir(folder)
    except OSError:
        return out
    for name in names:
        if (
            name == base
            or frame.match(name)
            or temporary.match(name)
            or frame_temporary.match(name)
        ):
            with contextlib.suppress(OSError):
                out[os.path.join(folder, name)] = os.stat(os.path.join(folder, name)).st_mtime_ns
    return out


def _one_line(text) -> str:
    return " ".join(str(text).split())[:300]


def export_animation(window, path=""):
    """Ask for the choices, then record with progress; returns the AnimationExport (or None
    when the dialog was cancelled)."""
    dialog = AnimationDialog(window, path)
    try:
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        job = AnimationExport(
            window, dialog.options(), dialog.path(), dialog.source(), dialog.train()
        )
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
    holder = QWidget()
    row = QHBoxLayout(holder)
    row.setContentsMargins(0, 0, 0, 0)
    for widget in widgets:
        row.addWidget(widget)
    return holder
