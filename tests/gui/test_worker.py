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
        for name in (
            "step",
            "step_back",
            "run",
            "pause",
            "set_speed",
            "train",
            "stop_training",
            "new_sequence",
            "reset",
            "apply_experiment",
            "seek",
            "run_to_end",
            "save",
            "load",
            "publish",
        ):
            getattr(self, name).connect(getattr(worker, name), QUEUED)
        self.sync_request.connect(worker.sync, QUEUED)
        self.synced = []
        worker.synced.connect(self.synced.append, QUEUED)
        self.snapshots, self.progress, self.errors, self.messages, self.states = [], [], [], [], []
        worker.snapshot_ready.connect(self.snapshots.append, QUEUED)
        worker.progress.connect(lambda *a: self.progress.append((time.perf_counter(), *a)), QUEUED)
        worker.error.connect(self.errors.append, QUEUED)
        worker.message.connect(self.messages.append, QUEUED)
        worker.state_changed.connect(lambda s: self.states.append((time.perf_counter(), s)), QUEUED)

    def sync(self, qtbot, timeout=5000):
        """Wait until every command sent so far is done; return the newest snapshot."""
        token = len(self.synced) + 1
        self.sync_request.emit(token)
        qtbot.waitUntil(lambda: bool(self.synced and self.synced[-1] == token), timeout=timeout)
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
    assert wt.worker._timer.interval() == 50  # 20 steps a second
    start = d.sync(qtbot).cursor
    qtbot.waitUntil(lambda: d.snapshots[-1].cursor != start, timeout=5000)
    d.pause.emit()
    snap = d.sync(qtbot)
    assert d.states[-1][1] == "idle" and snap.cursor != start
    qtbot.wait(150)
    assert d.sync(qtbot).cursor == snap.cursor  # nothing moves once paused


def test_train_reports_progress_and_ends_with_the_updates_done(wt, qtbot):
    d = wt.driver
    d.train.emit(300)
    qtbot.waitUntil(lambda: bool(d.progress and d.progress[-1][1] == 300), timeout=20_000)
    snap = d.sync(qtbot)
    assert snap.updates == 300 and len(snap.history.loss) == 300
    _, done, total, rate = d.progress[-1]
    assert (done, total) == (300, 300) and rate > 0
    assert [s for _, s in d.states][-2:] == ["training", "idle"]


@pytest.mark.parametrize("command", ["pause", "stop_training"])
def test_pause_and_stop_training_end_the_training_between_two_chunks(wt, qtbot, command):
    d = wt.driver
    d.train.emit(10**7)
    qtbot.waitUntil(lambda: bool(d.progress and d.states[-1][1] == "training"), timeout=5000)
    getattr(d, command).emit()
    snap = d.sync(qtbot)
    assert d.states[-1][1] == "idle"
    assert 0 < snap.updates < 10**7
    assert d.progress[-1][1] == snap.updates  # the last progress names what was done
    qtbot.wait(100)
    assert d.sync(qtbot).updates == snap.updates  # nothing trains after the stop


def test_a_command_during_training_ends_it_keeping_its_updates_then_runs(wt, qtbot):
    d = wt.driver
    d.train.emit(10**7)
    qtbot.waitUntil(lambda: bool(d.states and d.states[-1][1] == "training"), timeout=2000)
    d.step.emit()
    d.step.emit()
    snap = d.sync(qtbot)
    assert snap.updates > 0 and d.states[-1][1] == "idle"
    # training ends on a new sequence run forward (t = T); then came the two steps
    assert (snap.cursor.t, snap.cursor.phase, snap.cursor.k) == (snap.T, "backward", snap.T - 2)


def test_sync_during_training_answers_when_it_ends(wt, qtbot):
    d = wt.driver
    d.train.emit(40)
    snap = d.sync(qtbot, timeout=20_000)
    assert snap.updates == 40 and d.states[-1][1] == "idle"


class FakeClock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


@pytest.fixture
def bare_worker(qapp):
    """A worker without a thread, its clock fake: publishing is tested by the clock."""
    from rnnsim.gui.worker import SimulationWorker

    worker = SimulationWorker(small())
    worker.clock = FakeClock()
    published = []
    worker.snapshot_ready.connect(published.append)
    yield worker, published
    worker.deleteLater()


