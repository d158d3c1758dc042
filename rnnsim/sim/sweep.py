"""Sweeps: a grid over up to three experiment fields and N seeds, trained headless on a backend.

    spec = SweepSpec(base, "task.gap", [2, 10, 30], "cell", ["elman", "lstm"], updates=300,
                     seeds=5)
    with SweepRun(spec, backend="processes", workers=2, grid_csv="out/grid.csv") as run:
        result = run.run(progress=lambda done, total, cell: print(done, total))
    result.mean          # (layers, rows, columns) mean of the primary metric over the seeds
    write_csv(result.summary_rows(), "out/summary.csv")

Every run is one experiment, ``base.with_values({x: vx, y: vy, z: vz, "seed": base.seed + k})``,
trained for ``updates`` weight updates and scored on a fresh evaluation batch, on a backend
(``sweep_backends``: worker processes here, or a Dask cluster). With ``grid_csv`` each run's
row is appended and flushed as it finishes; ``resume=True`` keeps the rows already there and
runs only the rest. A run whose worker died is retried once, then marked failed with the
reason. ``cancel()`` (also on leaving the ``with`` block) cancels what is left and ends the
workers; finished rows stay.
"""

from __future__ import annotations

import csv
import math
import os
import queue
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import memory
from .atomic import atomic_path
from .experiment import Experiment
from .simulation import Simulation
from .sweep_backends import CancelledError, WorkerLost, job, make_backend
from .sweep_files import open_grid, read_runs
from .sweep_grid import CellResult, SweepResult, score
from .sweep_metrics import check_claims, get_metric

__all__ = [
    "MAX_CELLS",
    "CellResult",
    "Estimate",
    "SweepResult",
    "SweepRun",
    "SweepSpec",
    "estimate",
    "write_csv",
]

MAX_CELLS = 400  # the window's limit (drawing); headless sweeps take any size
AXES = ("x", "y", "z")


