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

    Speed (the arithmetic is that of the equations, value for value): σ(a) = ½·(1 + tanh(a/2))
    for both gates in one call; the backward coefficients of all frames are formed at once
    before the sweep (``prepare_backward``); a frame's work is a handful of NumPy calls into
    arrays that are kept.
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
        return {
            "tmp": (T, B, H),
            "WzrT": (2 * H, H),
            "WnT": (H, H),
            "drs": (B, H),
            "dsz": (B, H),
        }

    def begin_forward(self, p, bufs, c0, workspace=None):
        H, s0, a, act = self.n_hidden, bufs["s"][0], bufs["a"], bufs["act"]
        dt = s0.dtype
        return {
            "Wzr": np.ascontiguousarray(p["Ws"][:, : 2 * H]),
            "Wn": np.ascontiguousarray(p["Ws"][:, 2 * H :]),
            "tmp2": np.empty((s0.shape[0], 2 * H), dtype=dt),
            "tmp1": np.empty_like(s0),
            "half": np.array(0.5, dtype=dt),
            "act": act,
            "rs": bufs["rs"],
            "a_zr": a[:, :, : 2 * H],  # (T, B, 2H)
            "a_n": a[:, :, 2 * H :],  # (T, B, H)
            "zr": act[:, :, : 2 * H],
            "gates": tuple(act[:, :, j * H : (j + 1) * H] for j in range(3)),  # z, r, n
            "phi": np.tanh if self.phi.name == "tanh" else self.phi.f,  # Φ(x, out=...)
        }

    def forward_step(self, t, s, a, work):
        half, a_zr, zr, a_n = work["half"], work["a_zr"][t], work["zr"][t], work["a_n"][t]
        Z, R, N = work["gates"]
        z, r, n, s_t, s_next, rs = Z[t], R[t], N[t], s[t], s[t + 1], work["rs"][t]
        np.dot(s_t, work["Wzr"], out=work["tmp2"])
        np.add(a_zr, work["tmp2"], out=a_zr)  # a_z, a_r = X[t]·W_x + b + s[t]·W_s (z, r blocks)
        np.multiply(a_zr, half, out=zr)
        np.tanh(zr, out=zr)
        np.multiply(zr, half, out=zr)
        np.add(zr, half, out=zr)  # z, r = σ(a_z), σ(a_r) = ½·(1 + tanh(a/2))
        np.multiply(r, s_t, out=rs)
        np.dot(rs, work["Wn"], out=work["tmp1"])
        np.add(a_n, work["tmp1"], out=a_n)  # a_n = X[t]·W_xn + (r ⊙ s[t])·W_sn + b_n
        work["phi"](a_n, out=n)  # n = Φ(a_n)
        np.subtract(s_t, n, out=s_next)
        np.multiply(s_next, z, out=s_next)
        np.add(s_next, n, out=s_next)  # s[t+1] = n + z ⊙ (s[t] − n) = (1 − z) ⊙ n + z ⊙ s[t]

    def end_forward(self, work):
        gates = dict(zip(self.gate_names, work["gates"], strict=True))
        return None, gates, {"act": work["act"], "rs": work["rs"]}

    def prepare_backward(self, trace, p, coef=None, bufs=None):
        H, act = self.n_hidden, trace.cache["act"]
        P = np.empty_like(act) if coef is None else coef  # (T, B, 3H) a_z, a_r (per δrs), a_n
        Ws = p["Ws"]
        prep = {
            "P": P,
            "P_z": P[:, :, :H],  # (T, B, H) (s[t] − n) ⊙ σ'(a_z)
            "P_r": P[:, :, H : 2 * H],  # (T, B, H) s[t] ⊙ σ'(a_r)
            "P_n": P[:, :, 2 * H :],  # (T, B, H) (1 − z) ⊙ Φ'(a_n)
            "z": act[:, :, :H],
            "r": act[:, :, H : 2 * H],
            "WzrT": transposed(Ws[:, : 2 * H], bufs, "WzrT"),
            "WnT": transposed(Ws[:, 2 * H :], bufs, "WnT"),
            # the sweep's (B, H) scratch for δrs and δ ⊙ z (None: fresh arrays)
            "drs": None if bufs is None else bufs["drs"],
            "dsz": None if bufs is None else bufs["dsz"],
            "tmp": np.empty_like(trace.s[1:]) if bufs is None else bufs["tmp"],
            "trace": trace,
            "ready": act.shape[0],  # P[t] is formed for t >= ready
        }
        if bufs is None:
            self.coefficients(prep, 0, act.shape[0])
        return prep

    def coefficients(self, prep, lo, hi):
        """P[t] for frames lo <= t < hi, one pass per term (the sweep forms them
        ``COEF_BYTES`` at a time, just ahead of itself)."""
        H, tr = self.n_hidden, prep["trace"]
        act, P, tmp = tr.cache["act"][lo:hi], prep["P"][lo:hi], prep["tmp"][lo:hi]
        z, n = act[:, :, :H], act[:, :, 2 * H :]
        s_prev = tr.s[lo:hi]
        SIGMOID.df(None, act[:, :, : 2 * H], out=P[:, :, : 2 * H])
        self.phi.df(tr.a[lo:hi, :, 2 * H :], n, out=P[:, :, 2 * H :])
        np.subtract(s_prev, n, out=tmp)  # (hi − lo, B, H)
        P[:, :, :H] *= tmp
        P[:, :, H : 2 * H] *= s_prev
        np.subtract(1.0, z, out=tmp)
        P[:, :, 2 * H :] *= tmp
        prep["ready"] = min(prep["ready"], lo)

    def backward_step(self, t, ds, dc, prep, out_da=None, out_ds=None, need_prev=True):
        H = self.n_hidden
        lead = ds.shape[:-1]
        scratch = len(lead) == 1 and prep["drs"] is not None
        # out_da may be the memory of prep["P"][t]: each block is read before it is written
        da = np.empty((*lead, 3 * H), dtype=ds.dtype) if out_da is None else out_da
        np.multiply(ds, prep["P_z"][t], out=da[..., :H])  # ∂E/∂a_z
        da_n = da[..., 2 * H :]
        np.multiply(ds, prep["P_n"][t], out=da_n)  # ∂E/∂a_n
        dot = np.dot if scratch else rows_dot  # rows_dot: leading dimensions as rows
        drs = dot(da_n, prep["WnT"], out=prep["drs"] if scratch else None)  # δrs
        np.multiply(drs, prep["P_r"][t], out=da[..., H : 2 * H])  # ∂E/∂a_r
        if not need_prev:
            return da, None, None
        # ∂E/∂s[t] = [∂E/∂a_z, ∂E/∂a_r]·[W_sz, W_sr]ᵀ + δ ⊙ z + δrs ⊙ r
        ds_prev = dot(da[..., : 2 * H], prep["WzrT"], out=out_ds)
        dsz = np.multiply(ds, prep["z"][t], out=prep["dsz"] if scratch else None)
        np.add(ds_prev, dsz, out=ds_prev)
        np.multiply(drs, prep["r"][t], out=drs)
        np.add(ds_prev, drs, out=ds_prev)
        return da, ds_prev, None

    def weight_grads(self, trace, dA, prep):
        T, B, G = dA.shape
        H = self.n_hidden
        dA2 = dA.reshape(T * B, G)
        dWs = np.empty((H, G), dtype=dA.dtype)
        dWs[:, : 2 * H] = np.dot(trace.s[:-1].reshape(T * B, H).T, dA2[:, : 2 * H])
        dWs[:, 2 * H :] = np.dot(trace.cache["rs"].reshape(T * B, H).T, dA2[:, 2 * H :])
        return {"Wx": np.dot(trace.X.reshape(T * B, -1).T, dA2), "Ws": dWs, "bs": dA2.sum(axis=0)}
