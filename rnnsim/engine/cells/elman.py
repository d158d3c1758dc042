"""The lecture's simple recurrent network (Elman)."""

from __future__ import annotations

import numpy as np

from ..workspace import get_memo
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
    that use it (``coefficients``), into ``dA`` itself, while those frames are in the cache;
    ``forward_frames`` and ``backward_frames`` run ``forward_step``'s and ``backward_step``'s
    arithmetic call for call over per-frame views kept in the network's workspace.
    """

    name = "elman"
    blocks = 1
    gate_names = ()

    def begin_forward(self, p, bufs, c0, workspace=None):
        s, a = bufs["s"], bufs["a"]
        return {
            "Ws": p["Ws"],
            "tmp": np.empty_like(s[0]),
            # (s[t], a[t], s[t+1]) per frame
            "frames": get_memo(
                workspace, "forward", "elman", (), lambda: list(zip(s[:-1], a, s[1:], strict=True))
            ),
        }

    def forward_step(self, t, s, a, work):
        a_t = a[t]
        np.dot(s[t], work["Ws"], out=work["tmp"])
        a_t += work["tmp"]
        self.phi.f(a_t, out=s[t + 1])

    def forward_frames(self, s, a, work):
        Ws, tmp, add, dot = work["Ws"], work["tmp"], np.add, np.dot
        phi = np.tanh if self.phi.name == "tanh" else self.phi.f
        # forward_step's arithmetic, call for call
        for s_t, a_t, s_next in work["frames"]:
            dot(s_t, Ws, tmp)
            add(a_t, tmp, a_t)  # a[t] = X[t]·W_x + b_s + s[t]·W_s
            phi(a_t, s_next)  # s[t+1] = Φ(a[t])

    def end_forward(self, work, keep_a=True):
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

    def sweep_frames(self, trace, prep, bufs, workspace=None):
        dE_ds, dA, dphi = bufs["dE_ds"], bufs["dA"], prep["dphi"]
        return get_memo(
            workspace,
            "sweep",
            "elman",
            (trace.s, dphi),
            # (∂E/∂s[t+1], dA[t], Φ'(a[t])) per frame
            lambda: list(zip(dE_ds[1:], dA, dphi, strict=True)),
        )

    def backward_frames(self, k, stop, cut_every, gs, gc, prep, bufs, frames=None):
        if frames is None:
            return super().backward_frames(k, stop, cut_every, gs, gc, prep, bufs)
        WsT, carry, add, mul, dot = prep["WsT"], bufs["carry"], np.add, np.multiply, np.dot
        ahead = self.frames_ahead(bufs)
        # backward_step's arithmetic, call for call
        for t in range(k, stop, -1):
            if t < prep["ready"]:
                self.coefficients(prep, max(0, t + 1 - ahead), t + 1)
            ds, da, dphi = frames[t]
            if gs is not None:
                add(ds, gs, ds)  # δ = ∂E/∂s[t+1]: direct, and through s[t+2]
            mul(ds, dphi, da)  # ∂E/∂a[t] = δ ⊙ Φ'(a[t])
            if t and cut_every is not None and t % cut_every == 0:
                gs = None  # truncation: nothing flows back into frame t−1
                continue
            gs = dot(da, WsT, carry)  # ∂E/∂s[t] = ∂E/∂a[t] · W_sᵀ
        return self.end_of_sweep(stop, cut_every, gs, None, bufs)

    def backward_step(self, t, ds, dc, prep, out_da=None, out_ds=None, need_prev=True):
        da = np.multiply(ds, prep["dphi"][t], out=out_da)
        if not need_prev:
            return da, None, None
        return da, rows_dot(da, prep["WsT"], out=out_ds), None
