"""Recordings of the step-through: GIF, WebP, APNG, MP4 (H.264) and PNG/SVG frame sequences.

    from rnnsim.gui.animation import AnimationOptions, record
    from rnnsim.sim.recording import simulation_for_recording
    sim = simulation_for_recording(experiment, train=300)
    record(sim, AnimationOptions(view="unfolded", parts=("backward",)), "sweep.gif")

Frames are drawn by a ``FrameRenderer`` with its own canvas and plots (the window's are never
touched) and streamed to the file's writer one at a time.
"""

import importlib

from rnnsim.gui.animation.encoders import VIDEO_EXTRA, MissingExtra, open_writer
from rnnsim.gui.animation.options import FORMATS, AnimationOptions, format_of

_DRAWING = ("Cancelled", "record")  # Qt loads only when these are used


def __getattr__(name):
    if name in _DRAWING:
        return getattr(importlib.import_module("rnnsim.gui.animation.recorder"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "FORMATS",
    "VIDEO_EXTRA",
    "AnimationOptions",
    "Cancelled",
    "MissingExtra",
    "format_of",
    "open_writer",
    "record",
]
