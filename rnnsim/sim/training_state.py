"""What training changes besides the weights: one object that the Simulation owns.

``Simulation.install(...)`` replaces it whole (a reset, a changed experiment, a loaded file);
the training code (``training.py``) is the only code that changes it in place.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from rnnsim.engine import GradientAccumulator, make_optimizer
from rnnsim.engine.optim import Optimizer

from .history import HistoryBuffer


@dataclass(eq=False)
class TrainingState:
    """The optimiser, the mini-batch accumulator and the record of the updates.

    Attributes
    ----------
    optimizer : Optimizer
        With its slots (momentum, Adam's moments, …) and step count.
    accumulator : GradientAccumulator
        Gradients gathered toward the next update (the lecture's M).
    history : HistoryBuffer
        One row per update: loss, metrics, gradient norms, clipping.
    delta_weights : dict of str to ndarray
        The change ΔW the last update applied (zeros before the first).
    grad_norms : dict of str to float
        ‖∂E/∂W‖ of the last update, before clipping.
    updates : int
        Weight updates applied since the last reset.
    clipped : bool
        Whether clipping fired on the last update.
    stats : list of (float, dict)
        (loss, metrics) of each batch in the accumulator.
    good : tuple or None
        (weights, optimiser state, updates) before the last update: what a divergence rolls
        back to; None when there is nothing to go back to.
    """

    optimizer: Optimizer
    accumulator: GradientAccumulator
    history: HistoryBuffer
    delta_weights: dict[str, np.ndarray]
    grad_norms: dict[str, float]
    updates: int = 0
    clipped: bool = False
    stats: list[tuple[float, dict]] = field(default_factory=list)
    good: tuple | None = None

    @classmethod
    def fresh(cls, experiment, params) -> TrainingState:
        """The state of an untrained network with ``params`` under ``experiment``."""
        return cls(
            optimizer=make_optimizer(
                experiment.optimizer, experiment.lr, **experiment.optimizer_hyper()
            ),
            accumulator=GradientAccumulator(experiment.update_every),
            history=HistoryBuffer(),
            delta_weights={k: np.zeros_like(v) for k, v in params.items()},
            grad_norms=dict.fromkeys(params, 0.0),
        )
