"""Gated recurrent unit, the original variant of Cho et al. (2014)."""

from __future__ import annotations

import numpy as np

from ..workspace import get_memo
from .base import COEF_BYTES, Cell, rows_dot, transposed


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

    Speed (the arithmetic is that of the equations, value for value): each frame does two
    products, [s[t], X[t], 1]·[W_sz, W_sr; W_xz, W_xr; b_z, b_r] for a_z, a_r and
    [X[t], 1, r ⊙ s[t]]·[W_xn; b_n; W_sn] for a_n, straight into a[t] (no input projection
    over all frames and no pass adding it to the recurrent products): the rows are kept side
    by side as [s[t], X[t], 1, r ⊙ s[t]] (``cache["sxr"]``), so that the weight gradients are
    two products too (``weight_grads``). σ(a) = ½·(1 + tanh(a/2)) for both gates in one call;
    the gate values are kept gate-major, (T, 3, B, H), so that a frame's z, r and n are
    contiguous (B, H) blocks (NumPy's passes over a (B, H) block of a (B, 3H) row cost 2–3 times
    a contiguous pass); the backward coefficients are formed ``COEF_BYTES`` at a time just
    ahead of the sweep, gate-major too; products whose operand is a block of a wider row go
    through ``np.matmul``, which hands BLAS the row stride (``np.dot`` copies such an operand
    first). ``forward_frames`` and ``backward_frames`` run ``forward_step``'s and
    ``backward_step``'s arithmetic call for call, over per-frame views made once and kept in
    the network's workspace (at small sizes a frame costs what its NumPy calls cost).
    """

    name = "gru"
    blocks = 3
    gate_names = ("z", "r", "n")

    def trace_shapes(self, T, B):
        H, n = self.n_hidden, self.n_in
        return {
            "act": (T, 3, B, H),  # gate values z, r, n, gate-major
            # per frame the rows [s[t], X[t], 1, r ⊙ s[t]]: [s[t], X[t], 1]·W_zr gives a_z, a_r
            # and [X[t], 1, r ⊙ s[t]]·W_n gives a_n, each in one product (row T: s[T] only)
            "sxr": (T + 1, B, 2 * H + n + 1),
            "Wzr": (H + n + 1, 2 * H),  # [W_sz, W_sr; W_xz, W_xr; b_z, b_r]
            "Wn": (n + 1 + H, H),  # [W_xn; b_n; W_sn]
        }

    def backward_shapes(self, T, B):
        H = self.n_hidden
        # frames of coefficients formed at a time (COEF_BYTES of float32; fewer of float64)
        slots = min(T, max(1, COEF_BYTES // (3 * B * H * 4)))
        return {
            "P": (slots, 3, B, H),
            "tmp": (slots, B, H),
            "WzrT": (2 * H, H),
            "WnT": (H, H),
            "drs": (B, H),
            "dsz": (B, H),
        }

    def input_shapes(self, T, B):
        return {}  # the frames' products take [X[t], 1] from the rows kept in trace_shapes

    def forward_params(self, p, bufs, workspace=None):
        """The weights of the frames' two products: W_zr = [W_sz, W_sr; W_xz, W_xr; b_z, b_r]
        (rows [s[t], X[t], 1]) and W_n = [W_xn; b_n; W_sn] (rows [X[t], 1, r ⊙ s[t]]), copied
        anew for every pass (weights change between passes): one pass over the weights."""
        H, n, Wx, Ws, bs = self.n_hidden, self.n_in, p["Wx"], p["Ws"], p["bs"]
        Wzr, Wn = bufs["Wzr"], bufs["Wn"]
        np.copyto(Wzr[:H], Ws[:, : 2 * H])
        np.copyto(Wzr[H : H + n], Wx[:, : 2 * H])
        np.copyto(Wzr[H + n], bs[: 2 * H])
        np.copyto(Wn[:n], Wx[:, 2 * H :])
        np.copyto(Wn[n], bs[2 * H :])
        np.copyto(Wn[n + 1 :], Ws[:, 2 * H :])
        return {"Wzr": Wzr, "Wn": Wn}

    def project_inputs(self, X, q, bufs):
        """[X[t], 1] into the frames' rows of ``sxr``: each frame's products take the input
        part of a[t] with the recurrent one (no input projection, no pass of its own over a)."""
        H, n, sxr = self.n_hidden, self.n_in, bufs["sxr"]
        sxr[:-1, :, H : H + n] = X
        sxr[:-1, :, H + n] = 1.0

    def begin_forward(self, p, bufs, c0, workspace=None):
        H, s, act, sxr = self.n_hidden, bufs["s"], bufs["act"], bufs["sxr"]
        np.copyto(sxr[0, :, :H], s[0])  # s[0] beside X[0], 1
        return {
            "Wzr": p["Wzr"],
            "Wn": p["Wn"],
            "half": np.array(0.5, dtype=s.dtype),
            "mm": _block_product(s.shape[1]),
            "act": act,
            "sxr": sxr,
            "gates": (act[:, 0], act[:, 1], act[:, 2]),  # z, r, n (T, B, H)
            "phi": np.tanh if self.phi.name == "tanh" else self.phi.f,  # Φ(x, out=...)
            # (rows of the z, r product, rows of the n product, a_zr, a_zr as (2, B, H), a_n,
            # zr, z, r, n, s[t], s[t+1], r ⊙ s[t] in sxr, s[t+1] in sxr)
            "frames": get_memo(workspace, "forward", "gru", (), lambda: _frames(bufs, self.n_in)),
        }

    def forward_step(self, t, s, a, work):
        xzr, xn, a_zr, a_zr_gm, a_n, zr, z, r, n, s_t, s_next, rs, s_keep = work["frames"][t]
        half = work["half"]
        mm = work["mm"]  # np.matmul: the rows are blocks of sxr's rows, a_zr, a_n of a[t]'s
        mm(xzr, work["Wzr"], out=a_zr)  # a_z, a_r = X[t]·W_x + b + s[t]·W_s (z, r)
        np.multiply(a_zr_gm, half, out=zr)  # a/2, gate-major
        np.tanh(zr, out=zr)
        np.multiply(zr, half, out=zr)
        np.add(zr, half, out=zr)  # z, r = σ(a_z), σ(a_r) = ½·(1 + tanh(a/2))
        np.multiply(r, s_t, out=rs)  # r ⊙ s[t], beside X[t], 1
        mm(xn, work["Wn"], out=a_n)  # a_n = X[t]·W_xn + b_n + (r ⊙ s[t])·W_sn
        work["phi"](a_n, out=n)  # n = Φ(a_n)
        np.subtract(s_t, n, out=s_next)
        np.multiply(s_next, z, out=s_next)
        np.add(s_next, n, out=s_next)  # s[t+1] = n + z ⊙ (s[t] − n) = (1 − z) ⊙ n + z ⊙ s[t]
        np.copyto(s_keep, s_next)  # s[t+1] beside X[t+1], 1

    def forward_frames(self, s, a, work):
        Wzr, Wn, half, phi = work["Wzr"], work["Wn"], work["half"], work["phi"]
        matmul, add, mul, sub = work["mm"], np.add, np.multiply, np.subtract
        copyto, tanh = np.copyto, np.tanh
        # forward_step's arithmetic, call for call, with the frames' views made beforehand
        for xzr, xn, a_zr, a_zr_gm, a_n, zr, z, r, n, s_t, s_next, rs, s_keep in work["frames"]:
            matmul(xzr, Wzr, a_zr)  # a_z, a_r = X[t]·W_x + b + s[t]·W_s (z, r blocks)
            mul(a_zr_gm, half, zr)  # a/2, gate-major
            tanh(zr, zr)
            mul(zr, half, zr)
            add(zr, half, zr)  # z, r = σ(a_z), σ(a_r) = ½·(1 + tanh(a/2))
            mul(r, s_t, rs)  # r ⊙ s[t]
            matmul(xn, Wn, a_n)  # a_n = X[t]·W_xn + b_n + (r ⊙ s[t])·W_sn
            phi(a_n, n)  # n = Φ(a_n)
            sub(s_t, n, s_next)
            mul(s_next, z, s_next)
            add(s_next, n, s_next)  # s[t+1] = (1 − z) ⊙ n + z ⊙ s[t]
            copyto(s_keep, s_next)

    def end_forward(self, work, keep_a=True):
        gates = dict(zip(self.gate_names, work["gates"], strict=True))
        # the cache's arrays have the batch on axis 1 (diagnostics slice them): act as a
        # (T, B, 3, H) view of the gate-major array
        H, sxr = self.n_hidden, work["sxr"]
        cache = {
            "act": work["act"].transpose(0, 2, 1, 3),
            "sxr": sxr,  # [s[t], X[t], 1, r ⊙ s[t]] (T+1, B, 2H + n_in + 1)
            "rs": sxr[:-1, :, H + self.n_in + 1 :],  # r ⊙ s[t] (T, B, H)
        }
        return None, gates, cache

    def prepare_backward(self, trace, p, coef=None, bufs=None):
        """The sweep's coefficients live in ``bufs["P"]`` (a few frames at a time, gate-major),
        not in ``coef``; without ``bufs`` those of every frame are formed at once."""
        H, act = self.n_hidden, trace.cache["act"].transpose(0, 2, 1, 3)  # (T, 3, B, H)
        T, B = act.shape[0], act.shape[2]
        Ws = p["Ws"]
        P = np.empty_like(act) if bufs is None else bufs["P"]
        prep = {
            # P[t − lo] (3, B, H): (s[t] − n) ⊙ σ'(a_z), s[t] ⊙ σ'(a_r), (1 − z) ⊙ Φ'(a_n)
            "P": P,
            "lo": 0,  # the frame of P[0]
            "act": act,
            "z": act[:, 0],
            "r": act[:, 1],
            "WzrT": transposed(Ws[:, : 2 * H], bufs, "WzrT"),
            "WnT": transposed(Ws[:, 2 * H :], bufs, "WnT"),
            # the sweep's (B, H) scratch for δrs and δ ⊙ z (None: fresh arrays)
            "drs": None if bufs is None else bufs["drs"],
            "dsz": None if bufs is None else bufs["dsz"],
            "tmp": np.empty((T, B, H), dtype=act.dtype) if bufs is None else bufs["tmp"],
            "trace": trace,
            "ready": T,  # P holds frames ready <= t < ready + len(P)
        }
        if bufs is None:
            self.coefficients(prep, 0, T)
        return prep

    def coefficients(self, prep, lo, hi):
        """P for frames lo <= t < hi (at most len(P) frames), one pass per term, gate-major:
        every pass is over contiguous (B, H) blocks of a frame; 1 − z serves both σ'(a_z) and
        the candidate's coefficient."""
        H, tr, k = self.n_hidden, prep["trace"], hi - lo
        if k > prep["P"].shape[0]:
            raise RuntimeError(f"coefficients: {k} frames, room for {prep['P'].shape[0]}")
        act, P, tmp = prep["act"][lo:hi], prep["P"][:k], prep["tmp"][:k]
        zr, n = act[:, :2], act[:, 2]
        s_prev = tr.s[lo:hi]
        np.subtract(1.0, zr, out=P[:, :2])  # 1 − z, 1 − r
        self.phi.df(tr.a[lo:hi, :, 2 * H :], n, out=P[:, 2])  # Φ'(a_n)
        P[:, 2] *= P[:, 0]  # (1 − z) ⊙ Φ'(a_n)
        P[:, :2] *= zr  # σ'(a_z), σ'(a_r) = (1 − σ)·σ
        np.subtract(s_prev, n, out=tmp)
        P[:, 0] *= tmp
        P[:, 1] *= s_prev
        prep["lo"] = prep["ready"] = lo

    def sweep_frames(self, trace, prep, bufs, workspace=None):
        return get_memo(
            workspace,
            "sweep",
            "gru",
            (trace.s, prep["P"]),  # the forward's block and this one
            lambda: _sweep_frames(bufs["dE_ds"], bufs["dA"], prep),
        )

    def backward_frames(self, k, stop, cut_every, gs, gc, prep, bufs, frames=None):
        if frames is None:
            return super().backward_frames(k, stop, cut_every, gs, gc, prep, bufs)
        frames, slots = frames
        WnT, WzrT, drs, dsz, carry = (
            prep["WnT"],
            prep["WzrT"],
            prep["drs"],
            prep["dsz"],
            bufs["carry"],
        )
        add, mul, matmul = np.add, np.multiply, _block_product(drs.shape[0])
        # frames of coefficients at a time (as many as P holds at most)
        ahead = self.frames_ahead(bufs, slots)
        lo = prep["lo"]
        # backward_step's arithmetic, call for call
        for t in range(k, stop, -1):
            if t < prep["ready"]:
                self.coefficients(prep, max(0, t + 1 - ahead), t + 1)
                lo = prep["lo"]
            ds, da_z, da_r, da_n, da_zr, z, r = frames[t]
            P_z, P_r, P_n = slots[t - lo]
            if gs is not None:
                add(ds, gs, ds)  # δ = ∂E/∂s[t+1]: direct, and through s[t+2]
            mul(ds, P_z, da_z)  # ∂E/∂a_z
            mul(ds, P_n, da_n)  # ∂E/∂a_n
            matmul(da_n, WnT, drs)  # δrs
            mul(drs, P_r, da_r)  # ∂E/∂a_r
            if t and cut_every is not None and t % cut_every == 0:
                gs = None  # truncation: nothing flows back into frame t−1
                continue
            gs = matmul(da_zr, WzrT, carry)
            mul(ds, z, dsz)
            add(gs, dsz, gs)
            mul(drs, r, drs)
            add(gs, drs, gs)  # ∂E/∂s[t] = [∂E/∂a_z, ∂E/∂a_r]·[W_sz, W_sr]ᵀ + δ ⊙ z + δrs ⊙ r
        return self.end_of_sweep(stop, cut_every, gs, None, bufs)

    def backward_step(self, t, ds, dc, prep, out_da=None, out_ds=None, need_prev=True):
        H = self.n_hidden
        lead = ds.shape[:-1]
        scratch = len(lead) == 1 and prep["drs"] is not None
        P_z, P_r, P_n = prep["P"][t - prep["lo"]]  # (B, H) each
        da = np.empty((*lead, 3 * H), dtype=ds.dtype) if out_da is None else out_da
        np.multiply(ds, P_z, out=da[..., :H])  # ∂E/∂a_z
        da_n = da[..., 2 * H :]
        np.multiply(ds, P_n, out=da_n)  # ∂E/∂a_n
        # np.matmul: a (B, H) block of the (B, 3H) rows without a copy (rows_dot: leading
        # dimensions as rows)
        dot = np.matmul if len(lead) == 1 else rows_dot
        drs = dot(da_n, prep["WnT"], out=prep["drs"] if scratch else None)  # δrs
        np.multiply(drs, P_r, out=da[..., H : 2 * H])  # ∂E/∂a_r
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
        """∂E/∂W_zr = [s, X, 1]ᵀ·∂E/∂a_zr and ∂E/∂W_n = [X, 1, r ⊙ s]ᵀ·∂E/∂a_n over all frames:
        two products (the forward's rows are kept in ``cache["sxr"]``), split into the blocks
        of W_x, b_s and W_s."""
        T, B, G = dA.shape
        H, n = self.n_hidden, self.n_in
        dA2 = dA.reshape(T * B, G)
        rows = trace.cache["sxr"][:-1].reshape(T * B, -1)
        # np.matmul: column blocks of rows and dA2 without copies
        g_zr = np.matmul(rows[:, : H + n + 1].T, dA2[:, : 2 * H])  # (H + n + 1, 2H)
        g_n = np.matmul(rows[:, H:].T, dA2[:, 2 * H :])  # (n + 1 + H, H)
        dWx, dWs, dbs = (np.empty(shape, dtype=dA.dtype) for shape in ((n, G), (H, G), (G,)))
        dWs[:, : 2 * H], dWx[:, : 2 * H], dbs[: 2 * H] = g_zr[:H], g_zr[H : H + n], g_zr[H + n]
        dWx[:, 2 * H :], dbs[2 * H :], dWs[:, 2 * H :] = g_n[:n], g_n[n], g_n[n + 1 :]
        return {"Wx": dWx, "Ws": dWs, "bs": dbs}


