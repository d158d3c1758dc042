"""Qt-free simulation: experiments, the stepped BPTT simulation, snapshots, save and load.

from rnnsim.sim import Experiment, Simulation
sim = Simulation(Experiment(task="wolf", n_hidden=16))
sim.step(); sim.step_back(); sim.train(100)
snap = sim.snapshot()               # frozen, read-only arrays
"""

from .experiment import Experiment
from .persistence import (
    load_experiment,
    load_state,
    save_experiment,
    save_state,
)
from .presets import default_experiment
from .simulation import Simulation
from .snapshot import PHASES, Cursor, History, Snapshot
from .training import Progress

__all__ = [
    "PHASES",
    "Cursor",
    "Experiment",
    "History",
    "Progress",
    "Simulation",
    "Snapshot",
    "default_experiment",
    "load_experiment",
    "load_state",
    "save_experiment",
    "save_state",
]
