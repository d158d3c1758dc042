"""Plot cost: update time per snapshot of each plot, and the GUI thread while training.

    .venv/bin/python benchmarks/bench_plots.py            # ~1 min
    .venv/bin/python benchmarks/bench_plots.py --quick

Part 1 draws real snapshots (a Simulation of the wolf task) into each plot of a shown,
offscreen window: ``show_snapshot`` (setData/setImage) alone, and followed by a synchronous
repaint of the plot. Part 2 trains in the SimulationWorker thread with every plot visible at
once (after 5000 updates, a full plot history), PlotDocks.update on each published snapshot,
the GUI thread waiting in its event loop as app.exec() does, and a 10 ms probe timer on it:
it prints the probe's lateness (actual interval − 10 ms) and the training rate relative to the
same training without a window. It measures and prints; it asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from PySide6.QtCore import QElapsedTimer, QEventLoop, Qt, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow

from rnnsim.gui.plots import PlotDocks
from rnnsim.sim import Experiment, Simulation

CASES = {
    "wolf (T=4, H=16)": ({"task.gap": "2"}, 1.0),
    "long (T=32, H=64)": ({"task.gap": "30", "n_hidden": "64"}, 0.1),
}
# (settings, share of part 1's history length: long sequences train slower)
PROBE_MS = 10


def snapshots(values, history):
    """Two complete snapshots (after the backward sweep) with ``history`` updates behind."""
    sim = Simulation(Experiment().with_values(values))
    sim.train(history)
    out = []
    for _ in range(2):
        sim.new_sequence()
        while not sim.run.swept:
            sim.run_to_end()
        out.append(sim.snapshot())
    return out


def window_with_every_plot(app):
    """A 1800×1100 window with the seven plot docks side by side, all visible."""
    win = QMainWindow()
    win.resize(1800, 1100)
    docks = PlotDocks(win)
    areas = (
        Qt.DockWidgetArea.LeftDockWidgetArea,
        Qt.DockWidgetArea.RightDockWidgetArea,
        Qt.DockWidgetArea.BottomDockWidgetArea,
    )
    for i, dock in enumerate(docks.docks):
        win.addDockWidget(areas[i % 3], dock)
    win.show()
    app.processEvents()
    return win, docks


def bench_draw(app, docks, repeats, history):
    print(f"\nPart 1: per-plot update time per snapshot (median of {repeats}, ms)")
    for case, (values, share) in CASES.items():
        snaps = snapshots(values, max(50, int(history * share)))
        print(f"\n  {case}, history of {len(snaps[0].history.loss)} updates")
        print(f"  {'plot':<15}{'setData':>10}{'+ repaint':>12}")
        total_set = total_paint = 0.0
        for name, plot in docks.plots.items():
            t_set, t_all = [], []
            for i in range(repeats):
                start = time.perf_counter()
                plot.show_snapshot(snaps[i % 2])
                mid = time.perf_counter()
                plot.graphics.viewport().repaint()
                t_set.append(mid - start)
                t_all.append(time.perf_counter() - start)
            a, b = 1e3 * statistics.median(t_set), 1e3 * statistics.median(t_all)
            total_set, total_paint = total_set + a, total_paint + b
            print(f"  {name:<15}{a:>10.2f}{b:>12.2f}")
        print(f"  {'all seven':<15}{total_set:>10.2f}{total_paint:>12.2f}")
        app.processEvents()


def headless_rate(experiment, n, seconds=None, snapshots=False):
    """Updates per second of ``Simulation.train`` without a window (n updates, or for
    ``seconds`` when n is None); with ``snapshots``, a Snapshot is built at every progress
    callback (~30 per second), as the worker does for the window."""
    sim = Simulation(experiment)
    callback = (lambda p: sim.snapshot()) if snapshots else None
    start = time.perf_counter()
    if n is None:
        done = sim.train(10**9, should_stop=lambda: time.perf_counter() - start > seconds)
    else:
        done = sim.train(n, callback=callback)
    return done / (time.perf_counter() - start)


def bench_training(app, docks, seconds_per_run, history):
    from rnnsim.gui.worker import WorkerThread

    print(
        f"\nPart 2: training in the worker thread for ~{seconds_per_run:g} s, every plot "
        "visible; headless runs of the same updates before and after"
    )
    for case, (values, share) in CASES.items():
        history_n = max(50, int(history * share))
        experiment = Experiment().with_values(values)
        n = max(20, int(headless_rate(experiment, None, 1.0) * seconds_per_run))
        before = headless_rate(experiment, n)
        worker_thread = WorkerThread(experiment)
        worker_thread.worker.sim.train(history_n)  # a full plot history (thread not started yet)
        worker_thread.worker.snapshot_ready.connect(
            docks.update, Qt.ConnectionType.QueuedConnection
        )
        lateness, clock, state = [], QElapsedTimer(), {"done": False, "start": 0.0}
        probe = QTimer()
        probe.setTimerType(Qt.TimerType.PreciseTimer)
        probe.setInterval(PROBE_MS)

        def tick(lateness=lateness, clock=clock):
            lateness.append(max(0.0, clock.restart() - PROBE_MS))

        probe.timeout.connect(tick)
        loop = QEventLoop()  # waits as app.exec() does, without holding the GIL
        worker_thread.worker.state_changed.connect(
            lambda s, state=state, loop=loop: (
                (state.update(done=True, end=time.perf_counter()), loop.quit())
                if s == "idle" and state["start"]
                else None
            ),
            Qt.ConnectionType.QueuedConnection,
        )
        worker_thread.start()
        draws_before = len(docks.draw_times)
        _spin(app, 0.3)
        clock.start()
        probe.start()
        state["start"] = time.perf_counter()
        _invoke_train(worker_thread, n)
        if not state["done"]:
            loop.exec()
        probe.stop()
        seconds = state["end"] - state["start"]
        worker_thread.close()
        draws = docks.draw_times[draws_before:]
        gui_rate = n / seconds
        rate = (before + headless_rate(experiment, n)) / 2
        with_snaps = headless_rate(experiment, n, snapshots=True)
        lat = sorted(lateness)
        p95 = lat[int(0.95 * (len(lat) - 1))] if lat else float("nan")
        print(f"\n  {case}, {n} updates after {history_n} (the history the plots show)")
        print(
            f"  GUI-thread lateness of a {PROBE_MS} ms timer: median "
            f"{statistics.median(lat):.1f} ms, p95 {p95:.1f} ms, max {lat[-1]:.1f} ms "
            f"({len(lat)} ticks)"
        )
        print(
            f"  plot redraws: {len(draws)} in {seconds:.2f} s ({len(draws) / seconds:.1f} /s), "
            f"median {1e3 * statistics.median(draws):.1f} ms, max {1e3 * max(draws):.1f} ms, "
            f"{100 * sum(draws) / seconds:.0f} % of the GUI thread"
            if draws
            else "  plot redraws: none"
        )
        print(
            f"  training: {gui_rate:.0f} updates/s with the plots, {rate:.0f} headless "
            f"(ratio {gui_rate / rate:.2f}), {with_snaps:.0f} headless building a Snapshot "
            f"every 30 ms (ratio {gui_rate / with_snaps:.2f})"
        )


def _invoke_train(worker_thread, n):
    from PySide6.QtCore import Q_ARG, QMetaObject

    QMetaObject.invokeMethod(
        worker_thread.worker, "train", Qt.ConnectionType.QueuedConnection, Q_ARG(int, n)
    )


def _spin(app, seconds):
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        app.processEvents()
        time.sleep(0.001)


def _quiet_qt_messages():
    """Drop the offscreen platform's "does not support propagateSizeHints" notices."""
    from PySide6.QtCore import qInstallMessageHandler

    def handler(mode, context, message):
        if "propagateSizeHints" not in message:
            print(message, file=sys.stderr)

    qInstallMessageHandler(handler)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats and updates")
    parser.add_argument("--part", type=int, choices=(1, 2), help="run only part 1 or 2")
    args = parser.parse_args(argv)
    _quiet_qt_messages()
    app = QApplication.instance() or QApplication(["bench_plots"])
    win, docks = window_with_every_plot(app)
    try:
        if args.part != 2:
            bench_draw(app, docks, 10 if args.quick else 40, 1000 if args.quick else 5000)
        if args.part != 1:
            bench_training(app, docks, 2.0 if args.quick else 6.0, 1000 if args.quick else 5000)
    finally:
        win.close()
        win.deleteLater()
        app.processEvents()


if __name__ == "__main__":
    main()
