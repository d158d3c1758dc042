"""Gated recurrent unit, the original variant of Cho et al. (2014)."""

from __future__ import annotations

import numpy as np

from ..activations import SIGMOID
from .base import Cell, rows_dot, transposed


class GRUCell(Cell):
    """GRU cell (Cho et al. 2014: the reset gate is applied before the recurrent product).

    Equations (row vectors, 0-based frames; σ = sigmoid, Φ = the chosen activation)::

        a_z = X[t]·W_xz + s[t]·W_sz + b_z        z = σ(a_z)   update gate (B, H)
        a_r = X[t]·W_xr + s[t]·W_sr + b_r        r = σ(a_r)   reset gate  (B, H)
        a_n = X[t]·W_xn + (r ⊙ s[t])·W_sn + b_n  n = Φ(a_n)   candidate   (B, H)
        s[t+1] = (1 − z) ⊙ n + z ⊙ s[t]

    Parameters: ``Wx`` (n_in, 3H), ``Ws`` (H, 3H), ``bs`` (3H,), block j = columns
    [j·H, (j+1)·H) for j = 0 (z), 1 (r), 2 (n); ``a`` in the trace holds a_z, a_r, a_n.

    Backward, with δ = ∂E/∂s[t+1]::

        ∂E/∂a_z = δ ⊙ (s[t] − n) ⊙ σ'(a_z)       ∂E/∂a_n = δ ⊙ (1 − z) ⊙ Φ'(a_n)
        δrs = ∂E/∂a_n · W_snᵀ                     ∂E/∂a_r = δrs ⊙ s[t] ⊙ σ'(a_r)
        ∂E/∂s[t] = δ ⊙ z + δrs ⊙ r + [∂E/∂a_z, ∂E/∂a_r] · [W_sz, W_sr]ᵀ
    """

    name = "gru"
    blocks = 3
    gate_names = ("z", "r", "n")

    def trace_shapes(self, T, B):
        H = self.n_hidden
        return {
            "act": (T, B, 3 * H),  # gate values z, r, n
            "rs": (T, B, H),
        }  # r ⊙ s[t]

    def backward_shapes(self, T, B):
        H = self.n_hidden
        return {"tmp": (T, B, H), "WzrT": (2 * H, H), "WnT": (H, H)}

    def begin_forward(self, p, bufs, c0):
        H, s0 = self.n_hidden, bufs["s"][0]
        return {
            "Wzr": np.ascontiguousarray(p["Ws"][:, : 2 * H]),
            "Wn": np.ascontiguousarray(p["Ws"][:, 2 * H :]),
            "tmp2": np.empty((s0.shape[0], 2 * H), dtype=s0.dtype),
            "tmp1": np.empty_like(s0),
            "act": bufs["act"],
            "rs": bufs["rs"],
        }

    def forward_step(self, t, s, a, work):
        H = self.n_hidden
        a_t, act, rs = a[t], work["act"][t], work["rs"][t]
        np.dot(s[t], work["Wzr"], out=work["tmp2"])
        a_t[:, : 2 * H] += work["tmp2"]
        SIGMOID.f(a_t[:, : 2 * H], out=act[:, : 2 * H])
        np.multiply(act[:, H : 2 * H], s[t], out=rs)
        np.dot(rs, work["Wn"], out=work["tmp1"])
        a_t[:, 2 * H :] += work["tmp1"]
        n = act[:, 2 * H :]
        self.phi.f(a_t[:, 2 * H :], out=n)
        s_next = s[t + 1]
        np.subtract(s[t], n, out=s_next)
        s_next *= act[:, :H]
        s_next += n

    def end_forward(self, work):
        H, act = self.n_hidden, work["act"]
        gates = {n: act[:, :, j * H : (j + 1) * H] for j, n in enumerate(self.gate_names)}
        return None, gates, {"act": act, "rs": work["rs"]}

    def prepare_backward(self, trace, p, coef=None, bufs=None):
        H, act = self.n_hidden, trace.cache["act"]
        z, r, n = (act[:, :, j * H : (j + 1) * H] for j in range(3))
        s_prev = trace.s[:-1]
        P = np.empty_like(act) if coef is None else coef  # (T, B, 3H) a_z, a_r (per δrs), a_n
        SIGMOID.df(None, act[:, :, : 2 * H], out=P[:, :, : 2 * H])
        self.phi.df(trace.a[:, :, 2 * H :], n, out=P[:, :, 2 * H :])
        tmp = np.subtract(s_prev, n, out=None if bufs is None else bufs["tmp"])  # (T, B, H)
        P[:, :, :H] *= tmp
        P[:, :, H : 2 * H] *= s_prev
        np.subtract(1.0, z, out=tmp)
        P[:, :, 2 * H :] *= tmp
        Ws = p["Ws"]
        return {
            "P": P,
            "z": z,
            "r": r,
            "WzrT": transposed(Ws[:, : 2 * H], bufs, "WzrT"),
            "WnT": transposed(Ws[:, 2 * H :], bufs, "WnT"),
        }

    def backward_step(self, t, ds, dc, prep, out_da=None, out_ds=None, need_prev=True):
        H = self.n_hidden
        P_t = prep["P"][t]  # (B, 3H), may be the same memory as out_da
        lead = ds.shape[:-1]
        da = np.empty((*lead, 3 * H), dtype=ds.dtype) if out_da is None else out_da
        np.multiply(ds, P_t[:, :H], out=da[..., :H])
        da_n = da[..., 2 * H :]
        np.multiply(ds, P_t[:, 2 * H :], out=da_n)
        drs = rows_dot(da_n, prep["WnT"])  # (…, B, H) ∂E/∂(r ⊙ s[t])
        np.multiply(drs, P_t[:, H : 2 * H], out=da[..., H : 2 * H])
        if not need_prev:
            return da, None, None
        ds_prev = rows_dot(da[..., : 2 * H], prep["WzrT"], out=out_ds)
        ds_prev += ds * prep["z"][t]
        drs *= prep["r"][t]
        ds_prev += drs
        return da, ds_prev, None

    def weight_grads(self, trace, dA, prep):
        T, B, G = dA.shape
        H = self.n_hidden
        dA2 = dA.reshape(T * B, G)
        dWs = np.empty((H, G), dtype=dA.dtype)
        dWs[:, : 2 * H] = np.dot(trace.s[:-1].reshape(T * B, H).T, dA2[:, : 2 * H])
        dWs[:, 2 * H :] = np.dot(trace.cache["rs"].reshape(T * B, H).T, dA2[:, 2 * H :])
        return {"Wx": np.dot(trace.X.reshape(T * B, -1).T, dA2), "Ws": dWs, "bs": dA2.sum(axis=0)}
