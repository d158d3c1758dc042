"""The simulation worker: a ``Simulation`` driven from its own QThread by queued commands.

    thread = WorkerThread(experiment)        # owns the QThread and the SimulationWorker
    thread.start()
    window_signal.connect(thread.worker.step, Qt.QueuedConnection)
    ...
    thread.close()                            # stops training, quits the thread, waits

Every command is a ``@Slot``. The worker never touches a widget: it publishes frozen
Snapshots through ``snapshot_ready`` (and ``latest()``), newest wins. Run mode steps on a
QTimer living in the worker thread and stops, as a training does, at an update that diverges
(rolled back by the simulation; the notice says so and offers Step back and Reset). Training
is a ``TrainingSession`` run in chunks of ``CHUNK_SECONDS``: after each chunk the worker posts
itself the next one, so every command that arrived meanwhile is an ordinary queued slot,
handled in order between two chunks (no ``processEvents`` inside the worker, no queue of our
own). ``pause`` and ``stop_training`` end
the training there; a command that changes the simulation (step, reset, apply, load, …) ends
it too, keeping the updates done, and then runs; ``publish``, ``set_speed`` and ``stop`` do
not. ``request_stop_training`` (thread-safe) stops the chunk being computed before its next
batch. ``sync(token)`` answers once every command sent before it is done, a training
included.
"""

from __future__ import annotations

import functools
import threading
import time

from PySide6.QtCore import (
    QMetaObject,
    QObject,
    Qt,
    QThread,
    QTimer,
    Signal,
    Slot,
)

from rnnsim.sim import Experiment, Simulation
from rnnsim.sim.probe import parse_question

PUBLISH_INTERVAL = 1 / 30  # seconds between snapshots while running flat out
TRAIN_PUBLISH_INTERVAL = 1 / 5  # while training: drawing them takes the GIL from training
CHUNK_SECONDS = 0.025  # training runs in chunks this long; commands are handled between them
# (each chunk end costs a queued signal and setting BLAS threads twice: 40 a second, not 100)
PROGRESS_INTERVAL = 0.1  # seconds between progress signals while training (the last always goes)
FLOW_BUDGET = 0.015  # seconds: while training, snapshots skip a gradient flow costing more
FAST_TICK = 0.012  # seconds of stepping per timer tick at speed 0 (as fast as possible)
RUN_STOPPED_WAY_OUT = (
    "Step back (Left) returns to just before that update; Reset re-initialises the weights."
)


def command(method):
    """A command slot that changes the simulation: it ends a training first (keeping the
    updates done); ValueError/RuntimeError/OSError → ``error`` and a fresh snapshot."""

    @functools.wraps(method)
    def wrapper(self, *args):
        self._end_training()
        _guarded(self, method, args)

    return wrapper


def passive(method):
    """A command slot that leaves a training running (errors as for ``command``)."""

    @functools.wraps(method)
    def wrapper(self, *args):
        _guarded(self, method, args)

    return wrapper


def _guarded(worker, method, args) -> None:
    if worker.closing:  # the window is closing: commands still queued are dropped
        return
    try:
        method(worker, *args)
    except (ValueError, RuntimeError, OSError) as exc:
        worker.error.emit(str(exc))
        worker._publish()


