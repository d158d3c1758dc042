"""SweepView: choose one or two knobs and their values, run the grid, watch the heatmap fill.

The cells train in worker processes (``rnnsim.sim.sweep.SweepRun``); a timer on the GUI thread
collects their results. Cancel, or closing the window, terminates the worker processes.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from rnnsim.gui.number_format import number
from rnnsim.gui.sweep_heatmap import SweepHeatmap
from rnnsim.sim.sweep import SweepRun, SweepSpec
from rnnsim.sim.sweep_grid import value_label

FIELDS = ("cell", "activation", "n_hidden", "init", "ws_scale", "optimizer", "lr", "clip_norm",
          "clip_value", "bptt_steps", "update_every", "batch_size", "seed")
NO_Y = "(none)"
POLL_MS = 100


def split_values(text: str) -> list[str]:
    """``"2, 10,30"`` → ``["2", "10", "30"]`` (empty items dropped)."""
    return [v.strip() for v in text.split(",") if v.strip()]


class SweepView(QWidget):
    """A sweep window over ``experiment``.

    Parameters
    ----------
    experiment : Experiment
        Every cell starts from it.
    plan : rnnsim.sim.presets.SweepPlan or None
        Fills in the knobs, values and updates (a preset's suggested sweep).
    workers : int
        The initial number of worker processes.
    claim : str
        What to look for (a preset's claim), shown in the header.
    """

    finished = Signal(object)  # the SweepResult, when every cell is done
    cancelled = Signal()

    def __init__(self, experiment, plan=None, workers: int = 2, parent=None, claim: str = ""):
        super().__init__(parent)
        self.setObjectName("sweepView")
        self.setWindowTitle(f"Sweep: {experiment.title}")
        self.experiment = experiment
        self.run = None
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self._on_poll)
        layout = QVBoxLayout(self)
        self.header = QLabel(f"<b>{experiment.title}</b> — every cell trains this experiment "
                             "with the values of its column and row, then scores it on a fresh "
                             "batch." + (f" {claim}" if claim else ""))
        self.header.setWordWrap(True)
        layout.addWidget(self.header)
        layout.addLayout(self._form(workers))
        layout.addLayout(self._buttons())
        self.heatmap = SweepHeatmap()
        layout.addWidget(self.heatmap, 1)
        if plan is not None:
            self.set_plan(plan)

    @classmethod
    def from_preset(cls, preset, workers: int = 2, parent=None) -> SweepView:
        return cls(preset.experiment, preset.sweep, workers, parent, preset.claim)

    # ----------------------------------------------------------------- building
    def _field_box(self, name: str, with_none: bool) -> QComboBox:
        box = QComboBox()
        box.setObjectName(name)
        box.setEditable(True)
        knobs = [f"task.{k}" for k in self.experiment.knobs]
        box.addItems(([NO_Y] if with_none else []) + knobs + list(FIELDS))
        box.setToolTip("An experiment field or a task knob (task.<knob>)")
        return box

    def _form(self, workers: int) -> QGridLayout:
        grid = QGridLayout()
        self.x_field, self.y_field = self._field_box("sweepX", False), self._field_box(
            "sweepY", True)
        self.x_values, self.y_values = QLineEdit(), QLineEdit()
        self.x_values.setObjectName("sweepXValues")
        self.y_values.setObjectName("sweepYValues")
        for edit in (self.x_values, self.y_values):
            edit.setPlaceholderText("values separated by commas, e.g. 2, 10, 30 or none")
        self.updates = QSpinBox()
        self.updates.setObjectName("sweepUpdates")
        self.updates.setRange(1, 1_000_000)
        self.updates.setValue(200)
        self.workers = QSpinBox()
        self.workers.setObjectName("sweepWorkers")
        self.workers.setRange(1, 64)
        self.workers.setValue(workers)
        rows = (("Columns (x):", self.x_field, self.x_values),
                ("Rows (y):", self.y_field, self.y_values))
        for r, (text, box, edit) in enumerate(rows):
            grid.addWidget(QLabel(text), r, 0)
            grid.addWidget(box, r, 1)
            grid.addWidget(edit, r, 2)
        grid.setColumnStretch(2, 1)
        line = QHBoxLayout()
        for w in (QLabel("Updates per cell:"), self.updates, QLabel("Worker processes:"),
                  self.workers):
            line.addWidget(w)
        line.addStretch(1)
        grid.addLayout(line, 2, 0, 1, 3)
        return grid

    def _buttons(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.run_button = QPushButton("Run sweep")
        self.run_button.setObjectName("sweepRun")
        self.run_button.clicked.connect(self._on_run)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("sweepCancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.progress = QProgressBar()
        self.progress.setObjectName("sweepProgress")
        self.status = QLabel("")
        self.status.setWordWrap(True)
        for w in (self.run_button, self.cancel_button, self.progress):
            row.addWidget(w)
        row.addWidget(self.status, 1)
        return row

    def set_plan(self, plan) -> None:
        """Fill the form from a ``SweepPlan``."""
        self.x_field.setCurrentText(plan.x)
        self.x_values.setText(", ".join(value_label(v) for v in plan.x_values))
        self.y_field.setCurrentText(plan.y or NO_Y)
        self.y_values.setText(", ".join(value_label(v) for v in plan.y_values))
        self.updates.setValue(plan.updates)

    # ----------------------------------------------------------------- running
    def spec(self) -> SweepSpec:
        """The SweepSpec the form describes (ValueError naming what is wrong)."""
        y = self.y_field.currentText().strip()
        y = None if y in ("", NO_Y) else y
        return SweepSpec(self.experiment, self.x_field.currentText().strip(),
                         split_values(self.x_values.text()), y,
                         split_values(self.y_values.text()) if y else (),
                         updates=self.updates.value())

    def _on_run(self):
        try:
            spec = self.spec()
        except ValueError as exc:
            self.status.setText(f"<span style='color:#B00020'>{exc}</span>")
            return
        self.run = SweepRun(spec, workers=self.workers.value())
        self.run.start()
        self.progress.setRange(0, self.run.result.total)
        self.progress.setValue(0)
        self.heatmap.show_result(self.run.result)
        self.status.setText(f"running {self.run.result.total} cells on {self.run.workers} "
                            "worker processes")
        self._set_running(True)
        self._timer.start()

    def _on_poll(self):
        run = self.run
        if run is None:
            return
        if run.poll():
            self.heatmap.show_result(run.result)
            self.progress.setValue(run.result.completed)
        if run.done:
            self._timer.stop()
            self._set_running(False)
            seconds = number(run.result.seconds, 3)
            self.status.setText(f"done: {run.result.total} cells in {seconds} s")
            self.finished.emit(run.result)

    def cancel(self) -> None:
        """Stop the sweep: terminate the worker processes (finished cells stay drawn)."""
        self._timer.stop()
        if self.run is not None and not self.run.done and not self.run.cancelled:
            self.run.cancel()
            self.status.setText(f"cancelled after {self.run.result.completed} of "
                                f"{self.run.result.total} cells")
            self._set_running(False)
            self.cancelled.emit()

    def _set_running(self, running: bool):
        self.run_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        for w in (self.x_field, self.y_field, self.x_values, self.y_values, self.updates,
                  self.workers):
            w.setEnabled(not running)

    def closeEvent(self, event):
        self.cancel()
        super().closeEvent(event)
