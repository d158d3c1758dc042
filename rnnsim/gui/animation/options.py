"""AnimationOptions: what a recording shows, how it is timed, its size and its file format."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from rnnsim.gui.projector import MAX_ZOOM, MIN_ZOOM, valid_zoom
from rnnsim.sim.recording import PARTS, check_parts

CONTENTS = ("canvas", "canvas+plots")  # the network alone, or with activations and G beside
VIEWS = ("both", "unfolded", "folded")  # as the canvas's View choice: folded + unfolded, ...
GRAD_OF = ("E", "E_T")  # the canvas's "Gradient of": the whole loss, or the last frame's
FORMATS = {
    ".gif": "GIF",
    ".webp": "WebP",
    ".png": "PNG frames",
    ".svg": "SVG frames",
    ".apng": "APNG",
    ".mp4": "MP4 (H.264)",
}
MAX_WIDTH = 1920
MIN_WIDTH = 320
MIN_HEIGHT, MAX_HEIGHT = 180, 1440


def format_of(path) -> str:
    """The format key (file extension with its dot) of ``path``; ValueError if unsupported."""
    ext = os.path.splitext(os.fspath(path))[1].lower()
    if ext not in FORMATS:
        raise ValueError(
            f"out: got {os.fspath(path)!r}, expected a file name ending in {', '.join(FORMATS)}"
        )
    return ext


@dataclass(frozen=True)
class AnimationOptions:
    """Settings of a recording; validated on construction (ValueError names the field).

    Attributes
    ----------
    content : {"canvas", "canvas+plots"}
        The network canvas alone, or with the activations and gradient-flow plots beside it.
    view : {"both", "unfolded", "folded"}
        The canvas view.
    grad_of : {"E", "E_T"}
        The backward arrows show ‖∂E/∂s_k‖ of the whole loss or of the last frame's loss E_T.
    parts : tuple of str
        Steps recorded: any of "forward", "backward", "update".
    fps : float
        Frames per second of the step frames (0.2 .. 60).
    hold_first, hold_last : float
        Seconds the first and the last frame stay (at least one frame's time).
    width : int
        Pixels (320 .. 1920, even).
    height : int
        Pixels (180 .. 1440, even), or 0 for ``width · 9/16``. A long unfolded network reads
        better in a wide strip (e.g. 960 × 400).
    projector : float
        Projector-mode fonts: 1 draws the recording at the window's normal sizes; a projector
        zoom (``rnnsim.gui.projector.ZOOMS``, 1.5 by default, as View ▸ Projector mode) draws
        its text, lines, plots and canvas that many times larger, the canvas following the
        current step where the whole network no longer fits.
    """

    content: str = "canvas"
    view: str = "both"
    grad_of: str = "E"
    parts: tuple[str, ...] = field(default=PARTS)
    fps: float = 4.0
    hold_first: float = 1.5
    hold_last: float = 2.5
    width: int = 1280
    height: int = 0
    projector: float = 1.0

    def __post_init__(self):
        for name, allowed in (("content", CONTENTS), ("view", VIEWS), ("grad_of", GRAD_OF)):
            if getattr(self, name) not in allowed:
                raise ValueError(
                    f"{name}: got {getattr(self, name)!r}, expected one of {', '.join(allowed)}"
                )
        object.__setattr__(self, "parts", check_parts(self.parts))
        if not 0.2 <= float(self.fps) <= 60:
            raise ValueError(f"fps: got {self.fps!r}, expected a number in [0.2, 60]")
        for name in ("hold_first", "hold_last"):
            if not 0 <= float(getattr(self, name)) <= 60:
                raise ValueError(
                    f"{name}: got {getattr(self, name)!r}, expected seconds in [0, 60]"
                )
        if (
            isinstance(self.width, bool)
            or not isinstance(self.width, int)
            or not MIN_WIDTH <= self.width <= MAX_WIDTH
        ):
            raise ValueError(
                f"width: got {self.width!r}, expected a whole number of pixels "
                f"in [{MIN_WIDTH}, {MAX_WIDTH}]"
            )
        object.__setattr__(self, "width", self.width - self.width % 2)
        if (
            isinstance(self.height, bool)
            or not isinstance(self.height, int)
            or not (self.height == 0 or MIN_HEIGHT <= self.height <= MAX_HEIGHT)
        ):
            raise ValueError(
                f"height: got {self.height!r}, expected 0 (width·9/16) or a whole "
                f"number of pixels in [{MIN_HEIGHT}, {MAX_HEIGHT}]"
            )

        if isinstance(self.projector, bool) or not valid_zoom(self.projector):
            raise ValueError(
                f"projector: got {self.projector!r}, expected a zoom in "
                f"[{MIN_ZOOM:g}, {MAX_ZOOM:g}] (1: the window's normal sizes)"
            )
        object.__setattr__(self, "projector", float(self.projector))

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) in pixels, both even (H.264 needs that)."""
        height = self.height or round(self.width * 9 / 16)
        return self.width, height - height % 2

    def durations_ms(self, n_frames: int) -> list[int]:
        """How long each of ``n_frames`` frames is shown, in milliseconds (whole 10 ms, as GIF
        stores them)."""
        step = 1000.0 / self.fps
        out = [step] * n_frames
        if n_frames:
            out[0] = max(step, 1000.0 * self.hold_first)
            out[-1] = max(out[-1], 1000.0 * self.hold_last)
        return [max(10, 10 * round(d / 10)) for d in out]
