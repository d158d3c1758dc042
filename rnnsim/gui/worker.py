"""The simulation worker: a ``Simulation`` driven from its own QThread by queued commands.

    thread = WorkerThread(experiment)        # owns the QThread and the SimulationWorker
    thread.start()
    window_signal.connect(thread.worker.step, Qt.QueuedConnection)
    ...
    thread.close()                            # stops training, quits the thread, waits

Every command is a ``@Slot``. The worker never touches a widget: it publishes frozen
Snapshots through ``snapshot_ready`` (and ``latest()``), newest wins. Run mode steps on a
QTimer living in the worker thread; training runs ``Simulation.train`` and lets queued commands
in every ~10 ms between batches, so ``pause``/``stop_training``/``stop`` take effect within
that time plus the batch being computed; other commands that arrive during training are
carried out, in order, when it ends.
"""

from __future__ import annotations

import functools
import threading
import time

from PySide6.QtCore import (
    QCoreApplication,
    QMetaObject,
    QObject,
    Qt,
    QThread,
    QTimer,
    Signal,
    Slot,
)

from rnnsim.sim import Experiment, Simulation

PUBLISH_INTERVAL = 1 / 30  # seconds between snapshots while running flat out
TRAIN_PUBLISH_INTERVAL = 1 / 10  # while training: drawing them takes the GIL from training
EVENTS_INTERVAL = 0.01  # seconds between looks at queued commands while training
PROGRESS_INTERVAL = 0.1  # seconds between progress signals while training (the last always goes)
FLOW_BUDGET = 0.015  # seconds: while training, snapshots skip a gradient flow costing more
FAST_TICK = 0.012  # seconds of stepping per timer tick at speed 0 (as fast as possible)


