"""A sweep's files: the live ``grid.csv`` (one row per run), its plan ``sweep.json``, and
reading them back (``--resume``, ``rnnsim sweep --plot DIR``).

``grid.csv`` alone is enough to draw a sweep again: its header names the swept fields (the
columns before ``seed``) and the metric (the column after it). ``sweep.json`` adds what the CSV
cannot say: the order of the values, the chance level, the claim's threshold or per-cell
claims, the experiment.
"""

from __future__ import annotations

import csv
import json
import math
import os

from . import json_text
from .atomic import write_text
from .sweep_grid import CellResult, SweepResult

PLAN_SCHEMA = 1
GRID = "grid.csv"
SUMMARY = "summary.csv"
PLAN = "sweep.json"
MAX_PLAN_CHARS = 10_000_000  # sweep.json: the plan with its starting experiment


def open_grid(path, header: list[str], append: bool):
    """Open ``grid.csv`` for appending rows: a fresh file with ``header``, or (``append``) the
    existing one, whose header must be ``header`` and whose cut-off last line is dropped.
    Returns (file, csv writer)."""
    path = os.fspath(path)
    if append:
        with open(path, "rb+") as f:
            data = f.read()
            if data and not data.endswith(b"\n"):
                f.truncate(data.rfind(b"\n") + 1)  # a row cut off by a kill
        existing = _header(path)
        if existing and existing != header:
            raise ValueError(
                f"{path}: its columns {', '.join(existing)} are not this sweep's "
                f"({', '.join(header)})"
            )
        file = open(path, "a", newline="", encoding="utf-8")
        writer = csv.writer(file, lineterminator="\n")
        if not existing:
            writer.writerow(header)
    else:
        file = open(path, "w", newline="", encoding="utf-8")
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(header)
    file.flush()
    return file, writer


def _header(path: str) -> list[str]:
    with open(path, newline="", encoding="utf-8") as f:
        return next(csv.reader(f), [])


def read_runs(path, result: SweepResult) -> list[CellResult]:
    """The runs in ``grid.csv`` at ``path`` that belong to ``result``'s grid (the last row of
    a run wins). ValueError names a row that does not fit."""
    path = os.fspath(path)
    header = result.run_header()
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        head = next(reader, None)
        if head is None:
            return []
        if head != header:
            raise ValueError(
                f"{path}: its columns {', '.join(head)} are not this sweep's ({', '.join(header)})"
            )
        keys = len(result.key_header())
        runs: dict = {}
        for line, row in enumerate(reader, start=2):
            if len(row) != len(header):
                continue  # a row cut off by a kill
            index = result.key_index(row[:keys])
            seed = _int(row[keys])
            if index is None or seed not in result.seeds:
                raise ValueError(
                    f"{path}: line {line} ({', '.join(row[: keys + 1])}) is not in "
                    "this sweep; use the same axes, values and seeds, or "
                    "another folder"
                )
            run = _run(row[keys + 1 :], index, result.seeds.index(seed), bool(result.task_metric))
            runs[run.key] = run
    return list(runs.values())


def _run(fields: list[str], index, seed: int, task_column: bool) -> CellResult:
    if task_column:
        metric, task_metric, loss, state, updates, seconds, message = fields
    else:
        (metric, loss, state, updates, seconds, message), task_metric = fields, ""
    layer, row, col = index
    return CellResult(
        row,
        col,
        _float(metric),
        _float(loss),
        _int(updates) or 0,
        state == "diverged",
        _float(seconds),
        message,
        layer,
        seed,
        _float(task_metric),
    )


def _float(text: str) -> float:
    try:
        return float(text) if text else math.nan
    except ValueError:
        return math.nan


