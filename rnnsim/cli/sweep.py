"""``rnnsim sweep``: a grid over up to three fields and N seeds, on worker processes or Dask.

    rnnsim sweep [--preset NAME | --experiment FILE] [--set FIELD=VALUE ...]
                 [--x FIELD=V1,V2,... [--y FIELD=... [--z FIELD=...]]] [--seeds N]
                 [--updates N] [--backend processes|dask [--scheduler tcp://HOST:PORT]]
                 [--workers K] [--resume] --out DIR
    rnnsim sweep --plot DIR

writes DIR/sweep.json (the plan) first, then DIR/grid.csv one row per (cell, seed) as each
finishes (flushed: ``tail -f`` works), and at the end DIR/summary.csv (one row per cell) and
the heatmaps (heatmap.png/.svg; with --z one pair per z value). Without ``--x`` the preset's
own sweep (``resources/presets/guides``) runs. The plan and a calibrated time estimate go to
stderr before any cell; the last stdout line is one JSON object with the grid. Exit status:
0 done, 1 some runs failed, 2 usage, 130 interrupted (Ctrl-C; grid.csv keeps the finished
rows and ``--resume`` runs the rest).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import os
import re
import sys

from rnnsim.cli.common import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    UsageError,
    add_start_arguments,
    check_out,
    headless_qt,
    load_start,
)
from rnnsim.sim import sweep_files as files
from rnnsim.sim.presets import load_preset
from rnnsim.sim.sweep import SweepResult, SweepRun, SweepSpec, estimate, write_csv
from rnnsim.sim.sweep_grid import value_label

NAME = "sweep"
DESCRIPTION = (
    "Train a grid of experiments headless: every combination of the --x values "
    "(columns), --y values (rows) and --z values (one heatmap each), N seeds per "
    "cell, each run from the same starting experiment, on local worker processes "
    "or a Dask cluster. Writes sweep.json, grid.csv (a row per cell and seed, as "
    "they finish), summary.csv (a row per cell: mean, sd, min, max) and the "
    "heatmaps into DIR."
)


# rnnsim.sim.sweep_metrics.METRICS (named here: the command line loads no NumPy to parse)
METRIC_NAMES = ("diverged", "loss_roughness", "flow_vs_bound")


def add_parser(sub) -> argparse.ArgumentParser:
    """Add the ``sweep`` sub-command to ``rnnsim``'s sub-parsers ``sub``."""
    p = sub.add_parser(
        NAME,
        help="train a grid over up to three fields and N seeds; heatmaps",
        description=DESCRIPTION,
    )
    add_start_arguments(p, "change a field of the starting experiment; repeatable")
    p.add_argument(
        "--x",
        metavar="FIELD=V1,V2,...",
        help="the columns: a field or task.<knob> and its values (default: the preset's sweep)",
    )
    p.add_argument("--y", metavar="FIELD=V1,V2,...", help="the rows (optional)")
    p.add_argument(
        "--z",
        metavar="FIELD=V1,V2,...",
        help="a third field: one heatmap per value (optional; needs --y)",
    )
    p.add_argument(
        "--seeds",
        type=int,
        default=1,
        metavar="N",
        help="runs per cell, with seeds seed, seed+1, ... (default 1)",
    )
    p.add_argument(
        "--updates",
        type=int,
        metavar="N",
        help="weight updates per run (default: the preset's sweep, else 200)",
    )
    p.add_argument(
        "--threshold",
        type=float,
        metavar="T",
        help="the claim's line on the metric: cells whose seeds fall on both sides "
        "are outlined (default: the preset's, else halfway from chance to 1)",
    )
    p.add_argument(
        "--metric",
        choices=METRIC_NAMES,
        help="what each run measures instead of the task's metric (kept beside it): "
        "diverged (1 when the divergence guard stopped the run), loss_roughness (jitter "
        "of the per-update loss around its running median), flow_vs_bound (the last "
        "frame's gradient decay per frame ÷ γ·σ_max(W_s)); default: the preset's sweep, "
        "else the task's metric",
    )
    p.add_argument(
        "--backend",
        choices=("processes", "dask"),
        default="processes",
        help="where the runs go: worker processes here (default) or Dask",
    )
    p.add_argument(
        "--scheduler",
        metavar="tcp://HOST:PORT",
        help="a running Dask scheduler (with --backend dask; default: an embedded "
        "LocalCluster of --workers processes)",
    )
    p.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        metavar="K",
        help="worker processes (default: the number of CPUs)",
    )
    p.add_argument(
        "--eval-batch",
        type=int,
        default=512,
        metavar="B",
        help="sequences in each run's evaluation batch (default 512)",
    )
    p.add_argument(
        "--resume",
        action="store_true",
        help="keep the rows already in DIR/grid.csv and run only the rest",
    )
    p.add_argument(
        "--plot",
        metavar="DIR",
        help="draw the heatmaps and summary.csv of a sweep from DIR/grid.csv alone (no training)",
    )
    p.add_argument("--out", metavar="DIR", help="folder to write into")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    return p


