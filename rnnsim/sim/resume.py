"""Continuing a saved run: ``rnnsim train --experiment DIR/run.npz --updates N``.

A state file (``run.npz``, written by ``rnnsim train --out`` and by File ▸ Save as .npz)
carries its experiment. Training M updates, saving, loading and training N more gives the same
weights, bit for bit, as training M + N updates in one go with the same seed:

- ``Simulation.train`` ends by drawing a fresh batch to show (run forward, no gradient taken
  from it); the saved generator state is the one before that batch;
- ``continue_data_stream`` gives that batch back to the stream, so the next ``train`` draws
  it first, exactly as the uninterrupted run drew it as its next training batch.
"""

from __future__ import annotations

from pathlib import Path

from .experiment import Experiment
from .persistence import read_state
from .simulation import Simulation


def is_state_file(path) -> bool:
    """True for a path that names a state file (``.npz``) rather than an experiment."""
    return Path(path).suffix.lower() == ".npz"


def stored_experiment(path) -> Experiment:
    """The experiment saved inside the state file ``path`` (read within bounds by
    ``persistence.read_state``); ValueError naming the file when it cannot be used."""
    return read_state(path)[0]


def load_run(path):
    """A Simulation with the state file ``path`` loaded, ready to train on where it stopped.

    Raises
    ------
    ValueError
        The file is missing, corrupt or refused (the message names it and why).
    """
    sim = Simulation(stored_experiment(path))
    sim.load(path)
    continue_data_stream(sim)
    return sim


def continue_data_stream(sim) -> bool:
    """Rewind the batch generator to before the shown batch when no gradient has been taken
    from it yet (the batch ``train`` drew only to show), so training goes on with it; return
    whether it rewound. A run that never trained (0 updates) is left alone: a fresh start
    skips its first shown batch too."""
    run = sim.run
    before = getattr(run, "rng_before", None)
    if sim.updates == 0 or run.revealed != 0 or before is None:
        return False
    sim.rng.bit_generator.state = before
    sim.sequence = max(sim.sequence - 1, 0)
    return True
