"""``rnnsim gui`` (and ``rnnsim`` alone, and ``rnnsim-gui``): the window. Its options are the
window's own."""

from __future__ import annotations

import sys

NAME = "gui"


def add_parser(sub):
    """Add ``gui`` to ``rnnsim``'s sub-parsers ``sub`` (its options: ``rnnsim gui --help``)."""
    return sub.add_parser(
        NAME, help="open the window (the default; see `rnnsim gui --help`)", add_help=False
    )


def is_gui_argument(arg: str) -> bool:
    """The window's own arguments: an experiment or state file, or an option other than
    --help and --version."""
    return arg.endswith((".json", ".npz")) or (
        arg.startswith("-") and arg not in ("-h", "--help", "--version")
    )


def run_argv(argv: list[str]) -> int:
    """Open the window with ``argv`` (the words after ``rnnsim`` or ``rnnsim gui``)."""
    from rnnsim.gui import run  # Qt loads only for the window

    return run(argv)


def main() -> int:
    """``rnnsim-gui [FILE] [options]``: the window (a GUI script: no console on Windows)."""
    return run_argv(sys.argv[1:])
