"""Recurrent cells: Elman (the lecture's), LSTM and GRU, in a registry by name; and the
feed-forward cell, the Elman cell with its recurrence cut (the lecture's network without
memory)."""

from .base import Cell
from .elman import ElmanCell
from .feedforward import FeedForwardCell
from .gru import GRUCell
from .lstm import LSTMCell

CELLS = {"elman": ElmanCell, "lstm": LSTMCell, "gru": GRUCell, "feedforward": FeedForwardCell}


def get_cell(name) -> type[Cell]:
    """Return the cell class registered as ``name``; ValueError naming ``cell`` if unknown."""
    if not isinstance(name, str) or name not in CELLS:
        accepted = ", ".join(repr(k) for k in CELLS)
        raise ValueError(f"cell: got {name!r}, expected one of {accepted}")
    return CELLS[name]


__all__ = ["CELLS", "Cell", "ElmanCell", "FeedForwardCell", "GRUCell", "LSTMCell", "get_cell"]
