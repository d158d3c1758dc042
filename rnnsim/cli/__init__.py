"""The ``rnnsim`` command: the window, headless training with every figure, tasks and presets.

    rnnsim                                   open the window (the wolf story)
    rnnsim gui [EXPERIMENT.json] [--screenshot PNG --steps N]
    rnnsim train [--preset NAME | --experiment FILE] [--set FIELD=VALUE ...] [--updates N]
                 --out DIR
    rnnsim sweep [--x FIELD=V1,V2,... [--y ... [--z ...]]] [--seeds N] [--backend dask]
                 [--resume] --out DIR            a grid over seeds, heatmaps (--plot DIR: redraw)
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
on stderr and, last on stdout, one JSON line ``{"updates": N, "metrics": {...}}``.

Exit status everywhere (``common.EXIT_*``): 0 done, 1 failed, 2 usage or refused input,
3 training diverged, 130 interrupted. Errors are one line on stderr.
"""

from __future__ import annotations

import os
import sys

from rnnsim import __version__
from rnnsim.cli import animate, gui, presets, probe, sweep, tasks, train
from rnnsim.cli.common import (
    EXIT_DIVERGED,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    Parser,
    UsageError,
    add_start_arguments,
    error_line,
    headless_qt,
    load_start,
    parse_settings,
    print_result,
    quiet_broken_pipe,
)

__all__ = [
    "EXIT_DIVERGED",
    "EXIT_FAILED",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_USAGE",
    "UsageError",
    "add_start_arguments",
    "build_parser",
    "headless_qt",
    "load_start",
    "main",
    "parse_settings",
    "print_result",
]

#: The sub-commands in the order ``rnnsim --help`` lists them (``gui`` is handled first).
SUBCOMMANDS = (train, probe, sweep, tasks, presets, animate)
COMMANDS = (gui.NAME, *(module.NAME for module in SUBCOMMANDS))
TRACEBACK_ENV = "RNNSIM_TRACEBACK"  # set to 1: unexpected errors show their traceback


def build_parser() -> Parser:
    """The parser of ``rnnsim`` and its sub-commands."""
    parser = Parser(
        prog="rnnsim",
        description="A simulator of the lecture's recurrent networks: "
        "s_t = Φ(x_t·W_x + s_{t−1}·W_s + b_s), y_t = s_t·W_y + b_y, BPTT, LSTM and GRU.",
        epilog="Without a command, rnnsim opens the window. `rnnsim gui --help` lists the "
        "window's options. Exit status: 0 done, 1 failed, 2 usage, 3 training diverged, "
        "130 interrupted.",
    )
    parser.add_argument("--version", action="version", version=f"rnnsim {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    gui.add_parser(sub)
    for module in SUBCOMMANDS:
        module.add_parser(sub)
    return parser


def main(argv=None) -> int:
    """Run ``rnnsim`` with ``argv`` (default ``sys.argv[1:]``); return the exit status.

    Errors are one line on stderr: exit 2 for a usage mistake, 1 for a failure; Ctrl-C is 130;
    a reader that stops early (``rnnsim presets | head -3``) ends the command quietly.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    command = argv[0] if argv else gui.NAME
    try:
        if (
            not argv
            or argv[0] == gui.NAME
            or (argv[0] not in COMMANDS and gui.is_gui_argument(argv[0]))
        ):
            command = gui.NAME
            return gui.run_argv(argv)
        args = build_parser().parse_args(argv)
        if args.command is None:
            return gui.run_argv([])
        command = args.command
        module = next(m for m in SUBCOMMANDS if m.NAME == args.command)
        code = module.run(args)
        sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's last flush
        return code
    except UsageError as exc:
        print(f"rnnsim {command}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"rnnsim {command}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        quiet_broken_pipe()
        return EXIT_OK
    except (OSError, ValueError, RuntimeError) as exc:
        if os.environ.get(TRACEBACK_ENV):
            raise
        print(error_line(command, exc), file=sys.stderr)
        return EXIT_FAILED
