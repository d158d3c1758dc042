"""``rnnsim tasks``: every task with its knobs (``--set task.<knob>=VALUE``)."""

from __future__ import annotations

from rnnsim import catalog

NAME = "tasks"


def add_parser(sub):
    """Add ``tasks`` to ``rnnsim``'s sub-parsers ``sub``."""
    return sub.add_parser(NAME, help="list the tasks with their knobs")


def run(args) -> int:
    """Print the tasks; exit status 0."""
    print(catalog.describe_tasks())
    return 0
