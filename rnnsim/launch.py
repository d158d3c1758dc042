"""The installed commands' entry points, ``rnnsim`` and ``rnnsim-gui``.

They import the command-line package (NumPy and the rest) inside the function, so a Ctrl-C in
the first second, while those imports run, ends as any other interrupted command does: one
line on stderr and exit status 130, not Python's traceback of the import machinery.
"""

from __future__ import annotations

import sys

from rnnsim.usage import EXIT_INTERRUPTED


def main() -> int:
    """``rnnsim``: see ``rnnsim.cli``."""
    try:
        from rnnsim.cli import main as run  # here: a Ctrl-C during it is caught below
    except KeyboardInterrupt:
        return _interrupted("rnnsim")
    return run()


def gui_main() -> int:
    """``rnnsim-gui``: see ``rnnsim.cli.gui``."""
    try:
        from rnnsim.cli.gui import main as run  # here: a Ctrl-C during it is caught below
    except KeyboardInterrupt:
        return _interrupted("rnnsim-gui")
    return run()


def _interrupted(command: str) -> int:
    print(f"{command}: interrupted while starting", file=sys.stderr)
    return EXIT_INTERRUPTED
