"""Long short-term memory (Hochreiter & Schmidhuber 1997, with the forget gate of Gers et al.)."""

from __future__ import annotations

import numpy as np

from ..activations import SIGMOID
from .base import Cell, rows_dot, transposed


class LSTMCell(Cell):
    """LSTM cell with input, forget and output gates and a candidate.

    Equations (row vectors, 0-based frames; σ = sigmoid, Φ = the chosen activation, tanh by
    default)::

        a[t]   = X[t]·W_x + s[t]·W_s + b_s       (B, 4H), blocks in the order i, f, o, g
        i = σ(a_i)   f = σ(a_f)   o = σ(a_o)     input, forget, output gates (B, H)
        g = Φ(a_g)                               candidate (B, H)
        c[t+1] = f ⊙ c[t] + i ⊙ g                cell state, c[0] = c0 (zeros by default)
        s[t+1] = o ⊙ Φ(c[t+1])                   state

    Parameters: ``Wx`` (n_in, 4H), ``Ws`` (H, 4H), ``bs`` (4H,), block j = columns
    [j·H, (j+1)·H) for j = 0 (i), 1 (f), 2 (o), 3 (g). The forget-gate bias starts at 1.

    Backward, with δs = ∂E/∂s[t+1] and δc_in = ∂E/∂c[t+1] from frame t+1::

        δc = δc_in + δs ⊙ o ⊙ Φ'(c[t+1])
        ∂E/∂a_i = δc ⊙ g ⊙ σ'(a_i)      ∂E/∂a_f = δc ⊙ c[t] ⊙ σ'(a_f)
        ∂E/∂a_o = δs ⊙ Φ(c[t+1]) ⊙ σ'(a_o)      ∂E/∂a_g = δc ⊙ i ⊙ Φ'(a_g)
        ∂E/∂s[t] = ∂E/∂a · W_sᵀ          ∂E/∂c[t] = δc ⊙ f
    """

    name = "lstm"
    blocks = 4
    gate_names = ("i", "f", "o", "g")
    has_c = True

    def init_bias(self, dtype):
        b = np.zeros(self.width, dtype=dtype)
        b[self.n_hidden : 2 * self.n_hidden] = 1.0
        return b

    def trace_shapes(self, T, B):
        H = self.n_hidden
        return {
            "c": (T + 1, B, H),  # cell states
            "act": (T, B, 4 * H),  # gate values i, f, o, g
            "tc": (T, B, H),
        }  # Φ(c[t+1])

    def backward_shapes(self, T, B):
        return {**super().backward_shapes(T, B), "K": (T, B, self.n_hidden)}

    def begin_forward(self, p, bufs, c0):
        c = bufs["c"]
        c[0] = 0.0 if c0 is None else c0
        return {
            "Ws": p["Ws"],
            "tmp": np.empty_like(bufs["a"][0]),
            "tmpH": np.empty_like(c[0]),
            "c": c,
            "act": bufs["act"],
            "tc": bufs["tc"],
        }

    def forward_step(self, t, s, a, work):
        H = self.n_hidden
        a_t, act, c, tmpH = a[t], work["act"][t], work["c"], work["tmpH"]
        np.dot(s[t], work["Ws"], out=work["tmp"])
        a_t += work["tmp"]
        SIGMOID.f(a_t[:, : 3 * H], out=act[:, : 3 * H])
        self.phi.f(a_t[:, 3 * H :], out=act[:, 3 * H :])
        np.multiply(act[:, H : 2 * H], c[t], out=c[t + 1])
        np.multiply(act[:, :H], act[:, 3 * H :], out=tmpH)
        c[t + 1] += tmpH
        tc = work["tc"][t]
        self.phi.f(c[t + 1], out=tc)
        np.multiply(act[:, 2 * H : 3 * H], tc, out=s[t + 1])

    def end_forward(self, work):
        H, act = self.n_hidden, work["act"]
        gates = {n: act[:, :, j * H : (j + 1) * H] for j, n in enumerate(self.gate_names)}
        return work["c"], gates, {"act": act, "tc": work["tc"]}

    def prepare_backward(self, trace, p, coef=None, bufs=None):
        H, act, tc = self.n_hidden, trace.cache["act"], trace.cache["tc"]
        i, f, o, g = (act[:, :, j * H : (j + 1) * H] for j in range(4))
        Q = np.empty_like(act) if coef is None else coef  # (T, B, 4H) ∂a-coefficients
        SIGMOID.df(None, act[:, :, : 3 * H], out=Q[:, :, : 3 * H])
        self.phi.df(trace.a[:, :, 3 * H :], g, out=Q[:, :, 3 * H :])
        Q[:, :, :H] *= g
        Q[:, :, H : 2 * H] *= trace.c[:-1]
        Q[:, :, 2 * H : 3 * H] *= tc
        Q[:, :, 3 * H :] *= i
        # (T, B, H) ∂c[t+1] per ∂s[t+1] through s = o ⊙ Φ(c)
        K = self.phi.df(trace.c[1:], tc, out=None if bufs is None else bufs["K"])
        K *= o
        return {"Q": Q, "K": K, "f": f, "WsT": transposed(p["Ws"], bufs, "WsT")}

    def backward_step(self, t, ds, dc, prep, out_da=None, out_ds=None, need_prev=True):
        H = self.n_hidden
        Q4 = prep["Q"][t].reshape(-1, 4, H)  # (B, 4, H), may be the same memory as out_da
        dct = ds * prep["K"][t]
        if dc is not None:
            dct += dc
        lead = dct.shape[:-1]
        da = np.empty((*lead, 4 * H), dtype=dct.dtype) if out_da is None else out_da
        da4 = da.reshape((*lead, 4, H))
        np.multiply(dct[..., None, :], Q4[:, :2], out=da4[..., :2, :])
        np.multiply(ds, Q4[:, 2], out=da4[..., 2, :])
        np.multiply(dct, Q4[:, 3], out=da4[..., 3, :])
        if not need_prev:
            return da, None, None
        ds_prev = rows_dot(da, prep["WsT"], out=out_ds)
        return da, ds_prev, dct * prep["f"][t]
