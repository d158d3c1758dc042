"""Helpers shared by the sub-commands: usage errors, ``--preset/--experiment/--set``, the
last JSON line, and headless Qt."""

from __future__ import annotations

import json
import os

from rnnsim import catalog

EXIT_OK = 0
EXIT_FAILED = 1
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
