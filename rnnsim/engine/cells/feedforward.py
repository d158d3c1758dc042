"""A network without memory: the lecture's opening picture, the recurrence cut."""

from __future__ import annotations

import numpy as np

from .base import Cell


class FeedForwardCell(Cell):
    """Feed-forward cell: each frame on its own, no memory of the earlier ones.

    Equations (row vectors, 0-based frames t = 0..T−1)::

        a[t]   = X[t]·W_x + b_s                   pre-activation          (B, H)
        s[t+1] = Φ(a[t])                          state                   (B, H)

    This is the Elman cell with the recurrence cut: W_s fixed at zero. ``Ws`` (H, H) is kept,
    all zeros, so every view of the lecture's three matrices still applies; the cell never
    reads it, so ∂E/∂W_s = 0 exactly and no optimiser moves it. ``ws_scale`` and the
    "identity" init do not apply (there is no recurrent block to scale).

    Backward, with δ = ∂E/∂s[t+1]::

        ∂E/∂a[t] = δ ⊙ Φ'(a[t])
        ∂E/∂s[t] = 0                              (s[t+1] does not depend on s[t])
    """

    name = "feedforward"
    blocks = 1
    gate_names = ()
    recurrent = False

    def init_params(self, rng, init, dtype):
        """Wx drawn with ``init`` ("identity": uniform), Ws zeros, bs zeros."""
        p = super().init_params(rng, "uniform" if init == "identity" else init, dtype)
        p["Ws"] = np.zeros_like(p["Ws"])
        return p

    def begin_forward(self, p, bufs, c0, workspace=None):
        return {}

    def forward_step(self, t, s, a, work):
        self.phi.f(a[t], out=s[t + 1])

    def end_forward(self, work, keep_a=True):
        return None, {}, {}

    def backward_shapes(self, T, B):
        return {}

    def prepare_backward(self, trace, p, coef=None, bufs=None):
        return {"dphi": self.phi.df(trace.a, trace.s[1:], out=coef)}  # (T, B, H) Φ'(a[t])

    def backward_step(self, t, ds, dc, prep, out_da=None, out_ds=None, need_prev=True):
        da = np.multiply(ds, prep["dphi"][t], out=out_da)
        if not need_prev:
            return da, None, None
        if out_ds is None:
            return da, np.zeros(ds.shape, dtype=ds.dtype), None
        out_ds.fill(0.0)
        return da, out_ds, None

    def weight_grads(self, trace, dA, prep):
        """Gradients of Wx and bs; Ws's is exactly zero (the cell never reads W_s)."""
        T, B, G = dA.shape
        dA2 = dA.reshape(T * B, G)
        return {
            "Wx": np.dot(trace.X.reshape(T * B, -1).T, dA2),
            "Ws": np.zeros((self.n_hidden, G), dtype=dA.dtype),
            "bs": dA2.sum(axis=0),
        }
