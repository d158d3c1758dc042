"""Snapshot: a frozen view of everything the window draws.

The simulation builds a Snapshot from its live state by copying every array and marking the
copy read-only, so the GUI thread can draw it while the worker goes on. Arrays describe the
*displayed* sequence: element ``b = 0`` of the current batch. Time is 0-based (see
``docs/internals.md``): frame ``X[t]`` produces ``s[t+1]``; ``s[0]`` is the initial state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, overload

import numpy as np

PHASES = ("forward", "backward", "update")


@dataclass(frozen=True)
class Cursor:
    """Where the simulation stands.

    Attributes
    ----------
    sequence : int
        How many sequences (batches) have been started since the last reset, 1-based for the
        current one.
    t : int
        Forward steps done in the current sequence, 0..T: states s[0..t] are known.
    phase : str
        ``"forward"`` (stepping through the sequence), ``"backward"`` (the BPTT sweep, from the
        last frame to the first) or ``"update"`` (gradients of M sequences are accumulated and
        the next step applies them).
    k : int
        In the backward phase, the next frame the sweep processes (T−1 down to 0); ∂E/∂s[j] is
        known for every j > k. −1 once the sweep is complete. Equal to T−1 otherwise.
    """

    sequence: int
    t: int
    phase: str
    k: int


@dataclass(frozen=True)
class History:
    """Bounded per-update histories (oldest dropped first)."""

    update: np.ndarray  # (n,) int: update number of each entry
    loss: np.ndarray  # (n,) training loss of the batch that produced the update
    metrics: dict[str, np.ndarray]  # name → (n,) task metrics of that batch (NaN: not scored)
    grad_norms: dict[str, np.ndarray]  # param name → (n,) gradient norm before clipping
    global_norm: np.ndarray  # (n,) global gradient norm before clipping
    clipped: np.ndarray  # (n,) bool: clipping fired on that update


@dataclass(frozen=True)
class Snapshot:
    """Everything the window draws, frozen. Arrays are read-only copies.

    Shapes use T (frames in the sequence), H (hidden units), G (pre-activation width: H for
    Elman, 4H for LSTM, 3H for GRU), n_in, n_out.
    """

    experiment: Any  # rnnsim.sim.Experiment
    cursor: Cursor
    T: int
    cell: str
    activation: str
    gamma: float  # the lecture's γ of Φ: 1/4 sigmoid, 1 tanh/ReLU/identity
    input_tokens: tuple[str, ...]  # (T,) x_t rendered as words ("bear", "tree", ...)
    target_tokens: tuple[str, ...]  # (T,) d_t rendered as words
    output_names: tuple[str, ...]  # (n_out,) names of the output units
    X: np.ndarray  # (T, n_in) inputs of the displayed sequence
    D: np.ndarray  # (T, n_out) targets
    mask: np.ndarray  # (T,) which frames carry a loss
    s: np.ndarray  # (t+1, H) states s[0..t]
    a: np.ndarray  # (t, G) pre-activations of frames 0..t−1
    y: np.ndarray  # (t, n_out) outputs after the output function
    E: np.ndarray  # (t,) per-frame losses E[0..t−1] of the displayed sequence
    c: np.ndarray | None  # (t+1, H) LSTM cell state, else None
    gates: dict[str, np.ndarray]  # name → (t, H): LSTM i, f, o, g; GRU z, r, n; Elman empty
    dE_ds: np.ndarray  # (T+1, H) ∂E/∂s[j] from the backward sweep; NaN where not yet reached
    bptt_cuts: tuple[int, ...]  # state indices j where truncated BPTT cuts the gradient
    grad_flow: np.ndarray | None  # (T, T+1) G[t, j] = ‖∂E[t]/∂s[j]‖ of the current batch
    weights: dict[str, np.ndarray]  # param name → array (Wx, Ws, Wy, bs, by, ...)
    delta_weights: dict[str, np.ndarray]  # param name → last applied change ΔW (zeros before)
    grad_norms: dict[str, float]  # param name → norm of the last gradient (before clipping)
    clipped: bool  # clipping fired on the last update
    sigma_max: float  # largest singular value of W_s
    singular_values: np.ndarray  # (H,) of W_s, descending
    eigenvalues: np.ndarray  # (H,) complex eigenvalues of W_s
    # (LSTM and GRU: of W_s's (H, H) block of the candidate, LSTM g and GRU n; see
    # rnnsim.sim.build_snapshot.recurrent_block)
    updates: int  # weight updates applied since reset
    pending: int  # gradients accumulated toward the next update (0..M−1)
    loss: float  # loss of the current batch (NaN until its forward pass is complete)
    history: History
    chance: float  # chance level of the task's primary metric
    primary_metric: str
    message: str = ""  # a notice for the user (divergence, re-initialisation), else ""
    extras: dict[str, Any] = field(default_factory=dict)  # task-specific (generated text, ...)
    # (T,) the name nearest to each input x_t (the Inspector's; the strip shows input_tokens,
    # which never name an answer the input does not show, e.g. the wolf story's last animal)
    nearest_tokens: tuple[str, ...] = ()


@overload
def frozen_copy(array: np.ndarray) -> np.ndarray: ...


@overload
def frozen_copy(array: None) -> None: ...


def frozen_copy(array: np.ndarray | None) -> np.ndarray | None:
    """Return a read-only copy of ``array`` (None stays None)."""
    if array is None:
        return None
    out = np.array(array, copy=True)
    out.setflags(write=False)
    return out
