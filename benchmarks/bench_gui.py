"""Measure the window: canvas update time per snapshot, and GUI event-loop lateness in training.

1. Canvas: real snapshots of the wolf task from a ``Simulation`` (stepped forward, through
   the backward sweep and across updates, so every snapshot differs), drawn one after the
   other into a ``NetworkCanvas`` of 1400×700 pixels. A sample is ``show_snapshot`` plus the
   repaint it causes (``processEvents`` until the viewport has painted), in two views: the
   canvas as it opens (a window of columns around the cursor, texts readable) and fitted to
   the whole network (units merged into nodes when too small). Targets: median < 16 ms at
   T = 50, H = 32 and < 50 ms at T = 200, H = 256.
2. Training with the window: the MainWindow (canvas, panels and every plot shown, untabbed)
   loads a state with 5000 updates of history (a full plot history) and stays open; rounds
   of three blocks of training of the same state in the same process (3 s each, 16 rounds,
   the order reversed every round): headless, in the window's worker thread as a user has
   it, and the same with a 10 ms QTimer in the GUI thread recording how late each tick fires
   (target: p95 < 30 ms). The throughput ratio window ÷ headless (target: >= 0.9) is the
   median of the rounds' ratios, with a bootstrap 90 % interval: identical blocks of training
   move by up to ±30 % from one to the next on these shared machines, so a few long runs
   cannot resolve 0.85 from 0.9. It is given over each whole block and after its first
   second, and also for the blocks with the probe (the probe and its stall watcher take the
   GIL 150 times a second, which costs the worker thread a few per cent: see
   ``bench_lateness``). Training starts once the window has painted the loaded state (the
   loading's first paint, every plot at once, is timed and printed apart). A tick more than
   100 ms late is a stall (target: none): a watcher thread then says what the GUI thread and
   the worker were doing.

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_gui.py            # both, as in the note
    QT_QPA_PLATFORM=offscreen python benchmarks/bench_gui.py --quick    # fewer samples
    python benchmarks/bench_gui.py --only lateness --pairs 30 --block 2    # a tighter interval

The script prints figures; it does not assert.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEvent, QEventLoop, QObject, QTimer
from PySide6.QtWidgets import QApplication

SIZES = ((50, 32), (200, 256))  # (T, H)
TARGETS_MS = {(50, 32): 16.0, (200, 256): 50.0}
STEADY_AFTER_S = 1.0  # the steady rate leaves out the start (loading, every plot drawn at once)
STALL_S = 0.1  # a probe tick this late is a stall: the watcher says where the GUI thread was


def real_snapshots(T, H, count):
    """``count`` distinct snapshots of a wolf-task Simulation with T frames and H units."""
    from rnnsim.sim import Experiment, Simulation

    exp = Experiment(n_hidden=H, batch_size=4).with_values({"task.gap": str(T - 2)})
    sim = Simulation(exp)
    snaps = []
    stride = max(1, (2 * T + 1) // count)
    while len(snaps) < count:
        for _ in range(stride):
            sim.step()
        snaps.append(sim.snapshot())
    assert snaps[0].T == T, f"wolf with gap {T - 2} has T = {snaps[0].T}"
    return snaps


class PaintCounter(QObject):
    """Counts paint events of a widget."""

    def __init__(self, widget):
        super().__init__()
        self.count = 0
        widget.installEventFilter(self)

    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint:
            self.count += 1
        return False


def time_canvas(app, canvas, snaps, fit):
    """Seconds per snapshot: show_snapshot + the repaint it triggers."""
    canvas.show_snapshot(snaps[0])
    if fit:
        canvas.fit()
    app.processEvents()
    painted = PaintCounter(canvas.unfolded.viewport())
    times = []
    for snap in snaps[1:]:
        before = painted.count
        start = time.perf_counter()
        canvas.show_snapshot(snap)
        deadline = start + 1.0
        while painted.count == before and time.perf_counter() < deadline:
            app.processEvents()
        times.append(time.perf_counter() - start)
    return np.array(times)


def bench_canvas(app, count):
    from rnnsim.gui.canvas import NetworkCanvas

    print("canvas update per snapshot (show_snapshot + repaint), 1400x700 canvas")
    print(f"{'T':>4} {'H':>4} {'view':>8} {'median ms':>10} {'p95 ms':>8} {'target':>8}")
    for T, H in SIZES:
        snaps = real_snapshots(T, H, count)
        for fit in (False, True):
            canvas = NetworkCanvas()
            canvas.resize(1400, 700)
            canvas.show()
            canvas.show_snapshot(snaps[0])  # build the layout outside the timing
            app.processEvents()
            ms = time_canvas(app, canvas, snaps, fit) * 1e3
            view = "fit all" if fit else "opening"
            print(
                f"{T:>4} {H:>4} {view:>8} {np.median(ms):>10.1f} "
                f"{np.percentile(ms, 95):>8.1f} {'< ' + str(TARGETS_MS[(T, H)]):>8}"
            )
            canvas.close()
            canvas.deleteLater()
            app.processEvents()


def trained_state(folder, history):
    """Save a default experiment trained ``history`` updates (a full plot history) into
    ``folder``; return the path (the window loads it, the headless runs too)."""
    from rnnsim.sim import Simulation

    sim = Simulation()
    sim.train(history)
    path = os.path.join(folder, "trained.npz")
    sim.save(path)
    return path


def headless_rate(path, seconds):
    """Updates per second of ``Simulation.train`` without a window, from the saved state."""
    from rnnsim.sim import Simulation

    sim = Simulation()
    sim.load(path)
    start = time.perf_counter()
    done = sim.train(10**9, should_stop=lambda: time.perf_counter() - start > seconds)
    return done / (time.perf_counter() - start)


class StallWatch:
    """Finds what the GUI thread was doing when a probe tick came late (a stall).

    The probe reports each tick (``tick(now)``). A Python thread looks every ``poll_s``
    seconds whether the last tick is more than ``late_s`` old; only then does it sample every
    thread's stack (``sys._current_frames``) every ``every_s`` seconds, until the probe ticks
    again. The garbage collector's passes are timed through ``gc.callbacks``.
    ``report(stalls, start_s)`` prints, for each stall (start, end) over the threshold, the
    garbage collections inside it and the GUI-thread code seen most often.

    Sampling all the time (every 5 ms, as it once did) took the GIL 200 times a second and
    formatted stacks while holding it: that cost the window's training about 4 % of its
    updates, which the headless runs it is compared with did not pay.
    """

    def __init__(self, every_s=0.005, poll_s=0.02, late_s=0.05):
        import threading

        self.every_s, self.poll_s, self.late_s = every_s, poll_s, late_s
        self.samples, self.gcs = [], []
        self.last_tick = None  # perf_counter() of the probe's last tick
        self._gui = threading.get_ident()
        self._gc_start = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self):
        gc.callbacks.append(self._on_gc)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(2)
        gc.callbacks.remove(self._on_gc)

    def tick(self, now):
        """The probe ticked at ``now`` (perf_counter)."""
        self.last_tick = now

    def _on_gc(self, phase, info):
        if phase == "start":
            self._gc_start = time.perf_counter()
        elif self._gc_start is not None:
            self.gcs.append((self._gc_start, time.perf_counter(), info["generation"]))

    def _late(self):
        last = self.last_tick
        return last is not None and time.perf_counter() - last > self.late_s

    def _sample(self):
        import threading

        me = threading.get_ident()
        while not self._stop.wait(self.every_s if self._late() else self.poll_s):
            if not self._late():
                continue
            now = time.perf_counter()
            for ident, frame in sys._current_frames().items():
                if ident == me:
                    continue
                where = []
                while frame is not None and len(where) < 4:
                    where.append((frame.f_code, frame.f_lineno))
                    frame = frame.f_back
                del frame
                self.samples.append((now, "GUI" if ident == self._gui else "other", where))

    @staticmethod
    def _where(frames):
        return " < ".join(
            f"{Path(code.co_filename).name}:{line} {code.co_name}" for code, line in frames
        )

    def report(self, stalls, start_s):
        """Print each stall (start, end): when (seconds after ``start_s``), the garbage
        collections inside it, and the code seen most often in the GUI thread and in the
        others (the worker)."""
        from collections import Counter

        for start, end in stalls:
            gcs = [(b - a) * 1e3 for a, b, gen in self.gcs if a <= end and b >= start]
            print(
                f"    stall of {(end - start) * 1e3:.0f} ms at {start - start_s:.2f} s of training,"
                f" garbage collection {sum(gcs):.0f} ms inside"
            )
            for who in ("GUI", "other"):
                inside = [
                    self._where(w) for t, k, w in self.samples if start <= t <= end and k == who
                ]
                for where, n in Counter(inside).most_common(2):
                    print(f"      {who:5} {n:3d}/{len(inside)} {where}")


def show_every_plot(window):
    """Untab the plot docks: each gets its own place (right and bottom), all visible."""
    from PySide6.QtCore import Qt

    docks = window.plots.docks
    areas = (Qt.DockWidgetArea.RightDockWidgetArea, Qt.DockWidgetArea.BottomDockWidgetArea)
    for i, dock in enumerate(docks):
        window.removeDockWidget(dock)
        window.addDockWidget(areas[i % 2], dock)
        dock.show()


def settle(app, quiet_s=0.3, limit_s=5.0):
    """Process events until no widget has painted for ``quiet_s`` seconds (the window shows
    what it was given, e.g. a loaded state drawn into every plot); return when it last
    painted. The first paint of a loaded state (7 plots of 5000 updates, the canvas, the
    panels) takes a few hundred ms: a stall, but the loading's, not the training's."""
    counter = PaintCounter(app)
    last, end = time.perf_counter(), time.perf_counter() + limit_s
    seen = counter.count
    while time.perf_counter() - last < quiet_s and time.perf_counter() < end:
        app.processEvents()
        if counter.count != seen:
            seen, last = counter.count, time.perf_counter()
        else:
            time.sleep(0.005)
    app.removeEventFilter(counter)
    return last


class WindowTrainer:
    """A MainWindow (canvas, panels and plots shown) that has loaded ``path`` and trains in
    blocks: ``block(seconds, ...)`` starts a training, lets the window run for ``seconds``,
    stops it with the Stop button and waits until the worker is idle. The window stays open
    between blocks, as on a user's desktop; ``marks`` gets when the loaded state was drawn
    and painted (its first paint, every plot at once, is the loading's, not the training's).
    """

    def __init__(self, app, path, hide_plots, marks):
        from rnnsim.gui import MainWindow
        from rnnsim.gui.settings import open_settings

        self.app = app
        self._tmp = tempfile.TemporaryDirectory()
        window = self.window = MainWindow(
            settings=open_settings(os.path.join(self._tmp.name, "s.ini"))
        )
        window.resize(1800, 1100)
        window.show()
        if window.plots is not None:
            if hide_plots:
                for dock in window.plots.docks:
                    dock.hide()
            else:
                show_every_plot(window)
        gc.freeze()  # as rnnsim.gui.run does once the window shows (unfrozen in close())
        loading = time.perf_counter()
        window.cmd_load.emit(path)
        end = loading + 5.0
        while (
            window.snapshot is None or window.snapshot.updates == 0
        ) and time.perf_counter() < end:
            app.processEvents()
        marks["drawn"] = time.perf_counter() - loading
        marks["painted"] = settle(app) - loading
        self.progress = []
        window.worker.progress.connect(
            lambda done, _n, _r: self.progress.append((time.perf_counter(), done))
        )

    def block(self, seconds, late, stalls, on_tick=None, probe=True):
        """Train for ``seconds`` with the 10 ms probe timer running (its lateness into
        ``late``, ticks later than ``STALL_S`` as (start, end) into ``stalls``, each tick
        told to ``on_tick(now)``), or without it (``probe`` False: the window as a user has
        it); return (start time, [(time, updates done)] of the progress signals, window
        redraw times)."""
        window, app = self.window, self.app
        last, interval = [None], 0.010

        def tick():
            now = time.perf_counter()
            if last[0] is not None:
                late.append(max(0.0, now - last[0] - interval))
                if now - last[0] - interval > STALL_S:
                    stalls.append((last[0], now))
            last[0] = now
            if on_tick is not None:
                on_tick(now)

        timer = QTimer()
        timer.setInterval(int(interval * 1000))
        timer.timeout.connect(tick)
        self.progress.clear()
        drawn = len(window.draw_times)
        window.train_n.setValue(10**6)
        start = time.perf_counter()
        window.actions.actionTrain.trigger()
        if probe:
            timer.start()
        loop = QEventLoop()  # as app.exec() runs it: waiting for events without the GIL
        QTimer.singleShot(round(1000 * seconds), loop.quit)
        loop.exec()
        timer.stop()
        progress = list(self.progress)
        window.status.stop.click()
        end = time.perf_counter() + 5.0
        while window.worker.state == "training" and time.perf_counter() < end:
            app.processEvents()
            time.sleep(0.002)
        settle(app, quiet_s=0.1, limit_s=1.0)
        return start, progress, list(window.draw_times)[drawn:]

    def close(self):
        gc.unfreeze()
        self.window.close()
        self.window.deleteLater()
        self.app.processEvents()
        self._tmp.cleanup()


def block_rates(start, progress, warm_s):
    """(updates/s over the whole block, updates/s after its first ``warm_s`` seconds) from
    the progress signals (time, updates done) of a training started at ``start``."""
    if not progress:
        return 0.0, float("nan")
    t_end, done = progress[-1]
    whole = done / (t_end - start)
    steady = [(t, n) for t, n in progress if t >= start + warm_s]
    rate = (
        (steady[-1][1] - steady[0][1]) / (steady[-1][0] - steady[0][0])
        if len(steady) > 1 and steady[-1][0] > steady[0][0]
        else float("nan")
    )
    return whole, rate


class HeadlessTrainer:
    """``Simulation.train`` of the same saved state without a window, in blocks."""

    def __init__(self, path):
        from rnnsim.sim import Simulation

        self.sim = Simulation()
        self.sim.load(path)

    def block(self, seconds):
        """Updates per second over ``seconds`` of training."""
        start = time.perf_counter()
        done = self.sim.train(10**9, should_stop=lambda: time.perf_counter() - start > seconds)
        return done / (time.perf_counter() - start)


def median_ci(values, level=0.9, draws=2000, seed=0):
    """The median of ``values`` and a bootstrap ``level`` interval of it."""
    values = np.asarray(values, dtype=float)
    rng = np.random.default_rng(seed)
    medians = np.median(rng.choice(values, size=(draws, values.size)), axis=1)
    tail = (1 - level) / 2 * 100
    return float(np.median(values)), np.percentile(medians, [tail, 100 - tail])


def bench_lateness(app, block_s, pairs, hide_plots=False, switch_ms=None):
    """Rounds of three blocks of training of the same saved state (5000 updates of history
    behind it, as many as the plots keep), in one process with the window open throughout:
    headless, the window as a user has it, and the window with the lateness probe (the order
    reversed every round, so that a drift of the machine's speed falls on all three); print
    each round's two throughput ratios (window ÷ headless, without and with the probe), their
    medians with bootstrap 90 % intervals, and the probe's lateness.

    On these shared 2-core machines the speed of identical 1.5 s blocks of training moves by
    up to ±30 % from block to block (measured: headless in the main thread against the same
    in a Python thread, pair ratios 0.68–1.32, median 0.99), so a few long runs cannot tell
    0.83 from 0.9; many short alternating rounds can.

    Why the probe gets blocks of its own: the probe (a Python slot 100 times a second) and
    the stall watcher (a Python thread polling 50 times a second) take the GIL 150 times a
    second that a user's window does not, and each time the worker thread, which holds the
    GIL between its NumPy calls, has to hand it over and wait to get it back (``perf`` on
    the worker: every time it left the CPU while training, it was waiting for the GIL in
    ``take_gil``). The ratio with the probe is printed too (it is what this benchmark gave
    before rounds of three blocks).
    """
    with tempfile.TemporaryDirectory() as tmp:
        path = trained_state(tmp, 5000)
        if switch_ms is not None:
            previous_switch = sys.getswitchinterval()
            sys.setswitchinterval(switch_ms / 1000)
        late, draws, headless = [], [], []
        ratios = {"plain": [], "probe": []}  # window ÷ headless per round, without/with probe
        steady_ratios = {"plain": [], "probe": []}
        rates = {"plain": [], "probe": []}
        marks = {}
        trainer = WindowTrainer(app, path, hide_plots, marks)
        alone = HeadlessTrainer(path)
        print(
            f"  loaded state drawn {marks['drawn'] * 1e3:.0f} ms, painted "
            f"{marks['painted'] * 1e3:.0f} ms after File > Open"
        )
        print(
            f"  {'round':>5} {'headless/s':>10} {'window/s':>9} {'ratio':>6} {'steady':>6}"
            f" {'probed/s':>9} {'ratio':>6} {'late p95 ms':>11} {'max ms':>7}"
        )
        try:
            for k in range(pairs):
                order = ("headless", "plain", "probe")
                got, late_run, stalls, watch = {}, [], [], StallWatch()  # the probe's block
                for what in order if k % 2 == 0 else order[::-1]:
                    if what == "headless":
                        got[what] = alone.block(block_s)
                    elif what == "plain":
                        got[what] = trainer.block(block_s, [], [], probe=False)
                    else:
                        with watch:
                            got[what] = trainer.block(block_s, late_run, stalls, watch.tick)
                h = got["headless"]
                headless.append(h)
                for what in ("plain", "probe"):
                    start, progress, d = got[what]
                    whole, steady = block_rates(start, progress, STEADY_AFTER_S)
                    draws.extend(d)
                    rates[what].append(whole)
                    ratios[what].append(whole / h)
                    steady_ratios[what].append(steady / h)
                late.extend(late_run)
                ms = np.array(late_run) * 1e3
                print(
                    f"  {k + 1:>5} {h:>10.0f} {rates['plain'][-1]:>9.0f} "
                    f"{ratios['plain'][-1]:>6.2f} {steady_ratios['plain'][-1]:>6.2f} "
                    f"{rates['probe'][-1]:>9.0f} {ratios['probe'][-1]:>6.2f} "
                    f"{np.percentile(ms, 95):>11.1f} {ms.max():>7.1f}"
                )
                watch.report(stalls, got["probe"][0])
        finally:
            trainer.close()
            if switch_ms is not None:
                sys.setswitchinterval(previous_switch)
    ms = np.array(late) * 1e3
    what = "canvas and panels, plots hidden" if hide_plots else "canvas, panels, every plot shown"
    switch = f", GIL switch interval {switch_ms} ms" if switch_ms is not None else ""
    print(
        f"\nGUI event loop while training ({pairs} rounds of three {block_s:g} s blocks: "
        f"headless, window, window with the probe; window with {what}{switch}, 5000 updates "
        f"of history)"
    )
    print(
        f"  10 ms timer lateness: median {np.median(ms):.1f} ms, p95 "
        f"{np.percentile(ms, 95):.1f} ms, max {ms.max():.1f} ms (target p95 < 30 ms)"
    )
    for key, label in (("plain", "the window"), ("probe", "the window with the probe")):
        ratio, (lo, hi) = median_ci(ratios[key])
        finite = [r for r in steady_ratios[key] if np.isfinite(r)]
        steady = "n/a (blocks too short)"
        if finite:
            med, (slo, shi) = median_ci(finite)
            steady = f"{med:.2f} ({slo:.2f}–{shi:.2f})"
        target = "; target >= 0.9" if key == "plain" else ""
        print(
            f"  training with {label}: median {np.median(rates[key]):.0f} updates/s, "
            f"{np.median(headless):.0f} headless; ratio: median {ratio:.2f} "
            f"(90 % interval {lo:.2f}–{hi:.2f}{target}); after the first "
            f"{STEADY_AFTER_S:g} s of each block {steady}"
        )
    draws = np.array(draws) * 1e3
    if draws.size:
        print(
            f"  window redraw per snapshot: median {np.median(draws):.1f} ms, p95 "
            f"{np.percentile(draws, 95):.1f} ms over {draws.size} snapshots"
        )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer samples, shorter run")
    parser.add_argument("--only", choices=("canvas", "lateness"), help="run one part")
    parser.add_argument(
        "--hide-plots",
        action="store_true",
        help="lateness with the plot docks hidden (the window's own share)",
    )
    parser.add_argument(
        "--switch-ms",
        type=float,
        default=None,
        help="sys.setswitchinterval during the lateness run (default: Python's)",
    )
    parser.add_argument(
        "--pairs",
        type=int,
        default=None,
        help="rounds of headless, window and probed window blocks (default 16, quick 6)",
    )
    parser.add_argument(
        "--block", type=float, default=3.0, help="seconds of training per block (default 3)"
    )
    args = parser.parse_args(argv)
    app = QApplication.instance() or QApplication(["bench_gui"])
    if args.only in (None, "canvas"):
        bench_canvas(app, 15 if args.quick else 40)
    if args.only in (None, "lateness"):
        bench_lateness(
            app,
            args.block,
            args.pairs or (6 if args.quick else 16),
            args.hide_plots,
            args.switch_ms,
        )


if __name__ == "__main__":
    main()
