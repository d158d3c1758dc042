"""What every cell shares: stacked parameters Wx, Ws, bs and the per-step protocol.

A cell with G = blocks·H pre-activation columns owns

    Wx (n_in, G)   input weights,  one (n_in, H) block per gate
    Ws (H, G)      recurrent weights, one (H, H) block per gate
    bs (G,)        biases

The network precomputes the input projection X·W_x + b_s for all steps in one matmul
(``project_inputs``: [X, 1]·[W_x; b_s], the bias as one more row of the product; the LSTM
and the GRU take it in each frame's product instead) and calls, once per time step, ``forward_step``
(forward in time) and ``backward_step`` (BPTT, backward in time). Weight gradients are formed
after the loop as big matmuls over the stacked (T·B, ·) arrays (``weight_grads``).
"""

from __future__ import annotations

import numpy as np

from ..activations import Activation
from ..init import init_matrix

# Bytes of backward coefficients (frames of dA) a sweep forms at a time, just ahead of the
# frames it processes: at large sizes each frame's values are then still in the cache when the
# sweep reads them; at teaching sizes that is every frame at once (a handful of NumPy calls).
COEF_BYTES = 256 * 1024


def rows_dot(a, W, out=None):
    """a·W over the last axis of ``a`` (..., K) with W (K, M), as one BLAS call when possible.

    ``np.dot`` of an N-d array is not BLAS-accelerated, so stacked rows are flattened to 2-D
    (one matrix product, whatever the number of leading dimensions).
    """
    if a.ndim == 2:
        return np.dot(a, W, out=out)
    a2 = np.ascontiguousarray(a).reshape(-1, a.shape[-1])
    if out is None:
        return np.dot(a2, W).reshape((*a.shape[:-1], W.shape[1]))
    np.dot(a2, W, out=out.reshape(a2.shape[0], W.shape[1]))
    return out


def transposed(W, bufs=None, name=None):
    """A C-contiguous copy of Wᵀ, written into ``bufs[name]`` when ``bufs`` is given."""
    if bufs is None:
        return np.ascontiguousarray(W.T)
    np.copyto(bufs[name], W.T)
    return bufs[name]


