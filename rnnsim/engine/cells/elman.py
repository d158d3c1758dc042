"""The lecture's simple recurrent network (Elman)."""

from __future__ import annotations

import numpy as np

from .base import Cell, rows_dot, transposed


class ElmanCell(Cell):
    """Elman cell: the lecture's state update.

    Equations (row vectors, 0-based frames t = 0..T−1)::

        a[t]   = X[t]·W_x + s[t]·W_s + b_s        pre-activation          (B, H)
        s[t+1] = Φ(a[t])                          state                   (B, H)

    Parameters: ``Wx`` (n_in, H), ``Ws`` (H, H), ``bs`` (H,).

    Backward, with δ = ∂E/∂s[t+1] (total)::

        ∂E/∂a[t] = δ ⊙ Φ'(a[t])
        ∂E/∂s[t] = ∂E/∂a[t] · W_sᵀ                (so ∂s[t+1]/∂s[t] = diag(Φ'(a[t]))·W_sᵀ)
    """

    name = "elman"
    blocks = 1
    gate_names = ()

    def begin_forward(self, p, bufs, c0, workspace=None):
        return {"Ws": p["Ws"], "tmp": np.empty_like(bufs["s"][0])}

    def forward_step(self, t, s, a, work):
        a_t = a[t]
        np.dot(s[t], work["Ws"], out=work["tmp"])
        a_t += work["tmp"]
        self.phi.f(a_t, out=s[t + 1])

    def end_forward(self, work):
        return None, {}, {}

    def prepare_backward(self, trace, p, coef=None, bufs=None):
        return {
            "dphi": self.phi.df(trace.a, trace.s[1:], out=coef),  # (T, B, H) Φ'(a[t])
            "WsT": transposed(p["Ws"], bufs, "WsT"),
        }

    def backward_step(self, t, ds, dc, prep, out_da=None, out_ds=None, need_prev=True):
        da = np.multiply(ds, prep["dphi"][t], out=out_da)
        if not need_prev:
            return da, None, None
        return da, rows_dot(da, prep["WsT"], out=out_ds), None