@pytest.mark.parametrize(("training", "per_second"), [(False, 30), (True, 5)])
def test_snapshots_are_coalesced_to_30_a_second_and_5_while_training(
    bare_worker, training, per_second
):
    from rnnsim.gui import worker as worker_module

    worker, published = bare_worker
    if training:
        worker._session = worker.sim.begin_training(10)
    for _ in range(2000):  # 2 s of fake time, a coalescable publish every millisecond
        worker.clock.now += 0.001
        worker._publish(coalesce=True)
    interval = worker_module.TRAIN_PUBLISH_INTERVAL if training else worker_module.PUBLISH_INTERVAL
    assert interval == pytest.approx(1 / per_second)
    assert len(published) == pytest.approx(2 / interval, abs=1)
    worker.clock.now += 0.001
    worker._publish()  # not coalesced: always published
    assert published[-1] is worker.latest()
    worker._session = None


def test_progress_is_signalled_at_most_ten_times_a_second_and_the_last_always(bare_worker):
    from rnnsim.sim.training import Progress

    worker, _ = bare_worker
    progress = []
    worker.progress.connect(lambda *a: progress.append(a))
    for done in range(1, 1001):  # 1 s of fake time
        worker.clock.now += 0.001
        worker._on_progress(Progress(done, 1000, 1000.0, done / 1000), 1000)
    assert 10 <= len(progress) <= 11
    assert progress[-1][:2] == (1000, 1000)


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
    experiments = [
        small(),
        small(lr=0.02),
        small(n_hidden=4),
        small(update_every=2),
        small(cell="gru", bptt_steps=2),
    ]
    names = [
        "step",
        "step",
        "step",
        "step_back",
        "step_back",
        "run",
        "pause",
        "train",
        "reset",
        "apply",
        "new_sequence",
        "speed",
    ]
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
    assert wt.close(timeout_ms=1000)  # the thread ended within the second it was given
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
    assert thread.close(timeout_ms=1000)  # the thread ended within the second it was given
    assert not thread.thread.isRunning()
    assert 0 < thread.worker.sim.updates < 10**7
    driver.deleteLater()


def test_the_leak_fixture_finds_and_cleans_up_threads_timers_and_widgets(qapp):
    from PySide6.QtCore import QThread, QTimer
    from PySide6.QtWidgets import QApplication, QWidget

    from tests.gui import conftest as leaks

    before = QApplication.topLevelWidgets()  # held, as the fixture holds them
    timer, thread, widget = QTimer(), QThread(), QWidget()
    timer.start(1000)
    thread.start()
    widget.setObjectName("forgotten")
    widget.show()
    assert leaks._leaked_timers() == [
        "QTimer " + hex(id(timer)) + " (interval 1000 ms) still active"
    ]
    assert not timer.isActive()
    assert leaks._leaked_threads() == ["QThread QThread still running"]
    assert not thread.isRunning()
    found = leaks._leaked_widgets(before)
    assert len(found) == 1 and "QWidget 'forgotten' alive" in found[0]
    assert leaks._leaked_timers() == leaks._leaked_threads() == []
    assert leaks._leaked_widgets(before) == []


def test_run_stops_at_a_divergence_says_why_and_offers_the_way_out(qtbot):
    from rnnsim.catalog import preset_experiment

    # the exploding preset, small: update 2 overflows within a few hundred steps
    exp = preset_experiment("exploding").replace(n_hidden=8, batch_size=4, ws_scale=3.0, lr=1.0)
    thread = WorkerThread(exp)
    d = Driver(thread.worker)
    thread.start()
    try:
        qtbot.waitUntil(lambda: bool(d.snapshots), timeout=5000)
        d.set_speed.emit(0.0)  # as fast as possible
        d.run.emit()
        qtbot.waitUntil(lambda: bool(d.errors), timeout=30_000)
        snap = d.sync(qtbot)
        assert d.states[-1][1] == "idle" and thread.worker.state == "idle"
        notice = d.errors[-1]
        assert notice.startswith("Run stopped. Training diverged at update 2")
        assert "rolled back" in notice and "Step back" in notice and "Reset" in notice
        assert snap.message == notice  # the snapshot keeps saying it
        assert snap.updates == 0 and all(np.isfinite(w).all() for w in snap.weights.values())
        qtbot.wait(150)
        assert d.sync(qtbot).cursor == snap.cursor  # nothing more is stepped or updated
        d.step_back.emit()  # just before the update that diverged
        back = d.sync(qtbot)
        assert back.cursor.phase == "update" and back.message == ""
    finally:
        assert thread.close()
        d.deleteLater()
