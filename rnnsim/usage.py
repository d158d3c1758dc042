"""Exit codes and the argument parser of every rnnsim entry point (commands and the window).

Below every layer (like ``package_data``): the window's ``rnnsim gui`` options and the
sub-commands of ``rnnsim`` report usage errors the same way without the window importing the
command line.
"""

from __future__ import annotations

import argparse

#: Exit codes of every sub-command (the contract scripts rely on).
EXIT_OK = 0  # done
EXIT_FAILED = 1  # failed (a file could not be written, the display is unusable, ...)
EXIT_USAGE = 2  # a command-line mistake or refused input
EXIT_DIVERGED = 3  # training diverged (what there is was still written)
EXIT_INTERRUPTED = 130  # Ctrl-C (what there is was still written where the command says so)


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one line on stderr (exit status 2):
    ``rnnsim train: error: argument --updates: invalid int value: 'x' (rnnsim train --help)``.
    Sub-parsers made with ``add_subparsers`` are Parsers too."""

    def error(self, message):
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see: {self.prog} --help)\n")