def parse_axis(option: str, text: str) -> tuple[str, list[str]]:
    """``"task.gap=2,10,30"`` → ``("task.gap", ["2", "10", "30"])``."""
    name, sep, values = text.partition("=")
    items = [v.strip() for v in values.split(",")]
    if not sep or not name.strip() or not values.strip() or "" in items:
        raise UsageError(
            f"{option}: got {text!r}, expected FIELD=V1,V2,... (e.g. "
            "task.gap=2,10,30 or cell=elman,lstm)"
        )
    return name.strip(), items


def _check_numbers(args) -> None:
    for option, value in (
        ("--workers", args.workers),
        ("--eval-batch", args.eval_batch),
        ("--seeds", args.seeds),
        ("--updates", args.updates),
    ):
        if value is not None and value < 1:
            raise UsageError(f"{option}: got {value}, expected a whole number >= 1")
    if args.threshold is not None and not math.isfinite(args.threshold):
        raise UsageError(f"--threshold: got {args.threshold}, expected a finite number")
    if args.scheduler is not None:
        if args.backend != "dask":
            raise UsageError("--scheduler: given without --backend dask")
        if not re.fullmatch(r"[a-z]+://[^\s/]+:\d+", args.scheduler):
            raise UsageError(
                f"--scheduler: got {args.scheduler!r}, expected "
                "tcp://HOST:PORT (e.g. tcp://10.0.0.5:8786)"
            )
    if args.backend == "dask":
        if importlib.util.find_spec("distributed") is None:
            raise UsageError("--backend dask: Dask is not installed; pip install 'rnnsim[dask]'")


def build_spec(args):
    """The SweepSpec of parsed ``args``; UsageError naming the option that is wrong."""
    _check_numbers(args)
    base = load_start(args)
    plan = _preset_plan(args) if args.x is None else None
    if args.x is None and plan is None:
        raise UsageError("--x: required (the starting experiment has no sweep of its own)")
    for option, value, needs in (("--y", args.y, args.x), ("--z", args.z, args.y)):
        if value is not None and needs is None:
            raise UsageError(f"{option}: given without {'--x' if option == '--y' else '--y'}")
    threshold, metric, claims = args.threshold, args.metric, ()
    if plan is not None:
        x, xs, y, ys, updates = plan.x, plan.x_values, plan.y, plan.y_values, plan.updates
        if metric is None or metric == plan.metric:  # the preset's claim, unless replaced
            metric = plan.metric
            claims = plan.claims if threshold is None else ()
            threshold = plan.threshold if threshold is None else threshold
    else:
        (x, xs), (y, ys) = (
            parse_axis("--x", args.x),
            (parse_axis("--y", args.y) if args.y else (None, ())),
        )
        updates = 200
    z, zs = parse_axis("--z", args.z) if args.z else (None, ())
    try:
        return SweepSpec(
            base,
            x,
            xs,
            y,
            ys if y else (),
            updates=args.updates or updates,
            eval_batch=args.eval_batch,
            z=z,
            z_values=zs,
            seeds=args.seeds,
            threshold=threshold,
            metric=metric,
            claims=claims,
        )
    except ValueError as exc:
        text = str(exc)
        if text.startswith("eval_batch: "):
            raise UsageError(f"--eval-batch: {text.removeprefix('eval_batch: ')}") from None
        option = next((f"--{a}" for a in ("seeds", "z", "y") if text.startswith(a)), "--x")
        raise UsageError(f"{option}: {exc}") from None


