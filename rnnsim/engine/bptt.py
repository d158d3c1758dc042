"""Backpropagation Through Time, one frame at a time, and the gradient-flow matrix G."""

from __future__ import annotations

import numpy as np

from .cells.base import rows_dot
from .validation import quiet
from .workspace import get_block


class BackwardSweep:
    """The BPTT sweep of one trace, from the last frame to the first.

    Create it with ``Network.sweep(trace, D, mask, bptt_steps)``. ``k`` is the next frame to
    process (T−1 at the start, −1 when done). ``step()`` processes frame k and records
    ``dE_ds[k+1]`` = ∂E/∂s[k+1] (B, H), the total over all frames, honouring the truncation;
    after frame 0 also ``dE_ds[0]`` (∂E/∂s0). ``dE_ds[j]`` and ``dA[j−1]`` are final for
    j > k; entries the sweep has not reached hold intermediate values (the buffers are
    reused in place), so read only the final ones. ``run()`` does the rest; ``grads()`` returns
    the parameter gradients once done.

    ``workspace`` (a ``trace.Workspace``, or None for arrays of its own) is for
    ``Network.loss_and_grads``, whose sweep never reaches the caller.

    Truncation (``bptt_steps`` = k): frames are cut into chunks [0, k), [k, 2k), …; at a cut
    the gradient reaching s[j·k] (and c[j·k]) from later frames is dropped.

    Attributes
    ----------
    loss : float
        E = (1/B) Σ_b Σ_t mask[t, b]·E_t,b.
    losses : ndarray (T, B)
        mask[t, b]·E_t,b (no 1/B).
    dZ : ndarray (T, B, n_out)
        ∂E/∂z (readout before the output function).
    dE_ds : ndarray (T+1, B, H)
        ∂E/∂s, filled as the sweep proceeds.
    dA : ndarray (T, B, G)
        ∂E/∂a (pre-activations), filled as the sweep proceeds.
    """

    @quiet
    def __init__(self, net, trace, D, mask, bptt_steps, *, workspace=None):
        self.net, self.trace, self.bptt_steps = net, trace, bptt_steps
        T, B = trace.T, trace.B
        p, cell = net.params, net._cell
        self.losses = net.loss_fn.value(trace.z, trace.y, D) * mask
        self.loss = float(self.losses.sum() / B)
        self.dZ = net.loss_fn.grad(trace.z, trace.y, D, net.output_fn)  # (T, B, n_out)
        self.dZ *= (mask / B)[:, :, None]
        bufs = get_block(
            workspace,
            "sweep",
            {
                "dE_ds": (T + 1, B, net.n_hidden),
                "dA": (T, B, cell.width),
                "carry": (B, net.n_hidden),  # ∂E/∂s[k] on its way to frame k−1
                **cell.backward_shapes(T, B),
            },
            net.dtype,
        )
        self.dE_ds, self.dA = bufs["dE_ds"], bufs["dA"]
        self.dE_ds[0] = 0.0
        rows_dot(self.dZ, p["Wy"].T, out=self.dE_ds[1:])  # ∂E[t]/∂s[t+1], direct, until t
        self._prep = cell.prepare_backward(trace, p, coef=self.dA, bufs=bufs)
        self._bufs = bufs
        self._frames = cell.sweep_frames(trace, self._prep, bufs, workspace)
        self._gs = None  # (B, H) ∂E/∂s[k+1] arriving from frame k+1, or None across a cut
        self._gc = None  # (B, H) ∂E/∂c[k+1] arriving from frame k+1 (LSTM)
        self._grads = None
        self.k = T - 1

    @property
    def done(self) -> bool:
        """True when every frame has been processed."""
        return self.k < 0

    @quiet
    def step(self) -> int:
        """Process frame k; returns the frame processed."""
        return self._step()

    def _step(self) -> int:
        k = self.k
        if k < 0:
            raise RuntimeError("step: the sweep is done; create a new sweep to go again")
        self._run_to(k - 1)
        return k

    def _run_to(self, stop: int) -> None:
        """Process frames k, k−1, …, stop+1 (the same arithmetic however many at a time)."""
        self._gs, self._gc = self.net._cell.backward_frames(
            self.k, stop, self.bptt_steps, self._gs, self._gc, self._prep, self._bufs, self._frames
        )
        self.k = stop

    @quiet
    def run(self) -> BackwardSweep:
        """Process all remaining frames; returns self."""
        if self.k >= 0:
            self._run_to(-1)
        return self

    @quiet
    def grads(self) -> dict:
        """Parameter gradients ∂E/∂θ, a dict with the keys of ``net.params`` (done sweeps only)."""
        if self.k >= 0:
            raise RuntimeError(
                f"grads: the sweep is not done (next frame k = {self.k}); call run() first"
            )
        if self._grads is None:
            tr, T, B = self.trace, self.trace.T, self.trace.B
            H = self.net.n_hidden
            dZ2 = self.dZ.reshape(T * B, -1)
            g = self.net._cell.weight_grads(tr, self.dA, self._prep)
            g["Wy"] = np.dot(tr.s[1:].reshape(T * B, H).T, dZ2)
            g["by"] = np.dot(np.ones(T * B, dtype=dZ2.dtype), dZ2)  # Σ over rows, one BLAS call
            self._grads = {name: g[name] for name in self.net.params}
        return self._grads


def gradient_flow(net, trace, D, mask) -> np.ndarray:
    """G (T, T+1) with G[t, k] = ‖∂E[t]/∂s[k]‖ (Frobenius over batch and units).

    E[t] = (1/B) Σ_b mask[t, b]·E_t,b is frame t's share of the loss; G[t, k] = 0 for k > t+1.
    All rows t are propagated together: the loop runs once over time, each step carrying
    the stacked gradients (rows t ≥ k) back through frame k. For the LSTM, ∂E[t]/∂s[k] is
    the partial derivative with the cell state c[k] held fixed (the state is the pair (s, c)).
    """
    T, B, H = trace.T, trace.B, net.n_hidden
    cell = net._cell
    dZ = net.loss_fn.grad(trace.z, trace.y, D, net.output_fn) * (mask / B)[:, :, None]
    dS_out = rows_dot(dZ, net.params["Wy"].T)  # (T, B, H)
    prep = cell.prepare_backward(trace, net.params)
    G = np.zeros((T, T + 1), dtype=np.float64)
    rows_s = np.empty((T, B, H), dtype=net.dtype)  # row t: ∂E[t]/∂s[k+1]
    rows_c = np.zeros((T, B, H), dtype=net.dtype) if cell.has_c else None
    for k in range(T - 1, -1, -1):
        rows_s[k] = dS_out[k]
        if rows_c is not None:
            rows_c[k] = 0.0
        G[k:, k + 1] = _row_norms(rows_s[k:])
        _, gs, gc = cell.backward_step(k, rows_s[k:], None if rows_c is None else rows_c[k:], prep)
        rows_s[k:] = gs
        if rows_c is not None:
            rows_c[k:] = gc
    G[:, 0] = _row_norms(rows_s)
    return G


def _row_norms(R):
    """Frobenius norm of each R[n] (n, B, H), accumulated in float64."""
    R64 = R.astype(np.float64, copy=False)
    return np.sqrt(np.einsum("nbh,nbh->n", R64, R64))
