"""The simulation worker in its own thread, driven by queued commands as the window does."""

import time

import numpy as np
import pytest
from PySide6.QtCore import QObject, Qt, Signal

from rnnsim.gui.worker import WorkerThread
from rnnsim.sim import Experiment

QUEUED = Qt.ConnectionType.QueuedConnection


def small(**changes):
    base = {"n_hidden": 6, "batch_size": 4, "seed": 2}
    base.update(changes)
    return Experiment(**base)


class Driver(QObject):
    """Sends the worker's commands from the GUI thread through queued signals."""

    step = Signal()
    step_back = Signal()
    run = Signal()
    pause = Signal()
    set_speed = Signal(float)
    train = Signal(int)
    stop_training = Signal()
    new_sequence = Signal()
    reset = Signal()
    apply_experiment = Signal(object)
    seek = Signal(int)
    run_to_end = Signal()
    save = Signal(str)
    load = Signal(str)
    publish = Signal()
    sync_request = Signal(int)

    def __init__(self, worker):
        super().__init__()
        for name in ("step", "step_back", "run", "pause", "set_speed", "train",
                     "stop_training", "new_sequence", "reset", "apply_experiment", "seek",
                     "run_to_end", "save", "load", "publish"):
            getattr(self, name).connect(getattr(worker, name), QUEUED)
        self.sync_request.connect(worker.sync, QUEUED)
        self.synced = []
        worker.synced.connect(self.synced.append, QUEUED)
        self.snapshots, self.progress, self.errors, self.messages, self.states = \
            [], [], [], [], []
        worker.snapshot_ready.connect(self.snapshots.append, QUEUED)
        worker.progress.connect(lambda *a: self.progress.append((time.perf_counter(), *a)),
                                QUEUED)
        worker.error.connect(self.errors.append, QUEUED)
        worker.message.connect(self.messages.append, QUEUED)
        worker.state_changed.connect(
            lambda s: self.states.append((time.perf_counter(), s)), QUEUED)

    def sync(self, qtbot, timeout=5000):
        """Wait until every command sent so far is done; return the newest snapshot."""
        token = len(self.synced) + 1
        self.sync_request.emit(token)
        qtbot.waitUntil(lambda: bool(self.synced and self.synced[-1] == token),
                        timeout=timeout)
        return self.snapshots[-1]


@pytest.fixture
def wt(qtbot):
    thread = WorkerThread(small())
    driver = Driver(thread.worker)
    thread.driver = driver
    thread.start()
    qtbot.waitUntil(lambda: bool(driver.snapshots), timeout=5000)
    yield thread
    assert thread.close()
    driver.deleteLater()


def test_first_snapshot_arrives_when_the_thread_starts(wt):
    snap = wt.driver.snapshots[0]
    assert snap.cursor.t == 0 and snap.cursor.phase == "forward"
    assert wt.worker.latest() is snap
    assert wt.worker.thread() is wt.thread


def test_step_step_back_seek_and_new_sequence(wt, qtbot):
    d = wt.driver
    for _ in range(3):
        d.step.emit()
    assert d.sync(qtbot).cursor.t == 3
    d.step_back.emit()
    assert d.sync(qtbot).cursor.t == 2
    d.seek.emit(0)
    assert d.sync(qtbot).cursor.t == 0
    d.step_back.emit()
    assert d.sync(qtbot).cursor.t == 0 and "Nothing to step back" in d.messages[-1]
    d.new_sequence.emit()
    assert d.sync(qtbot).cursor.sequence == 2
    d.run_to_end.emit()
    snap = d.sync(qtbot)
    assert (snap.cursor.t, snap.cursor.phase) == (snap.T, "forward")
    d.seek.emit(999)
    d.sync(qtbot)
    assert d.errors and "t: got 999" in d.errors[-1]