def _preset_plan(args):
    if args.experiment:
        return None

    try:
        return load_preset(args.preset or "wolf").sweep
    except ValueError as exc:
        raise UsageError(f"--preset: {exc}") from None


def run(args) -> int:
    """Run ``rnnsim sweep`` with parsed ``args``; return the exit status."""
    if args.plot is not None:
        return _plot(args)
    if args.out is None:
        raise UsageError("--out: required (the folder to write into), or --plot DIR")
    out = check_out(args.out, create=False)
    spec = build_spec(args)
    os.makedirs(out, exist_ok=True)  # made only once the options are known to be right

    grid = os.path.join(out, files.GRID)
    run = _make_run(args, spec, out, grid)
    try:
        with run:
            _say(args, f"plan: {spec.describe()}")
            _plan_line(args, spec, run)
            files.write_plan(out, spec, run.result)
            try:
                run.start()
            except (OSError, RuntimeError, ValueError) as exc:  # Dask missing, unreachable
                raise UsageError(f"--backend {args.backend}: {exc}") from None
            _say(args, f"running on {run.backend.describe()}; rows go to {grid} as they finish")
            result = run.run(
                progress=lambda done, total, cell: _say(
                    args, f"  {done}/{total} {_run_line(run.result, cell)}"
                ),
                on_retry=lambda key, why: _say(args, f"  retrying {key}: {why}"),
            )
    except KeyboardInterrupt:
        _write_summary(run.result, out)
        print(
            f"rnnsim sweep: interrupted; workers ended; {run.result.completed} of "
            f"{run.result.total} runs kept in {grid} (--resume runs the rest)",
            file=sys.stderr,
            flush=True,
        )
        return EXIT_INTERRUPTED
    return _finish(args, out, result)


def _make_run(args, spec, out, grid):
    if args.resume:
        old = files.read_plan(out)
        if old is not None:
            new = files.plan_dict(spec, SweepResult.empty(spec))
            changed = files.plan_differences(old, new)
            if changed:
                raise UsageError(
                    f"--resume: {out} holds another sweep ({', '.join(changed)} "
                    "differ); use the same options or another --out"
                )
    elif os.path.exists(grid):
        _say(args, f"note: starting over; {grid} is replaced (--resume keeps its rows)")
    try:
        return SweepRun(
            spec,
            workers=args.workers,
            backend=args.backend,
            scheduler=args.scheduler,
            grid_csv=grid,
            resume=args.resume,
        )
    except ValueError as exc:
        raise UsageError(f"--resume: {exc}") from None


def _plan_line(args, spec, run) -> None:
    if args.quiet:
        return

    todo = run.result.total - run.resumed
    where = args.scheduler or (
        f"{run.workers} worker processes"
        if args.backend == "processes"
        else f"an embedded Dask cluster of {run.workers}"
    )
    kept = f"{run.resumed} already in grid.csv, " if run.resumed else ""
    if todo == 0:
        _say(args, f"  {kept}nothing left to run")
        return
    est = estimate(spec, runs=todo, workers=1 if args.scheduler else run.workers)
    total = (
        (
            f"about {_duration(est.seconds_per_run * todo)} of work in all (divide by the "
            "cluster's workers)"
        )
        if args.scheduler
        else f"about {_duration(est.seconds)}"
    )
    _say(
        args,
        f"  {kept}{todo} runs on {where}: {_duration(est.seconds_per_run)} per run, "
        f"{total} (calibrated in {est.calibration_seconds:.1f} s here)",
    )


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, s = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {s:02d} s"
    return f"{minutes // 60} h {minutes % 60:02d} min"


def _finish(args, out, result) -> int:
    written = _write_summary(result, out) + _heatmaps(result, out)
    failed = int(result.counts("failed").sum())
    _say(
        args,
        f"done in {result.seconds:.1f} s; wrote grid.csv, "
        + ", ".join(os.path.basename(p) for p in written),
    )
    print(json.dumps(_summary_json(result)), flush=True)
    if failed:
        print(
            f"rnnsim sweep: {failed} of {result.total} runs failed (see the message column "
            "of grid.csv)",
            file=sys.stderr,
        )
        return EXIT_FAILED
    return EXIT_OK