class Cell:
    """Base class of the recurrent cells.

    Parameters
    ----------
    n_in, n_hidden : int
        Input and state sizes.
    activation : Activation
        Φ of the state (Elman), of the candidate and cell output (LSTM), of the candidate (GRU).
    """

    name = "cell"
    blocks = 1
    gate_names: tuple = ()
    has_c = False
    recurrent = True  # False: the cell never reads s[t] (W_s stays zero)

    def __init__(self, n_in: int, n_hidden: int, activation: Activation):
        self.n_in = n_in
        self.n_hidden = n_hidden
        self.phi = activation

    @property
    def width(self) -> int:
        """G: the number of pre-activation columns (blocks·H)."""
        return self.blocks * self.n_hidden

    def init_params(self, rng, init, dtype) -> dict:
        """Draw Wx, Ws (block by block with ``init``) and the biases bs.

        ``init`` = "identity" applies to the recurrent blocks only; Wx then uses "uniform".
        """
        H = self.n_hidden
        x_init = "uniform" if init == "identity" else init
        Wx = np.concatenate(
            [init_matrix(x_init, (self.n_in, H), rng, dtype) for _ in range(self.blocks)], axis=1
        )
        Ws = np.concatenate(
            [init_matrix(init, (H, H), rng, dtype) for _ in range(self.blocks)], axis=1
        )
        return {"Wx": Wx, "Ws": Ws, "bs": self.init_bias(dtype)}

    def init_bias(self, dtype) -> np.ndarray:
        """Initial biases bs (G,): zeros unless the cell says otherwise."""
        return np.zeros(self.width, dtype=dtype)

    def trace_shapes(self, T, B) -> dict:
        """Shapes of the cell's own per-pass arrays (name → shape), allocated by the network."""
        return {}

    def input_shapes(self, T, B) -> dict:
        """Shapes of what ``project_inputs`` and ``forward_params`` write into (name → shape):
        the inputs with a column of ones (``X1``) and [W_x; b_s] (``Wxb``); none for a cell
        whose frames take the inputs in their own products (LSTM, GRU)."""
        return {"X1": (T, B, self.n_in + 1), "Wxb": (self.n_in + 1, self.width)}

    def backward_shapes(self, T, B) -> dict:
        """Shapes of the scratch arrays ``prepare_backward`` may take as ``bufs`` (name → shape)."""
        return {"WsT": (self.width, self.n_hidden)}

    def forward_params(self, p, bufs, workspace=None) -> dict:
        """The weights the forward pass multiplies with: ``Wxb`` = [W_x; b_s] (n_in + 1, G),
        W_x with b_s as its last row, written into ``bufs["Wxb"]``, so that one product of the
        inputs with a column of ones appended gives X[t]·W_x + b_s for every frame at once
        (adding b_s after the product would be one more pass over all of a), and ``Ws``.
        A cell may return scaled copies (kept in ``bufs``, see ``trace_shapes``) whose
        products it undoes in ``end_forward``."""
        Wxb = bufs["Wxb"]
        np.copyto(Wxb[:-1], p["Wx"])
        np.copyto(Wxb[-1], p["bs"])
        return {"Wxb": Wxb, "Ws": p["Ws"]}

    def project_inputs(self, X, q, bufs) -> None:
        """a[t] = X[t]·W_x + b_s for every frame, as one product of the inputs with a column of
        ones appended (``bufs["X1"]``) and ``q["Wxb"]`` = [W_x; b_s] into ``bufs["a"]``. A cell
        whose frames take the input product themselves (LSTM, GRU) places the inputs instead."""
        T, B, n_in = X.shape
        X1 = bufs["X1"]
        X1[..., :-1] = X
        X1[..., -1] = 1.0
        np.dot(X1.reshape(T * B, n_in + 1), q["Wxb"], out=bufs["a"].reshape(T * B, -1))

    def begin_forward(self, p, bufs, c0, workspace=None) -> dict:
        """Prepare one forward pass; returns the work dict ``forward_step`` uses.

        ``bufs`` holds uninitialised arrays of ``trace_shapes`` (and ``s``, ``a``);
        ``workspace`` is the one they come from (or None), for views kept between calls.
        """
        raise NotImplementedError

    def forward_step(self, t, s, a, work) -> None:
        """Complete a[t] (which holds x_t·W_x + b_s) and write s[t+1] (and cell-specific values)."""
        raise NotImplementedError

    def forward_frames(self, s, a, work) -> None:
        """``forward_step`` for every frame t = 0, 1, …, T−1 in turn (a cell may run the same
        arithmetic in a loop of its own, with fewer Python steps per frame)."""
        step = self.forward_step
        for t in range(a.shape[0]):
            step(t, s, a, work)

    def end_forward(self, work, keep_a=True) -> tuple:
        """Return (c or None, gates dict name → (T, B, H), cache dict) of a finished forward.

        ``keep_a`` False: the pre-activations a never reach the caller (a training step), so
        a cell may leave in a what only its own backward reads (the LSTM: a/2 in σ's blocks).
        """
        raise NotImplementedError

    def prepare_backward(self, trace, p, coef=None, bufs=None) -> dict:
        """Precompute, for all steps at once, the local derivatives the backward steps use.

        ``coef`` (T, B, G), if given, may receive the per-frame coefficients of ∂E/∂a; the
        sweep passes its own ``dA`` so that ``backward_step(t, ..., out_da=dA[t])`` can turn
        coef[t] into ∂E/∂a[t] in place (one large array fewer per sweep; the LSTM keeps its
        coefficients gate-major in a buffer of its own instead). ``bufs``, if given,
        holds uninitialised arrays of ``backward_shapes`` to use instead of fresh ones.
        """
        raise NotImplementedError

    def backward_step(self, t, ds, dc, prep, out_da=None, out_ds=None, need_prev=True):
        """Backpropagate through frame t.

        Parameters
        ----------
        t : int
            Frame (0-based): the step that maps s[t] to s[t+1].
        ds : ndarray (..., B, H)
            ∂E/∂s[t+1], total. Leading dimensions are allowed (gradient flow propagates
            many rows at once).
        dc : ndarray (..., B, H) or None
            ∂E/∂c[t+1] reaching the cell state from later steps (LSTM), None if there is none.
        prep : dict
            ``prepare_backward``'s result.
        out_da, out_ds : ndarray or None
            Optional output buffers for da[t] and ∂E/∂s[t]; ``out_da`` may be the ``coef[t]``
            given to ``prepare_backward`` (it is then overwritten).
        need_prev : bool
            When False the gradients with respect to s[t] and c[t] are not computed.

        Returns
        -------
        (da, ds_prev, dc_prev)
            ∂E/∂a[t] (..., B, G); ∂E/∂s[t] and ∂E/∂c[t] (..., B, H), or None.
        """
        raise NotImplementedError

    def sweep_frames(self, trace, prep, bufs, workspace=None):
        """Per-frame views for ``backward_frames`` (made once per workspace block), or None."""
        return None

    def backward_frames(self, k, stop, cut_every, gs, gc, prep, bufs, frames=None):
        """Frames k, k−1, …, stop+1 of a BackwardSweep (see ``bptt.BackwardSweep``).

        ``gs``, ``gc``: ∂E/∂s[k+1] and ∂E/∂c[k+1] arriving from frame k+1 (None across a cut
        or at the start). ``bufs`` is the sweep's block: ``dE_ds`` (T+1, B, H) holds the direct
        gradients ∂E[t]/∂s[t+1] and receives the totals, ``dA`` receives ∂E/∂a (and may hold
        the coefficients of ``prepare_backward`` before), ``carry`` (B, H) is scratch for ∂E/∂s[t].
        Truncation every ``cut_every`` frames (None: full BPTT). After frame 0 it writes
        ``dE_ds[0]`` = ∂E/∂s0. Returns the (gs, gc) carried on to frame ``stop``.
        """
        dE_ds, dA, carry = bufs["dE_ds"], bufs["dA"], bufs["carry"]
        ahead = self.frames_ahead(bufs)
        for t in range(k, stop, -1):
            if t < prep.get("ready", 0):  # a cell that forms its coefficients as it goes
                self.coefficients(prep, max(0, t + 1 - ahead), t + 1)
            ds = dE_ds[t + 1]
            if gs is not None:
                ds += gs  # ∂E/∂s[t+1]: direct, and through s[t+2]
            cut = cut_every is not None and t % cut_every == 0
            _, gs, gc = self.backward_step(
                t, ds, gc, prep, out_da=dA[t], out_ds=carry, need_prev=t == 0 or not cut
            )
            if t == 0:
                dE_ds[0] = gs
            if cut:
                gs = gc = None
        return gs, gc

    @staticmethod
    def frames_ahead(bufs, slots=None) -> int:
        """How many frames of coefficients a sweep forms at a time: ``COEF_BYTES`` of ``dA``
        rows (at least one), and no more than the ``slots`` a cell keeps them in."""
        ahead = max(1, COEF_BYTES // bufs["dA"][0].nbytes)
        return ahead if slots is None else min(len(slots), ahead)

    @staticmethod
    def end_of_sweep(stop, cut_every, gs, gc, bufs):
        """What a cell's own ``backward_frames`` loop does once its frames are done: after
        frame 0 (``stop`` < 0) ∂E/∂s0 goes into ``dE_ds[0]``, and a truncated sweep carries
        nothing past it. Returns the (gs, gc) carried on."""
        if stop < 0:
            bufs["dE_ds"][0] = gs
            if cut_every is not None:
                gs = gc = None
        return gs, gc

    def coefficients(self, prep, lo, hi) -> None:
        """Form the backward coefficients of frames lo <= t < hi into ``prep`` (cells whose
        ``prepare_backward`` leaves them to the sweep: ``prep["ready"]`` = the lowest frame
        formed so far)."""
        raise NotImplementedError

    def weight_grads(self, trace, dA, prep) -> dict:
        """Gradients of Wx, Ws, bs from dA = ∂E/∂a (T, B, G), as single stacked matmuls."""
        T, B, G = dA.shape
        dA2 = dA.reshape(T * B, G)
        return {
            "Wx": np.dot(trace.X.reshape(T * B, -1).T, dA2),
            "Ws": np.dot(trace.s[:-1].reshape(T * B, -1).T, dA2),
            "bs": dA2.sum(axis=0),
        }
