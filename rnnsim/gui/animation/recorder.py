"""Recording: a simulation stepped through one sequence, each frame drawn and written at once.

    sim = simulation_for_recording(experiment, train=300)
    paths = record(sim, AnimationOptions(parts=("backward",)), "sweep.gif",
                   progress=lambda done, total: ...)

``Recording`` does the same one frame per ``advance()`` call, so the window can spread the
work over its event loop (with a progress dialog and Cancel) while the user goes on.
"""

from __future__ import annotations

from rnnsim.gui.animation.compose import FrameRenderer
from rnnsim.gui.animation.encoders import open_writer
from rnnsim.sim.recording import RecordingPlan


class Cancelled(Exception):
    """The recording was cancelled; nothing was written."""


class Recording:
    """A recording in progress: ``advance()`` draws and writes the next frame.

    Parameters
    ----------
    sim : rnnsim.sim.Simulation
        Its own simulation, standing at the start of a sequence
        (``rnnsim.sim.recording.simulation_for_recording``); it is stepped.
    options : AnimationOptions
    path : str
        Output file; its extension picks the format (``options.FORMATS``).
    """

    def __init__(self, sim, options, path):
        self.options, self.path = options, path
        self.plan = RecordingPlan.of(sim, options.parts)
        self.total = self.plan.n_frames
        self.done = 0
        self._frames = self.plan.frames(sim)
        self.writer = open_writer(path, options.size, options.durations_ms(self.total),
                                  options.fps)
        self.renderer = FrameRenderer(options)
        self.written = None

    @property
    def finished(self) -> bool:
        """True once every frame is written and the file is complete."""
        return self.written is not None

    def advance(self) -> bool:
        """Draw and write the next frame; True while frames remain (then ``finish``es)."""
        try:
            frame = next(self._frames)
        except StopIteration:
            frame = None
        if frame is not None:
            if self.writer.kind == "svg":
                self.writer.add(self.renderer.svg(frame, self.total))
            else:
                self.writer.add(self.renderer.image(frame, self.total))
            self.done += 1
        if frame is None or self.done == self.total:
            self.written = self.writer.finish()
            self.renderer.close()
            return False
        return True

    def cancel(self):
        """Stop: the partial output is removed."""
        if self.finished:
            return
        self.writer.abort()
        self.renderer.close()
        self.written = []


def record(sim, options, path, progress=None, should_stop=None) -> list[str]:
    """Record one sequence of ``sim`` into ``path``; return the paths written.

    ``progress(done, total)`` after each frame; ``should_stop()`` is checked before each frame
    and raises ``Cancelled`` (the partial output removed) when it returns True.
    """
    recording = Recording(sim, options, path)
    try:
        while True:
            if should_stop is not None and should_stop():
                raise Cancelled(f"recording cancelled after {recording.done} of "
                                f"{recording.total} frames")
            more = recording.advance()
            if progress is not None:
                progress(recording.done, recording.total)
            if not more:
                return recording.written
    except BaseException:
        recording.cancel()
        raise