def command(method):
    """Run a command slot: deferred while training, ValueError/RuntimeError → ``error``."""

    @functools.wraps(method)
    def wrapper(self, *args):
        if self._training:
            self._deferred.append((method, args))
            return
        try:
            method(self, *args)
        except (ValueError, RuntimeError, OSError) as exc:
            self.error.emit(str(exc))
            self._publish()

    return wrapper


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
    progress = Signal(int, int, float)
    error = Signal(str)
    message = Signal(str)
    state_changed = Signal(str)
    synced = Signal(int)

    def __init__(self, experiment: Experiment | None = None, parent=None) -> None:
        super().__init__(parent)
        self.sim = Simulation(experiment)
        self._lock = threading.Lock()
        self._latest = None
        self._stop_training = threading.Event()
        self._training = False
        self._deferred: list = []  # (function, args) of commands that came during training
        self._draining = False
        self._quitting = False
        self._timer: QTimer | None = None
        self._speed = 5.0
        self._running = False
        self._last_publish = 0.0
        self._build_s = 0.0  # seconds the last snapshot took to build
        self.training_ended_at = 0.0  # time.perf_counter() when the last train() returned
        self._last_events = 0.0
        self._last_progress = 0.0
        self._progress_held = None  # (done, total, rate) not yet signalled
        # A first snapshot as soon as the worker's thread runs its event loop (a posted call
        # moves with the object when it is moved to that thread).
        QMetaObject.invokeMethod(self, "publish", Qt.ConnectionType.QueuedConnection)

    # ----------------------------------------------------------------- thread-safe
    def latest(self):
        """The newest published Snapshot (thread-safe), or None before the first."""
        with self._lock:
            return self._latest

    def request_stop_training(self) -> None:
        """Ask a running ``train`` to stop (thread-safe; takes effect before the next batch)."""
        self._stop_training.set()

    @property
    def state(self) -> str:
        """"training", "running" or "idle"."""
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
    @command
    def set_speed(self, steps_per_second):
        """Run-mode speed in steps per second (0: as fast as possible)."""
        speed = float(steps_per_second)
        if not speed >= 0 or speed > 10_000:
            raise ValueError(f"speed: got {steps_per_second!r}, expected 0 (as fast as "
                             "possible) or steps per second in (0, 10000]")
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
        """Stop run mode or training (during training: before the next batch, within ~10 ms
        plus the rest of the batch being computed)."""
        if self._training:
            self._stop_training.set()
            self._deferred.append((SimulationWorker._halt_and_publish, ()))
            return
        self._halt_and_publish()

    def _halt_and_publish(self):
        if self._halt_run():
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
            self._publish(coalesce=self._speed > 1 / PUBLISH_INTERVAL)
            return
        end = time.perf_counter() + FAST_TICK
        while time.perf_counter() < end:
            self.sim.step()
        self._publish(coalesce=True)

    # ----------------------------------------------------------------- training
    @Slot(int)
    @command
    def train(self, n):
        """Apply n updates as fast as possible (``pause``/``stop_training`` stop early)."""
        self._halt_run()
        self._stop_training.clear()
        self._training = True
        self.state_changed.emit(self.state)
        total = int(n)
        try:
            self.sim.train(total, callback=lambda p: self._on_progress(p, total),
                           should_stop=self._should_stop)
            self._emit_progress(time.perf_counter())  # the last figures, if held back
        finally:
            self._training = False
            self.training_ended_at = time.perf_counter()
            self._stop_training.clear()
            self.state_changed.emit(self.state)
        if self._quitting:
            return
        if self.sim.message:
            self.error.emit(self.sim.message)
        self._publish()
        self._run_deferred()

    @Slot()
    def stop_training(self):
        """Stop a running ``train`` (no effect otherwise)."""
        self._stop_training.set()

    def _should_stop(self) -> bool:
        now = time.perf_counter()
        if now - self._last_events >= EVENTS_INTERVAL:
            self._last_events = now
            QCoreApplication.processEvents()
        return self._stop_training.is_set()

    def _on_progress(self, p, total):
        now = time.perf_counter()
        self._progress_held = (p.done, total, p.rate)
        if p.done >= total or now - self._last_progress >= PROGRESS_INTERVAL:
            self._emit_progress(now)
        self._publish(coalesce=True)

    def _emit_progress(self, now):
        if self._progress_held is not None:
            self._last_progress = now
            self.progress.emit(*self._progress_held)
            self._progress_held = None

    def _run_deferred(self):
        """Carry out the commands that arrived during training, oldest first (a deferred
        ``train`` defers further commands to the end of this same queue)."""
        if self._draining:
            return
        self._draining = True
        try:
            while self._deferred and not self._training:
                method, args = self._deferred.pop(0)
                command(method)(self, *args)
        finally:
            self._draining = False

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
    @command
    def publish(self):
        """Publish a snapshot of the current state now."""
        self._publish()

    @Slot(int)
    @command
    def sync(self, token):
        """Publish a snapshot, then emit ``synced(token)``: every earlier command is done."""
        self._publish()
        self.synced.emit(int(token))

    @Slot()
    def stop(self):
        """Stop everything and quit this worker's thread."""
        self._quitting = True
        self._stop_training.set()
        self._deferred.clear()
        self._running = False
        if self._timer is not None:
            self._timer.stop()
            self._timer.setParent(None)
            self._timer = None  # destroyed here, in the thread it belongs to
        self.thread().quit()

    # ----------------------------------------------------------------- publishing
    def _publish(self, coalesce: bool = False) -> None:
        """Build and publish a snapshot; with ``coalesce``, only if the last one is older than
        1/30 s (1/10 s while training) and than ten times what building it took (snapshots
        cost at most ~10 %)."""
        now = time.perf_counter()
        interval = TRAIN_PUBLISH_INTERVAL if self._training else PUBLISH_INTERVAL
        if coalesce and now - self._last_publish < max(interval, 10 * self._build_s):
            return
        snapshot = self.sim.snapshot(flow_budget=FLOW_BUDGET if self._training else None)
        self._last_publish = time.perf_counter()
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

    def __init__(self, experiment: Experiment | None = None, parent=None) -> None:
        super().__init__(parent)
        self.thread = QThread()
        self.thread.setObjectName("simulationThread")
        self.worker = SimulationWorker(experiment)
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
        self.worker.request_stop_training()
        if not self.thread.isRunning():
            return True
        self._stop.emit()
        if self.thread.wait(timeout_ms):
            return True
        self.thread.quit()
        return self.thread.wait(timeout_ms)
