"""Does training hold its pace when another program keeps a core busy?

Training steps (one update each: ``TrainingSession.run`` for one batch, as the window's worker
runs its chunks) of four configurations, each timed idle and while a competing process keeps
one core busy, with the BLAS threads sized to the network (``rnnsim.engine.threads``) and with
NumPy's default (every core). The competing process is started and stopped by this script and
ends by itself after ``--max-load-s`` seconds at most, whatever happens here.

Per case: median and p90 of the step time, idle and loaded, for both settings; ``p90/idle`` is
the loaded p90 over the idle median of the same setting (target <= 1.5 at teaching sizes,
H <= 64), and ``vs default`` the loaded median and p90 with sized threads over those with
NumPy's default (target: no case slower, <= 1.0).

    python benchmarks/bench_load.py            # ~1.5 min
    python benchmarks/bench_load.py --quick
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rnnsim.engine.threads import current_blas_threads
from rnnsim.sim import Simulation
from rnnsim.sim.presets import load_preset

CASES = {  # name → (preset, changes as "field" or "task.knob" → value)
    "wolf default (elman H16 T4)": ("wolf", {}),
    "wolf gap 20 (elman H64 T22)": ("wolf", {"task.gap": 20, "n_hidden": 64}),
    "lstm rescue (lstm H32 T32)": ("lstm-rescue", {}),
    "wolf gap 20 (elman H256 T22)": ("wolf", {"task.gap": 20, "n_hidden": 256}),
}
TEACHING_H = 64  # cases up to this hidden size have the p90 target
BURN = "import time\nend = time.monotonic() + {limit}\nwhile time.monotonic() < end:\n    pass\n"


def make_sim(preset: str, changes: dict) -> Simulation:
    exp = load_preset(preset).experiment
    return Simulation(exp.with_values(changes) if changes else exp)


def time_steps(sim: Simulation, sized: bool, seconds: float, max_steps: int) -> list[float]:
    """Milliseconds of each of up to ``max_steps`` training steps within ``seconds``."""
    session = sim.begin_training(10**9)
    if not sized:
        session.threads = 0  # NumPy's default: every thread the process has
    for _ in range(5):
        session.run(budget_s=0.0)
    times = []
    end = time.perf_counter() + seconds
    while len(times) < max_steps and time.perf_counter() < end:
        start = time.perf_counter()
        session.run(budget_s=0.0)  # one batch: one update (update_every = 1)
        times.append((time.perf_counter() - start) * 1e3)
    session.finish()
    return times


def p90(values: list[float]) -> float:
    return statistics.quantiles(values, n=10)[-1]


def measure(cases, seconds: float, rounds: int) -> dict:
    """{case: {setting: [ms, ...]}} with the settings' blocks alternated ``rounds`` times."""
    out: dict = {}
    for name, (preset, changes) in cases.items():
        sims = {s: make_sim(preset, changes) for s in ("sized", "default")}
        times: dict[str, list[float]] = {"sized": [], "default": []}
        for _ in range(rounds):
            for setting, sim in sims.items():
                time.sleep(0.2)  # let the other setting's BLAS threads go to sleep
                times[setting] += time_steps(sim, setting == "sized", seconds / rounds, 2000)
        out[name] = times
    return out


def start_load(limit_s: float) -> subprocess.Popen:
    """A process spinning on one core for at most ``limit_s`` seconds."""
    return subprocess.Popen([sys.executable, "-c", BURN.format(limit=limit_s)])


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter runs")
    parser.add_argument("--seconds", type=float, default=None, help="per case and setting")
    parser.add_argument("--max-load-s", type=float, default=300.0, help="competitor's limit")
    args = parser.parse_args(argv)
    seconds = args.seconds or (2.0 if args.quick else 5.0)
    rounds = 2 if args.quick else 4
    print(
        f"BLAS threads by default {current_blas_threads()}, cpus {os.cpu_count()}; "
        f"load average at start {os.getloadavg()[0]:.2f}; {seconds:g} s per case and setting"
    )
    idle = measure(CASES, seconds, rounds)
    load_idle = os.getloadavg()[0]
    burner = start_load(args.max_load_s)
    try:
        time.sleep(1.0)
        loaded = measure(CASES, seconds, rounds)
        load_busy = os.getloadavg()[0]
    finally:
        burner.terminate()
        burner.wait(10)
    print(
        f"load average after the idle runs {load_idle:.2f}, after the loaded runs {load_busy:.2f}"
    )
    print(
        f"{'case':30} {'setting':8} {'idle med':>9} {'idle p90':>9} {'load med':>9} "
        f"{'load p90':>9} {'p90/idle':>8} {'target':>6} {'vs default':>10}"
    )
    for name, (preset, changes) in CASES.items():
        H = make_sim(preset, changes).experiment.n_hidden
        for setting in ("sized", "default"):
            i, b = idle[name][setting], loaded[name][setting]
            ratio = p90(b) / statistics.median(i)
            goal = "1.5" if H <= TEACHING_H else "-"
            mark = "" if goal == "-" else (" ok" if ratio <= 1.5 else " MISS")
            versus = ""
            if setting == "sized":
                d = loaded[name]["default"]
                versus = (
                    f"{statistics.median(b) / statistics.median(d):4.2f}/{p90(b) / p90(d):4.2f}"
                )
            print(
                f"{name:30} {setting:8} {statistics.median(i):9.3f} {p90(i):9.3f} "
                f"{statistics.median(b):9.3f} {p90(b):9.3f} {ratio:8.2f} {goal:>6}{mark:5} "
                f"{versus:>10}",
                flush=True,
            )


if __name__ == "__main__":
    main()
