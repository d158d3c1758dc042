"""Long short-term memory (Hochreiter & Schmidhuber 1997, with the forget gate of Gers et al.)."""

from __future__ import annotations

import numpy as np

from ..activations import SIGMOID
from ..workspace import get_memo
from .base import COEF_BYTES, Cell, rows_dot, transposed


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

    Speed (the arithmetic is that of the equations): σ(a) = ½·(1 + tanh(a/2)), so when Φ is
    tanh (or σ) one ``np.tanh`` over the four blocks gives every gate and the candidate of a
    frame; each frame's one product [X[t], 1, s[t]]·W gives a[t] whole, W = [W_x; b_s; W_s]
    a copy whose σ blocks are halved (``forward_params``: scaling by ½ is exact, so the
    products are a/2 exactly), and ``end_forward`` doubles those blocks of a back (exact too;
    not in a training step, whose trace never reaches the caller);
    the rows [X[t], 1, s[t]] are kept (``cache["xs"]``), so that the weight gradients are one
    product too (``weight_grads``). The gate values are kept
    gate-major, (T, 4, B, H), so that a frame's i, f, o, g are contiguous (B, H) blocks
    (NumPy's passes over a (B, H) block of a (B, 4H) row cost a loop per row, 2–4 times a
    contiguous pass at B >= 32), with c[t] stored right after g[t], so that i ⊙ g and
    f ⊙ c[t] are one product of the pairs (i, f) and (g, c[t]); the backward coefficients (the
    factors after δc and δs above) are formed gate-major too, a few frames at a time just
    ahead of the sweep (``coefficients``); a frame's work is a handful of NumPy calls into
    arrays that are kept (small sizes are bound by the number of calls, large ones by the
    matrix products and by passes over memory).
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
            # gate values i, f, o, g, the cell state c[t] and Φ(c[t+1]), gate-major: a frame's
            # gates are contiguous (B, H) blocks (NumPy's passes over the (B, H) blocks of a
            # (B, 4H) row cost a loop per row, 2–4 times a contiguous pass at B >= 32); c[t]
            # follows g[t], so that f ⊙ c[t] and i ⊙ g are one call over (i, f) and (g, c[t]),
            # and Φ(c[t+1]) follows c[t], so that the coefficients multiply the σ' of (i, f, o)
            # by (g, c[t], Φ(c[t+1])) in one call; row T holds c[T] only
            "actc": (T + 1, 6, B, H),
            # [X[t], 1, s[t]] per frame: one product with W (below) gives a[t] whole
            "xs": (T + 1, B, self.n_in + 1 + H),
            # W = [W_x; b_s; W_s] with the σ blocks halved (``forward_params``)
            "W": (self.n_in + 1 + H, 4 * H),
        }

    def backward_shapes(self, T, B):
        H = self.n_hidden
        # frames of coefficients formed at a time (COEF_BYTES of float32; float64 uses half)
        n = min(T, max(1, COEF_BYTES // (B * 4 * H * 4)))
        return {
            **super().backward_shapes(T, B),
            "K": (T, B, H),
            "dct": (B, H),
            "dc": (B, H),
            "Q": (n, 4, B, H),  # the coefficients of those frames, gate-major
        }

    def input_shapes(self, T, B):
        return {}  # the frames' products take [X[t], 1] from the rows kept in trace_shapes

    def forward_params(self, p, bufs, workspace=None):
        """W = [W_x; b_s; W_s] (n_in + 1 + H, 4H), so that [X[t], 1, s[t]]·W = a[t], with the
        σ blocks (i, f, o; g too when Φ is σ) halved, so that the product gives a/2 there, the
        argument of σ(a) = ½·(1 + tanh(a/2)); made anew for every pass (weights change between
        passes): one pass over the weights."""
        half = get_memo(workspace, "forward", "lstm-half", (), lambda: self._half_columns(bufs))
        W, n = bufs["W"], self.n_in
        np.multiply(p["Wx"], half, out=W[:n])
        np.multiply(p["bs"], half, out=W[n])
        np.multiply(p["Ws"], half, out=W[n + 1 :])
        return {"W": W}

    def project_inputs(self, X, q, bufs):
        """[X[t], 1] into the frames' rows of ``xs``: each frame's one product (``forward_frames``)
        takes the input part of a[t] with the recurrent one (no pass of its own over a)."""
        xs, n = bufs["xs"], self.n_in
        xs[:-1, :, :n] = X
        xs[:, :, n] = 1.0

    def _half_columns(self, bufs):
        """(4H,): ½ over the columns of the blocks σ finishes, 1 over the others."""
        H = self.n_hidden
        half = np.ones(4 * H, dtype=bufs["W"].dtype)
        half[: self._n_sig() * H] = 0.5
        return half

    def _n_sig(self):
        """Blocks σ finishes as ½·(1 + tanh(a/2)): the gates, and g when Φ is σ."""
        return 4 if self.phi.name == "sigmoid" else 3

    def begin_forward(self, p, bufs, c0, workspace=None):
        # the views, scratch and constants below are kept with the workspace's block
        work = get_memo(workspace, "forward", "lstm", (), lambda: self._forward_work(bufs))
        work["c"][0] = 0.0 if c0 is None else c0
        np.copyto(work["xs_s"][0], bufs["s"][0])  # s[0] beside X[0], 1
        return {**work, "W": p["W"]}

    def _forward_work(self, bufs):
        actc, a = bufs["actc"], bufs["a"]
        c, act = actc[:, 4], actc[:-1, :4]  # c (T+1, B, H), act (T, 4, B, H): views
        dt = c.dtype
        # blocks that go through one tanh: the three gates (a/2 from the halved weights), and
        # a_g when Φ is tanh or σ; blocks σ then finishes as ½·(1 + tanh(a/2))
        n_tanh = 4 if self.phi.name in ("tanh", "sigmoid") else 3
        n_sig = self._n_sig()
        return {
            "tmp2": np.empty((2, *c[0].shape), dtype=dt),  # i ⊙ g, f ⊙ c[t]
            # per frame: [X[t], 1, s[t]], a[t], its tanh blocks gate-major, act[t]'s tanh and
            # σ blocks, a_g (Φ neither tanh nor σ), o, g, (i, f), (g, c[t]), c[t+1], Φ(c[t+1]),
            # s[t+1] (in xs: trace.s gets all of them in one copy after the frames)
            "frames": _frames(bufs, n_tanh, n_sig),
            "xs": bufs["xs"],
            "xs_s": bufs["xs"][:, :, self.n_in + 1 :],  # s[t] (T+1, B, H) in xs
            "s": bufs["s"],
            "c": c,
            "act": act,
            "tc": actc[:-1, 5],  # Φ(c[t+1]) (T, B, H)
            "actc": actc,
            "half": np.array(0.5, dtype=dt),
            "two": np.array(2.0, dtype=dt),
            "a_sig": a[..., : n_sig * self.n_hidden],  # the blocks of a that hold a/2
            "g_phi": None if n_tanh == 4 else self.phi.f,  # a_g needs Φ of its own (ReLU, …)
            "gates": tuple(act[:, j] for j in range(4)),  # i, f, o, g (T, B, H) each
            "phi": np.tanh if self.phi.name == "tanh" else self.phi.f,  # Φ(x, out=...)
        }

    def forward_step(self, t, s, a, work):
        xs_t, a_t, a_tanh, th, sig, a_g, o, g, i_f, g_c, c_next, tc, s_next = work["frames"][t]
        tmp2, half = work["tmp2"], work["half"]
        np.dot(xs_t, work["W"], out=a_t)  # a[t] = X[t]·W_x + b_s + s[t]·W_s, σ blocks halved
        np.tanh(a_tanh, out=th)  # gate-major tanh(a_i/2), tanh(a_f/2), tanh(a_o/2) (, Φ(a_g))
        np.multiply(sig, half, out=sig)
        np.add(sig, half, out=sig)  # i, f, o = σ(a_·) = ½·(1 + tanh(a_·/2)) (, g = tanh(a_g))
        if work["g_phi"] is not None:
            work["g_phi"](a_g, out=g)  # g = Φ(a_g)
        np.multiply(i_f, g_c, out=tmp2)  # i ⊙ g, f ⊙ c[t]
        np.add(tmp2[1], tmp2[0], out=c_next)  # c[t+1] = f ⊙ c[t] + i ⊙ g
        work["phi"](c_next, out=tc)
        np.multiply(o, tc, out=s_next)  # s[t+1] = o ⊙ Φ(c[t+1])
        np.copyto(work["s"][t + 1], s_next)

    def forward_frames(self, s, a, work):
        if work["g_phi"] is not None:  # Φ neither tanh nor σ: frame by frame
            return super().forward_frames(s, a, work)
        W, phi = work["W"], work["phi"]
        ig, fc = tmp2 = work["tmp2"]
        half = work["half"]
        dot, add, mul, tanh = np.dot, np.add, np.multiply, np.tanh
        # forward_step's arithmetic, call for call, with the frames' views made beforehand
        for xs_t, a_t, a_tanh, th, sig, _, o, _, i_f, g_c, c_next, tc, s_next in work["frames"]:
            dot(xs_t, W, a_t)  # a[t] = X[t]·W_x + b_s + s[t]·W_s, σ blocks halved: a/2
            tanh(a_tanh, th)  # gate-major: tanh(a_i/2), tanh(a_f/2), tanh(a_o/2), tanh(a_g)
            mul(sig, half, sig)
            add(sig, half, sig)  # i, f, o = σ(a_·) = ½·(1 + tanh(a_·/2)); g = Φ(a_g)
            mul(i_f, g_c, tmp2)  # i ⊙ g, f ⊙ c[t]
            add(fc, ig, c_next)  # c[t+1] = f ⊙ c[t] + i ⊙ g
            phi(c_next, tc)
            mul(o, tc, s_next)  # s[t+1] = o ⊙ Φ(c[t+1])
        np.copyto(work["s"][1:], work["xs_s"][1:])  # the states into the trace
        return None

    def end_forward(self, work, keep_a=True):
        if keep_a:  # a/2 → a in σ's blocks; a training step's backward never reads them (only
            # a_g, which is halved only when Φ is σ, and σ' reads σ(a_g), not a_g)
            np.multiply(work["a_sig"], work["two"], out=work["a_sig"])
        gates = dict(zip(self.gate_names, work["gates"], strict=True))
        # the cache's arrays have the batch on axis 1 (diagnostics slice them): act as a
        # (T, B, 4, H) view of the gate-major array
        cache = {
            "xs": work["xs"],  # [X[t], 1, s[t]] (T+1, B, n_in + 1 + H)
            "act": work["act"].transpose(0, 2, 1, 3),
            "tc": work["tc"],
            "actc": work["actc"].transpose(0, 2, 1, 3),  # (T+1, B, 6, H)
        }
        return work["c"], gates, cache

    def prepare_backward(self, trace, p, coef=None, bufs=None):
        """The coefficients Q of ∂E/∂a and K of δc, gate-major: Q[t] is (4, B, H), one
        contiguous (B, H) block per gate i, f, o, g (NumPy's passes over the (B, H) blocks of a
        (B, 4H) row cost a loop per row, 2–4 times a contiguous pass at B >= 32). ``coef`` is
        not used: the sweep writes ∂E/∂a into its dA from Q.

        With ``bufs`` (the sweep's block) Q holds the frames the sweep forms just ahead of
        itself (``coefficients``, ``prep["base"]`` = the frame Q[0] is); without, all frames.
        """
        act = trace.cache["actc"].transpose(0, 2, 1, 3)  # (T+1, 6, B, H) gates, c[t], Φ(c[t+1])
        T, B, H = act.shape[0] - 1, act.shape[2], self.n_hidden
        Q = np.empty((T, 4, B, H), dtype=act.dtype) if bufs is None else bufs["Q"]
        prep = {
            "Q": Q,  # (·, 4, B, H) g ⊙ σ'(a_i), c[t] ⊙ σ'(a_f), Φ(c[t+1]) ⊙ σ'(a_o), i ⊙ Φ'(a_g)
            "act": act,
            # (T, B, H) ∂c[t+1] per ∂s[t+1] through s = o ⊙ Φ(c): o ⊙ Φ'(c[t+1])
            "K": np.empty_like(trace.c[1:]) if bufs is None else bufs["K"],
            "f": act[:-1, 1],
            "WsT": transposed(p["Ws"], bufs, "WsT"),
            # the sweep's (B, H) scratch for δc and ∂E/∂c[t] (None: fresh arrays)
            "dct": None if bufs is None else bufs["dct"],
            "dc": None if bufs is None else bufs["dc"],
            "trace": trace,
            "chunked": bufs is not None,
            "base": 0,  # Q[j] holds frame base + j
            "ready": T,  # Q, K are formed for frames t >= ready
        }
        if bufs is None:
            self.coefficients(prep, 0, T)
        return prep

    def coefficients(self, prep, lo, hi):
        """Q and K of frames lo <= t < hi, one contiguous pass per term (the sweep forms them
        ``COEF_BYTES`` of Q at a time, just ahead of itself)."""
        H, tr = self.n_hidden, prep["trace"]
        base = lo if prep["chunked"] else 0
        act, Q = prep["act"][lo:hi], prep["Q"][lo - base : hi - base]
        i, o, g, tc = act[:, 0], act[:, 2], act[:, 3], act[:, 5]
        SIGMOID.df(None, act[:, :3], out=Q[:, :3])  # σ'(a_i), σ'(a_f), σ'(a_o)
        Q[:, :3] *= act[:, 3:6]  # g ⊙ σ'(a_i), c[t] ⊙ σ'(a_f), Φ(c[t+1]) ⊙ σ'(a_o)
        self.phi.df(tr.a[lo:hi, :, 3 * H :], g, out=Q[:, 3])  # Φ'(a_g)
        Q[:, 3] *= i  # i ⊙ Φ'(a_g)
        K = self.phi.df(tr.c[lo + 1 : hi + 1], tc, out=prep["K"][lo:hi])
        K *= o  # o ⊙ Φ'(c[t+1])
        prep["base"] = base
        prep["ready"] = min(prep["ready"], lo)

    def sweep_frames(self, trace, prep, bufs, workspace=None):
        if prep["dct"] is None:
            return None
        return get_memo(
            workspace,
            "sweep",
            "lstm",
            (trace.s, prep["Q"], prep["K"]),
            lambda: _sweep_frames(bufs["dE_ds"], bufs["dA"], prep),
        )

    def backward_frames(self, k, stop, cut_every, gs, gc, prep, bufs, frames=None):
        if frames is None:
            return super().backward_frames(k, stop, cut_every, gs, gc, prep, bufs)
        frames, slots = frames
        dct, dc, WsT, carry = prep["dct"], prep["dc"], prep["WsT"], bufs["carry"]
        add, mul, dot = np.add, np.multiply, np.dot
        # frames of coefficients at a time (as many as Q holds at most)
        ahead = self.frames_ahead(bufs, slots)
        base = prep["base"]
        # backward_step's arithmetic, call for call
        for t in range(k, stop, -1):
            if t < prep["ready"]:
                self.coefficients(prep, max(0, t + 1 - ahead), t + 1)
                base = prep["base"]
            ds, da, da_i, da_f, da_o, da_g, K, f = frames[t]
            q_i, q_f, q_o, q_g = slots[t - base]
            if gs is not None:
                add(ds, gs, ds)  # δs = ∂E/∂s[t+1]: direct, and through s[t+2]
            mul(ds, K, dct)
            if gc is not None:
                add(dct, gc, dct)  # δc = δc_in + δs ⊙ o ⊙ Φ'(c[t+1])
            mul(dct, q_i, da_i)  # ∂E/∂a_i = δc ⊙ g ⊙ σ'(a_i)
            mul(dct, q_f, da_f)  # ∂E/∂a_f = δc ⊙ c[t] ⊙ σ'(a_f)
            mul(ds, q_o, da_o)  # ∂E/∂a_o = δs ⊙ Φ(c[t+1]) ⊙ σ'(a_o)
            mul(dct, q_g, da_g)  # ∂E/∂a_g = δc ⊙ i ⊙ Φ'(a_g)
            if t and cut_every is not None and t % cut_every == 0:
                gs = gc = None  # truncation: nothing flows back into frame t−1
                continue
            gs = dot(da, WsT, carry)  # ∂E/∂s[t] = ∂E/∂a · W_sᵀ
            gc = mul(dct, f, dc)  # ∂E/∂c[t] = δc ⊙ f
        return self.end_of_sweep(stop, cut_every, gs, gc, bufs)

    def backward_step(self, t, ds, dc, prep, out_da=None, out_ds=None, need_prev=True):
        H = self.n_hidden
        lead = ds.shape[:-1]
        scratch = len(lead) == 1 and prep["dct"] is not None
        dct = np.multiply(ds, prep["K"][t], out=prep["dct"] if scratch else None)
        if dc is not None:
            np.add(dct, dc, out=dct)  # δc = δc_in + δs ⊙ o ⊙ Φ'(c[t+1])
        da = np.empty((*lead, 4 * H), dtype=dct.dtype) if out_da is None else out_da
        da4 = da.reshape((*lead, 4, H))
        q_i, q_f, q_o, q_g = prep["Q"][t - prep["base"]]
        np.multiply(dct, q_i, out=da4[..., 0, :])  # ∂E/∂a_i = δc ⊙ g ⊙ σ'(a_i)
        np.multiply(dct, q_f, out=da4[..., 1, :])  # ∂E/∂a_f = δc ⊙ c[t] ⊙ σ'(a_f)
        np.multiply(ds, q_o, out=da4[..., 2, :])  # ∂E/∂a_o = δs ⊙ Φ(c[t+1]) ⊙ σ'(a_o)
        np.multiply(dct, q_g, out=da4[..., 3, :])  # ∂E/∂a_g = δc ⊙ i ⊙ Φ'(a_g)
        if not need_prev:
            return da, None, None
        dot = np.dot if scratch else rows_dot  # rows_dot: leading dimensions as rows
        ds_prev = dot(da, prep["WsT"], out=out_ds)  # ∂E/∂s[t] = ∂E/∂a · W_sᵀ
        dc_prev = np.multiply(dct, prep["f"][t], out=prep["dc"] if scratch else None)
        return da, ds_prev, dc_prev  # ∂E/∂c[t] = δc ⊙ f

    def weight_grads(self, trace, dA, prep):
        """∂E/∂[W_x; b_s; W_s] = [X, 1, s]ᵀ·∂E/∂a over all frames: one product (the forward's
        rows [X[t], 1, s[t]] are kept in ``cache["xs"]``), split into its three parts."""
        T, B, G = dA.shape
        xs = trace.cache["xs"][:-1]  # (T, B, n_in + 1 + H)
        g = np.dot(xs.reshape(T * B, -1).T, dA.reshape(T * B, G))
        n = self.n_in
        return {"Wx": g[:n], "bs": g[n], "Ws": g[n + 1 :]}


def _frames(bufs, n_tanh, n_sig):
    """The forward's per-frame views of the block ``bufs``: [X[t], 1, s[t]], a[t], a[t]'s
    first ``n_tanh`` blocks gate-major, act[t]'s first ``n_tanh`` and ``n_sig`` blocks, a[t]'s
    g block gate-major, o, g, (i, f), (g, c[t]), c[t+1], Φ(c[t+1]), s[t+1] (in xs)."""
    xs, a, actc = bufs["xs"], bufs["a"], bufs["actc"]
    T, B, H = a.shape[0], a.shape[1], actc.shape[3]
    s = xs[:, :, xs.shape[2] - H :]  # s[t] in xs
    a4 = a.reshape(T, B, 4, H).transpose(0, 2, 1, 3)  # (T, 4, B, H) views of a
    frames = []
    for t in range(T):
        tanh_in, th, sig, a_g = a4[t, :n_tanh], actc[t, :n_tanh], actc[t, :n_sig], a4[t, 3]
        o, g = actc[t, 2], actc[t, 3]
        i_f, g_c = actc[t, 0:2], actc[t, 3:5]  # i, f and g, c[t]: one product gives i⊙g, f⊙c[t]
        c_next, tc = actc[t + 1, 4], actc[t, 5]
        frames.append((xs[t], a[t], tanh_in, th, sig, a_g, o, g, i_f, g_c, c_next, tc, s[t + 1]))
    return frames


def _sweep_frames(dE_ds, dA, prep):
    """The sweep's per-frame views (∂E/∂s[t+1], dA[t], its i, f, o and g blocks, K[t], f[t]),
    and the per-gate views (i, f, o, g) of each frame slot of Q."""
    K, f, Q = prep["K"], prep["f"], prep["Q"]
    T, B, G = dA.shape
    dA4 = dA.reshape(T, B, 4, G // 4)
    frames = [
        (dE_ds[t + 1], dA[t], dA4[t, :, 0], dA4[t, :, 1], dA4[t, :, 2], dA4[t, :, 3], K[t], f[t])
        for t in range(T)
    ]
    return frames, [tuple(q) for q in Q]
