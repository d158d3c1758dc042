"""SweepView: choose up to three knobs, their values and a number of seeds, run the grid,
watch the heatmap fill.

The runs train on a backend (``rnnsim.sim.sweep.SweepRun``): worker processes on this machine,
or a Dask cluster (an embedded one, or the scheduler address typed in the dialog, remembered
in QSettings). The backend starts in a plain thread (a Dask cluster takes seconds) and a timer
on the GUI thread collects the results. Cancel, or closing the window, cancels what is left
and ends the workers; finished cells stay drawn.
"""

from __future__ import annotations

import importlib.util

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
from rnnsim.gui.settings import open_settings
from rnnsim.gui.sweep_heatmap import SweepHeatmap
from rnnsim.sim.sweep import MAX_CELLS, SweepRun, SweepSpec
from rnnsim.sim.sweep_backends import DASK_EXTRA
from rnnsim.sim.sweep_grid import value_label
from rnnsim.sim.sweep_metrics import get_metric

FIELDS = (
    "cell",
    "activation",
    "n_hidden",
    "init",
    "ws_scale",
    "optimizer",
    "lr",
    "clip_norm",
    "clip_value",
    "bptt_steps",
    "update_every",
    "batch_size",
    "seed",
)
NO_Y = "(none)"
POLL_MS = 100
BACKENDS = (("processes", "Worker processes (this machine)"), ("dask", "Dask cluster"))


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

    def __init__(
        self, experiment, plan=None, workers: int = 2, parent=None, claim: str = "", settings=None
    ):
        super().__init__(parent)
        self.settings = settings if settings is not None else open_settings()
        self.threshold = None
        self.sweep_metric = None  # a sweep_metrics name (a preset's claim); None: the task's
        # (not ``self.metric``: that is QPaintDevice.metric, which Qt calls)
        self.claims: tuple = ()
        self.setObjectName("sweepView")
        self.setWindowTitle(f"Sweep: {experiment.title}")
        self.experiment = experiment
        self.run = None
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self._on_poll)
        layout = QVBoxLayout(self)
        self.header = QLabel(
            f"<b>{experiment.title}</b> — every cell trains this experiment "
            "with the values of its column, row and panel, once per seed, then "
            "scores it on a fresh "
            "batch." + (f" {claim}" if claim else "")
        )
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

    def _remembered(self, key: str, default: str) -> str:
        value = self.settings.value(f"sweep/{key}", default)
        return str(value) if value is not None else default

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
        self.x_field, self.y_field, self.z_field = (
            self._field_box(f"sweep{a}", a != "X") for a in "XYZ"
        )
        self.x_values, self.y_values, self.z_values = QLineEdit(), QLineEdit(), QLineEdit()
        for axis, edit in zip("XYZ", (self.x_values, self.y_values, self.z_values), strict=True):
            edit.setObjectName(f"sweep{axis}Values")
            edit.setPlaceholderText("values separated by commas, e.g. 2, 10, 30 or none")
        self.updates = _spin("sweepUpdates", 1, 1_000_000, 200)
        self.seeds = _spin("sweepSeeds", 1, 1000, 1)
        self.seeds.setToolTip(
            "Runs per cell (seeds seed, seed+1, ...): each cell shows their "
            "mean, ± their spread, and is outlined when they disagree"
        )
        self.workers = _spin("sweepWorkers", 1, 64, workers)
        self.backend = QComboBox()
        self.backend.setObjectName("sweepBackend")
        for name, label in BACKENDS:
            self.backend.addItem(label, name)
        self.scheduler = QLineEdit(self._remembered("scheduler", ""))
        self.scheduler.setObjectName("sweepScheduler")
        self.scheduler.setPlaceholderText(
            "tcp://HOST:PORT of a Dask scheduler; empty: a local cluster of the worker processes"
        )
        self.backend.currentIndexChanged.connect(self._on_backend)
        remembered = self.backend.findData(self._remembered("backend", "processes"))
        self.backend.setCurrentIndex(max(0, remembered))
        self._on_backend()
        rows = (
            ("Columns (x):", self.x_field, self.x_values),
            ("Rows (y):", self.y_field, self.y_values),
            ("Panels (z):", self.z_field, self.z_values),
        )
        for r, (text, box, edit) in enumerate(rows):
            grid.addWidget(QLabel(text), r, 0)
            grid.addWidget(box, r, 1)
            grid.addWidget(edit, r, 2)
        grid.setColumnStretch(2, 1)
        line = QHBoxLayout()
        for w in (
            QLabel("Updates per run:"),
            self.updates,
            QLabel("Seeds:"),
            self.seeds,
            QLabel("Workers:"),
            self.workers,
        ):
            line.addWidget(w)
        self.measures = QLabel("")
        self.measures.setObjectName("sweepMeasures")
        line.addWidget(self.measures)
        self._show_measure()
        line.addStretch(1)
        grid.addLayout(line, 3, 0, 1, 3)
        where = QHBoxLayout()
        for w in (QLabel("Run on:"), self.backend):
            where.addWidget(w)
        where.addWidget(self.scheduler, 1)
        grid.addLayout(where, 4, 0, 1, 3)
        return grid

    def _on_backend(self, *_):
        running = self.run is not None and self._timer.isActive()
        self.scheduler.setEnabled(self.backend.currentData() == "dask" and not running)

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
        """Fill the form from a ``SweepPlan`` (its claim's threshold judges the seeds)."""
        self.threshold = getattr(plan, "threshold", None)
        self.sweep_metric = getattr(plan, "metric", None)
        self.claims = tuple(getattr(plan, "claims", ()))
        self._show_measure()
        self.x_field.setCurrentText(plan.x)
        self.x_values.setText(", ".join(value_label(v) for v in plan.x_values))
        self.y_field.setCurrentText(plan.y or NO_Y)
        self.y_values.setText(", ".join(value_label(v) for v in plan.y_values))
        self.updates.setValue(plan.updates)

    def _show_measure(self) -> None:
        """Say what each run measures (the metric of a preset's claim, or the task's)."""
        if self.sweep_metric is None:
            name = self.experiment.make_task().primary_metric
            self.measures.setText(f"Measures: {name}")
        else:
            self.measures.setText(f"Measures: {get_metric(self.sweep_metric).label}")
        self.measures.setToolTip(
            "What each run is scored by; a preset's sweep measures its claim "
            "(the task's metric is kept beside it in grid.csv)"
        )

    # ----------------------------------------------------------------- running
    def spec(self) -> SweepSpec:
        """The SweepSpec the form describes (ValueError naming what is wrong)."""
        y, z = (
            None if box.currentText().strip() in ("", NO_Y) else box.currentText().strip()
            for box in (self.y_field, self.z_field)
        )
        return SweepSpec(
            self.experiment,
            self.x_field.currentText().strip(),
            split_values(self.x_values.text()),
            y,
            split_values(self.y_values.text()) if y else (),
            updates=self.updates.value(),
            z=z,
            z_values=split_values(self.z_values.text()) if z else (),
            seeds=self.seeds.value(),
            threshold=self.threshold,
            max_cells=MAX_CELLS,
            metric=self.sweep_metric,
            claims=self._claims_for([n for n in (self.x_field.currentText().strip(), y, z) if n]),
        )

    def _claims_for(self, fields) -> tuple:
        """The plan's per-cell claims whose fields are all swept (edited axes drop the rest)."""
        return tuple(c for c in self.claims if set(c.get("where", {})) <= set(fields))

    def _on_run(self):
        try:
            spec = self.spec()
        except ValueError as exc:
            self._error(str(exc))
            return
        backend = self.backend.currentData()
        scheduler = self.scheduler.text().strip() or None if backend == "dask" else None
        if backend == "dask":
            if importlib.util.find_spec("distributed") is None:
                self._error(f"Dask is not installed: pip install '{DASK_EXTRA}'")
                return
        self.settings.setValue("sweep/backend", backend)
        if backend == "dask":
            self.settings.setValue("sweep/scheduler", scheduler or "")
        self.run = SweepRun(
            spec, workers=self.workers.value(), backend=backend, scheduler=scheduler
        )
        self.run.start(background=True)
        self.progress.setRange(0, self.run.result.total)
        self.progress.setValue(0)
        self.heatmap.show_result(self.run.result)
        self.status.setText(f"starting {self.backend.currentText().lower()}…")
        self._set_running(True)
        self._timer.start()

    def _error(self, text: str) -> None:
        self.status.setText(f"<span style='color:#B00020'>{text}</span>")

    def _on_poll(self):
        run = self.run
        if run is None:
            return
        if run.error:
            self._timer.stop()
            run.cancel()
            self._set_running(False)
            self._error(f"could not start: {run.error}")
            return
        if run.backend is not None and self.status.text().startswith("starting"):
            self.status.setText(f"running {run.result.total} runs on {run.backend.describe()}")
        if run.poll(on_retry=self._on_retry):
            self.heatmap.show_result(run.result)
            self.progress.setValue(run.result.completed)
        if run.done:
            self._timer.stop()
            self._set_running(False)
            failed = int(run.result.counts("failed").sum())
            seconds = number(run.result.seconds, 3)
            self.status.setText(
                f"done: {run.result.total} runs in {seconds} s"
                + (f"; {failed} failed" if failed else "")
            )
            self.finished.emit(run.result)

    def _on_retry(self, key, reason: str) -> None:
        self.status.setText(f"a worker died; running cell {key[:3]} seed {key[3]} again ({reason})")

    def cancel(self) -> None:
        """Stop the sweep: cancel the runs left and end the workers (finished cells stay)."""
        self._timer.stop()
        if self.run is not None and not self.run.done and not self.run.cancelled:
            self.run.cancel()
            self.heatmap.show_result(self.run.result)
            self.status.setText(
                f"cancelled after {self.run.result.completed} of {self.run.result.total} runs"
            )
            self._set_running(False)
            self.cancelled.emit()

    def _set_running(self, running: bool):
        self.run_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        for w in (
            self.x_field,
            self.y_field,
            self.z_field,
            self.x_values,
            self.y_values,
            self.z_values,
            self.updates,
            self.seeds,
            self.workers,
            self.backend,
        ):
            w.setEnabled(not running)
        self.scheduler.setEnabled(not running and self.backend.currentData() == "dask")

    def closeEvent(self, event):
        self.cancel()
        super().closeEvent(event)


def _spin(name: str, low: int, high: int, value: int) -> QSpinBox:
    box = QSpinBox()
    box.setObjectName(name)
    box.setRange(low, high)
    box.setValue(value)
    return box