def test_run_steps_at_the_set_speed_and_pause_stops_it(wt, qtbot):
    d = wt.driver
    d.set_speed.emit(20.0)
    d.run.emit()
    qtbot.waitUntil(lambda: bool(d.states and d.states[-1][1] == "running"), timeout=2000)
    start = d.sync(qtbot).cursor
    qtbot.wait(500)
    d.pause.emit()
    snap = d.sync(qtbot)
    steps = (snap.cursor.sequence - start.sequence) * 100 + snap.cursor.t - start.t
    assert d.states[-1][1] == "idle"
    assert 4 <= steps <= 16 or snap.cursor.sequence != start.sequence  # ~10 steps in 0.5 s
    qtbot.wait(150)
    assert d.sync(qtbot).cursor == snap.cursor  # nothing moves once paused


def test_run_flat_out_publishes_at_most_about_30_snapshots_a_second(wt, qtbot):
    d = wt.driver
    d.set_speed.emit(0.0)
    d.run.emit()
    qtbot.waitUntil(lambda: bool(d.states and d.states[-1][1] == "running"), timeout=2000)
    n0, t0 = len(d.snapshots), time.perf_counter()
    qtbot.wait(600)
    n, elapsed = len(d.snapshots) - n0, time.perf_counter() - t0
    d.pause.emit()
    snap = d.sync(qtbot)
    assert snap.cursor.sequence > 3  # many steps were taken
    assert 3 <= n <= 30 * elapsed + 3


def test_train_reports_progress_and_ends_with_the_updates_done(wt, qtbot):
    d = wt.driver
    d.train.emit(300)
    qtbot.waitUntil(lambda: bool(d.progress and d.progress[-1][1] == 300), timeout=20_000)
    snap = d.sync(qtbot)
    assert snap.updates == 300 and len(snap.history.loss) == 300
    _, done, total, rate = d.progress[-1]
    assert (done, total) == (300, 300) and rate > 0
    assert [s for _, s in d.states][-2:] == ["training", "idle"]


def test_training_publishes_at_most_about_30_snapshots_a_second(wt, qtbot):
    d = wt.driver
    n0 = len(d.snapshots)
    d.train.emit(10**7)
    qtbot.waitUntil(lambda: bool(d.states and d.states[-1][1] == "training"), timeout=2000)
    t0 = time.perf_counter()
    qtbot.wait(700)
    n, elapsed = len(d.snapshots) - n0, time.perf_counter() - t0
    d.stop_training.emit()
    qtbot.waitUntil(lambda: bool(d.states[-1][1] == "idle"), timeout=2000)
    assert 5 <= n <= 30 * elapsed + 3
    assert d.sync(qtbot).updates > 0


@pytest.mark.parametrize("command", ["pause", "stop_training"])
def test_pause_and_stop_training_take_effect_within_50_ms(wt, qtbot, command):
    d = wt.driver
    latencies = []
    for _ in range(3):
        d.train.emit(10**7)
        qtbot.waitUntil(lambda: bool(d.progress and d.states[-1][1] == "training"), timeout=2000)
        qtbot.wait(60)
        sent = time.perf_counter()
        getattr(d, command).emit()
        qtbot.waitUntil(lambda: bool(d.states[-1][1] == "idle"), timeout=2000)
        latencies.append(wt.worker.training_ended_at - sent)  # when the worker stopped
    assert sorted(latencies)[1] < 0.05, latencies


def test_commands_sent_during_training_run_after_it_in_order(wt, qtbot):
    d = wt.driver
    d.train.emit(10**7)
    qtbot.waitUntil(lambda: bool(d.states and d.states[-1][1] == "training"), timeout=2000)
    d.step.emit()
    d.step.emit()
    d.stop_training.emit()
    snap = d.sync(qtbot)
    assert snap.updates > 0
    # training ends on a new sequence run forward (t = T); then came the two steps
    assert (snap.cursor.t, snap.cursor.phase, snap.cursor.k) == (snap.T, "backward", snap.T - 2)


