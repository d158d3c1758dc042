"""``rnnsim presets``: the guided experiments (``--preset NAME``)."""

from __future__ import annotations

from rnnsim import catalog

NAME = "presets"


def add_parser(sub):
    """Add ``presets`` to ``rnnsim``'s sub-parsers ``sub``."""
    return sub.add_parser(NAME, help="list the presets")


def run(args) -> int:
    """Print the presets; exit status 0."""
    print(catalog.describe_presets())
    return 0
