"""One batch stepped through time: forward frame by frame, then the BPTT sweep state by state.

Each forward step runs the network over one frame from the state reached so far
(``net.forward(X[t:t+1], s0=s[t], c0=c[t])``). Once the last frame is in, the whole batch is
run again with ``net.forward(X)``: that Trace, shown from then on and swept backward, is the
one ``net.loss_and_grads`` builds, so the stepped gradients are bit-identical to it.
"""

from __future__ import annotations

import numpy as np

from rnnsim.engine import Trace, get_cell


class SequenceRun:
    """A batch (X, D, mask) being stepped through by ``net``.

    Parameters
    ----------
    net : rnnsim.engine.Network
        Its weights must not change while the run is used.
    X, D, mask : ndarray
        (T, B, n_in), (T, B, n_out), (T, B); cast to the network's dtype.
    bptt_steps : int or None
        Truncation of the sweep.

    Attributes
    ----------
    t : int
        Frames done (0..T); states s[0..t] are known.
    trace : Trace or None
        The whole batch's forward pass, once t == T.
    sweep : BackwardSweep or None
        The BPTT sweep, once started.
    """

    def __init__(self, net, X, D, mask, bptt_steps):
        dt = net.dtype
        self.net, self.bptt_steps = net, bptt_steps
        self.X = np.ascontiguousarray(X, dtype=dt)  # (T, B, n_in)
        self.D = np.ascontiguousarray(D, dtype=dt)  # (T, B, n_out)
        self.mask = np.ascontiguousarray(mask, dtype=dt)  # (T, B)
        T, B = self.X.shape[:2]
        H, cell = net.n_hidden, get_cell(net.cell)
        self.T, self.B = T, B
        self.s = np.zeros((T + 1, B, H), dtype=dt)  # states of the frames done
        self.a = np.zeros((T, B, cell.blocks * H), dtype=dt)  # pre-activations
        self.z = np.zeros((T, B, net.n_out), dtype=dt)  # readout
        self.y = np.zeros((T, B, net.n_out), dtype=dt)  # outputs
        self.E = np.zeros((T, B), dtype=dt)  # mask[t, b]·E_t,b
        self.c = np.zeros((T + 1, B, H), dtype=dt) if cell.has_c else None  # LSTM cell state
        self.gates = {n: np.zeros((T, B, H), dtype=dt) for n in cell.gate_names}
        self.t = 0
        self.trace: Trace | None = None
        self.sweep = None
        self._revealed = 0
        self.grad_flow = None  # (T, T+1) cache for the snapshot
        self.rng_before: dict | None = None  # the generator's state before X was drawn
        self.question = False  # a question typed by the user (``Simulation.ask``)
        self.words = None  # its typed words, shown on the strip
        self.before = None  # the task's run it replaced

    @property
    def nbytes(self) -> int:
        """About the memory this run holds once stepped through (stepped values, Trace,
        sweep)."""
        stepped = sum(x.nbytes for x in (self.s, self.a, self.z, self.y, self.E))
        return 3 * stepped + self.X.nbytes + self.D.nbytes

    # ----------------------------------------------------------------- forward
    def forward_step(self) -> None:
        """Process frame t: s[t+1], a[t], y[t], E[t]; after the last frame, the Trace."""
        t, net = self.t, self.net
        if t >= self.T:
            raise RuntimeError("forward_step: the forward pass is complete")
        c0 = None if self.c is None else self.c[t]
        if not (np.isfinite(self.s[t]).all() and (c0 is None or np.isfinite(c0).all())):
            self._overflowed(t)
            return
        tr = net.forward(self.X[t : t + 1], s0=self.s[t], c0=c0)
        self.s[t + 1], self.a[t], self.z[t], self.y[t] = tr.s[1], tr.a[0], tr.z[0], tr.y[0]
        if self.c is not None:
            self.c[t + 1] = tr.c[1]
        for name, g in self.gates.items():
            g[t] = tr.gates[name][0]
        self.E[t] = net.losses(tr, self.D[t : t + 1], self.mask[t : t + 1])[0]
        self.t = t + 1
        if self.t == self.T:
            self._finish_forward()

    def _overflowed(self, t: int) -> None:
        """The state reached Inf or NaN: frame t's values are NaN (nothing can follow)."""
        self.s[t + 1] = self.a[t] = self.z[t] = self.y[t] = self.E[t] = np.nan
        if self.c is not None:
            self.c[t + 1] = np.nan
        for g in self.gates.values():
            g[t] = np.nan
        self.t = t + 1
        if self.t == self.T:
            self._finish_forward()

    def _finish_forward(self) -> None:
        """The whole batch's Trace (what ``loss_and_grads`` builds) and its losses (T, B)."""
        self.trace = self.net.forward(self.X)
        self._trace_E = self.net.losses(self.trace, self.D, self.mask)

    def forward_back(self) -> None:
        """Undo the last ``forward_step`` exactly."""
        if self.t == 0 or self._revealed:
            raise RuntimeError("forward_back: nothing to undo in the forward pass")
        self.t -= 1
        self.trace = None

    def run_forward(self) -> None:
        """Do the remaining forward frames."""
        while self.t < self.T:
            self.forward_step()

    def view(self) -> dict:
        """The arrays to show: the Trace's once it exists, else the stepped frames'.

        Keys ``s``, ``a``, ``z``, ``y``, ``E``, ``c`` (or None), ``gates``; full length
        (T or T+1); only the first t frames (t+1 states) are meaningful.
        """
        tr = self.trace
        if tr is None:
            return {
                "s": self.s,
                "a": self.a,
                "z": self.z,
                "y": self.y,
                "E": self.E,
                "c": self.c,
                "gates": self.gates,
            }
        return {
            "s": tr.s,
            "a": tr.a,
            "z": tr.z,
            "y": tr.y,
            "E": self._trace_E,
            "c": tr.c,
            "gates": tr.gates,
        }

    # ----------------------------------------------------------------- backward
    # The sweep reveals ∂E/∂s[j] one state at a time, from s[T] back to s[0] (T+1 steps):
    # with r states revealed the cursor's k is T − r and ∂E/∂s[j] is shown for j > k.
    # Revealing s[j] (j >= 1) takes the engine's sweep step over frame j−1; s[0] comes with
    # the step over frame 0.

    @property
    def revealed(self) -> int:
        """States whose ∂E/∂s[j] the sweep has revealed (0..T+1)."""
        return self._revealed

    @property
    def k(self) -> int:
        """The cursor's k: ∂E/∂s[j] is revealed for j > k (T−1 … −1)."""
        return self.T - self._revealed

    @property
    def swept(self) -> bool:
        """True when every state's gradient is revealed (the gradient is complete)."""
        return self._revealed == self.T + 1

    def backward_step(self) -> None:
        """Reveal ∂E/∂s[j] of the next state back (starting the sweep after the last frame)."""
        if self.trace is None:
            raise RuntimeError("backward_step: the forward pass is not complete")
        if self.swept:
            raise RuntimeError("backward_step: the sweep is complete")
        if self.sweep is None:
            self.sweep = self.net.sweep(self.trace, self.D, self.mask, self.bptt_steps)
        if not self.sweep.done:
            self.sweep.step()
        self._revealed += 1

    def backward_back(self) -> None:
        """Undo the last ``backward_step`` exactly (the sweep is replayed to the step before)."""
        r = self._revealed
        if r == 0:
            raise RuntimeError("backward_back: the sweep has not started")
        self.sweep, self._revealed = None, 0
        for _ in range(r - 1):
            self.backward_step()

    def run_backward(self) -> None:
        """Do the remaining steps of the sweep."""
        while not self.swept:
            self.backward_step()

    def grads(self) -> dict[str, np.ndarray]:
        """∂E/∂θ of the finished sweep."""
        return self.sweep.grads()

    def dE_ds(self, b: int | None = None) -> np.ndarray:
        """∂E/∂s[j], NaN where the sweep has not revealed j yet: (T+1, B, H), or (T+1, H)
        for sequence ``b`` of the batch."""
        pick = slice(None) if b is None else b
        out = np.full((self.T + 1, *np.shape(self.s[0, pick])), np.nan)
        if self.sweep is not None:
            j = self.k + 1
            out[j:] = self.sweep.dE_ds[j:, pick]
        return out

    def loss(self) -> float:
        """E of the batch (NaN until the forward pass is complete)."""
        if self.trace is None:
            return float("nan")
        return float(self.view()["E"].sum() / self.B)
