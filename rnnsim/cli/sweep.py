"""``rnnsim sweep``: a grid over one or two fields, trained in worker processes.

    rnnsim sweep [--preset NAME | --experiment FILE] [--set FIELD=VALUE ...]
                 [--x FIELD=V1,V2,... [--y FIELD=V1,...]] [--updates N] [--workers K]
                 --out DIR

writes DIR/grid.csv (one row per cell), DIR/heatmap.png and DIR/heatmap.svg. Without ``--x``
the preset's own sweep (``resources/presets/guides``) is run. Progress goes to stderr; the last
stdout line is one JSON object with the grid. Ctrl-C ends the worker processes.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time

from rnnsim.cli.common import UsageError, add_start_arguments, headless_qt, load_start

NAME = "sweep"
DESCRIPTION = ("Train a grid of experiments headless in parallel worker processes: every "
               "combination of the --x values (columns) and --y values (rows), each from the "
               "same starting experiment. Writes grid.csv, heatmap.png and heatmap.svg into "
               "DIR; the heatmap shows the task's primary metric on a fresh batch after "
               "training.")


def add_parser(sub) -> argparse.ArgumentParser:
    """Add the ``sweep`` sub-command to ``rnnsim``'s sub-parsers ``sub``."""
    p = sub.add_parser(NAME, help="train a grid over one or two fields and draw a heatmap",
                       description=DESCRIPTION)
    add_start_arguments(p, "change a field of the starting experiment; repeatable")
    p.add_argument("--x", metavar="FIELD=V1,V2,...",
                   help="the columns: a field or task.<knob> and its values (default: the "
                   "preset's sweep)")
    p.add_argument("--y", metavar="FIELD=V1,V2,...", help="the rows (optional)")
    p.add_argument("--updates", type=int, metavar="N",
                   help="weight updates per cell (default: the preset's sweep, else 200)")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1, metavar="K",
                   help="worker processes (default: the number of CPUs)")
    p.add_argument("--eval-batch", type=int, default=512, metavar="B",
                   help="sequences in each cell's evaluation batch (default 512)")
    p.add_argument("--out", required=True, metavar="DIR", help="folder to write into")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    return p


def parse_axis(option: str, text: str) -> tuple[str, list[str]]:
    """``"task.gap=2,10,30"`` → ``("task.gap", ["2", "10", "30"])``."""
    name, sep, values = text.partition("=")
    items = [v.strip() for v in values.split(",")]
    if not sep or not name.strip() or not values.strip() or "" in items:
        raise UsageError(f"{option}: got {text!r}, expected FIELD=V1,V2,... (e.g. "
                         "task.gap=2,10,30 or cell=elman,lstm)")
    return name.strip(), items


def build_spec(args):
    """The SweepSpec of parsed ``args``; UsageError naming the option that is wrong."""
    from rnnsim.sim.sweep import SweepSpec

    for option, value, low in (("--workers", args.workers, 1), ("--eval-batch",
                                                                 args.eval_batch, 1)):
        if value < low:
            raise UsageError(f"{option}: got {value}, expected a whole number >= {low}")
    if args.updates is not None and args.updates < 1:
        raise UsageError(f"--updates: got {args.updates}, expected a whole number >= 1")
    base = load_start(args)
    plan = _preset_plan(args) if args.x is None else None
    if args.x is None and plan is None:
        raise UsageError("--x: required (the starting experiment has no sweep of its own)")
    if args.y is not None and args.x is None:
        raise UsageError("--y: given without --x")
    if plan is not None:
        x, xs, y, ys, updates = plan.x, plan.x_values, plan.y, plan.y_values, plan.updates
    else:
        (x, xs), (y, ys) = parse_axis("--x", args.x), (
            parse_axis("--y", args.y) if args.y else (None, ()))
        updates = 200
    try:
        return SweepSpec(base, x, xs, y, ys if y else (), updates=args.updates or updates,
                         eval_batch=args.eval_batch)
    except ValueError as exc:
        raise UsageError(f"{'--y' if str(exc).startswith('y') else '--x'}: {exc}") from None


def _preset_plan(args):
    if args.experiment:
        return None
    from rnnsim.sim.presets import load_preset

    try:
        return load_preset(args.preset or "wolf").sweep
    except ValueError as exc:
        raise UsageError(f"--preset: {exc}") from None


def run(args) -> int:
    """Run ``rnnsim sweep`` with parsed ``args``; return the exit status."""
    from rnnsim.sim.sweep import SweepRun, write_csv

    spec = build_spec(args)
    out = os.path.abspath(args.out)
    try:
        os.makedirs(out, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"--out: cannot create {out}: {exc.strerror or exc}") from None
    rows, cols = spec.shape
    _say(args, f"sweeping {spec.x} × {spec.y or '-'}: {rows * cols} cells of "
               f"{spec.updates} updates on {min(args.workers, rows * cols)} worker processes")
    start = time.perf_counter()
    with SweepRun(spec, workers=args.workers) as run:
        try:
            result = run.run(progress=lambda done, total, cell: _say(
                args, f"  {done}/{total} {_cell_line(spec, cell)}"))
        except KeyboardInterrupt:
            print("rnnsim sweep: interrupted; worker processes ended", file=sys.stderr)
            return 130
    write_csv(result, os.path.join(out, "grid.csv"))
    written = _heatmaps(result, out)
    _say(args, f"done in {time.perf_counter() - start:.1f} s; wrote grid.csv, "
               + ", ".join(os.path.basename(p) for p in written))
    grid = [[None if math.isnan(v) else float(v) for v in row] for row in result.grid]
    print(json.dumps({"x": spec.x, "y": spec.y, "metric": result.metric_name,
                      "grid": grid, "state": result.state.tolist()}), flush=True)
    return 0


def _cell_line(spec, cell) -> str:
    where = f"{spec.x}={spec.x_values[cell.col]}"
    if spec.y:
        where += f" {spec.y}={spec.y_values[cell.row]}"
    what = "diverged" if cell.diverged else f"{cell.metric:.3f}"
    return f"{where}: {what} ({cell.seconds:.1f} s)"


def _heatmaps(result, out) -> list[str]:
    headless_qt()
    from PySide6.QtWidgets import QApplication

    import rnnsim.gui.export as export
    from rnnsim.gui.sweep_heatmap import SweepHeatmap

    app = QApplication.instance() or QApplication([])  # noqa: F841 (kept alive while drawing)
    view = SweepHeatmap()
    try:
        view.show_result(result)
        size = (max(640, 130 * len(result.x_values) + 220),
                max(420, 80 * len(result.y_values) + 200))
        paths = []
        for fmt in ("png", "svg"):
            paths += export.export_plot(view, os.path.join(out, f"heatmap.{fmt}"), fmt,
                                        scale=2.0, size=size)
        return paths
    finally:
        view.deleteLater()


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
        return 2


if __name__ == "__main__":
    sys.exit(main())
