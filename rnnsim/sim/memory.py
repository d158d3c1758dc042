"""How much memory an experiment needs at its peak, checked before any of it is spent.

    est = estimate(experiment)              # or estimate(experiment, eval_batch=512)
    est.total, est.parts                    # bytes; {"network": ..., "trace": ..., ...}
    check(experiment)                       # ValueError naming the sizes when too much

The estimate adds up what a Simulation holds at once: the weights with the optimiser's slots,
the accumulated gradient, the rollback checkpoint and the last ΔW (``network``); the batch the
task draws (``batch``); the shown sequence run step by step, with its snapshot copies
(``trace``); the training workspace of forward and backward pass (``workspace``); the undo
stack's earlier sequences (``undo``); the history; and, for ``rnnsim train``, the evaluation
batch run forward (``evaluation``). It is an upper bound of what the code allocates (the
tests compare it with tracemalloc's peak), not an exact figure.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnnsim.engine import CELLS
from rnnsim.engine.memory import ceiling, check_memory, format_bytes

HISTORY_BYTES = 5000 * 2048  # history rows (Python tuples and dicts) at their limit
UNDO_SEQUENCES = 20  # the simulation's undo stack: earlier sequences kept …
UNDO_BYTES = 256 * 2**20  # … and at most about this much of them
SLOTS = {"sgd": 0, "momentum": 1, "nesterov": 1, "adagrad": 1, "rmsprop": 1, "adam": 2}
_EXTRA = {"elman": 0, "feedforward": 0, "gru": 4, "lstm": 6}  # own trace arrays (T·B·H)


@dataclass(frozen=True)
class Estimate:
    """Peak memory of a configuration in bytes, by part, and the sizes behind it."""

    parts: dict
    sizes: str

    @property
    def total(self) -> int:
        """Every part together (bytes)."""
        return int(sum(self.parts.values()))

    def text(self) -> str:
        """``about 12.3 MiB`` for showing beside the sizes."""
        return f"about {format_bytes(self.total)}"


def frames(task) -> int:
    """T of the task's batches (one sequence drawn from a generator of its own)."""
    X, _, _ = task.sample(1, np.random.default_rng(0))
    return int(X.shape[0])


def estimate_sizes(
    *,
    cell: str,
    n_in: int,
    n_hidden: int,
    n_out: int,
    T: int,
    B: int,
    dtype: str = "float64",
    optimizer: str = "adam",
    eval_batch: int = 0,
) -> Estimate:
    """The estimate from the sizes alone (see the module docstring for the parts)."""
    b = np.dtype(dtype).itemsize
    H, G = float(n_hidden), float(CELLS[cell].blocks * n_hidden)
    weights = (n_in + H + 1) * G + (H + 1) * n_out
    per_frame = G + 2 * H + 3 * n_out + 1 + _EXTRA[cell] * H  # a, s, ∂E/∂s, z, y, E, cell's
    data = float(T) * B * (n_in + n_out + 1) * 8  # tasks draw float64
    run = float(T) * B * per_frame * b
    sequences = min(UNDO_SEQUENCES * (run + data), max(run + data, UNDO_BYTES))
    parts = {
        "network": (6 + 2 * SLOTS[optimizer]) * weights * b,
        "batch": 2 * data,
        "trace": 4 * run + data + float(T) * (T + 1) * 8,
        "workspace": 3 * float(T) * B * per_frame * b,
        "undo": sequences,
        "history": float(HISTORY_BYTES),
        "evaluation": (
            float(T) * eval_batch * ((n_in + n_out + 1) * 8 + 2 * per_frame * b)
            if eval_batch
            else 0.0
        ),
    }
    sizes = (
        f"T={T} frames × B={B} sequences, n_in={n_in}, n_hidden={n_hidden}, "
        f"n_out={n_out}, {cell}, {dtype}"
        + (f", evaluation batch {eval_batch}" if eval_batch else "")
    )
    return Estimate(parts, sizes)


def estimate(experiment, eval_batch: int = 0, task=None) -> Estimate:
    """The estimate of ``experiment`` (``task``: its task if already made)."""
    task = experiment.make_task() if task is None else task
    return estimate_sizes(
        cell=experiment.cell,
        n_in=task.n_in,
        n_hidden=experiment.n_hidden,
        n_out=task.n_out,
        T=frames(task),
        B=experiment.batch_size,
        dtype=experiment.dtype,
        optimizer=experiment.optimizer,
        eval_batch=eval_batch,
    )


def check_estimate(est: Estimate, what: str = "experiment") -> Estimate:
    """ValueError when ``est`` is above the memory ceiling; else ``est``."""
    check_memory(what, est.total, est.sizes)
    return est


def check(experiment, eval_batch: int = 0, what: str = "experiment") -> Estimate:
    """``estimate`` then ``check_estimate``."""
    return check_estimate(estimate(experiment, eval_batch), what)


__all__ = ["Estimate", "ceiling", "check", "check_estimate", "estimate", "estimate_sizes", "frames"]
