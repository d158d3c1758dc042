"""The recurrent network of the lecture: a cell, a readout, an output function and a loss.

    a[t]   = X[t]·W_x + s[t]·W_s + b_s   (gated cells: one block per gate)
    s[t+1] = cell(a[t], …)               state, s[0] = s0
    z[t]   = s[t+1]·W_y + b_y            readout
    y[t]   = out(z[t])                   linear, sigmoid or softmax
    E      = (1/B) Σ_b Σ_t mask[t, b]·E_t,b

Frames are 0-based (docs/internals.md): the lecture's s_t is ``s[t]``, its x_t is ``X[t−1]``.
Overflow is not an error: an exploding network yields inf/NaN states, losses and gradients
without NumPy warnings (check ``np.isfinite(loss)``).
"""

from __future__ import annotations

import math

import numpy as np

from .activations import get_activation
from .bptt import BackwardSweep, gradient_flow
from .cells import CELLS, get_cell
from .init import check_init_name, init_matrix, scale_to_sigma_max
from .memory import check_memory
from .outputs import check_output_loss
from .trace import Trace
from .validation import check_array, check_bptt_steps, check_dtype, check_params, check_size, quiet
from .workspace import Workspace, get_block

__all__ = ["BackwardSweep", "Network", "Trace"]


