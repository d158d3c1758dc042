"""The ``rnnsim`` command: the window, headless training with every figure, tasks and presets.

    rnnsim                                   open the window (the wolf story)
    rnnsim gui [EXPERIMENT.json] [--screenshot PNG --steps N]
    rnnsim train [--preset NAME | --experiment FILE] [--set FIELD=VALUE ...] [--updates N]
                 --out DIR
    rnnsim sweep [--x FIELD=V1,V2,... [--y FIELD=...]] ... --out DIR   a grid, a heatmap
    rnnsim tasks                             the tasks and their knobs
    rnnsim presets                           the presets in resources/presets/

``train`` prints progress on stderr and, last on stdout, one JSON line
``{"updates": N, "metrics": {...}}`` with the task's scores on a fresh evaluation batch.
Usage errors (a bad ``--set``, an unknown preset) print a message and exit with status 2.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from rnnsim import catalog

COMMANDS = ("gui", "train", "sweep", "tasks", "presets")
EXIT_USAGE = 2


class UsageError(Exception):
    """A command-line mistake: printed as ``rnnsim <cmd>: error: ...``, exit status 2."""


def add_start_arguments(parser, set_help: str) -> None:
    """``--preset NAME | --experiment FILE`` and ``--set FIELD=VALUE`` (read by ``load_start``)."""
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--preset", metavar="NAME",
                        help="start from a preset (`rnnsim presets`; default: wolf)")
    source.add_argument("--experiment", metavar="FILE",
                        help="start from an experiment JSON saved by rnnsim")
    parser.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE",
                        dest="settings", help=set_help)


def build_parser() -> argparse.ArgumentParser:
    """The parser of ``rnnsim`` and its sub-commands."""
    parser = argparse.ArgumentParser(
        prog="rnnsim", description="A simulator of the lecture's recurrent networks: "
        "s_t = Φ(x_t·W_x + s_{t−1}·W_s + b_s), y_t = s_t·W_y + b_y, BPTT, LSTM and GRU.",
        epilog="Without a command, rnnsim opens the window. `rnnsim gui --help` lists the "
        "window's options.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("gui", help="open the window (the default; see `rnnsim gui --help`)",
                   add_help=False)
    train = sub.add_parser(
        "train", help="train headless and write every figure, the data and a report",
        description="Train without a window, then write into DIR what File ▸ Export all "
        "writes: every plot (PNG, SVG, CSV), the network (PNG, SVG), experiment.json, "
        "weights.npz, metrics.json, report.md and report.html. Progress goes to stderr; the "
        "last line on stdout is {\"updates\": N, \"metrics\": {...}}.")
    add_start_arguments(train, "change a field (cell=lstm, lr=0.003, clip_norm=none) or a "
                        "task knob (task.gap=30); repeatable")
    train.add_argument("--updates", type=int, default=200, metavar="N",
                       help="weight updates to apply (default 200)")
    train.add_argument("--out", required=True, metavar="DIR", help="folder to write into")
    train.add_argument("--scale", type=float, default=2.0, metavar="S",
                       help="PNG resolution: pixels per screen pixel (default 2)")
    train.add_argument("--eval-batch", type=int, default=512, metavar="B",
                       help="sequences in the evaluation batch of the final metrics "
                       "(default 512)")
    train.add_argument("--quiet", action="store_true", help="no progress on stderr")
    from rnnsim.sweep_cli import add_parser as add_sweep

    add_sweep(sub)
    sub.add_parser("tasks", help="list the tasks with their knobs")
    sub.add_parser("presets", help="list the presets")
    return parser


def main(argv=None) -> int:
    """Run ``rnnsim`` with ``argv`` (default ``sys.argv[1:]``); return the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] == "gui" or (argv[0] not in COMMANDS and _is_gui_argument(argv[0])):
        from rnnsim.gui import run

        return run(argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "tasks":
            print(catalog.describe_tasks())
            return 0
        if args.command == "presets":
            print(catalog.describe_presets())
            return 0
        if args.command == "sweep":
            from rnnsim.sweep_cli import sweep

            return sweep(args)
        from rnnsim.train_cli import train

        return train(args)
    except UsageError as exc:
        print(f"rnnsim {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE


def _is_gui_argument(arg: str) -> bool:
    """The window's own arguments: an experiment file or an option other than --help."""
    return arg.endswith(".json") or (arg.startswith("-") and arg not in ("-h", "--help"))


def parse_settings(items) -> dict[str, str]:
    """``["cell=lstm", "task.gap=30"]`` → ``{"cell": "lstm", "task.gap": "30"}``."""
    values = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"--set: got {item!r}, expected FIELD=VALUE (e.g. cell=lstm or "
                             "task.gap=30)")
        values[name.strip()] = value.strip()
    return values


def load_start(args):
    """The experiment ``train`` starts from: a preset, a file, or the preset ``wolf``."""
    from rnnsim.sim import load_experiment

    if args.experiment:
        try:
            experiment = load_experiment(args.experiment)
        except ValueError as exc:
            raise UsageError(f"--experiment: {exc}") from None
    else:
        try:
            experiment = catalog.load_preset(args.preset or catalog.DEFAULT_PRESET)
        except ValueError as exc:
            raise UsageError(f"--{exc}") from None  # "preset: got 'x', expected one of ..."
    try:
        return experiment.with_values(parse_settings(args.settings))
    except ValueError as exc:
        raise UsageError(f"--set {exc}") from None


def print_result(updates: int, metrics: dict) -> None:
    """The last stdout line: ``{"updates": N, "metrics": {...}}``."""
    clean = {k: (None if v != v else float(v)) for k, v in metrics.items()}
    print(json.dumps({"updates": int(updates), "metrics": clean}), flush=True)


def headless_qt() -> None:
    """Render offscreen: no display is needed, and nothing is shown."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
