"""Sequence tasks (NumPy only): each makes (X, D, mask) batches from a seed, names its tokens,
scores predictions and knows its chance level.

    from rnnsim.tasks import TASKS, make_task, Knob
    task = make_task("wolf", gap=2)
    X, D, mask = task.sample(32, np.random.default_rng(0))   # (T, B, n_in), (T, B, n_out), (T, B)
"""

from __future__ import annotations

from .adding import AddingTask
from .base import Knob, Task
from .copy import CopyTask
from .custom import CustomTask
from .reber import ReberTask
from .temporal_xor import TemporalXorTask
from .text import TextTask
from .waveform import WaveformTask
from .wolf import WolfTask

#: Task classes by name, the default (the lecture's story) first.
TASKS: dict[str, type[Task]] = {
    cls.name: cls
    for cls in (
        WolfTask,
        CopyTask,
        AddingTask,
        TemporalXorTask,
        WaveformTask,
        ReberTask,
        TextTask,
        CustomTask,
    )
}


def make_task(name: str = "wolf", **knobs) -> Task:
    """Build task ``name`` with knob values ``knobs`` (the others at their defaults).

    Raises
    ------
    ValueError
        Unknown task, unknown knob, wrong type or value out of range (naming it, the value
        and what is accepted).
    """
    if not isinstance(name, str) or name not in TASKS:
        raise ValueError(f"task: got {name!r}, expected one of {', '.join(map(repr, TASKS))}")
    return TASKS[name](**knobs)


__all__ = ["TASKS", "Knob", "Task", "make_task"]