def test_reset_apply_save_and_load(wt, qtbot, tmp_path):
    d = wt.driver
    d.train.emit(20)
    snap = d.sync(qtbot)
    assert snap.updates == 20
    trained = snap.weights["Ws"].copy()
    d.save.emit(str(tmp_path / "run.npz"))
    d.reset.emit()
    snap = d.sync(qtbot)
    assert snap.updates == 0 and not np.array_equal(snap.weights["Ws"], trained)
    d.load.emit(str(tmp_path / "run.npz"))
    snap = d.sync(qtbot)
    assert snap.updates == 20 and np.array_equal(snap.weights["Ws"], trained)
    d.apply_experiment.emit(small(lr=0.05))
    snap = d.sync(qtbot)
    assert snap.experiment.lr == 0.05 and np.array_equal(snap.weights["Ws"], trained)
    assert "weights kept" in d.messages[-1]
    d.apply_experiment.emit(small(n_hidden=3))
    snap = d.sync(qtbot)
    assert snap.weights["Ws"].shape == (3, 3) and "re-initialised" in d.messages[-1]
    (tmp_path / "bad.npz").write_bytes(b"garbage")
    d.load.emit(str(tmp_path / "bad.npz"))
    after = d.sync(qtbot)
    assert "not a readable" in d.errors[-1]
    assert after.weights["Ws"].shape == (3, 3) and after.updates == 0


def test_a_random_stream_of_1000_commands_never_deadlocks(wt, qtbot):
    d = wt.driver
    rng = np.random.default_rng(1234)
    experiments = [small(), small(lr=0.02), small(n_hidden=4), small(update_every=2),
                   small(cell="gru", bptt_steps=2)]
    names = ["step", "step", "step", "step_back", "step_back", "run", "pause", "train",
             "reset", "apply", "new_sequence", "speed"]
    for i in range(1000):
        name = names[rng.integers(len(names))]
        if name == "train":
            d.train.emit(int(rng.integers(1, 30)))
        elif name == "apply":
            d.apply_experiment.emit(experiments[rng.integers(len(experiments))])
        elif name == "speed":
            d.set_speed.emit(float(rng.choice([0.0, 50.0, 500.0])))
        else:
            getattr(d, name).emit()
        if rng.random() < 0.1:
            qtbot.wait(int(rng.integers(0, 5)))
        if i % 100 == 99:
            d.sync(qtbot, timeout=20_000)
    d.pause.emit()
    snap = d.sync(qtbot, timeout=20_000)
    assert not d.errors
    start = time.perf_counter()
    assert wt.close(timeout_ms=1000) and time.perf_counter() - start < 1.0
    sim = wt.worker.sim  # the thread has ended: safe to look inside
    assert snap.cursor == sim.cursor and snap.updates == sim.updates
    assert all(np.all(np.isfinite(w)) for w in sim.net.params.values())
    t, H = snap.cursor.t, sim.net.n_hidden
    assert snap.s.shape == (t + 1, H) and snap.y.shape[0] == t
    sim.step()
    sim.step_back()  # the simulation still works after the stream
    assert sim.cursor == snap.cursor


def test_closing_during_training_stops_within_one_second(qtbot):
    thread = WorkerThread(small(n_hidden=32, batch_size=64))
    driver = Driver(thread.worker)
    thread.start()
    driver.train.emit(10**7)
    qtbot.waitUntil(lambda: bool(driver.progress), timeout=5000)
    start = time.perf_counter()
    assert thread.close(timeout_ms=1000)
    assert time.perf_counter() - start < 1.0
    assert not thread.thread.isRunning()
    assert 0 < thread.worker.sim.updates < 10**7
    driver.deleteLater()


def test_the_leak_fixture_finds_and_cleans_up_threads_timers_and_widgets(qapp):
    from PySide6.QtCore import QThread, QTimer
    from PySide6.QtWidgets import QApplication, QWidget

    from tests.gui import conftest as leaks

    before = {id(w) for w in QApplication.topLevelWidgets()}
    timer, thread, widget = QTimer(), QThread(), QWidget()
    timer.start(1000)
    thread.start()
    widget.setObjectName("forgotten")
    widget.show()
    assert leaks._leaked_timers() == ["QTimer " + hex(id(timer)) + " (interval 1000 ms) "
                                      "still active"]
    assert not timer.isActive()
    assert leaks._leaked_threads() == ["QThread QThread still running"]
    assert not thread.isRunning()
    found = leaks._leaked_widgets(before)
    assert len(found) == 1 and "QWidget 'forgotten' alive" in found[0]
    assert leaks._leaked_timers() == leaks._leaked_threads() == []
    assert leaks._leaked_widgets(before) == []
