"""The ``rnnsim`` command: the window, headless training with every figure, tasks and presets.

    rnnsim                                   open the window (the wolf story)
    rnnsim gui [EXPERIMENT.json] [--screenshot PNG --steps N]
    rnnsim train [--preset NAME | --experiment FILE] [--set FIELD=VALUE ...] [--updates N]
                 --out DIR
    rnnsim sweep [--x FIELD=V1,V2,... [--y FIELD=...]] ... --out DIR   a grid, a heatmap
    rnnsim probe --experiment STATE --sequence "bear tree squirrel -> wolf"
                                             a trained network on your own sequence
    rnnsim animate [--preset NAME | --experiment FILE] [--set ...] [--train N] --out FILE
                                             one sequence's step-through: GIF, MP4, frames
    rnnsim tasks                             the tasks and their knobs
    rnnsim presets                           the presets

One module per sub-command (``gui``, ``train``, ``probe``, ``sweep``, ``tasks``, ``presets``,
``animate``), each
with ``NAME``, ``add_parser(sub)`` and ``run(args) -> int``; ``common`` holds what they
share. A new sub-command is a new module added to ``SUBCOMMANDS``. ``train`` prints progress
on stderr and, last on stdout, one JSON line ``{"updates": N, "metrics": {...}}``. Usage
errors print one line and exit with status 2.
"""

from __future__ import annotations

import argparse
import sys

from rnnsim.cli import animate, gui, presets, probe, sweep, tasks, train
from rnnsim.cli.common import (
    EXIT_USAGE,
    UsageError,
    add_start_arguments,
    headless_qt,
    load_start,
    parse_settings,
    print_result,
)

__all__ = ["EXIT_USAGE", "UsageError", "add_start_arguments", "build_parser", "headless_qt",
           "load_start", "main", "parse_settings", "print_result"]

#: The sub-commands in the order ``rnnsim --help`` lists them (``gui`` is handled first).
SUBCOMMANDS = (train, probe, sweep, tasks, presets, animate)
COMMANDS = (gui.NAME, *(module.NAME for module in SUBCOMMANDS))


def build_parser() -> argparse.ArgumentParser:
    """The parser of ``rnnsim`` and its sub-commands."""
    parser = argparse.ArgumentParser(
        prog="rnnsim", description="A simulator of the lecture's recurrent networks: "
        "s_t = Φ(x_t·W_x + s_{t−1}·W_s + b_s), y_t = s_t·W_y + b_y, BPTT, LSTM and GRU.",
        epilog="Without a command, rnnsim opens the window. `rnnsim gui --help` lists the "
        "window's options.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    gui.add_parser(sub)
    for module in SUBCOMMANDS:
        module.add_parser(sub)
    return parser


def main(argv=None) -> int:
    """Run ``rnnsim`` with ``argv`` (default ``sys.argv[1:]``); return the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] == gui.NAME or (argv[0] not in COMMANDS
                                           and gui.is_gui_argument(argv[0])):
        return gui.run_argv(argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    module = next(m for m in SUBCOMMANDS if m.NAME == args.command)
    try:
        return module.run(args)
    except UsageError as exc:
        print(f"rnnsim {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE

