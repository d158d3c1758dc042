"""One sweep run's training and score, and the grid of results (see ``sweep.py``).

A sweep has up to three axes: x (columns), y (rows) and z (layers, drawn as small multiples),
and N seeds per cell. A *run* is one (cell, seed); a *cell* is one (layer, row, column) and
aggregates its seeds: mean, standard deviation, min and max of the metric, and whether the
seeds disagree about the claim (some meet ``threshold``, some do not).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from .simulation import Simulation
from .sweep_metrics import METRICS, get_metric, measures_diverged

EVAL_SEED = 2  # evaluation batch from default_rng([seed, EVAL_SEED]), as `rnnsim train` does
LOWER_IS_BETTER = ("mse", "loss", "bits_per_char")
STATES = ("pending", "done", "diverged", "failed")


@dataclass(frozen=True)
class CellResult:
    """The outcome of one run: cell (``layer``, ``row``, ``col``), seed number ``seed``."""

    row: int
    col: int
    metric: float  # the task's primary metric on the evaluation batch; NaN if diverged/failed
    loss: float  # loss on the evaluation batch (NaN if diverged/failed)
    updates: int  # weight updates applied
    diverged: bool
    seconds: float
    message: str = ""  # the simulation's divergence message or the error
    layer: int = 0  # index of the z value
    seed: int = 0  # index of the seed (its experiment seed is base.seed + seed)
    task_metric: float = math.nan  # the task's primary metric when ``metric`` is another one

    @classmethod
    def failed(cls, row: int, col: int, message: str, layer: int = 0, seed: int = 0) -> CellResult:
        return cls(row, col, math.nan, math.nan, 0, False, 0.0, message, layer, seed)

    @property
    def key(self) -> tuple[int, int, int, int]:
        return self.layer, self.row, self.col, self.seed

    @property
    def state(self) -> str:
        return "diverged" if self.diverged else "failed" if math.isnan(self.metric) else "done"


def evaluate_cell(
    row: int,
    col: int,
    experiment,
    updates: int,
    eval_batch: int,
    layer: int = 0,
    seed: int = 0,
    metric: str | None = None,
) -> CellResult:
    """Train ``experiment`` for ``updates`` updates and score it on a fresh batch.

    ``metric``: one of ``sweep_metrics.METRICS`` measured as the run's ``metric`` (the task's
    primary metric then goes to ``task_metric``); None: the task's primary metric.
    """
    measure = None if metric is None else get_metric(metric)
    start = time.perf_counter()
    sim = Simulation(experiment)
    sim.train(updates)
    if sim.diverged:
        value = math.nan
        if measure is not None and measures_diverged(measure.name):
            value = measure(sim, None, None, None)
        return CellResult(
            row,
            col,
            value,
            math.nan,
            sim.updates,
            True,
            time.perf_counter() - start,
            sim.message,
            layer,
            seed,
        )
    X, D, mask = eval_batch_of(sim, eval_batch)
    task_metric, loss = score(sim, eval_batch, (X, D, mask))
    if measure is None:
        value, task_metric = task_metric, math.nan
    else:
        value = measure(sim, X, D, mask)
    return CellResult(
        row,
        col,
        value,
        loss,
        sim.updates,
        False,
        time.perf_counter() - start,
        "",
        layer,
        seed,
        task_metric,
    )


def eval_batch_of(sim, eval_batch: int):
    """The evaluation batch (X, D, mask) of a simulation, in the network's dtype."""
    rng = np.random.default_rng([sim.experiment.seed, EVAL_SEED])
    X, D, mask = sim.task.sample(eval_batch, rng)
    dt = sim.net.dtype
    return X.astype(dt), D.astype(dt), mask.astype(dt)


def score(sim, eval_batch: int, batch=None) -> tuple[float, float]:
    """(primary metric, loss) of a trained simulation on a fresh evaluation batch (``batch``:
    that batch, from ``eval_batch_of``)."""
    X, D, mask = eval_batch_of(sim, eval_batch) if batch is None else batch
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        metric = sim.task.score(sim.net.forward(X).y, D, mask)[sim.task.primary_metric]
        loss = sim.net.loss(X, D, mask)
    return float(metric), float(loss)