class SimulationWorker(QObject):
    """Owns a Simulation; lives in its own QThread; obeys queued commands.

    Parameters
    ----------
    experiment : Experiment or None
        None: the default experiment.

    Signals
    -------
    snapshot_ready(Snapshot)
        The newest state; stale ones may be skipped (at most ~30 per second while training).
    progress(int done, int total, float updates_per_second)
        During and at the end of ``train``.
    error(str)
        A refused command or a divergence notice.
    message(str)
        What a command did (applied experiment, loaded file, …).
    state_changed(str)
        "idle", "running" or "training".
    synced(int)
        Answers ``sync(token)`` once every command sent before it is done.
    """

    snapshot_ready = Signal(object)
    _next_chunk = Signal()  # queued to itself: the next chunk of a training
    progress = Signal(int, int, float)
    error = Signal(str)
    message = Signal(str)
    state_changed = Signal(str)
    synced = Signal(int)
    undo_task_available = Signal(bool)

    def __init__(self, experiment: Experiment | None = None, parent=None) -> None:
        super().__init__(parent)
        self.sim = Simulation(experiment)
        self._lock = threading.Lock()
        self._latest = None
        self._stop_training = threading.Event()
        self._session = None  # the TrainingSession being run in chunks, or None
        self._synced_after_training: list[int] = []  # sync tokens answered when it ends
        self._timer: QTimer | None = None
        self._speed = 5.0
        self._running = False
        self._last_publish = 0.0
        self._build_s = 0.0  # seconds the last snapshot took to build
        self.clock = time.perf_counter  # seconds; tests replace it with a fake clock
        self.training_ended_at = 0.0  # clock() when the last training ended
        self._last_progress = 0.0
        self._progress_held = None  # (done, total, rate) not yet signalled
        # A first snapshot as soon as the worker's thread runs its event loop (a posted call
        # moves with the object when it is moved to that thread).
        QMetaObject.invokeMethod(self, "publish", Qt.ConnectionType.QueuedConnection)
        self._next_chunk.connect(self._train_chunk, Qt.ConnectionType.QueuedConnection)

    # ----------------------------------------------------------------- thread-safe
    def latest(self):
        """The newest published Snapshot (thread-safe), or None before the first."""
        with self._lock:
            return self._latest

    closing = False  # set from the GUI thread by WorkerThread.close: queued commands are dropped

    def request_stop_training(self) -> None:
        """Ask a running ``train`` to stop (thread-safe; takes effect before the next batch)."""
        self._stop_training.set()

    @property
    def _training(self) -> bool:
        return self._session is not None

    @property
    def state(self) -> str:
        """ "training", "running" or "idle"."""
        return "training" if self._training else "running" if self._running else "idle"

    # ----------------------------------------------------------------- stepping
    @Slot()
    @command
    def step(self):
        """One step (stops run mode)."""
        self._halt_run()
        self.sim.step()
        if self.sim.diverged:
            self.error.emit(self.sim.message)
        self._publish()

    @Slot()
    @command
    def step_back(self):
        """Undo one step (stops run mode)."""
        self._halt_run()
        if not self.sim.step_back():
            self.message.emit("Nothing to step back to.")
        self._publish()

    @Slot()
    @command
    def run_to_end(self):
        """Step to the end of the forward pass or of the sweep."""
        self._halt_run()
        self.sim.run_to_end()
        self._publish()

    @Slot(int)
    @command
    def seek(self, t):
        """Move the cursor to frame t of the forward pass."""
        self._halt_run()
        self.sim.seek(int(t))
        self._publish()

    @Slot()
    @command
    def new_sequence(self):
        """Draw the next batch."""
        self.sim.new_sequence()
        self._publish()

    # ----------------------------------------------------------------- run mode
    @Slot(float)
    @passive
    def set_speed(self, steps_per_second):
        """Run-mode speed in steps per second (0: as fast as possible)."""
        speed = float(steps_per_second)
        if not speed >= 0 or speed > 10_000:
            raise ValueError(
                f"speed: got {steps_per_second!r}, expected 0 (as fast as "
                "possible) or steps per second in (0, 10000]"
            )
        self._speed = speed
        if self._running:
            self._timer.start(self._interval())

    @Slot()
    @command
    def run(self):
        """Start stepping at the set speed until ``pause``."""
        if self._timer is None:
            self._timer = QTimer(self)
            self._timer.timeout.connect(self._on_tick)
        self._running = True
        self._timer.start(self._interval())
        self.state_changed.emit(self.state)

    @Slot(float)
    @command
    def run_at(self, steps_per_second):
        """``set_speed`` then ``run``."""
        self.set_speed(steps_per_second)
        self.run()

    @Slot()
    def pause(self):
        """Stop run mode or training (a training ends between two chunks, keeping the updates
        done)."""
        if self._training:
            self._end_training()
        elif self._halt_run():
            self._publish()

    def _interval(self) -> int:
        return 0 if self._speed == 0 else max(1, round(1000 / self._speed))

    def _halt_run(self) -> bool:
        if not self._running:
            return False
        self._running = False
        self._timer.stop()
        self.state_changed.emit(self.state)
        return True

    def _on_tick(self):
        if not self._running:
            return
        if self._speed > 0:
            self.sim.step()
            if not self._stopped_by_divergence():
                self._publish(coalesce=self._speed > 1 / PUBLISH_INTERVAL)
            return
        end = time.perf_counter() + FAST_TICK
        while time.perf_counter() < end:
            self.sim.step()
            if self._stopped_by_divergence():
                return
        self._publish(coalesce=True)

    def _stopped_by_divergence(self) -> bool:
        """After a step of Run: when its update diverged (and was rolled back), stop the run
        there, as Train N stops, say so and show that step; True if it stopped."""
        if not self.sim.diverged:
            return False
        self._halt_run()
        self.sim.message = f"Run stopped. {self.sim.message} {RUN_STOPPED_WAY_OUT}"
        self.error.emit(self.sim.message)
        self._publish()
        return True

    # ----------------------------------------------------------------- training
    @Slot(int)
    @command
    def train(self, n):
        """Apply n updates as fast as possible, in chunks (``pause``/``stop_training`` and
        any command that changes the simulation end it early)."""
        self._halt_run()
        self._stop_training.clear()
        total = int(n)
        self._session = self.sim.begin_training(
            total, callback=lambda p: self._on_progress(p, total)
        )
        self.state_changed.emit(self.state)
        self._next_chunk.emit()

    @Slot()
    def stop_training(self):
        """End a running ``train`` (no effect otherwise)."""
        self._end_training()

    @Slot()
    def _train_chunk(self):
        session = self._session
        if session is None:  # ended by a command that came before this chunk
            return
        session.run(CHUNK_SECONDS, should_stop=self._stop_training.is_set)
        if session.over or self._stop_training.is_set():
            self._end_training()
        else:
            self._next_chunk.emit()  # queued behind the commands that arrived meanwhile

    def _end_training(self) -> None:
        """Finish the training session (if any): progress, state, notice, snapshot, syncs."""
        session, self._session = self._session, None
        if session is None:
            return
        try:
            session.finish()
            self._emit_progress(self.clock())  # the last figures, if held back
        finally:
            self.training_ended_at = self.clock()
            self._stop_training.clear()
            self.state_changed.emit(self.state)
        if self.sim.message:
            self.error.emit(self.sim.message)
        self._publish()
        tokens, self._synced_after_training = self._synced_after_training, []
        for token in tokens:
            self.synced.emit(token)

    def _on_progress(self, p, total):
        now = self.clock()
        self._progress_held = (p.done, total, p.rate)
        if p.done >= total or now - self._last_progress >= PROGRESS_INTERVAL:
            self._emit_progress(now)
        self._publish(coalesce=True)

    def _emit_progress(self, now):
        if self._progress_held is not None:
            self._last_progress = now
            self.progress.emit(*self._progress_held)
            self._progress_held = None

    # ----------------------------------------------------------------- configuration
    @Slot()
    @command
    def reset(self):
        """Re-initialise the weights from the seed."""
        self._halt_run()
        self.sim.reset()
        self.message.emit("Weights re-initialised from the seed.")
        self._publish()

    @Slot(object)
    @command
    def apply_experiment(self, experiment):
        """Switch to ``experiment`` (weights kept when their shapes allow)."""
        self.message.emit(self.sim.apply(experiment))
        self._publish()

    @Slot(str)
    @command
    def ask(self, text):
        """Show the network, unchanged, on the sequence typed in ``text`` in the task's words
        (``rnnsim.sim.probe``); a word outside the vocabulary is refused (``error``)."""
        self._halt_run()
        self.message.emit(self.sim.ask(parse_question(self.sim.task, text)))
        self._publish()

    @Slot(object)
    @command
    def apply_undoable(self, experiment):
        """Remember the network (``undo_task`` brings it back), then apply ``experiment``."""
        self._halt_run()
        self.sim.remember_for_undo_task()
        self.message.emit(
            self.sim.apply(experiment) + " Undo (Ctrl+Z) brings the trained network back."
        )
        self.undo_task_available.emit(True)
        self._publish()

    @Slot()
    @command
    def undo_task(self):
        """Bring back the network remembered by ``apply_undoable``."""
        self._halt_run()
        self.message.emit(self.sim.undo_task())
        self.undo_task_available.emit(False)
        self._publish()

    @Slot(str)
    @command
    def save(self, path):
        """Save the simulation into the one state file ``path`` (``.npz``)."""
        self.sim.save(path)
        self.message.emit(f"Saved {path}.")

    @Slot(str)
    @command
    def load(self, path):
        """Load a saved experiment and state; a refused file changes nothing."""
        self._halt_run()
        self.message.emit(self.sim.load(path))
        self._publish()

    @Slot()
    @passive
    def publish(self):
        """Publish a snapshot of the current state now."""
        self._publish()

    @Slot(int)
    @passive
    def sync(self, token):
        """Publish a snapshot, then emit ``synced(token)`` once every earlier command is done
        (a training: when it ends)."""
        if self._training:
            self._synced_after_training.append(int(token))
            return
        self._publish()
        self.synced.emit(int(token))

    @Slot()
    def stop(self):
        """Stop everything and quit this worker's thread."""
        self._stop_training.set()
        self._session = None  # what was trained stays; nothing more is drawn or published
        self._synced_after_training.clear()
        self._running = False
        if self._timer is not None:
            self._timer.stop()
            self._timer.setParent(None)
            self._timer = None  # destroyed here, in the thread it belongs to
        self.thread().quit()

    # ----------------------------------------------------------------- publishing
    def _publish(self, coalesce: bool = False) -> None:
        """Build and publish a snapshot; with ``coalesce``, only if the last one is older than
        1/30 s (1/5 s while training) and than ten times what building it took (snapshots
        cost at most ~10 %)."""
        now = self.clock()
        interval = TRAIN_PUBLISH_INTERVAL if self._training else PUBLISH_INTERVAL
        if coalesce and now - self._last_publish < max(interval, 10 * self._build_s):
            return
        snapshot = self.sim.snapshot(flow_budget=FLOW_BUDGET if self._training else None)
        self._last_publish = self.clock()
        self._build_s = self._last_publish - now
        with self._lock:
            self._latest = snapshot
        self.snapshot_ready.emit(snapshot)


class WorkerThread(QObject):
    """Owns a QThread and the SimulationWorker moved into it.

    ``start()`` starts the thread (the worker then publishes a first snapshot); ``close()``
    stops training, tells the worker to stop (which quits the thread) and waits for it.
    """

    _stop = Signal()

    def __init__(
        self, experiment: Experiment | None = None, parent=None, *, worker: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.thread = QThread()
        self.thread.setObjectName("simulationThread")
        # any worker with the same stop protocol (``stop`` slot, ``request_stop_training``)
        self.worker = worker if worker is not None else SimulationWorker(experiment)
        self.worker.moveToThread(self.thread)
        self._stop.connect(self.worker.stop)
        self._closed = False

    def start(self) -> None:
        """Start the thread; a first snapshot follows."""
        self.thread.start()

    def close(self, timeout_ms: int = 3000) -> bool:
        """Stop training and the thread; True if it ended within ``timeout_ms``."""
        if self._closed:
            return True
        self._closed = True
        self.worker.closing = True  # a backlog of queued commands must not delay the close
        self.worker.request_stop_training()
        if not self.thread.isRunning():
            return True
        self._stop.emit()
        if self.thread.wait(timeout_ms):
            return True
        self.thread.quit()
        return self.thread.wait(timeout_ms)
