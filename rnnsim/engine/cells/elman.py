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

    Speed: in a sweep, Φ'(a[t]) is formed ``COEF_BYTES`` at a time just ahead of the frames
    that use it (``coefficients``), into ``dA`` itself, while those frames are in the cache.
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
        prep = {
            "dphi": np.empty_like(trace.a) if coef is None else coef,  # (T, B, H) Φ'(a[t])
            "WsT": transposed(p["Ws"], bufs, "WsT"),
            "trace": trace,
            "ready": trace.T,  # dphi[t] is formed for t >= ready
        }
        if bufs is None:
            self.coefficients(prep, 0, trace.T)
        return prep

    def coefficients(self, prep, lo, hi):
        """Φ'(a[t]) for frames lo <= t < hi (the sweep forms them ``COEF_BYTES`` at a time)."""
        tr = prep["trace"]
        self.phi.df(tr.a[lo:hi], tr.s[lo + 1 : hi + 1], out=prep["dphi"][lo:hi])
        prep["ready"] = min(prep["ready"], lo)

    def backward_step(self, t, ds, dc, prep, out_da=None, out_ds=None, need_prev=True):
        da = np.multiply(ds, prep["dphi"][t], out=out_da)
        if not need_prev:
            return da, None, None
        return da, rows_dot(da, prep["WsT"], out=out_ds), None
