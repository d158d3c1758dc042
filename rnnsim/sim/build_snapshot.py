"""Build a frozen Snapshot from a Simulation's live state (arrays copied and read-only)."""

from __future__ import annotations

import time
import weakref

import numpy as np

from rnnsim.engine import eigenvalues, gamma_of, get_cell, singular_values

from .snapshot import Snapshot, frozen_copy


def recurrent_block(net) -> np.ndarray:
    """The (H, H) block of W_s that plays the lecture's role.

    Elman: W_s itself. LSTM and GRU: the candidate's block (LSTM ``g``, GRU ``n``), the
    recurrent weights of the value written into the state.
    """
    Ws, H = net.params["Ws"], net.n_hidden
    blocks = get_cell(net.cell).blocks
    return Ws[:, (blocks - 1) * H : blocks * H]


def build_snapshot(sim, flow_budget: float | None = None) -> Snapshot:
    """Everything the window draws, for the displayed sequence (batch element 0).

    ``flow_budget`` (seconds): leave ``grad_flow`` None rather than compute it when that is
    predicted to take longer (None: always compute it).
    """
    run, task, net, exp = sim.run, sim.task, sim.net, sim.experiment
    cursor = sim.cursor
    t = run.t
    view = run.view()
    X0, D0 = run.X[:, 0], run.D[:, 0]  # (T, n_in), (T, n_out)
    sv, eig = spectrum(net)
    fz = frozen_copy
    return Snapshot(
        experiment=exp,
        cursor=cursor,
        T=run.T,
        cell=net.cell,
        activation=net.activation,
        gamma=gamma_of(net.activation),
        input_tokens=_strip_labels(run, task, X0, D0),
        nearest_tokens=tuple(task.input_token(x) for x in X0),
        target_tokens=tuple(task.output_token(d) for d in D0),
        output_names=tuple(task.output_names),
        X=fz(X0),
        D=fz(D0),
        mask=fz(run.mask[:, 0]),
        s=fz(view["s"][: t + 1, 0]),
        a=fz(view["a"][:t, 0]),
        y=fz(view["y"][:t, 0]),
        E=fz(view["E"][:t, 0]),
        c=None if view["c"] is None else fz(view["c"][: t + 1, 0]),
        gates={n: fz(g[:t, 0]) for n, g in view["gates"].items()},
        dE_ds=fz(run.dE_ds(b=0)),
        bptt_cuts=bptt_cuts(run.T, exp.bptt_steps),
        grad_flow=fz(_grad_flow(run, sim.flow_timer, flow_budget)),
        weights={k: fz(v) for k, v in net.params.items()},
        delta_weights={k: fz(v) for k, v in sim.delta_weights.items()},
        grad_norms=dict(sim.grad_norms),
        clipped=bool(sim.clipped),
        sigma_max=float(sv[0]),
        singular_values=fz(sv),
        eigenvalues=fz(eig),
        updates=sim.updates,
        pending=sim.accumulator.count,
        loss=run.loss(),
        history=sim.history.frozen(),
        chance=float(task.chance),
        primary_metric=task.primary_metric,
        message=sim.message,
        extras={"update_every": exp.update_every, "batch_size": run.B},
    )


def _strip_labels(run, task, X0, D0) -> tuple[str, ...]:
    """The strip's words: the typed words of a probe, else the task's ``frame_labels``."""
    typed = getattr(run, "words", None)
    if typed is not None:
        return tuple(typed)
    return tuple(task.frame_labels(X0, D0, run.mask[:, 0]))


# network → (W_s block it was computed from, sv, eig)
_SPECTRA: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def spectrum(net) -> tuple[np.ndarray, np.ndarray]:
    """Singular values (H,) descending and eigenvalues (H,) complex of ``recurrent_block``.

    Computed again only when the block's values differ from the last call's for this network
    (an SVD and an eigendecomposition cost ~30 ms at H = 256; most snapshots between two
    updates see the same weights).
    """
    W = recurrent_block(net).astype(np.float64)  # (H, H), a copy
    cached = _SPECTRA.get(net)
    if cached is not None and cached[0].shape == W.shape and np.array_equal(cached[0], W):
        return cached[1], cached[2]
    sv, eig = singular_values(W), eigenvalues(W)
    _SPECTRA[net] = (W, sv, eig)
    return sv, eig


def bptt_cuts(T: int, bptt_steps: int | None) -> tuple[int, ...]:
    """State indices j where truncated BPTT stops the gradient (multiples of k, 0 < j < T)."""
    if bptt_steps is None:
        return ()
    return tuple(range(bptt_steps, T, bptt_steps))


class FlowTimer:
    """Predicts how long ``gradient_flow`` takes from the last measured call.

    Its cost grows like T²·B·H·G (every row t ≥ k is carried back through frame k).
    """

    def __init__(self) -> None:
        self.seconds_per_unit = 0.0

    @staticmethod
    def units(run) -> float:
        return float(run.T) ** 2 * run.B * run.net.n_hidden * run.a.shape[-1]

    def predict(self, run) -> float:
        """Predicted seconds for ``run`` (0 before the first measurement)."""
        return self.seconds_per_unit * self.units(run)

    def measure(self, run, seconds: float) -> None:
        self.seconds_per_unit = seconds / max(self.units(run), 1.0)


def _grad_flow(run, timer: FlowTimer, budget: float | None) -> np.ndarray | None:
    """G (T, T+1) of the run's batch, computed once per run; None if not finite, or if not
    yet computed and predicted to take longer than ``budget`` seconds."""
    if run.grad_flow is None:
        if budget is not None and timer.predict(run) > budget:
            return None
        start = time.perf_counter()
        with np.errstate(all="ignore"):
            G = run.net.gradient_flow(run.X, run.D, run.mask)
        timer.measure(run, time.perf_counter() - start)
        run.grad_flow = G if np.all(np.isfinite(G)) else False
    return None if run.grad_flow is False else run.grad_flow
