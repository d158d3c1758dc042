"""CompareView: experiments side by side on the same sequences (the view of ``Comparison``).

The loss curves of every experiment are overlaid in one plot and their vanishing-gradient
curves ‖∂E_T/∂s_k‖ in another, each with a legend; below, one network canvas per experiment.
Training runs in a worker thread (``compare_worker.CompareWorker``, the pattern of the
simulation's worker): the window sends Train, Stop and Step as queued commands and draws the
frames the worker publishes, so it stays responsive however long the training takes.
"""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from rnnsim.gui.canvas import NetworkCanvas
from rnnsim.gui.compare_worker import CompareFrame, CompareWorker, full_frame
from rnnsim.gui.number_format import number
from rnnsim.gui.plots.common import (
    FOREGROUND,
    curve,
    integer_axis,
    pen,
    positive,
    style_plot,
)
from rnnsim.gui.worker import WorkerThread
from rnnsim.sim.compare import Comparison

FLOW_BATCH = 64  # sequences in the shared batch of the gradient-flow curves


class CompareView(QWidget):
    """A window comparing the experiments of ``comparison``.

    Parameters
    ----------
    comparison : Comparison
    title, claim : str
        Shown above the plots (a preset's title and claim).
    batches : int
        The initial value of the "batches" box (gradients per experiment to train).
    """

    trained = Signal(int)  # batches trained when a Train run ends (finished or stopped)
    cmd_train = Signal(int)  # to the worker, queued
    cmd_stop = Signal()
    cmd_step = Signal()

    def __init__(
        self,
        comparison: Comparison,
        title: str = "Compare",
        claim: str = "",
        batches: int = 200,
        parent=None,
    ):
        super().__init__(parent)
        self.setObjectName("compareView")
        self.setWindowTitle(f"Compare: {title}")
        self.comparison = comparison  # owned by the worker's thread once it has started
        self.labels = list(comparison.labels)
        self.training = False
        self.frame: CompareFrame | None = None
        layout = QVBoxLayout(self)
        header = QLabel(f"<b>{title}</b>" + (f" — {claim}" if claim else ""))
        header.setWordWrap(True)
        layout.addWidget(header)
        layout.addLayout(self._controls(batches))
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self._plots())
        splitter.addWidget(self._canvases())
        splitter.setSizes([380, 420])
        layout.addWidget(splitter, 1)
        self._draw(full_frame(comparison))  # before the worker's thread owns the comparison
        self._thread = self._start_worker(comparison)

    def _start_worker(self, comparison: Comparison) -> WorkerThread:
        thread = WorkerThread(worker=CompareWorker(comparison))
        thread.thread.setObjectName("compareThread")
        worker, queued = thread.worker, Qt.ConnectionType.QueuedConnection
        self.cmd_train.connect(worker.train, queued)
        self.cmd_stop.connect(worker.stop_training, queued)
        self.cmd_step.connect(worker.step, queued)
        worker.frame_ready.connect(self._draw, queued)
        worker.trained.connect(self._on_trained, queued)
        # also when the view is deleted without a close event (a lambda keeps the thread alive
        # until then; a bound method would not)
        self.destroyed.connect(lambda *_: thread.close())
        thread.start()
        return thread

    @classmethod
    def from_preset(cls, preset, parent=None) -> CompareView:
        """The comparison a preset's guide lists (ValueError when it lists none)."""
        comparison = Comparison.from_preset(preset, eval_batch=FLOW_BATCH)
        view = cls(comparison, preset.title, preset.claim, preset.updates, parent)
        for canvas in view.canvases:  # the backward arrows the guide asks for
            canvas.set_grad_source(preset.gradient_of == "E_T")
        return view

    # ----------------------------------------------------------------- building
    def _controls(self, batches: int) -> QHBoxLayout:
        row = QHBoxLayout()
        self.batches = QSpinBox()
        self.batches.setObjectName("compareBatches")
        self.batches.setRange(1, 1_000_000)
        self.batches.setValue(batches)
        self.batches.setToolTip(
            "Batches (gradients) each experiment trains on; they see the same sequences"
        )
        self.train_button = QPushButton("Train")
        self.train_button.setObjectName("compareTrain")
        self.train_button.clicked.connect(self._on_train)
        self.step_button = QPushButton("Step")
        self.step_button.setObjectName("compareStep")
        self.step_button.setToolTip(
            "One step of every experiment (forward frame, backward step, update or next sequence)"
        )
        self.step_button.clicked.connect(self._on_step)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setObjectName("compareStop")
        self.stop_button.setEnabled(False)
        self.stop_button.clicked.connect(self.stop)
        self.progress = QProgressBar()
        self.progress.setObjectName("compareProgress")
        self.progress.setFormat("%v / %m batches")
        self.status = QLabel("")
        for w in (
            QLabel("Batches:"),
            self.batches,
            self.train_button,
            self.step_button,
            self.stop_button,
            self.progress,
        ):
            row.addWidget(w)
        row.addWidget(self.status, 1)
        return row

    def _plots(self) -> pg.GraphicsLayoutWidget:
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground("w")
        self.loss_plot = style_plot(
            self.graphics.addPlot(row=0, col=0),
            "Training loss E on the same sequences",
            "batches seen (gradients computed)",
            "loss E",
            legend=True,
            log_y=True,
        )
        self.flow_plot = style_plot(
            self.graphics.addPlot(row=0, col=1),
            "Gradient flow ‖∂E_T/∂s_k‖ on a shared batch",
            "lag T − k (frames back from the last)",
            "‖∂E_T/∂s_k‖",
            legend=True,
            log_y=True,
        )
        integer_axis(self.loss_plot)
        integer_axis(self.flow_plot)
        self.loss_curves, self.flow_curves = {}, {}
        for i, label in enumerate(self.comparison.labels):
            self.loss_curves[label] = curve(self.loss_plot, label, pen(i), downsample=True)
            self.flow_curves[label] = curve(
                self.flow_plot, label, pen(i), symbol="o", symbolSize=4, symbolBrush=pen(i).color()
            )
        return self.graphics

    def _canvases(self) -> QWidget:
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        self.canvases, self.captions = [], []
        for label in self.comparison.labels:
            column = QVBoxLayout()
            caption = QLabel(label)
            caption.setTextFormat(Qt.TextFormat.RichText)
            caption.setStyleSheet(f"color: {FOREGROUND}; font-weight: bold;")
            canvas = NetworkCanvas()
            canvas.set_mode("Unfolded")
            _fixed_scrollbars(canvas)
            column.addWidget(caption)
            column.addWidget(canvas, 1)
            row.addLayout(column, 1)
            self.canvases.append(canvas)
            self.captions.append(caption)
        return box

    # ----------------------------------------------------------------- actions
    def _on_train(self):
        self.progress.setRange(0, self.batches.value())
        self.progress.setValue(0)
        self._started = self.frame.batches
        self._set_running(True)
        self.cmd_train.emit(self.batches.value())

    def _on_step(self):
        self.cmd_step.emit()

    def stop(self):
        """Stop training (the batches done so far stay; ``trained`` follows)."""
        if self.training:
            self.cmd_stop.emit()

    def _on_trained(self, batches: int):
        self._set_running(False)
        self.trained.emit(batches)

    def _set_running(self, running: bool):
        self.training = running
        self.train_button.setEnabled(not running)
        self.step_button.setEnabled(not running)
        self.stop_button.setEnabled(running)

    # ----------------------------------------------------------------- drawing
    def _draw(self, frame: CompareFrame):
        """Draw ``frame``: curves and counters; flows, canvases and scores when it is full."""
        self.frame = frame
        for c in frame.loss_curves:
            self.loss_curves[c.label].setData(*positive(c.batches, c.loss))
        if self.training:
            self.progress.setValue(min(frame.batches - self._started, self.progress.maximum()))
        if not frame.full:
            self.status.setText(f"{frame.batches} batches each, training…")
            for caption, label, updates in zip(
                self.captions, self.labels, frame.updates, strict=True
            ):
                caption.setText(
                    f"{html.escape(label)}: {updates} updates so far (scores when training stops)"
                )
            return
        for label, flow in zip(self.labels, frame.flows, strict=True):
            self.flow_curves[label].setData(*positive(flow.lag, flow.norm))
        for i, (canvas, snap) in enumerate(zip(self.canvases, frame.snapshots, strict=True)):
            canvas.show_snapshot(snap)
            text = self._caption(i, frame)
            if frame.samples is not None:
                text += f"<br>writes: <tt>“the {html.escape(frame.samples[i], quote=False)}”</tt>"
            self.captions[i].setText(text)
        self.status.setText(f"{frame.batches} batches each")

    def _caption(self, i: int, frame: CompareFrame) -> str:
        snap, scores = frame.snapshots[i], frame.scores[i]
        metric = snap.primary_metric
        text = (
            f"{html.escape(self.labels[i])}: {frame.updates[i]} updates, {metric} "
            f"{number(scores[metric])} (chance {number(snap.chance)}), "
            f"loss {number(scores['loss'])}"
        )
        if frame.stopped[i]:
            text += " — diverged"
            self.captions[i].setToolTip(frame.stopped[i])
        return text

    def curve_data(self, plot: str, label: str) -> tuple[np.ndarray, np.ndarray]:
        """The (x, y) drawn for ``label`` in plot "loss" or "flow" (data values, not logs)."""
        item = (self.loss_curves if plot == "loss" else self.flow_curves)[label]
        x, y = item.xData, item.yData
        return (np.array([]) if x is None else x), (np.array([]) if y is None else y)

    def closeEvent(self, event):
        self._thread.close()  # stops training and waits for the worker's thread
        super().closeEvent(event)


def _fixed_scrollbars(canvas: NetworkCanvas) -> None:
    """Scroll bars that never come and go: a fitted ZoomView whose scroll bar appears on a
    borderline fit shrinks its viewport, refits and loses the bar again, endlessly (measured
    here: 20 000 resize events in 10 s with two small canvases side by side)."""
    for view in (canvas.unfolded, canvas.folded):
        view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