def _block_product(B):
    """The function for products whose operands are blocks of wider rows: ``np.matmul``,
    which hands BLAS the row stride (``np.dot`` copies such an operand first); with one row
    (B = 1) every block is contiguous and ``np.dot`` costs half a microsecond less a call."""
    return np.dot if B == 1 else np.matmul


def _frames(bufs, n_in):
    """The forward's per-frame views of the block ``bufs`` (see ``GRUCell.begin_forward``)."""
    s, a, act, sxr = bufs["s"], bufs["a"], bufs["act"], bufs["sxr"]
    T, B, H = act.shape[0], act.shape[2], act.shape[3]
    # a_z, a_r of a frame as (2, B, H) views (NumPy then writes the gate-major z, r in order)
    a_gm = a.reshape(T, B, 3, H)[:, :, :2].transpose(0, 2, 1, 3)
    frames = []
    for t in range(T):
        z, r, n = act[t]
        frames.append(
            (
                sxr[t, :, : H + n_in + 1],  # [s[t], X[t], 1]
                sxr[t, :, H:],  # [X[t], 1, r ⊙ s[t]]
                a[t, :, : 2 * H],
                a_gm[t],
                a[t, :, 2 * H :],
                act[t, :2],
                z,
                r,
                n,
                s[t],
                s[t + 1],
                sxr[t, :, H + n_in + 1 :],
                sxr[t + 1, :, :H],
            )
        )
    return frames


def _sweep_frames(dE_ds, dA, prep):
    """The sweep's per-frame views (∂E/∂s[t+1], ∂E/∂a_z, ∂E/∂a_r, ∂E/∂a_n, ∂E/∂a_zr, z, r)
    and the coefficients' slots (P_z, P_r, P_n)."""
    H = dE_ds.shape[-1]
    z, r = prep["z"], prep["r"]
    frames = []
    for t in range(dA.shape[0]):
        da_z, da_r, da_n, da_zr = (
            dA[t, :, j:k] for j, k in ((0, H), (H, 2 * H), (2 * H, None), (0, 2 * H))
        )
        frames.append((dE_ds[t + 1], da_z, da_r, da_n, da_zr, z[t], r[t]))
    slots = [tuple(P) for P in prep["P"]]
    return frames, slots
