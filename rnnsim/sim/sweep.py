"""Sweeps: a grid over one or two experiment fields, trained headless in worker processes.

    spec = SweepSpec(base, "task.gap", [2, 10, 30], "cell", ["elman", "lstm"], updates=300)
    with SweepRun(spec, workers=2) as run:
        result = run.run(progress=lambda done, total, cell: print(done, total))
    result.grid          # (len(y_values), len(x_values)) final primary metric, NaN: diverged
    result.write_csv("grid.csv")

Every cell is one experiment, ``base.with_values({x: vx, y: vy})``, trained for ``updates``
weight updates in its own process (``multiprocessing``, "spawn" start method) and scored on
a fresh evaluation batch. ``cancel()`` (also on leaving the ``with`` block) terminates the
worker processes and waits until none is left.
"""

from __future__ import annotations

import csv
import math
import multiprocessing
import os
import queue
import signal
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from .experiment import Experiment
from .sweep_grid import CellResult, SweepResult, evaluate_cell

__all__ = ["CellResult", "SweepResult", "SweepRun", "SweepSpec", "run_cell"]

MAX_CELLS = 400
JOIN_TIMEOUT = 5.0  # seconds to wait for a terminated worker before killing it


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
    y : str or None
        Path of the rows (None: one row).
    y_values : sequence
    updates : int
        Weight updates per cell (>= 1).
    eval_batch : int
        Sequences in the evaluation batch of each cell (>= 1).
    """

    base: Experiment
    x: str
    x_values: tuple
    y: str | None = None
    y_values: tuple = ()
    updates: int = 200
    eval_batch: int = 512
    experiments: tuple = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        if not isinstance(self.base, Experiment):
            raise ValueError(f"base: got {type(self.base).__name__}, expected an Experiment")
        object.__setattr__(self, "x_values", _values("x_values", self.x_values))
        if self.y is None:
            if len(tuple(self.y_values)):
                raise ValueError("y_values: given without y; name the field to vary as y")
            object.__setattr__(self, "y_values", (None,))
        else:
            object.__setattr__(self, "y_values", _values("y_values", self.y_values))
            if self.y == self.x:
                raise ValueError(f"y: got {self.y!r}, the same field as x; pick another")
        for name in ("updates", "eval_batch"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
                raise ValueError(f"{name}: got {value!r}, expected an integer >= 1")
        n = len(self.x_values) * len(self.y_values)
        if n > MAX_CELLS:
            raise ValueError(f"x_values, y_values: got {n} cells, expected at most {MAX_CELLS}")
        object.__setattr__(self, "experiments", tuple(
            tuple(self._cell(vx, vy) for vx in self.x_values) for vy in self.y_values))

    def _cell(self, vx, vy) -> Experiment:
        try:
            exp = self.base.with_values({self.x: vx})
        except ValueError as exc:
            raise ValueError(f"x ({self.x}): {exc}") from None
        if self.y is None:
            return exp
        try:
            self.base.with_values({self.y: vy})
            return self.base.with_values({self.x: vx, self.y: vy})
        except ValueError as exc:
            raise ValueError(f"y ({self.y}): {exc}") from None

    @classmethod
    def from_plan(cls, base: Experiment, plan, **overrides) -> SweepSpec:
        """The spec of a preset's ``SweepPlan`` (``overrides``: e.g. ``updates=50``)."""
        kwargs = {"x": plan.x, "x_values": plan.x_values, "y": plan.y,
                  "y_values": plan.y_values if plan.y else (), "updates": plan.updates}
        kwargs.update(overrides)
        return cls(base, **kwargs)

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, columns) = (len(y_values), len(x_values))."""
        return len(self.y_values), len(self.x_values)

    @property
    def primary_metric(self) -> str:
        return self.base.make_task().primary_metric


def _values(name: str, values) -> tuple:
    if isinstance(values, str | bytes) or not hasattr(values, "__iter__"):
        raise ValueError(f"{name}: got {values!r}, expected a list of values")
    out = tuple(v.item() if isinstance(v, np.generic) else v for v in values)
    if not out:
        raise ValueError(f"{name}: got an empty list, expected at least one value")
    return out


def run_cell(row: int, col: int, experiment_json: str, updates: int,
             eval_batch: int) -> CellResult:
    """Train one cell's experiment and score it (runs in a worker process)."""
    return evaluate_cell(row, col, Experiment.from_json(experiment_json), updates, eval_batch)


