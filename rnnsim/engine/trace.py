"""The record of one forward pass: everything the backward pass and the app's plots need."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Trace:
    """One forward pass over a batch of sequences (0-based frames t = 0..T−1).

    Attributes
    ----------
    X : ndarray (T, B, n_in)
        Inputs; frame X[t] maps s[t] to s[t+1].
    s : ndarray (T+1, B, H)
        States; s[0] = s0.
    a : ndarray (T, B, G)
        Pre-activations (G = H Elman, 4H LSTM in blocks i, f, o, g, 3H GRU in blocks z, r, n).
    z : ndarray (T, B, n_out)
        Readout s[t+1]·W_y + b_y before the output function.
    y : ndarray (T, B, n_out)
        Outputs after the output function.
    c : ndarray (T+1, B, H) or None
        LSTM cell states (c[0] = c0); None for the other cells.
    gates : dict str → ndarray (T, B, H)
        Gate values: LSTM ``i``, ``f``, ``o``, ``g``; GRU ``z``, ``r``, ``n``; empty for Elman.
    cache : dict
        Further values the backward pass needs (cell-specific).
    """

    X: np.ndarray
    s: np.ndarray
    a: np.ndarray
    z: np.ndarray
    y: np.ndarray
    c: np.ndarray | None = None
    gates: dict = field(default_factory=dict)
    cache: dict = field(default_factory=dict)

    @property
    def T(self) -> int:
        """Number of frames."""
        return self.X.shape[0]

    @property
    def B(self) -> int:
        """Batch size."""
        return self.X.shape[1]
