"""The Compare window's worker: a ``Comparison`` trained in its own thread, in chunks.

The same pattern as the simulation's worker (``worker.py``): the worker lives in a QThread,
trains in chunks of about ``CHUNK_SECONDS`` and posts itself the next chunk, so a Stop or a
Step is an ordinary queued slot handled between two chunks. It never touches a widget: it
publishes frozen ``CompareFrame`` objects, light ones (loss curves and counters, at most
``FRAMES_PER_SECOND`` while training) and full ones (gradient flows, scores, snapshots, the
text each network writes) when training ends, after a step and on request.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, Qt, Signal, Slot

from rnnsim.sim.compare import Comparison, FlowCurve, LossCurve

CHUNK_SECONDS = 0.05  # training between two looks at the queued commands
FRAMES_PER_SECOND = 8  # light frames while training


@dataclass(frozen=True)
class CompareFrame:
    """What the Compare window draws, copied out of the worker's Comparison."""

    batches: int  # batches each experiment has trained on
    updates: tuple[int, ...]  # per experiment
    stopped: tuple[str, ...]  # per experiment: "" or why it stopped (divergence)
    loss_curves: tuple[LossCurve, ...]
    training: bool
    flows: tuple[FlowCurve, ...] | None = None  # the rest: full frames only
    scores: tuple[dict, ...] | None = None
    snapshots: tuple | None = None
    samples: tuple[str, ...] | None = None

    @property
    def full(self) -> bool:
        """True when the frame carries flows, scores and snapshots."""
        return self.snapshots is not None


def light_frame(cmp: Comparison, training: bool) -> CompareFrame:
    """Loss curves and counters of ``cmp`` (arrays copied)."""
    curves = tuple(
        LossCurve(c.label, np.array(c.batches), np.array(c.loss)) for c in cmp.loss_curves()
    )
    return CompareFrame(
        cmp.batches, tuple(s.updates for s in cmp.sims), tuple(cmp.stopped), curves, training
    )


def full_frame(cmp: Comparison, training: bool = False) -> CompareFrame:
    """Everything the window draws of ``cmp``."""
    light = light_frame(cmp, training)
    samples = cmp.samples()
    return CompareFrame(
        light.batches,
        light.updates,
        light.stopped,
        light.loss_curves,
        training,
        flows=tuple(cmp.gradient_flows()),
        scores=tuple(cmp.scores()),
        snapshots=tuple(cmp.snapshots()),
        samples=None if samples is None else tuple(samples),
    )


class CompareWorker(QObject):
    """Owns a Comparison; lives in its own QThread; obeys queued commands.

    Signals
    -------
    frame_ready(CompareFrame)
        The newest state (light frames may be skipped while training).
    trained(int)
        Batches trained when a Train ends (finished, stopped or every experiment diverged);
        sent after the full frame of that moment.
    """

    frame_ready = Signal(object)
    trained = Signal(int)
    _next_chunk = Signal()

    def __init__(self, comparison: Comparison, parent=None) -> None:
        super().__init__(parent)
        self.comparison = comparison
        self.clock = time.perf_counter
        self._target: int | None = None  # batches to reach while training, else None
        self._started = 0
        self._per_chunk = CHUNK_SECONDS  # seconds one chunk of the Comparison takes
        self._last_frame = -float("inf")
        self._next_chunk.connect(self._train_chunk, Qt.ConnectionType.QueuedConnection)

    @property
    def training(self) -> bool:
        """True while a Train is under way."""
        return self._target is not None

    def request_stop_training(self) -> None:
        """Thread-safe: nothing to interrupt inside a chunk (chunks are short)."""

    @Slot(int)
    def train(self, batches: int) -> None:
        """Train every experiment on ``batches`` more batches (whole chunks)."""
        self._finish()
        cmp = self.comparison
        self._started = cmp.batches
        self._target = cmp.batches + int(batches)
        self._next_chunk.emit()

    @Slot()
    def _train_chunk(self) -> None:
        if self._target is None:
            return
        cmp = self.comparison
        left = -(-(self._target - cmp.batches) // cmp.chunk)  # whole chunks still to train
        chunks = max(1, min(left, int(CHUNK_SECONDS / self._per_chunk)))
        start = self.clock()
        cmp.train_chunk(chunks=chunks)
        self._per_chunk = max((self.clock() - start) / chunks, 1e-4)
        if cmp.batches >= self._target or all(cmp.stopped):
            self._finish()
            return
        now = self.clock()
        if now - self._last_frame >= 1 / FRAMES_PER_SECOND:
            self._last_frame = now
            self.frame_ready.emit(light_frame(cmp, training=True))
        self._next_chunk.emit()  # queued behind the commands that arrived meanwhile

    @Slot()
    def stop_training(self) -> None:
        """End a Train (the batches done stay)."""
        self._finish()

    @Slot()
    def step(self) -> None:
        """One step of every experiment (ends a Train first)."""
        self._finish()
        self.comparison.step()
        self.publish()

    @Slot()
    def publish(self) -> None:
        """Publish a full frame now."""
        self.frame_ready.emit(full_frame(self.comparison, self.training))

    def _finish(self) -> None:
        if self._target is None:
            return
        self._target = None
        self.publish()
        self.trained.emit(self.comparison.batches - self._started)

    @Slot()
    def stop(self) -> None:
        """Stop and quit this worker's thread."""
        self._target = None
        self.thread().quit()
