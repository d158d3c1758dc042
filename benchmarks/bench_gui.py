"""Measure the window: canvas update time per snapshot, and GUI event-loop lateness in training.

1. Canvas: real snapshots of the wolf task from a ``Simulation`` (stepped forward, through
   the backward sweep and across updates, so every snapshot differs), drawn one after the
   other into a ``NetworkCanvas`` of 1400×700 pixels. A sample is ``show_snapshot`` plus the
   repaint it causes (``processEvents`` until the viewport has painted), in two views: the
   canvas as it opens (a window of columns around the cursor, texts readable) and fitted to
   the whole network (units merged into nodes when too small). Targets: median < 16 ms at
   T = 50, H = 32 and < 50 ms at T = 200, H = 256.
2. Lateness: the MainWindow (canvas, panels and plots) trains N updates in its worker thread
   while a 10 ms QTimer in the GUI thread records how late each tick fires. Target: p95 < 30 ms.

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_gui.py            # both, as in the note
    QT_QPA_PLATFORM=offscreen python benchmarks/bench_gui.py --quick    # fewer samples

The script prints figures; it does not assert.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication

SIZES = ((50, 32), (200, 256))  # (T, H)
TARGETS_MS = {(50, 32): 16.0, (200, 256): 50.0}


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
            print(f"{T:>4} {H:>4} {view:>8} {np.median(ms):>10.1f} "
                  f"{np.percentile(ms, 95):>8.1f} {'< ' + str(TARGETS_MS[(T, H)]):>8}")
            canvas.close()
            canvas.deleteLater()
            app.processEvents()


def bench_lateness(app, seconds, updates, hide_plots=False, switch_ms=None):
    from rnnsim.gui import MainWindow
    from rnnsim.gui.settings import open_settings

    with tempfile.TemporaryDirectory() as tmp:
        window = MainWindow(settings=open_settings(os.path.join(tmp, "s.ini")))
        window.show()
        if hide_plots and window.plots is not None:
            for dock in window.plots.docks:
                dock.hide()
        if switch_ms is not None:
            previous_switch = sys.getswitchinterval()
            sys.setswitchinterval(switch_ms / 1000)
        end = time.perf_counter() + 2.0
        while window.snapshot is None and time.perf_counter() < end:
            app.processEvents()
        late, last = [], [None]
        interval = 0.010

        def tick():
            now = time.perf_counter()
            if last[0] is not None:
                late.append(max(0.0, now - last[0] - interval))
            last[0] = now

        timer = QTimer()
        timer.setInterval(int(interval * 1000))
        timer.timeout.connect(tick)
        window.train_n.setValue(updates)
        window.actions.actionTrain.trigger()
        timer.start()
        start = time.perf_counter()
        while time.perf_counter() - start < seconds:
            app.processEvents()
            time.sleep(0.001)
        timer.stop()
        if switch_ms is not None:
            sys.setswitchinterval(previous_switch)
        done = window.snapshot.updates
        draws = np.array(window.draw_times) * 1e3
        window.close()
        window.deleteLater()
        app.processEvents()
    ms = np.array(late) * 1e3
    what = "canvas and panels, plots hidden" if hide_plots else "canvas, panels and plots"
    switch = f", GIL switch interval {switch_ms} ms" if switch_ms is not None else ""
    print(f"\nGUI event loop while training ({seconds:.0f} s, {done} updates done, "
          f"{done / seconds:.0f} updates/s, window with {what}{switch})")
    print(f"  10 ms timer lateness: median {np.median(ms):.1f} ms, p95 "
          f"{np.percentile(ms, 95):.1f} ms, max {ms.max():.1f} ms (target p95 < 30 ms)")
    if draws.size:
        print(f"  window redraw per snapshot: median {np.median(draws):.1f} ms, p95 "
              f"{np.percentile(draws, 95):.1f} ms over {draws.size} snapshots")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer samples, shorter run")
    parser.add_argument("--only", choices=("canvas", "lateness"), help="run one part")
    parser.add_argument("--hide-plots", action="store_true",
                        help="lateness with the plot docks hidden (the window's own share)")
    parser.add_argument("--switch-ms", type=float, default=None,
                        help="sys.setswitchinterval during the lateness run (default: Python's)")
    args = parser.parse_args(argv)
    app = QApplication.instance() or QApplication(["bench_gui"])
    if args.only in (None, "canvas"):
        bench_canvas(app, 15 if args.quick else 40)
    if args.only in (None, "lateness"):
        bench_lateness(app, 3.0 if args.quick else 8.0, 100_000, args.hide_plots, args.switch_ms)


if __name__ == "__main__":
    main()
