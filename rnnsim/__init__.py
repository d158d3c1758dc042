"""rnnsim: a desktop simulator of recurrent neural networks, in the lecture's notation."""

__version__ = "0.1.0"