def _int(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None


# --------------------------------------------------------------------------- the plan
def plan_dict(spec, result: SweepResult) -> dict:
    """What ``sweep.json`` holds: the experiment, the axes and their values, seeds, updates,
    the evaluation batch, the metric, its chance level and the claim's threshold."""
    return {
        "schema": PLAN_SCHEMA,
        "experiment": spec.base.to_dict(),
        "x": spec.x,
        "x_values": list(spec.x_values),
        "y": spec.y,
        "y_values": list(spec.y_values) if spec.y else [],
        "z": spec.z,
        "z_values": list(spec.z_values) if spec.z else [],
        "seeds": spec.seeds,
        "seed_values": list(spec.seed_values),
        "updates": spec.updates,
        "eval_batch": spec.eval_batch,
        "metric": result.metric_name,
        "chance": result.chance,
        "threshold": result.threshold,
        "task_metric": result.task_metric,
        "claims": list(result.claims),
    }


def write_plan(folder, spec, result: SweepResult) -> None:
    write_text(os.path.join(folder, PLAN), json.dumps(plan_dict(spec, result), indent=2))


def read_plan(folder) -> dict | None:
    """``sweep.json`` of ``folder`` (None when there is none or it cannot be read)."""
    path = os.path.join(folder, PLAN)
    try:
        if os.path.getsize(path) > MAX_PLAN_CHARS:
            return None
        with open(path, encoding="utf-8") as f:
            plan = json_text.loads(f.read(), path, MAX_PLAN_CHARS)
    except (OSError, ValueError):
        return None
    return plan if _usable(plan) else None


_NONE = type(None)
_PLAN_TYPES = {  # what load_result reads from a plan, and its types
    "x": (str,),
    "y": (str, _NONE),
    "z": (str, _NONE),
    "x_values": (list,),
    "y_values": (list,),
    "z_values": (list,),
    "seed_values": (list,),
    "chance": (int, float),
    "threshold": (int, float, _NONE),
    "claims": (list,),
    "task_metric": (str, _NONE),
}


def _usable(plan) -> bool:
    """A plan of this schema with every key ``load_result`` reads, of the right type."""
    return (
        isinstance(plan, dict)
        and plan.get("schema") == PLAN_SCHEMA
        and all(isinstance(plan.get(k, ...), t) for k, t in _PLAN_TYPES.items())
        and all(isinstance(s, int) and not isinstance(s, bool) for s in plan["seed_values"])
        and all(isinstance(c, dict) for c in plan["claims"])
    )


def plan_differences(old: dict, new: dict) -> list[str]:
    """What differs between two plans (``--resume`` refuses another sweep)."""
    keys = (
        "experiment",
        "x",
        "x_values",
        "y",
        "y_values",
        "z",
        "z_values",
        "seed_values",
        "updates",
        "eval_batch",
        "metric",
    )
    return [k for k in keys if json.dumps(old.get(k)) != json.dumps(new.get(k))]


# --------------------------------------------------------------------------- --plot
def load_result(folder) -> SweepResult:
    """The sweep in ``folder`` from its ``grid.csv`` (and ``sweep.json`` when present)."""
    path = os.path.join(folder, GRID)
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    if not rows or "seed" not in rows[0] or rows[0].index("seed") not in (1, 2, 3):
        raise ValueError(
            f"{path}: not a sweep's grid.csv (no header with a seed column "
            "after one to three swept fields)"
        )
    head, body = rows[0], [r for r in rows[1:] if len(r) == len(rows[0])]
    keys = head.index("seed")
    plan = read_plan(folder)
    if plan is not None and [plan["x"], plan["y"], plan["z"]][:keys] == head[:keys]:
        axes = [(plan[a], plan[f"{a}_values"]) for a in ("x", "y", "z")]
        seeds, chance, threshold = plan["seed_values"], plan["chance"], plan["threshold"]
        claims, task_metric = plan.get("claims", ()), plan.get("task_metric")
    else:
        axes = [(head[i], _ordered(r[i] for r in body)) for i in range(keys)]
        axes += [(None, [])] * (3 - keys)
        seeds = sorted({s for s in (_int(r[keys]) for r in body) if s is not None}) or [0]
        chance, threshold, claims = math.nan, None, ()
        task_metric = head[keys + 2] if head[keys + 2] != "loss" else None
    at = head.index("updates")
    updates = max((_int(r[at]) or 0 for r in body), default=0)
    (x, xs), (y, ys), (z, zs) = axes
    result = SweepResult(
        x, xs, y, ys, head[keys + 1], chance, updates, z, zs, seeds, threshold, claims, task_metric
    )
    for run in read_runs(path, result):
        result.add(run)
    return result


def _ordered(texts) -> list:
    """Distinct values in the order they appear, numbers sorted (``none`` last)."""
    seen = list(dict.fromkeys(texts))
    try:
        return sorted(seen, key=lambda t: math.inf if t == "none" else float(t))
    except ValueError:
        return seen