class Network:
    """A recurrent network with live parameters ``params`` (dict name → ndarray).

    Build one with ``Network.create``. Parameters: ``Wx``, ``Ws``, ``Wy``, ``bs``, ``by``
    for every cell (gated cells stack one block per gate in ``Wx``, ``Ws``, ``bs``; see the
    cell classes for the block order). Parameters may be updated in place or replaced by
    arrays of the same shape and dtype; every call checks that once (ValueError naming the
    parameter otherwise).

    ``loss_and_grads`` and ``gradient_flow`` keep their large work arrays between calls (a
    per-network workspace: no fresh memory to fault in on every training step); ``forward``
    and ``sweep`` always return arrays of their own.
    """

    def __init__(self, cell, activation, output, loss, n_in, n_hidden, n_out, params, dtype):
        self.cell, self.activation, self.output, self.loss_name = cell, activation, output, loss
        self.n_in, self.n_hidden, self.n_out = n_in, n_hidden, n_out
        self.dtype = check_dtype(dtype)
        self.output_fn, self.loss_fn = check_output_loss(output, loss)
        self._cell = get_cell(cell)(n_in, n_hidden, get_activation(activation))
        G = self._cell.width
        self._param_shapes = {
            "Wx": (n_in, G),
            "Ws": (n_hidden, G),
            "bs": (G,),
            "Wy": (n_hidden, n_out),
            "by": (n_out,),
        }
        self._workspace = Workspace()
        self.params = params

    @classmethod
    def create(
        cls,
        cell="elman",
        n_in=None,
        n_hidden=None,
        n_out=None,
        activation="tanh",
        output="softmax",
        loss="cross_entropy",
        init="uniform",
        ws_scale=None,
        seed=0,
        dtype="float64",
    ) -> Network:
        """Build a network with freshly initialised parameters.

        Parameters
        ----------
        cell : {"elman", "lstm", "gru", "feedforward"}
            "feedforward" is the Elman cell with the recurrence cut (W_s fixed at zero: no
            memory of earlier frames); ``ws_scale`` does not apply to it.
        n_in, n_hidden, n_out : int > 0
            Input, state and output sizes.
        activation : {"sigmoid", "tanh", "relu", "identity"}
            Φ of the state (Elman) or of the candidate (LSTM, GRU).
        output : {"linear", "sigmoid", "softmax"}
        loss : {"mse", "cross_entropy", "binary_cross_entropy"}
            cross_entropy needs softmax, binary_cross_entropy needs sigmoid.
        init : {"uniform", "normal", "orthogonal", "identity"}
            Initialiser of the weight blocks (fan-in scaled); "identity" sets each recurrent
            block to I (IRNN) and draws Wx, Wy uniform.
        ws_scale : float > 0 or None
            If given, W_s is rescaled so that its largest singular value equals ws_scale;
            for the gated cells each (H, H) gate block of W_s is rescaled to it (so the
            candidate's block, whose σ_max enters the lecture's bound, has it exactly).
        seed : int
            Seed of the generator that draws the weights.
        dtype : {"float64", "float32"}
        """
        if not isinstance(cell, str) or cell not in CELLS:
            get_cell(cell)
        n_in, n_hidden, n_out = (
            check_size(k, v) for k, v in (("n_in", n_in), ("n_hidden", n_hidden), ("n_out", n_out))
        )
        get_activation(activation)
        check_output_loss(output, loss)
        check_init_name(init)
        dt = check_dtype(dtype)
        if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
            raise ValueError(f"seed: got {seed!r}, expected a non-negative integer")
        _check_weights_memory(get_cell(cell), n_in, n_hidden, n_out, dt)
        rng = np.random.default_rng(seed)
        net = cls(cell, activation, output, loss, n_in, n_hidden, n_out, {}, dt)
        p = net._cell.init_params(rng, init, dt)
        if ws_scale is not None and net._cell.recurrent:  # feedforward: W_s stays zero
            H = n_hidden
            p["Ws"] = np.concatenate(
                [
                    scale_to_sigma_max(p["Ws"][:, j : j + H], ws_scale)
                    for j in range(0, p["Ws"].shape[1], H)
                ],
                axis=1,
            )
        y_init = "uniform" if init == "identity" else init
        net.params = {
            "Wx": p["Wx"],
            "Ws": p["Ws"],
            "Wy": init_matrix(y_init, (n_hidden, n_out), rng, dt),
            "bs": p["bs"],
            "by": np.zeros(n_out, dtype=dt),
        }
        return net

    def __repr__(self):
        return (
            f"Network(cell={self.cell!r}, n_in={self.n_in}, n_hidden={self.n_hidden}, "
            f"n_out={self.n_out}, activation={self.activation!r}, output={self.output!r}, "
            f"loss={self.loss_name!r}, dtype={self.dtype.name!r})"
        )

    def copy(self) -> Network:
        """A network with the same settings and copies of the parameters."""
        return Network(
            self.cell,
            self.activation,
            self.output,
            self.loss_name,
            self.n_in,
            self.n_hidden,
            self.n_out,
            {k: v.copy() for k, v in self.params.items()},
            self.dtype,
        )

    @quiet
    def forward(self, X, s0=None, *, c0=None) -> Trace:
        """Run the network over X (T, B, n_in) from state s0 (B, H; zeros if None).

        ``c0`` (B, H) is the LSTM's initial cell state (zeros if None; other cells: must be
        None). Returns the Trace.
        """
        self._check_params()
        return self._forward(X, s0, c0, None)

    def _forward(self, X, s0, c0, workspace, keep_a=True) -> Trace:
        """forward() without the parameter check; arrays from ``workspace`` unless None.

        ``keep_a`` False (a training step, whose trace never reaches the caller): the cell may
        leave in trace.a what only its backward reads (``Cell.end_forward``)."""
        X = check_array("X", X, (None, None, self.n_in), self.dtype)
        T, B = X.shape[:2]
        s0 = self._check_state("s0", s0, B)
        if c0 is not None and not self._cell.has_c:
            raise ValueError(f"c0: got an array, expected None (cell {self.cell!r} has no c)")
        c0 = self._check_state("c0", c0, B) if c0 is not None else None
        p, cell, H = self.params, self._cell, self.n_hidden
        self._check_trace_memory(T, B)
        bufs = get_block(workspace, "forward", self._forward_shapes(T, B), self.dtype)
        a, s = bufs["a"], bufs["s"]
        q = cell.forward_params(p, bufs, workspace)  # [W_x; b_s] and W_s (LSTM: its own)
        cell.project_inputs(X, q, bufs)  # a[t] = X[t]·W_x + b_s, every frame in one product
        s[0] = 0.0 if s0 is None else s0
        work = cell.begin_forward(q, bufs, c0, workspace=workspace)
        cell.forward_frames(s, a, work)  # forward_step for t = 0, 1, …, T−1
        c, gates, cache = cell.end_forward(work, keep_a)
        z = np.dot(s[1:].reshape(T * B, H), p["Wy"]).reshape(T, B, self.n_out)
        z += p["by"]
        return Trace(X=X, s=s, a=a, z=z, y=self.output_fn.f(z), c=c, gates=gates, cache=cache)

    @quiet
    def losses(self, trace, D, mask=None) -> np.ndarray:
        """Per-frame losses mask[t, b]·E_t,b (T, B), without the 1/B."""
        D, mask = self._check_targets(trace, D, mask)
        return self.loss_fn.value(trace.z, trace.y, D) * mask

    def loss(self, X, D, mask=None, s0=None, *, c0=None) -> float:
        """E = (1/B) Σ_b Σ_t mask[t, b]·E_t,b."""
        trace = self.forward(X, s0, c0=c0)
        return float(self.losses(trace, D, mask).sum() / trace.B)

    @quiet
    def sweep(self, trace, D, mask=None, bptt_steps=None) -> BackwardSweep:
        """A BackwardSweep over ``trace`` (not yet run)."""
        self._check_params()
        D, mask = self._check_targets(trace, D, mask)
        return BackwardSweep(self, trace, D, mask, check_bptt_steps(bptt_steps))

    @quiet
    def loss_and_grads(self, X, D, mask=None, s0=None, bptt_steps=None, *, c0=None, return_y=False):
        """E and its gradients by (truncated) BPTT: forward + sweep(...).run() + grads().

        With ``return_y`` the outputs y (T, B, n_out) of the forward pass come too (a new
        array), e.g. to score the batch without running it forward again.

        Returns
        -------
        (float, dict) or (float, dict, ndarray)
            The loss, a dict with the keys of ``params`` [, y].
        """
        bptt_steps = check_bptt_steps(bptt_steps)
        self._check_params()
        with self._workspace.claim() as ws:
            trace = self._forward(X, s0, c0, ws, keep_a=False)
            D, mask = self._check_targets(trace, D, mask)
            sweep = BackwardSweep(self, trace, D, mask, bptt_steps, workspace=ws).run()
            if return_y:
                return sweep.loss, sweep.grads(), trace.y.copy()
            return sweep.loss, sweep.grads()

    @quiet
    def gradient_flow(self, X, D, mask=None, s0=None, *, c0=None) -> np.ndarray:
        """G (T, T+1): G[t, k] = ‖∂E[t]/∂s[k]‖ (Frobenius over batch and units), 0 for k > t+1.

        E[t] = (1/B) Σ_b mask[t, b]·E_t,b. Row T−1 is the vanishing-gradient curve of the
        last frame.
        """
        self._check_params()
        with self._workspace.claim() as ws:
            trace = self._forward(X, s0, c0, ws)
            D, mask = self._check_targets(trace, D, mask)
            return gradient_flow(self, trace, D, mask)

    def _forward_shapes(self, T, B):
        """The arrays of a forward pass (name → shape): a, s, what the cell projects the inputs
        with (``Cell.input_shapes``: X1 and [W_x; b_s], or none), and the cell's own."""
        return {
            "a": (T, B, self._cell.width),
            "s": (T + 1, B, self.n_hidden),
            **self._cell.input_shapes(T, B),
            **self._cell.trace_shapes(T, B),
        }

    def _check_trace_memory(self, T, B):
        """ValueError (not MemoryError) when one pass over (T, B) would not fit the ceiling."""
        H = self.n_hidden
        shapes = self._forward_shapes(T, B)
        elements = T * B * 2 * self.n_out + sum(math.prod(s) for s in shapes.values())
        check_memory(
            "forward",
            2.0 * elements * self.dtype.itemsize,
            f"a batch of T={T} frames × B={B} sequences with n_hidden={H} "
            f"({self.cell}, {self.dtype.name})",
        )

    def _check_params(self):
        check_params(self.params, self._param_shapes, self.dtype)

    def _check_state(self, name, value, B):
        if value is None:
            return None
        return check_array(name, value, (B, self.n_hidden), self.dtype)

    def _check_trace(self, trace):
        if not isinstance(trace, Trace):
            raise ValueError(
                f"trace: got {type(trace).__name__}, expected a Trace from net.forward(X)"
            )
        T, B, H, G = trace.T, trace.B, self.n_hidden, self._cell.width
        if (
            trace.s.shape != (T + 1, B, H)
            or trace.a.shape != (T, B, G)
            or trace.s.dtype != self.dtype
        ):
            raise ValueError(
                f"trace: got states {trace.s.shape} {trace.s.dtype.name} and pre-activations "
                f"{trace.a.shape}, expected ({T + 1}, {B}, {H}) {self.dtype.name} and "
                f"({T}, {B}, {G}) from this network's forward"
            )

    def _check_targets(self, trace, D, mask):
        self._check_trace(trace)
        T, B = trace.T, trace.B
        D = check_array("D", D, (T, B, self.n_out), self.dtype)
        if self.loss_name != "mse" and (D < 0).any():
            raise ValueError(
                f"D: got negative targets (min {D.min():.3g}), expected targets "
                f">= 0 for loss {self.loss_name!r} (class probabilities)"
            )
        if mask is None:
            return D, np.ones((T, B), dtype=self.dtype)
        mask = check_array("mask", mask, (T, B), self.dtype, allow_bool=True)
        if (mask < 0).any():
            raise ValueError(
                f"mask: got negative values (min {mask.min()}), expected "
                "weights >= 0 (1 counts a frame, 0 ignores it)"
            )
        return D, mask


def _check_weights_memory(cell_class, n_in, n_hidden, n_out, dtype) -> None:
    """ValueError naming the sizes when the weights (and initialising them) would not fit."""
    width = cell_class.blocks * n_hidden
    count = float(n_in + n_hidden + 1) * width + float(n_hidden + 1) * n_out
    check_memory(
        "Network.create",
        4.0 * count * dtype.itemsize,
        f"n_in={n_in}, n_hidden={n_hidden}, n_out={n_out} ({cell_class.name}, "
        f"{dtype.name}: {count:.3g} weights)",
    )
