"""The network canvas: folded and unfolded views of the RNN, legends, level of detail."""

from rnnsim.gui.canvas.canvas import MODES, NetworkCanvas, Selection

__all__ = ["MODES", "NetworkCanvas", "Selection"]
