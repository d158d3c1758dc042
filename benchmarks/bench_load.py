"""Does training hold its pace when another program keeps a core busy?

Training steps (one update each: ``TrainingSession.run`` for one batch, as the window's worker
runs its chunks) of four configurations, each timed idle and while a competing process keeps
one core busy, with the BLAS threads sized to the network (``rnnsim.engine.threads``) and with
NumPy's default (every core). The competing process is started by this script for each loaded
block and stopped after it; it ends by itself after ``--max-load-s`` seconds at most, whatever
happens here.

Idle and loaded blocks alternate (``rounds`` times per case, which comes first alternating
too), and so do the two settings within them, so that the machine's own drift (other programs,
the host) falls on every column alike; each (phase, setting) trains its own simulation from the
same seed, so each column covers the same updates (the first 100 score the task's metrics on
every update, later ones every 10th: see ``rnnsim.sim.training``).

Per case: median and p90 of the step time, idle and loaded, for both settings; ``p90/idle`` is
the loaded p90 over the idle median of the same setting (target <= 1.5 at teaching sizes,
H <= 64), and ``vs default`` the loaded median and p90 with sized threads over those with
NumPy's default (target: no case slower, <= 1.0). A reference row times a fixed amount of
NumPy work of about the wolf step's length the same way: what the machine alone does to a step
that never changes.

The second table says where the loaded p90 comes from (sized threads): the step's CPU time
(``time.thread_time``: grows when the step itself needs more cycles, e.g. a core or its caches
shared with the competitor), the top 10 % of steps by wall time and what they had in common
(scored metrics, a garbage collection, an involuntary context switch), and the CPU time the
process's other threads (BLAS workers) used during the loaded blocks. ``--detail`` adds each
step's scheduler wait and CPU migrations (from /proc, read outside the timed interval).

    python benchmarks/bench_load.py            # ~2.5 min
    python benchmarks/bench_load.py --quick    # ~1 min
    python benchmarks/bench_load.py --quick --pin-load 1   # competitor pinned to CPU 1
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rnnsim.engine.threads import current_blas_threads
from rnnsim.sim import Simulation
from rnnsim.sim.presets import load_preset
from rnnsim.sim.training import TrainingMixin

CASES = {  # name → (preset, changes as "field" or "task.knob" → value)
    "wolf default (elman H16 T4)": ("wolf", {}),
    "wolf gap 20 (elman H64 T22)": ("wolf", {"task.gap": 20, "n_hidden": 64}),
    "lstm rescue (lstm H32 T32)": ("lstm-rescue", {}),
    "wolf gap 20 (elman H256 T22)": ("wolf", {"task.gap": 20, "n_hidden": 256}),
}
REFERENCE = "reference: fixed NumPy work"
TEACHING_H = 64  # cases up to this hidden size have the p90 target
BURN = (
    "import os, time\n{pin}end = time.monotonic() + {limit}\n"
    "while time.monotonic() < end:\n    pass\n"
)
PHASES = ("idle", "loaded")
# this thread's counters where the OS has them (Linux), else the process's
_RUSAGE = getattr(resource, "RUSAGE_THREAD", resource.RUSAGE_SELF)
CHUNK_S = 0.01  # seconds per TrainingSession.run, as CHUNK_SECONDS in rnnsim/gui/worker.py
SETTINGS = ("sized", "default")


@dataclass
class Steps:
    """Per-step records of one (case, phase, setting)."""

    wall: list[float] = field(default_factory=list)  # ms
    cpu: list[float] = field(default_factory=list)  # ms of this thread's CPU time
    scored: list[bool] = field(default_factory=list)  # the task's metrics were computed
    gc: list[bool] = field(default_factory=list)  # a garbage collection ran in the step
    switched: list[bool] = field(default_factory=list)  # an involuntary context switch
    wait: list[float] = field(default_factory=list)  # ms on a run queue (--detail)
    migrated: list[bool] = field(default_factory=list)  # moved to another CPU (--detail)
    others_cpu: float = 0.0  # s of CPU time of the process's other threads in the blocks
    blocks_s: float = 0.0  # s of wall time in the blocks
    blas: set = field(default_factory=set)  # BLAS threads seen inside the steps


_collections = [0]


def _count_gc(phase, info) -> None:
    if phase == "start":
        _collections[0] += 1


def make_sim(preset: str, changes: dict) -> Simulation:
    exp = load_preset(preset).experiment
    return Simulation(exp.with_values(changes) if changes else exp)


def _sched() -> tuple[int, int]:
    """(ns waited on a run queue, CPU migrations) of the calling thread so far."""
    with open("/proc/thread-self/schedstat") as f:
        wait = int(f.read().split()[1])
    with open("/proc/thread-self/sched") as f:
        for line in f:
            if line.startswith("se.nr_migrations"):
                return wait, int(line.split(":")[1])
    return wait, 0


def _others_cpu() -> float:
    """Seconds of CPU time used so far by the process's threads other than this one."""
    me, total = str(os.getpid()), 0
    if not os.path.isdir("/proc/self/task"):  # not Linux: not measured
        return float("nan")
    for tid in os.listdir("/proc/self/task"):
        if tid == me:  # the main thread: the one timing here
            continue
        try:
            with open(f"/proc/self/task/{tid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:  # the thread ended meanwhile
            continue
        total += int(fields[11]) + int(fields[12])  # utime + stime, in clock ticks
    return total / os.sysconf("SC_CLK_TCK")


def _fixed_work(x: np.ndarray, w: np.ndarray, rounds: int = 150) -> None:
    """A step that never changes: small products and element-wise ops, like a tiny RNN."""
    for _ in range(rounds):
        np.tanh(x @ w, out=x)


class _Reference:
    """Stands in for a training session: ``run`` does ``_fixed_work`` (no training)."""

    threads = 1
    training = None

    def __init__(self) -> None:
        rng = np.random.default_rng(0)
        self.x, self.w = rng.standard_normal((32, 16)), rng.standard_normal((16, 16)) / 4

    def run(self, budget_s=None, should_stop=None) -> bool:
        end = time.perf_counter() + (budget_s or 0.0)
        while not (should_stop is not None and should_stop()):
            _fixed_work(self.x, self.w)
            if time.perf_counter() >= end:
                break
        return False

    def finish(self) -> int:
        return 0


class _Recorder:
    """``should_stop`` of a chunk: called before every batch, it closes the step before
    (wall and CPU time since it began) and begins the next, bookkeeping in between so that
    none of it is timed."""

    def __init__(self, out: Steps, training, max_steps: int, detail: bool) -> None:
        self.out, self.training, self.left, self.detail = out, training, max_steps, detail
        self.open = False

    def close(self) -> None:
        stop, cpu = time.perf_counter(), time.thread_time()
        if not self.open:
            return
        self.open = False
        out = self.out
        out.wall.append((stop - self.start) * 1e3)
        out.cpu.append((cpu - self.cpu) * 1e3)
        out.scored.append(self.scored)
        out.switched.append(resource.getrusage(_RUSAGE).ru_nivcsw > self.switches)
        out.gc.append(_collections[0] > self.collections)
        if self.detail:
            wait, migrations = _sched()
            out.wait.append((wait - self.sched[0]) / 1e6)
            out.migrated.append(migrations > self.sched[1])

    def __call__(self) -> bool:
        self.close()
        if self.left <= 0:
            return True
        self.left -= 1
        t = self.training
        self.scored = t is not None and TrainingMixin._scored(t.updates + 1)
        self.switches = resource.getrusage(_RUSAGE).ru_nivcsw
        self.collections = _collections[0]
        if self.detail:
            self.sched = _sched()
        self.open = True
        self.start, self.cpu = time.perf_counter(), time.thread_time()
        return False


def time_steps(target, sized: bool, seconds: float, max_steps: int, out: Steps, detail=False):
    """Time up to ``max_steps`` training steps of ``target`` (a Simulation, or a
    ``_Reference``) within ``seconds``, appending to ``out``.

    The steps run as the window's worker runs them: ``TrainingSession.run`` in chunks of
    ``CHUNK_S`` (each chunk sets the BLAS threads once), each step timed from the session's
    check before its batch to the check before the next (or the chunk's end).
    """
    if isinstance(target, Simulation):
        session = target.begin_training(10**9)
        if not sized:
            session.threads = 0  # NumPy's default: every thread the process has
        training = target.training
    else:
        session, training = target, None

    def probe() -> bool:  # called inside the chunk, with its BLAS threads set
        out.blas.add(current_blas_threads())
        return False

    for _ in range(5 if not out.wall else 1):  # first calls (imports, buffers) untimed
        session.run(budget_s=0.0, should_stop=probe if training is not None else None)
    recorder = _Recorder(out, training, max_steps, detail)
    others, begin = _others_cpu(), time.perf_counter()
    end = begin + seconds
    while recorder.left > 0 and time.perf_counter() < end:
        session.run(budget_s=CHUNK_S, should_stop=recorder)
        recorder.close()
    out.blocks_s += time.perf_counter() - begin
    out.others_cpu += _others_cpu() - others
    session.finish()


def p90(values: list[float]) -> float:
    return statistics.quantiles(values, n=10)[-1]


def start_load(limit_s: float, pin: int | None) -> subprocess.Popen:
    """A process spinning on one core for at most ``limit_s`` seconds (pinned to CPU ``pin``
    unless None)."""
    pin_code = "" if pin is None else f"os.sched_setaffinity(0, {{{int(pin)}}})\n"
    return subprocess.Popen([sys.executable, "-c", BURN.format(pin=pin_code, limit=limit_s)])


def stop_load(burner: subprocess.Popen) -> None:
    burner.terminate()
    burner.wait(10)


def measure(cases, seconds: float, rounds: int, limit_s: float, pin, detail: bool) -> dict:
    """{case: {(phase, setting): Steps}}: blocks of both phases and both settings, alternated
    ``rounds`` times per case (which phase, and which setting, comes first alternates too)."""
    out: dict = {}
    for name, spec in cases.items():
        if spec is None:
            targets = {(p, s): _Reference() for p in PHASES for s in ("sized",)}
        else:
            targets = {(p, s): make_sim(*spec) for p in PHASES for s in SETTINGS}
        steps = {key: Steps() for key in targets}
        for r in range(rounds):
            for phase in PHASES if r % 2 == 0 else PHASES[::-1]:
                burner = start_load(limit_s, pin) if phase == "loaded" else None
                try:
                    if burner is not None:
                        time.sleep(0.2)  # the competitor starts spinning
                    # every order of phases and settings once in 4 rounds
                    for setting in SETTINGS if r // 2 % 2 == 0 else SETTINGS[::-1]:
                        if (phase, setting) not in targets:
                            continue
                        time.sleep(0.2)  # let the other setting's BLAS threads go to sleep
                        time_steps(
                            targets[phase, setting],
                            setting == "sized",
                            seconds / rounds,
                            2000,
                            steps[phase, setting],
                            detail,
                        )
                finally:
                    if burner is not None:
                        stop_load(burner)
        out[name] = steps
    return out


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter runs")
    parser.add_argument("--seconds", type=float, default=None, help="per case, phase, setting")
    parser.add_argument("--max-load-s", type=float, default=60.0, help="competitor's limit")
    parser.add_argument("--pin-load", type=int, default=None, help="pin the competitor to a CPU")
    parser.add_argument("--detail", action="store_true", help="scheduler wait, migrations")
    parser.add_argument("--only", default=None, help="cases whose name contains this")
    args = parser.parse_args(argv)
    if args.detail and not os.path.exists("/proc/thread-self/schedstat"):
        parser.error("--detail reads /proc/thread-self (Linux with schedstats)")
    seconds = args.seconds or (2.0 if args.quick else 5.0)
    rounds = 4 if args.quick else 8
    gc.callbacks.append(_count_gc)
    cases: dict = {k: v for k, v in CASES.items() if args.only is None or args.only in k}
    cases[REFERENCE] = None
    pin = "unpinned" if args.pin_load is None else f"pinned to CPU {args.pin_load}"
    print(
        f"BLAS threads by default {current_blas_threads()}, cpus {os.cpu_count()}; "
        f"load average at start {os.getloadavg()[0]:.2f}; {seconds:g} s per case, phase and "
        f"setting in {rounds} alternating rounds; competitor {pin}"
    )
    results = measure(cases, seconds, rounds, args.max_load_s, args.pin_load, args.detail)
    print(f"load average at the end {os.getloadavg()[0]:.2f}")
    print(
        f"{'case':30} {'setting':8} {'idle med':>9} {'idle p90':>9} {'load med':>9} "
        f"{'load p90':>9} {'p90/idle':>8} {'target':>6} {'vs default':>10}"
    )
    for name, steps in results.items():
        H = None if cases[name] is None else make_sim(*cases[name]).experiment.n_hidden
        for setting in SETTINGS:
            if ("idle", setting) not in steps:
                continue
            i, b = steps["idle", setting].wall, steps["loaded", setting].wall
            ratio = p90(b) / statistics.median(i)
            goal = "1.5" if H is not None and H <= TEACHING_H else "-"
            mark = "" if goal == "-" else (" ok" if ratio <= 1.5 else " MISS")
            versus = ""
            if setting == "sized" and ("loaded", "default") in steps:
                d = steps["loaded", "default"].wall
                versus = (
                    f"{statistics.median(b) / statistics.median(d):4.2f}/{p90(b) / p90(d):4.2f}"
                )
            print(
                f"{name:30} {setting:8} {statistics.median(i):9.3f} {p90(i):9.3f} "
                f"{statistics.median(b):9.3f} {p90(b):9.3f} {ratio:8.2f} {goal:>6}{mark:5} "
                f"{versus:>10}",
                flush=True,
            )
    print()
    print("where the loaded p90 comes from (sized threads; top = the slowest 10 % of steps):")
    header = (
        f"{'case':30} {'phase':6} {'steps':>5} {'cpu med':>8} {'cpu p90':>8} {'top wall':>8} "
        f"{'top cpu':>8} {'scored':>6} {'top:scored':>10} {'gc':>5} {'switch':>6} "
        f"{'rest:switch':>11} {'others %':>8} {'blas':>4}"
    )
    if args.detail:
        header += f" {'top wait':>8} {'rest wait':>9} {'top migr':>8}"
    print(header)
    for name, steps in results.items():
        for phase in PHASES:
            s = steps[phase, "sized"]
            wall, cpu = np.array(s.wall), np.array(s.cpu)
            top = wall >= np.quantile(wall, 0.9)
            line = (
                f"{name:30} {phase:6} {len(wall):5d} {np.median(cpu):8.3f} "
                f"{np.quantile(cpu, 0.9):8.3f} {wall[top].mean():8.3f} {cpu[top].mean():8.3f} "
                f"{np.mean(s.scored):6.0%} {_share(s.scored, top):10.0%} {_share(s.gc, top):5.0%} "
                f"{_share(s.switched, top):6.0%} {_share(s.switched, ~top):11.0%} "
                f"{100 * s.others_cpu / max(s.blocks_s, 1e-9):8.1f} "
                f"{','.join(str(b) for b in sorted(s.blas)) or '-':>4}"
            )
            if args.detail:
                wait = np.array(s.wait)
                line += (
                    f" {wait[top].mean():8.3f} {wait[~top].mean():9.3f} "
                    f"{_share(s.migrated, top):8.0%}"
                )
            print(line, flush=True)


def _share(flags: list[bool], rows: np.ndarray) -> float:
    """Fraction of the ``rows`` (a boolean mask) whose flag is set."""
    if not len(flags) or not rows.any():
        return 0.0
    return float(np.asarray(flags, dtype=bool)[rows].mean())


if __name__ == "__main__":
    main()