class SweepResult:
    """The runs of a sweep and their aggregate per cell, filled in as runs finish.

    Attributes
    ----------
    x, y, z : str, str or None, str or None
        The swept fields (columns, rows, layers).
    x_values, y_values, z_values : tuple
        ``(None,)`` for an axis that is not swept.
    seeds : tuple of int
        The experiment seed of each seed number.
    metric_name : str
        What each run measured: the task's primary metric, or one of
        ``sweep_metrics.METRICS`` (then ``task_metric`` names the task's, kept beside it);
        ``chance`` the task metric's chance level (NaN when unknown).
    threshold : float or None
        The claim's line for every cell: a seed meets it with metric >= threshold (<= for a
        metric where lower is better); None: no claim to check (unless ``claims``).
    claims : tuple of dict
        Per-cell claims, each ``{"where": {field: value}, "at_least": v}`` or ``"at_most"``:
        the first whose ``where`` matches a cell's swept values judges it (a cell matched by
        none makes no claim). Given, they replace ``threshold``.
    lines, senses : ndarray
        (layers, rows, cols) the claim's line of each cell (NaN: none) and its sense (+1: a
        seed meets it with metric >= line, −1: <= line, 0: no claim).
    values, loss : ndarray
        (layers, rows, cols, seeds) metric and loss of every run; NaN while pending, for a
        diverged run and for a failed one.
    state : ndarray
        (layers, rows, cols, seeds) of str: "pending", "done", "diverged" or "failed".
    runs : dict
        (layer, row, col, seed) → CellResult.
    """

    def __init__(
        self,
        x,
        x_values,
        y,
        y_values,
        metric_name,
        chance,
        updates,
        z=None,
        z_values=(None,),
        seeds=(0,),
        threshold=None,
        claims=(),
        task_metric=None,
    ):
        self.x, self.y, self.z = x, y, z
        self.x_values, self.y_values = tuple(x_values), tuple(y_values) if y else (None,)
        self.z_values = tuple(z_values) if z else (None,)
        self.seeds = tuple(seeds)
        self.metric_name, self.chance, self.updates = metric_name, float(chance), updates
        self.threshold = None if threshold is None else float(threshold)
        self.claims = tuple(claims or ())
        self.task_metric = task_metric if task_metric != metric_name else None
        shape = (len(self.z_values), len(self.y_values), len(self.x_values), len(self.seeds))
        self.lines, self.senses = self._claim_lines(shape[:3])
        self.values = np.full(shape, np.nan)  # (layers, rows, cols, seeds) metric
        self.task_values = np.full(shape, np.nan)  # (layers, rows, cols, seeds) task metric
        self.loss = np.full(shape, np.nan)  # (layers, rows, cols, seeds) evaluation loss
        self.state = np.full(shape, "pending", dtype=object)  # (layers, rows, cols, seeds)
        self.runs: dict[tuple[int, int, int, int], CellResult] = {}
        self.seconds = math.nan

    @classmethod
    def empty(cls, spec) -> SweepResult:
        task = spec.base.make_task()
        metric = getattr(spec, "metric", None)
        return cls(
            spec.x,
            spec.x_values,
            spec.y,
            spec.y_values,
            metric or task.primary_metric,
            task.chance,
            spec.updates,
            spec.z,
            spec.z_values,
            spec.seed_values,
            spec.claim_threshold(task),
            getattr(spec, "claims", ()),
            task.primary_metric if metric else None,
        )

    def _claim_lines(self, shape) -> tuple[np.ndarray, np.ndarray]:
        lines, senses = np.full(shape, np.nan), np.zeros(shape, dtype=int)
        if not self.claims:
            if self.threshold is not None:
                lines[...] = self.threshold
                senses[...] = -1 if self.lower_is_better else 1
            return lines, senses
        for (l, r, c), _ in np.ndenumerate(lines):
            cell = {self.x: self.x_values[c]}
            if self.y:
                cell[self.y] = self.y_values[r]
            if self.z:
                cell[self.z] = self.z_values[l]
            for claim in self.claims:
                where = claim.get("where", {})
                if all(k in cell and same_value(cell[k], v) for k, v in where.items()):
                    sense = 1 if "at_least" in claim else -1
                    lines[l, r, c] = float(claim["at_least" if sense > 0 else "at_most"])
                    senses[l, r, c] = sense
                    break
        return lines, senses

    @property
    def has_claim(self) -> bool:
        """Whether any cell makes a claim."""
        return bool(np.any(self.senses))

    def claim_text(self, layer: int, row: int, col: int) -> str:
        """A cell's claim in words (``diverged >= 1``), "" when it makes none."""
        sense = self.senses[layer, row, col]
        if not sense:
            return ""
        return f"{self.metric_name} {'>=' if sense > 0 else '<='} {self.lines[layer, row, col]:g}"

    # ----------------------------------------------------------------- sizes
    @property
    def shape(self) -> tuple[int, int, int]:
        """(layers, rows, cols)."""
        return self.values.shape[:3]

    @property
    def total(self) -> int:
        """Runs in the sweep: cells × seeds."""
        return self.values.size

    @property
    def completed(self) -> int:
        return len(self.runs)

    @property
    def lower_is_better(self) -> bool:
        metric = METRICS.get(self.metric_name)
        return self.metric_name in LOWER_IS_BETTER or (metric is not None and bool(metric.lower))

    @property
    def direction(self) -> str:
        """ "higher is better", "lower is better" or "" (the claim says per cell)."""
        metric = METRICS.get(self.metric_name)
        if metric is not None and metric.lower is None:
            return ""
        return "lower is better" if self.lower_is_better else "higher is better"

    @property
    def metric_label(self) -> str:
        """The metric with its meaning and units, for a colour bar."""
        metric = METRICS.get(self.metric_name)
        return self.metric_name if metric is None else metric.label

    def add(self, run: CellResult) -> None:
        """Enter ``run`` into the grid (a later run of the same key replaces it)."""
        key = run.key
        self.runs[key] = run
        self.values[key] = run.metric
        self.task_values[key] = run.task_metric
        self.loss[key] = run.loss
        self.state[key] = run.state

    # ----------------------------------------------------------------- per cell
    @property
    def mean(self) -> np.ndarray:
        """(layers, rows, cols) mean metric over the seeds that trained; NaN: none did."""
        return _reduce(np.mean, self.values)

    @property
    def std(self) -> np.ndarray:
        """(layers, rows, cols) standard deviation over seeds (ddof 1; 0 for one seed)."""

        def sd(a, axis):
            n = a.shape[axis]
            return np.std(a, axis=axis, ddof=1) if n > 1 else np.zeros(a.shape[:axis])

        return _reduce(sd, self.values)

    @property
    def low(self) -> np.ndarray:
        """(layers, rows, cols) the smallest metric over seeds."""
        return _reduce(np.min, self.values)

    @property
    def high(self) -> np.ndarray:
        """(layers, rows, cols) the largest metric over seeds."""
        return _reduce(np.max, self.values)

    def counts(self, state: str) -> np.ndarray:
        """(layers, rows, cols) number of seeds in ``state``."""
        return (self.state == state).sum(axis=3)

    @property
    def cell_state(self) -> np.ndarray:
        """(layers, rows, cols) of str: "pending" (no seed finished), "running" (some did, one
        trained), "done" (all finished, one trained), "diverged" or "failed" (every finished
        seed did so)."""
        pending = self.counts("pending")
        out = np.full(self.shape, "failed", dtype=object)
        out[self.counts("diverged") > 0] = "diverged"
        out[self.counts("done") > 0] = "done"
        out[pending > 0] = "running"
        out[pending == len(self.seeds)] = "pending"
        return out

    @property
    def meets(self) -> np.ndarray:
        """(layers, rows, cols) seeds that meet their cell's claim (a diverged seed does not,
        unless the metric measures divergence itself); 0 where the cell makes no claim."""
        lines, senses = self.lines[..., None], self.senses[..., None]
        with np.errstate(invalid="ignore"):
            ok = np.where(senses > 0, self.values >= lines, self.values <= lines) & (senses != 0)
        judged = (self.state == "done") | (self.state == "diverged")
        return (ok & judged).sum(axis=3)

    @property
    def disagree(self) -> np.ndarray:
        """(layers, rows, cols) True where some finished seeds meet the claim and some do not."""
        judged = self.counts("done") + self.counts("diverged")
        meets = self.meets
        return (meets > 0) & (meets < judged) & (self.senses != 0)

    def cell_summary(self, layer: int, row: int, col: int) -> str:
        """One line on a cell's seeds (tooltips, the CLI): mean, spread, how many met."""
        n = len(self.seeds)
        measured = int(np.isfinite(self.values[layer, row, col]).sum())
        parts = []
        if measured:
            parts.append(
                f"mean {_short(self.mean[layer, row, col])}, sd "
                f"{_short(self.std[layer, row, col])}, min {_short(self.low[layer, row, col])}"
                f" – max {_short(self.high[layer, row, col])} over {measured} of {n} seeds"
            )
        if self.task_metric and np.isfinite(self.task_values[layer, row, col]).any():
            v = self.task_values[layer, row, col]
            parts.append(f"{self.task_metric} {_short(np.nanmin(v))} – {_short(np.nanmax(v))}")
        for state in ("diverged", "failed", "pending"):
            k = int(self.counts(state)[layer, row, col])
            if k:
                parts.append(f"{k} {state}")
        judged = int(self.counts("done")[layer, row, col])
        judged += int(self.counts("diverged")[layer, row, col])
        claim = self.claim_text(layer, row, col)
        if claim and judged:
            parts.append(f"{int(self.meets[layer, row, col])} meet {claim}")
        return "; ".join(parts)

    # ----------------------------------------------------------------- CSV
    def key_header(self) -> list[str]:
        """The key columns of both CSVs: x, then y and z when swept."""
        return [self.x] + ([self.y] if self.y else []) + ([self.z] if self.z else [])

    def run_header(self) -> list[str]:
        """The header of ``grid.csv``: keys, ``seed``, the metric, loss, state, updates,
        seconds, message."""
        return [
            *self.key_header(),
            "seed",
            self.metric_name,
            *([self.task_metric] if self.task_metric else []),
            "loss",
            "state",
            "updates",
            "seconds",
            "message",
        ]

    def run_row(self, run: CellResult) -> list:
        """The ``grid.csv`` row of ``run``."""
        return [
            *self._keys(run.layer, run.row, run.col),
            self.seeds[run.seed],
            _num(run.metric),
            *([_num(run.task_metric)] if self.task_metric else []),
            _num(run.loss),
            run.state,
            run.updates,
            f"{run.seconds:.3f}",
            run.message,
        ]

    def rows(self) -> list[list]:
        """``grid.csv`` as rows: the header, then one row per finished run, in key order."""
        return [self.run_header()] + [self.run_row(self.runs[k]) for k in sorted(self.runs)]

    def summary_rows(self) -> list[list]:
        """``summary.csv`` as rows: the header, then one row per cell with a finished seed.

        Columns: the keys, ``seeds`` (finished), ``mean``, ``sd``, ``min``, ``max`` of the
        metric, the mean of the task's metric when the sweep measured another one (its name
        with ``_mean``), ``diverged``, ``failed``, ``state``, ``claim`` (the cell's, in words),
        ``meets_claim`` and ``disagree`` (the last three empty where the cell makes no claim).
        """
        extra = [f"{self.task_metric}_mean"] if self.task_metric else []
        head = [
            *self.key_header(),
            "seeds",
            "mean",
            "sd",
            "min",
            "max",
            *extra,
            "diverged",
            "failed",
            "state",
            "claim",
            "meets_claim",
            "disagree",
        ]
        out: list[list] = [head]
        mean, sd, low, high = self.mean, self.std, self.low, self.high
        task_mean = _reduce(np.mean, self.task_values)
        states, meets, disagree = self.cell_state, self.meets, self.disagree
        pending = self.counts("pending")
        n = len(self.seeds)
        for (l, r, c), state in np.ndenumerate(states):
            if state == "pending":
                continue
            text = self.claim_text(l, r, c)
            claim = (
                [text, int(meets[l, r, c]), "yes" if disagree[l, r, c] else "no"]
                if text
                else ["", "", ""]
            )
            stats = [_num(float(a[l, r, c])) for a in (mean, sd, low, high)]
            stats += [_num(float(task_mean[l, r, c]))] if extra else []
            out.append(
                [
                    *self._keys(l, r, c),
                    n - int(pending[l, r, c]),
                    *stats,
                    int(self.counts("diverged")[l, r, c]),
                    int(self.counts("failed")[l, r, c]),
                    state,
                    *claim,
                ]
            )
        return out

    def _keys(self, layer: int, row: int, col: int) -> list[str]:
        return (
            [_text(self.x_values[col])]
            + ([_text(self.y_values[row])] if self.y else [])
            + ([_text(self.z_values[layer])] if self.z else [])
        )

    def key_index(self, keys) -> tuple[int, int, int] | None:
        """(layer, row, col) of the key texts of a CSV row, or None when not in this grid."""
        texts = [
            [_text(v) for v in values] for values in (self.x_values, self.y_values, self.z_values)
        ]
        want = [
            keys[0],
            keys[1] if self.y else "none",
            keys[1 + bool(self.y)] if self.z else "none",
        ]
        try:
            col, row, layer = (t.index(k) for t, k in zip(texts, want, strict=True))
        except ValueError:
            return None
        return layer, row, col


def _reduce(fn, values: np.ndarray) -> np.ndarray:
    """``fn`` over the seeds (last axis) of the finite values of each cell; NaN when none."""
    out = np.full(values.shape[:3], np.nan)
    finite = np.isfinite(values)
    for idx in zip(*np.nonzero(finite.any(axis=3)), strict=True):
        v = values[idx][finite[idx]]
        out[idx] = fn(v, axis=0)
    return out


def _short(value: float) -> str:
    """3 decimals (``0.725``), or 3 significant digits below 0.01 (``0.00412``)."""
    return f"{value:.3f}" if value == 0 or abs(value) >= 0.01 else f"{value:.3g}"


def same_value(a, b) -> bool:
    """Whether two swept values are the same (``3`` and ``3.0``, ``None`` and ``"none"``)."""
    if _text(a) == _text(b):
        return True
    try:
        return float(_text(a)) == float(_text(b))
    except ValueError:
        return False


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
