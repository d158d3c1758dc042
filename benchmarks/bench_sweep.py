"""Sweep backends on the same grid: cells per second and the overhead per cell.

Runs one grid on the ``processes`` backend and on an embedded Dask ``LocalCluster`` (the same
number of worker processes, one thread and one BLAS thread each), alternating, a few rounds:

- *wall*: from ``SweepRun.start()`` until the last result is in, startup included (spawning
  the workers, starting the cluster);
- *startup*: until the backend is up and every run submitted;
- *cells/s*: runs per second of wall time after startup;
- *overhead/cell*: (workers × wall after startup − Σ training time of the runs) / runs, the
  time a worker slot spends per run on anything but training and scoring it (dispatch,
  serialising, the first import of rnnsim in a fresh worker, waiting at the end).

Two grids: "1 s cells" (the target: dask within 10 % of processes in cells/s) and "small
cells" (about 0.05 s, where the per-cell overhead shows). The machine's load average is
printed with the figures: on a shared machine, compare the two backends within one run of this
script, not with figures from another time.

    python benchmarks/bench_sweep.py             # 3 rounds
    python benchmarks/bench_sweep.py --quick     # 1 round
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rnnsim.sim import Experiment
from rnnsim.sim.sweep import SweepRun, SweepSpec, estimate

BASE = Experiment(n_hidden=32, batch_size=32, knobs={"gap": 8})


def grid(seconds_per_run: float, runs: int = 12) -> SweepSpec:
    """A grid of ``runs`` runs (gap × seeds) sized so that one run trains for about
    ``seconds_per_run`` here (from a short calibration)."""
    probe = SweepSpec(BASE, "task.gap", [6, 8, 10], updates=50, eval_batch=256)
    est = estimate(probe)
    updates = max(
        5, round((seconds_per_run - est.seconds_per_run_fixed) / max(est.seconds_per_update, 1e-6))
    )
    return SweepSpec(
        BASE, "task.gap", [6, 8, 10], updates=updates, eval_batch=256, seeds=max(1, runs // 3)
    )


def run_once(spec: SweepSpec, backend: str, workers: int) -> dict:
    t0 = time.perf_counter()
    run = SweepRun(spec, workers=workers, backend=backend)
    run.start()
    t1 = time.perf_counter()
    result = run.run()
    t2 = time.perf_counter()
    run.cancel()
    assert result.completed == spec.runs and not result.counts("failed").any(), backend
    busy = sum(r.seconds for r in result.runs.values())
    after = t2 - t1
    return {
        "wall": t2 - t0,
        "startup": t1 - t0,
        "after": after,
        "cells_per_s": spec.runs / after,
        "overhead": (workers * after - busy) / spec.runs,
        "run_s": busy / spec.runs,
    }


def measure(name: str, spec: SweepSpec, workers: int, rounds: int) -> dict:
    got: dict[str, list[dict]] = {"processes": [], "dask": []}
    for i in range(rounds):
        order = ("processes", "dask") if i % 2 == 0 else ("dask", "processes")
        for backend in order:
            got[backend].append(run_once(spec, backend, workers))
    print(
        f"\n{name}: {spec.describe()}, {workers} workers, {rounds} rounds "
        f"(median; load average {os.getloadavg()[0]:.1f})"
    )
    print(
        f"{'backend':<10} {'wall s':>8} {'startup s':>10} {'run s':>7} {'cells/s':>8} "
        f"{'overhead/cell s':>16}"
    )
    medians = {}
    for backend, rows in got.items():
        m = {k: statistics.median(r[k] for r in rows) for k in rows[0]}
        medians[backend] = m
        print(
            f"{backend:<10} {m['wall']:8.2f} {m['startup']:10.2f} {m['run_s']:7.3f} "
            f"{m['cells_per_s']:8.2f} {m['overhead']:16.3f}"
        )
    ratio = medians["dask"]["cells_per_s"] / medians["processes"]["cells_per_s"]
    print(f"dask / processes cells/s: {ratio:.3f} (target on 1 s cells: >= 0.90)")
    return medians


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="one round")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    rounds = 1 if args.quick else 3
    print(f"cpus {os.cpu_count()}, load average {os.getloadavg()[0]:.1f}")
    measure("1 s cells", grid(1.0), args.workers, rounds)
    measure("small cells", grid(0.05, runs=30), args.workers, rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
