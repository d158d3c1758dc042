"""Recording: a simulation stepped through one sequence, each frame drawn and written at once.

    sim = simulation_for_recording(experiment, train=300)
    paths = record(sim, AnimationOptions(parts=("backward",)), "sweep.gif",
                   progress=lambda done, total: ...)

``rnnsim animate`` calls it; the window's File ▸ Export animation… runs ``rnnsim animate`` in a
child process, so no frame is ever drawn in the window's process.
"""

from __future__ import annotations

from rnnsim.gui.animation.compose import FrameRenderer
from rnnsim.gui.animation.encoders import open_writer
from rnnsim.sim.recording import RecordingPlan


class Cancelled(Exception):
    """The recording was cancelled; nothing was written."""


def record(sim, options, path, progress=None, should_stop=None) -> list[str]:
    """Record one sequence of ``sim`` into ``path``; return the paths written.

    ``sim`` is its own simulation, standing at the start of a sequence
    (``rnnsim.sim.recording.simulation_for_recording``); it is stepped. ``path``'s extension
    picks the format (``options.FORMATS``). ``progress(done, total)`` after each frame;
    ``should_stop()`` is checked before each frame and raises ``Cancelled`` when it returns
    True. On any exception (Ctrl-C included) the partial output is removed.
    """
    plan = RecordingPlan.of(sim, options.parts)
    total = plan.n_frames
    writer = open_writer(path, options.size, options.durations_ms(total), options.fps)
    renderer = FrameRenderer(options)
    done = 0
    try:
        for frame in plan.frames(sim):
            if should_stop is not None and should_stop():
                raise Cancelled(f"recording cancelled after {done} of {total} frames")
            if writer.kind == "svg":
                writer.add(renderer.svg(frame, total))
            else:
                writer.add(renderer.image(frame, total))
            done += 1
            if progress is not None:
                progress(done, total)
            if done == total:
                break
        return writer.finish()
    except BaseException:
        writer.abort()
        raise
    finally:
        renderer.close()
