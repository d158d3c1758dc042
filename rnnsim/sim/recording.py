"""One sequence stepped through for a recording: the frames of an animation of BPTT.

A recording shows one sequence the way the window's Step button does: the forward pass frame
by frame, the backward sweep state by state, then the weight update. It runs on its own
``Simulation`` (trained for it, or loaded from a saved state), never on the window's.

    sim = simulation_for_recording(experiment, train=300)      # or state="run.npz"
    plan = RecordingPlan.of(sim, parts=("backward",))
    for frame in plan.frames(sim):                             # Frame(index, part, snapshot)
        ...
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .experiment import Experiment
from .persistence import check_state, state_arrays
from .simulation import Simulation
from .snapshot import Snapshot

PARTS = ("forward", "backward", "update")


def check_parts(parts) -> tuple[str, ...]:
    """``parts`` as a tuple in step order; ValueError naming a part that is not one of PARTS."""
    if isinstance(parts, str):
        parts = [p.strip() for p in parts.split(",") if p.strip()]
    parts = tuple(parts)
    unknown = [p for p in parts if p not in PARTS]
    if unknown or not parts:
        raise ValueError(
            f"parts: got {','.join(map(str, parts)) or 'nothing'!r}, expected "
            f"one or more of {', '.join(PARTS)} (comma-separated)"
        )
    return tuple(p for p in PARTS if p in parts)


@dataclass(frozen=True)
class Frame:
    """One recorded frame.

    ``index`` counts recorded frames from 0; ``part`` is the step that led to it ("start" for
    the opening frame, else "forward", "backward" or "update"); ``snapshot`` is what the
    window would draw.
    """

    index: int
    part: str
    snapshot: Snapshot


@dataclass(frozen=True)
class RecordingPlan:
    """Which steps of the next sequence are recorded, and how many frames that gives.

    The opening frame is the state just before the first recorded step; every recorded step
    then adds one frame. Steps of parts left out are taken without a frame.
    """

    parts: tuple[str, ...]
    T: int
    update: bool  # the sweep completes M gradients, so the update step follows it

    @classmethod
    def of(cls, sim: Simulation, parts=PARTS) -> RecordingPlan:
        """The plan for ``sim`` standing at the start of a sequence (see ``rewind``)."""
        c = sim.cursor
        if c.phase != "forward" or c.t != 0:
            raise ValueError(
                f"sim: the cursor is at {c}, expected the start of a sequence (t = 0, forward)"
            )
        update = sim.accumulator.count + 1 >= sim.accumulator.M
        return cls(check_parts(parts), sim.run.T, update)

    def steps(self) -> list[str]:
        """The part of every step from the start of the sequence to the end of the recording."""
        steps = ["forward"] * self.T + ["backward"] * (self.T + 1)
        if self.update:
            steps.append("update")
        last = (
            max(i for i, part in enumerate(steps) if part in self.parts)
            if any(p in self.parts for p in steps)
            else -1
        )
        return steps[: last + 1]

    @property
    def n_frames(self) -> int:
        """Frames the recording writes (at least the opening frame)."""
        return 1 + sum(part in self.parts for part in self.steps())

    def frames(self, sim: Simulation) -> Iterator[Frame]:
        """Step ``sim`` through the plan, yielding each recorded frame as it is reached."""
        steps = self.steps()
        first = next((i for i, part in enumerate(steps) if part in self.parts), len(steps))
        for _ in range(first):
            sim.step()
        yield Frame(0, "start", sim.snapshot())
        index = 1
        for part in steps[first:]:
            sim.step()
            if part in self.parts:
                yield Frame(index, part, sim.snapshot())
                index += 1


def rewind(sim: Simulation) -> None:
    """Bring ``sim`` to the first frame of a sequence.

    The sequence it stands in starts again (the same batch, replayed from its saved generator
    state) while its gradient has not joined the accumulator; after its sweep, ``sim`` steps on
    to the next sequence (the update, when due, is applied on the way).
    """
    c = sim.cursor
    if c.phase == "forward" and c.t == 0:
        return
    if not sim.run.swept:
        arrays = state_arrays(sim)
        arrays["cursor"] = np.array([0, 0, 0])
        check_state(arrays, sim.experiment, "recording")(sim)
        return
    while sim.cursor.phase != "forward" or sim.cursor.t != 0:
        sim.step()


def simulation_for_recording(
    experiment: Experiment | None = None, *, train: int = 0, state=None
) -> Simulation:
    """A new Simulation at the start of the sequence to record.

    Parameters
    ----------
    experiment : Experiment or None
        Built from its seed (None with ``state``: the experiment stored in the state).
    train : int
        Weight updates to apply first (``Simulation.train``).
    state : path or None
        A state saved by ``Simulation.save`` (``run.npz``, or an experiment JSON with its
        NPZ beside it). The sequence it stood in is recorded from its first frame when its
        gradient has not joined the accumulator yet; otherwise the next sequence is. With
        ``experiment`` given too, that experiment is applied to the loaded state.
    """
    if isinstance(train, bool) or not isinstance(train, int | np.integer) or train < 0:
        raise ValueError(f"train: got {train!r}, expected a whole number >= 0")
    sim = Simulation(experiment if state is None else None)
    if state is not None:
        sim.load(Path(state))
        if experiment is not None and experiment != sim.experiment:
            sim.apply(experiment)
    if train:
        sim.train(int(train))
    rewind(sim)
    return sim