def _worker_init() -> None:
    """Workers leave Ctrl-C to the parent, which terminates them (no traceback per worker)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@contextmanager
def _single_threaded_blas():
    """Spawned workers inherit the environment: one BLAS thread each, so K workers use K
    cores instead of fighting over them."""
    names = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
    before = {n: os.environ.get(n) for n in names}
    os.environ.update(dict.fromkeys(names, "1"))
    try:
        yield
    finally:
        for n, v in before.items():
            if v is None:
                os.environ.pop(n, None)
            else:
                os.environ[n] = v


class SweepRun:
    """One sweep in progress: a pool of worker processes and the results so far.

    Parameters
    ----------
    spec : SweepSpec
    workers : int or None
        Worker processes (None: the number of CPUs, at most the number of cells).
    """

    def __init__(self, spec: SweepSpec, workers: int | None = None) -> None:
        if not isinstance(spec, SweepSpec):
            raise ValueError(f"spec: got {type(spec).__name__}, expected a SweepSpec")
        cells = spec.shape[0] * spec.shape[1]
        if workers is None:
            workers = min(os.cpu_count() or 1, cells)
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise ValueError(f"workers: got {workers!r}, expected an integer >= 1")
        self.spec, self.workers = spec, min(workers, cells)
        self.result = SweepResult.empty(spec)
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._pool = None
        self.processes: list = []  # the worker Process objects (for checks)
        self.cancelled = False
        self.started_at = math.nan

    # ----------------------------------------------------------------- lifecycle
    def start(self) -> None:
        """Start the workers and hand them every cell (row by row)."""
        if self._pool is not None or self.cancelled:
            raise RuntimeError("a SweepRun starts once")
        ctx = multiprocessing.get_context("spawn")
        with _single_threaded_blas():
            self._pool = ctx.Pool(self.workers, initializer=_worker_init)
        self.processes = list(self._pool._pool)
        self.started_at = time.perf_counter()
        spec = self.spec
        for r, row in enumerate(spec.experiments):
            for c, exp in enumerate(row):
                self._pool.apply_async(
                    run_cell, (r, c, exp.to_json(), spec.updates, spec.eval_batch),
                    callback=self._queue.put,
                    error_callback=lambda exc, r=r, c=c: self._queue.put(
                        CellResult.failed(r, c, f"{type(exc).__name__}: {exc}")))
        self._pool.close()

    @property
    def done(self) -> bool:
        """True when every cell has a result."""
        return self.result.completed == self.result.total

    def poll(self, wait: float = 0.0) -> list[CellResult]:
        """Results that arrived since the last call (already entered into ``result``),
        waiting up to ``wait`` seconds for the first one."""
        new = []
        if wait > 0:
            try:
                new.append(self._queue.get(timeout=wait))
                self.result.add(new[0])
            except queue.Empty:
                pass
        while True:
            try:
                cell = self._queue.get_nowait()
            except queue.Empty:
                break
            self.result.add(cell)
            new.append(cell)
        if self.done and self._pool is not None:
            self._finish()
        return new

    def run(self, progress=None, should_stop=None, interval: float = 0.05) -> SweepResult:
        """Start (if needed) and wait for every cell; returns ``result``.

        ``progress(done, total, cell)`` is called for each finished cell; when
        ``should_stop()`` returns True the sweep is cancelled and the partial result returned.
        """
        if self._pool is None and not self.cancelled:
            self.start()
        try:
            while not self.done and not self.cancelled:
                if should_stop is not None and should_stop():
                    self.cancel()
                    break
                new = self.poll(wait=interval)
                before = self.result.completed - len(new)
                for i, cell in enumerate(new, start=1):
                    if progress is not None:
                        progress(before + i, self.result.total, cell)
        except BaseException:
            self.cancel()
            raise
        self.poll()
        return self.result

    def _finish(self) -> None:
        pool, self._pool = self._pool, None
        pool.join()
        self.result.seconds = time.perf_counter() - self.started_at

    def cancel(self) -> None:
        """Stop now: terminate the workers and wait until every one has ended."""
        self.cancelled = True
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.terminate()
            pool.join()
        for proc in self.processes:
            proc.join(JOIN_TIMEOUT)
            if proc.is_alive():
                proc.kill()
                proc.join(JOIN_TIMEOUT)

    close = cancel

    @property
    def alive(self) -> list:
        """Worker processes still running."""
        return [p for p in self.processes if p.is_alive()]

    def __enter__(self) -> SweepRun:
        return self

    def __exit__(self, *exc) -> None:
        if self._pool is not None:
            self.cancel()


def write_csv(result: SweepResult, path) -> None:
    """Write ``result`` as one row per cell (see ``SweepResult.rows``)."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerows(result.rows())