@dataclass(frozen=True)
class SweepSpec:
    """What to sweep.

    Parameters
    ----------
    base : Experiment
    x : str
        Dotted experiment path of the columns (``"lr"``, ``"task.gap"``).
    x_values : sequence
        Its values (numbers, or text as typed on a command line: ``"none"``, ``"0.01"``).
    y, z : str or None
        Paths of the rows and of the layers (None: not swept; z needs y).
    y_values, z_values : sequence
    updates : int
        Weight updates per run (>= 1).
    eval_batch : int
        Sequences in the evaluation batch of each run (>= 1).
    seeds : int
        Runs per cell, with experiment seeds ``base.seed``, ``base.seed + 1``, ...
    threshold : float or None
        The claim's line for the primary metric (see ``claim_threshold``).
    metric : str or None
        What each run measures: one of ``sweep_metrics.METRICS`` (a preset's claim: the task's
        own metric is kept beside it), or None: the task's primary metric.
    claims : sequence of dict
        Per-cell claims ``{"where": {field: value}, "at_least" | "at_most": number}`` (see
        ``SweepResult``); given, they replace ``threshold``.
    max_cells : int or None
        Refuse more cells than this (the window passes ``MAX_CELLS``); None: no limit.
    """

    base: Experiment
    x: str
    x_values: tuple
    y: str | None = None
    y_values: tuple = ()
    updates: int = 200
    eval_batch: int = 512
    z: str | None = None
    z_values: tuple = ()
    seeds: int = 1
    threshold: float | None = None
    max_cells: int | None = None
    metric: str | None = None
    claims: tuple = ()
    experiments: tuple = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        if not isinstance(self.base, Experiment):
            raise ValueError(f"base: got {type(self.base).__name__}, expected an Experiment")
        object.__setattr__(self, "x_values", _values("x_values", self.x_values))
        if self.z is not None and self.y is None:
            raise ValueError("z: given without y; name the rows before the layers")
        for axis in ("y", "z"):
            name, values = getattr(self, axis), getattr(self, f"{axis}_values")
            if name is None:
                if len(tuple(values)):
                    raise ValueError(
                        f"{axis}_values: given without {axis}; name the field to vary as {axis}"
                    )
                object.__setattr__(self, f"{axis}_values", (None,))
            else:
                object.__setattr__(self, f"{axis}_values", _values(f"{axis}_values", values))
        names = [n for n in (self.x, self.y, self.z) if n is not None]
        for axis, name in zip(AXES[1:], names[1:], strict=False):
            if names.index(name) < AXES.index(axis):
                raise ValueError(
                    f"{axis}: got {name!r}, the same field as "
                    f"{AXES[names.index(name)]}; pick another"
                )
        for name in ("updates", "eval_batch", "seeds"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
                raise ValueError(f"{name}: got {value!r}, expected an integer >= 1")
        if self.seeds > 1 and "seed" in names:
            raise ValueError(f"seeds: got {self.seeds}, but seed is swept as an axis; use one")
        if self.threshold is not None and not (
            isinstance(self.threshold, int | float) and math.isfinite(self.threshold)
        ):
            raise ValueError(f"threshold: got {self.threshold!r}, expected a finite number")
        if self.metric is not None:
            get_metric(self.metric)
        object.__setattr__(self, "claims", check_claims(self.claims, names))
        if self.max_cells is not None and self.cells > self.max_cells:
            raise ValueError(
                f"x_values, y_values: got {self.cells} cells, expected at most {self.max_cells}"
            )
        object.__setattr__(
            self,
            "experiments",
            tuple(
                tuple(tuple(self._cell(vx, vy, vz) for vx in self.x_values) for vy in self.y_values)
                for vz in self.z_values
            ),
        )
        for layer in self.experiments:  # each run with its evaluation batch must fit
            for row in layer:
                for experiment in row:
                    try:
                        memory.check(experiment, eval_batch=self.eval_batch, what="a run")
                    except ValueError as exc:
                        raise ValueError(f"eval_batch: {exc}") from None

    def _cell(self, vx, vy, vz) -> Experiment:
        values = {}
        for axis, value in (("x", vx), ("y", vy), ("z", vz)):
            name = getattr(self, axis)
            if name is None:
                continue
            try:
                self.base.with_values({name: value})
            except ValueError as exc:
                raise ValueError(f"{axis} ({name}): {exc}") from None
            values[name] = value
        try:
            return self.base.with_values(values)
        except ValueError as exc:
            raise ValueError(f"{'z' if self.z else 'y'} ({self.z or self.y}): {exc}") from None

    @classmethod
    def from_plan(cls, base: Experiment, plan, **overrides) -> SweepSpec:
        """The spec of a preset's ``SweepPlan`` (``overrides``: e.g. ``updates=50``)."""
        kwargs = {
            "x": plan.x,
            "x_values": plan.x_values,
            "y": plan.y,
            "y_values": plan.y_values if plan.y else (),
            "updates": plan.updates,
            "threshold": getattr(plan, "threshold", None),
            "metric": getattr(plan, "metric", None),
            "claims": getattr(plan, "claims", ()),
        }
        kwargs.update(overrides)
        return cls(base, **kwargs)

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, columns) = (len(y_values), len(x_values))."""
        return len(self.y_values), len(self.x_values)

    @property
    def cells(self) -> int:
        """Cells: layers × rows × columns."""
        return len(self.x_values) * len(self.y_values) * len(self.z_values)

    @property
    def runs(self) -> int:
        """Runs: cells × seeds."""
        return self.cells * self.seeds

    @property
    def seed_values(self) -> tuple[int, ...]:
        return tuple(self.base.seed + k for k in range(self.seeds))

    @property
    def primary_metric(self) -> str:
        return self.base.make_task().primary_metric

    def claim_threshold(self, task=None) -> float | None:
        """The claim's line: ``threshold``, else for the task's accuracy halfway between chance
        and 1 (the seed learned it), else None (also for a ``metric`` of its own: its claims
        say)."""
        if self.threshold is not None:
            return float(self.threshold)
        if self.metric is not None:
            return None
        task = task or self.base.make_task()
        if "accuracy" in task.primary_metric:
            return (float(task.chance) + 1.0) / 2.0
        return None

    def jobs(self):
        """(key, JSON job) of every run: cells in row-major order, seeds innermost."""
        for l, layer in enumerate(self.experiments):
            for r, row in enumerate(layer):
                for c, exp in enumerate(row):
                    for k, seed in enumerate(self.seed_values):
                        seeded = exp if seed == exp.seed else exp.with_values({"seed": seed})
                        key = (l, r, c, k)
                        yield (
                            key,
                            job(
                                seeded.to_json(indent=None),
                                self.updates,
                                self.eval_batch,
                                key,
                                self.metric,
                            ),
                        )

    def describe(self) -> str:
        """``task.gap × cell: 10 cells × 5 seeds × 300 updates = 50 runs (15000 updates)``."""
        axes = " × ".join(n for n in (self.x, self.y, self.z) if n)
        return (
            f"{axes}: {self.cells} cells × {self.seeds} seed{'s' * (self.seeds > 1)} × "
            f"{self.updates} updates = {self.runs} runs ({self.runs * self.updates} updates)"
        )


def _values(name: str, values) -> tuple:
    if isinstance(values, str | bytes) or not hasattr(values, "__iter__"):
        raise ValueError(f"{name}: got {values!r}, expected a list of values")
    out = tuple(v.item() if isinstance(v, np.generic) else v for v in values)
    if not out:
        raise ValueError(f"{name}: got an empty list, expected at least one value")
    return out


# --------------------------------------------------------------------------- the run
class SweepRun:
    """One sweep in progress: its backend, the results so far and the live ``grid.csv``.

    Parameters
    ----------
    spec : SweepSpec
    workers : int or None
        Worker processes of the processes backend or of an embedded Dask cluster (None: the
        number of CPUs, at most the number of runs).
    backend : str or backend object
        "processes" (default), "dask", or an object with ``submit(job) -> future`` and
        ``close()`` (left open by this run; only its futures are cancelled).
    scheduler : str or None
        ``tcp://HOST:PORT`` of a Dask scheduler (dask only; None: an embedded cluster).
    grid_csv : path or None
        Append one row per finished run here (flushed).
    resume : bool
        Keep the finished rows already in ``grid_csv`` and run only the others (failed rows
        run again).
    """

    def __init__(
        self,
        spec: SweepSpec,
        workers: int | None = None,
        backend="processes",
        scheduler: str | None = None,
        grid_csv=None,
        resume: bool = False,
    ) -> None:
        if not isinstance(spec, SweepSpec):
            raise ValueError(f"spec: got {type(spec).__name__}, expected a SweepSpec")
        if workers is None:
            workers = min(os.cpu_count() or 1, spec.runs)
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise ValueError(f"workers: got {workers!r}, expected an integer >= 1")
        self.spec, self.workers, self.scheduler = spec, workers, scheduler
        self.result = SweepResult.empty(spec)
        self.resumed = 0
        self.resume = bool(resume)
        self.grid_csv = None if grid_csv is None else os.fspath(grid_csv)
        if self.grid_csv and resume and os.path.exists(self.grid_csv):
            for run in read_runs(self.grid_csv, self.result):
                if run.state != "failed":
                    self.result.add(run)
            self.resumed = self.result.completed
        self.workers = min(workers, max(1, self.result.total - self.resumed))
        self._backend_arg = backend
        self.backend: Any = None
        self._used_backend: Any = None
        self._owns_backend = isinstance(backend, str)
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._futures: dict = {}  # key -> JobFuture still out
        self._jobs = dict(spec.jobs()) if self.result.completed < self.result.total else {}
        self.retries: dict = {}  # key -> the reason of its first failure
        self._file = None
        self._writer = None
        self._starter: threading.Thread | None = None
        self.error: str = ""  # why the backend could not start (background start)
        self.cancelled = False
        self.started_at: float | None = None  # perf_counter() at start()

    # ----------------------------------------------------------------- lifecycle
    def start(self, background: bool = False) -> None:
        """Open ``grid.csv``, start the backend and submit every run still to do.

        ``background=True`` starts the backend in a thread (a Dask cluster takes seconds);
        a failure then lands in ``error``.
        """
        if self.started_at is not None or self.cancelled:
            raise RuntimeError("a SweepRun starts once")
        self.started_at = time.perf_counter()
        self._open_csv()
        if not background:
            self._start_backend()
            return
        self._starter = threading.Thread(
            target=self._start_quietly, daemon=True, name="rnnsim-sweep-start"
        )
        self._starter.start()

    def _start_quietly(self) -> None:
        try:
            self._start_backend()
        except Exception as exc:
            self.error = str(exc) or type(exc).__name__
            self._queue.put(None)

    def _start_backend(self) -> None:
        backend = self._backend_arg
        if isinstance(backend, str):
            backend = make_backend(backend, workers=self.workers, scheduler=self.scheduler)
        self.backend = self._used_backend = backend
        if self.cancelled:
            self._close_backend()
            return
        for key, job_json in self._jobs.items():
            if key not in self.result.runs:
                self._submit(key, job_json)

    def _submit(self, key, job_json: str) -> None:
        assert self.backend is not None, "submit before the backend started"
        future = self.backend.submit(job_json)
        self._futures[key] = future
        future.add_done_callback(lambda f, key=key: self._queue.put((key, f)))

    def _open_csv(self) -> None:
        if self.grid_csv is None:
            return
        append = self.resume and os.path.exists(self.grid_csv)
        self._file, self._writer = open_grid(self.grid_csv, self.result.run_header(), append)

    @property
    def done(self) -> bool:
        """True when every run has a result."""
        return self.result.completed == self.result.total

    def poll(self, wait: float = 0.0, on_retry=None) -> list[CellResult]:
        """Runs that finished since the last call (entered into ``result`` and written to
        ``grid.csv``), waiting up to ``wait`` seconds for the first one. A run whose worker
        died is submitted again once (``on_retry(key, reason)`` is told)."""
        new: list[CellResult] = []
        block = wait > 0
        while True:
            try:
                item = self._queue.get(timeout=wait) if block else self._queue.get_nowait()
            except queue.Empty:
                break
            block = False
            if item is None:
                continue
            key, future = item
            run = self._outcome(key, future, on_retry)
            if run is not None:
                self.result.add(run)
                self._write(run)
                new.append(run)
        if self.done and self.backend is not None and not self.cancelled:
            self._finish()
        return new

    def _outcome(self, key, future, on_retry) -> CellResult | None:
        self._futures.pop(key, None)
        try:
            return CellResult(**future.result(timeout=0))
        except CancelledError:
            return None
        except WorkerLost as exc:
            if self.cancelled:
                return None
            if key not in self.retries:
                self.retries[key] = str(exc)
                if on_retry is not None:
                    on_retry(key, str(exc))
                self._submit(key, self._jobs[key])
                return None
            reason = f"worker lost twice: {self.retries[key]}; then {exc}"
        except Exception as exc:
            reason = str(exc) or type(exc).__name__
        l, r, c, k = key
        return CellResult.failed(r, c, reason, layer=l, seed=k)

    def _write(self, run: CellResult) -> None:
        if self._writer is not None:
            self._writer.writerow(self.result.run_row(run))
            self._file.flush()

    def run(
        self, progress=None, should_stop=None, interval: float = 0.05, on_retry=None
    ) -> SweepResult:
        """Start (if needed) and wait for every run; returns ``result``.

        ``progress(done, total, run)`` is called for each finished run; when
        ``should_stop()`` returns True the sweep is cancelled and the partial result returned.
        Any exception (KeyboardInterrupt too) cancels the sweep before it propagates.
        """
        if self.started_at is None and not self.cancelled:
            self.start()
        try:
            while not self.done and not self.cancelled:
                if should_stop is not None and should_stop():
                    self.cancel()
                    break
                new = self.poll(wait=interval, on_retry=on_retry)
                before = self.result.completed - len(new)
                for i, run in enumerate(new, start=1):
                    if progress is not None:
                        progress(before + i, self.result.total, run)
        except BaseException:
            self.cancel()
            raise
        if self.done:
            self.poll()
        return self.result

    def _finish(self) -> None:
        self.result.seconds = time.perf_counter() - (self.started_at or time.perf_counter())
        self._close_backend()
        self._close_csv()

    def _close_backend(self) -> None:
        backend, self.backend = self.backend, None
        if backend is None:
            return
        futures, self._futures = list(self._futures.values()), {}
        if self._owns_backend:
            backend.close()
        else:
            for future in futures:
                future.cancel()

    def _close_csv(self) -> None:
        file, self._file, self._writer = self._file, None, None
        if file is not None:
            file.close()

    def cancel(self) -> None:
        """Stop now: cancel the runs still out and end the workers (finished rows stay)."""
        self.cancelled = True
        starter = self._starter
        if starter is not None and starter is not threading.current_thread():
            starter.join()
        self._close_backend()
        self.poll()  # runs that finished before the cancel are kept (and written)
        self._close_csv()

    close = cancel

    @property
    def processes(self) -> list:
        """Worker processes this run started (the processes backend; for checks)."""
        return list(getattr(self._used_backend, "processes", []))

    @property
    def alive(self) -> list:
        """Worker processes still running."""
        return [p for p in self.processes if p.is_alive()]

    def __enter__(self) -> SweepRun:
        return self

    def __exit__(self, *exc) -> None:
        if self.backend is not None or self._file is not None or self._starter is not None:
            self.cancel()


def write_csv(rows, path) -> None:
    """Write ``rows`` (a ``SweepResult``: its ``rows()``) to ``path`` atomically."""
    if isinstance(rows, SweepResult):
        rows = rows.rows()
    with atomic_path(path, fsync=False) as tmp, open(tmp, "w", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)


# --------------------------------------------------------------------------- estimate
@dataclass(frozen=True)
class Estimate:
    """How long a sweep should take, from a short calibration in this process."""

    seconds_per_update: float
    seconds_per_run_fixed: float  # building, evaluating
    runs: int
    updates: int
    workers: int
    calibration_seconds: float

    @property
    def seconds_per_run(self) -> float:
        return self.seconds_per_run_fixed + self.updates * self.seconds_per_update

    @property
    def seconds(self) -> float:
        """Wall time with ``workers`` in parallel (ideal sharing)."""
        return self.seconds_per_run * math.ceil(self.runs / self.workers)


def estimate(
    spec: SweepSpec, runs: int | None = None, workers: int = 1, budget: float = 2.0
) -> Estimate:
    """Time a few updates of up to three cells (first, middle, last) here and scale them
    to ``runs`` runs of ``spec.updates`` updates on ``workers`` workers."""
    cells = [exp for layer in spec.experiments for row in layer for exp in row]
    picks = sorted({0, len(cells) // 2, len(cells) - 1})
    k = max(1, min(spec.updates, 10))
    start = time.perf_counter()
    per_update, fixed = [], []
    for i in picks:
        t0 = time.perf_counter()
        sim = Simulation(cells[i])
        t1 = time.perf_counter()
        sim.train(k)
        t2 = time.perf_counter()
        score(sim, spec.eval_batch)
        t3 = time.perf_counter()
        per_update.append((t2 - t1) / max(1, sim.updates))
        fixed.append((t1 - t0) + (t3 - t2))
        if time.perf_counter() - start > budget:
            break
    return Estimate(
        float(np.mean(per_update)),
        float(np.mean(fixed)),
        spec.runs if runs is None else runs,
        spec.updates,
        max(1, workers),
        time.perf_counter() - start,
    )