def _summary_json(result) -> dict:
    def nested(a):
        rows = [[None if math.isnan(v) else float(v) for v in row] for row in a]
        return rows

    def per_layer(a):
        layers = [nested(layer) if a.dtype != object else layer.tolist() for layer in a]
        return layers if result.z else layers[0]

    return {
        "x": result.x,
        "y": result.y,
        "z": result.z,
        "metric": result.metric_name,
        "seeds": len(result.seeds),
        "grid": per_layer(result.mean),
        "sd": per_layer(result.std),
        "state": per_layer(result.cell_state),
        "runs": result.completed,
        "failed": int(result.counts("failed").sum()),
    }


def _write_summary(result, out) -> list[str]:
    path = os.path.join(out, files.SUMMARY)
    write_csv(result.summary_rows(), path)
    return [path]


def _run_line(result, run) -> str:
    parts = [f"{result.x}={result.x_values[run.col]}"]
    if result.y:
        parts.append(f"{result.y}={result.y_values[run.row]}")
    if result.z:
        parts.append(f"{result.z}={result.z_values[run.layer]}")
    if len(result.seeds) > 1:
        parts.append(f"seed={result.seeds[run.seed]}")
    what = {"diverged": "diverged", "failed": f"failed: {run.message}"}.get(
        run.state, _short(run.metric)
    )
    return f"{' '.join(parts)}: {what} ({run.seconds:.1f} s)"


def _short(value: float) -> str:
    """3 decimals (``0.996``), or 3 significant digits below 0.01 (a roughness ``0.00412``)."""
    return f"{value:.3f}" if value == 0 or abs(value) >= 0.01 else f"{value:.3g}"


def _heatmaps(result, out) -> list[str]:
    headless_qt()
    # Qt loads only when heatmaps are drawn (a sweep runs without it)
    from PySide6.QtWidgets import QApplication

    import rnnsim.gui.export as export
    from rnnsim.gui.sweep_heatmap import SweepHeatmap

    app = QApplication.instance() or QApplication([])  # noqa: F841 (kept alive while drawing)
    paths = []
    for layer, value in enumerate(result.z_values):
        view = SweepHeatmap()
        try:
            view.show_result(result, layer=layer)
            size = (
                max(640, 130 * len(result.x_values) + 220),
                max(420, 80 * len(result.y_values) + 200),
            )
            stem = (
                "heatmap" if result.z is None else _safe(f"heatmap_{result.z}={value_label(value)}")
            )
            for fmt in ("png", "svg"):
                paths += export.export_plot(
                    view, os.path.join(out, f"{stem}.{fmt}"), fmt, scale=2.0, size=size
                )
        finally:
            view.deleteLater()
    return paths


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._=+-]", "_", name)


def _plot(args) -> int:
    folder = os.path.abspath(args.plot)
    if not os.path.isfile(os.path.join(folder, files.GRID)):
        raise UsageError(f"--plot: {folder} has no {files.GRID}")
    out = check_out(args.out) if args.out else folder
    try:
        result = files.load_result(folder)
    except (OSError, ValueError) as exc:
        raise UsageError(f"--plot: {exc}") from None
    written = _write_summary(result, out) + _heatmaps(result, out)
    _say(
        args,
        f"{result.completed} of {result.total} runs drawn; wrote "
        + ", ".join(os.path.basename(p) for p in written),
    )
    print(json.dumps(_summary_json(result)), flush=True)
    return EXIT_OK


def _say(args, text: str) -> None:
    if not args.quiet:
        print(text, file=sys.stderr, flush=True)


def main(argv=None) -> int:
    """``python -m rnnsim.cli.sweep ...``: the sweep command on its own."""
    parser = argparse.ArgumentParser(prog="rnnsim")
    add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["sweep", *(sys.argv[1:] if argv is None else argv)])
    try:
        return run(args)
    except UsageError as exc:
        print(f"rnnsim sweep: error: {exc}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
