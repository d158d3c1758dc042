"""One sweep cell's training and score, and the grid of results (see ``sweep.py``)."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

EVAL_SEED = 2  # evaluation batch from default_rng([seed, EVAL_SEED]), as `rnnsim train` does


@dataclass(frozen=True)
class CellResult:
    """The outcome of one cell: row ``row`` (y value), column ``col`` (x value)."""

    row: int
    col: int
    metric: float  # the task's primary metric on the evaluation batch; NaN if diverged/failed
    loss: float  # loss on the evaluation batch (NaN if diverged/failed)
    updates: int  # weight updates applied
    diverged: bool
    seconds: float
    message: str = ""  # the simulation's divergence message or the error

    @classmethod
    def failed(cls, row: int, col: int, message: str) -> CellResult:
        return cls(row, col, math.nan, math.nan, 0, False, 0.0, message)


def evaluate_cell(row: int, col: int, experiment, updates: int, eval_batch: int) -> CellResult:
    """Train ``experiment`` for ``updates`` updates and score it on a fresh batch."""
    from .simulation import Simulation

    start = time.perf_counter()
    sim = Simulation(experiment)
    sim.train(updates)
    if sim.diverged:
        return CellResult(row, col, math.nan, math.nan, sim.updates, True,
                          time.perf_counter() - start, sim.message)
    rng = np.random.default_rng([experiment.seed, EVAL_SEED])
    X, D, mask = sim.task.sample(eval_batch, rng)
    dt = sim.net.dtype
    X, D, mask = X.astype(dt), D.astype(dt), mask.astype(dt)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        metric = sim.task.score(sim.net.forward(X).y, D, mask)[sim.task.primary_metric]
        loss = sim.net.loss(X, D, mask)
    return CellResult(row, col, float(metric), float(loss), sim.updates, False,
                      time.perf_counter() - start)


class SweepResult:
    """The grid of a sweep, filled in as cells finish.

    Attributes
    ----------
    x, y : str, str or None
        The swept fields.
    x_values, y_values : tuple
    metric_name : str
        The task's primary metric; ``chance`` is its chance level.
    grid : ndarray
        (rows, columns) = (len(y_values), len(x_values)) final metric; NaN while pending, for
        a diverged cell and for a failed one.
    loss : ndarray
        (rows, columns) loss on the evaluation batch.
    state : ndarray
        (rows, columns) of str: "pending", "done", "diverged" or "failed".
    cells : dict
        (row, col) → CellResult.
    """

    def __init__(self, x, x_values, y, y_values, metric_name, chance, updates):
        self.x, self.x_values, self.y, self.y_values = x, tuple(x_values), y, tuple(y_values)
        self.metric_name, self.chance, self.updates = metric_name, float(chance), updates
        shape = (len(self.y_values), len(self.x_values))
        self.grid = np.full(shape, np.nan)  # (rows, cols) final metric
        self.loss = np.full(shape, np.nan)  # (rows, cols) evaluation loss
        self.state = np.full(shape, "pending", dtype=object)  # (rows, cols)
        self.cells: dict[tuple[int, int], CellResult] = {}
        self.seconds = math.nan

    @classmethod
    def empty(cls, spec) -> SweepResult:
        task = spec.base.make_task()
        return cls(spec.x, spec.x_values, spec.y, spec.y_values if spec.y else (None,),
                   task.primary_metric, task.chance, spec.updates)

    @property
    def total(self) -> int:
        return self.grid.size

    @property
    def completed(self) -> int:
        return len(self.cells)

    def add(self, cell: CellResult) -> None:
        """Enter ``cell`` into the grid."""
        self.cells[(cell.row, cell.col)] = cell
        self.grid[cell.row, cell.col] = cell.metric
        self.loss[cell.row, cell.col] = cell.loss
        self.state[cell.row, cell.col] = ("diverged" if cell.diverged else
                                          "failed" if math.isnan(cell.metric) else "done")

    def rows(self) -> list[list]:
        """CSV rows: a header, then one row per cell in row-major order.

        Columns: the x field, the y field (when there is one), the metric, ``loss``,
        ``state``, ``updates``, ``seconds``, ``message``. Pending cells are left out.
        """
        head = [self.x] + ([self.y] if self.y else []) + [
            self.metric_name, "loss", "state", "updates", "seconds", "message"]
        out: list[list] = [head]
        for (r, c), cell in sorted(self.cells.items()):
            keys = [_text(self.x_values[c])] + ([_text(self.y_values[r])] if self.y else [])
            out.append([*keys, _num(cell.metric), _num(cell.loss), self.state[r, c],
                        cell.updates, f"{cell.seconds:.3f}", cell.message])
        return out


def _text(value) -> str:
    return "none" if value is None else str(value)


def _num(value: float) -> str:
    return "" if math.isnan(value) else repr(float(value))


def value_label(value) -> str:
    """A short label of a swept value for axes and headers."""
    if value is None:
        return "none"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)
