"""Snapshots for the plot tests: ``make_snapshot`` plus a training history, G[t, k] and ΔW.

G[t, k] = ‖∂E[t]/∂s[k]‖ is computed exactly for the Elman cell by propagating each frame's
∂E[t]/∂s[t+1] back through ∂s[j+1]/∂s[j] = diag(Φ'(a[j]))·W_sᵀ, independently of the plots.
"""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import numpy as np

from rnnsim.sim.snapshot import History, frozen_copy
from tests.gui.snapshots import make_snapshot


def _dphi(activation, a, fa):
    return {"tanh": 1 - fa**2, "sigmoid": fa * (1 - fa), "relu": (a > 0) * 1.0}[activation]


def gradient_flow_elman(snap) -> np.ndarray:
    """G (T, T+1) of a complete Elman snapshot with softmax/cross-entropy output."""
    W, s, a = snap.weights, np.asarray(snap.s), np.asarray(snap.a)
    T = snap.T
    G = np.zeros((T, T + 1))
    for t in range(T):
        g = (np.asarray(snap.y)[t] - np.asarray(snap.D)[t]) @ W["Wy"].T  # ∂E[t]/∂s[t+1]
        G[t, t + 1] = np.linalg.norm(g)
        for k in range(t, -1, -1):
            g = (g * _dphi(snap.activation, a[k], s[k + 1])) @ W["Ws"].T  # ∂E[t]/∂s[k]
            G[t, k] = np.linalg.norm(g)
    return G


def make_history(n=300, seed=0, clip=1.0, metrics=("final_accuracy", "accuracy")):
    """A plausible training history of ``n`` updates (loss falls, accuracy rises)."""
    rng = np.random.default_rng(seed)
    u = np.arange(1, n + 1)
    loss = 0.7 * np.exp(-u / (n / 4)) + 0.05 + 0.05 * rng.random(n)  # (n,)
    mets = {
        m: np.clip(0.5 + 0.45 * (1 - np.exp(-u / (n / (3 + i)))) + 0.08 * rng.normal(size=n), 0, 1)
        for i, m in enumerate(metrics)
    }
    norms = {
        name: np.exp(rng.normal(np.log(scale), 0.5, n))
        for name, scale in (("Wx", 0.3), ("Ws", 0.6), ("Wy", 1.2), ("bs", 0.1), ("by", 0.2))
    }
    total = np.sqrt(sum(v**2 for v in norms.values()))  # (n,) global norm
    threshold = np.inf if clip is None else clip
    return History(
        update=frozen_copy(u),
        loss=frozen_copy(loss),
        metrics={k: frozen_copy(v) for k, v in mets.items()},
        grad_norms={k: frozen_copy(v) for k, v in norms.items()},
        global_norm=frozen_copy(total),
        clipped=frozen_copy(total > threshold),
    )


def make_plot_snapshot(
    T=10,
    H=6,
    n_in=4,
    n_out=2,
    phase="backward",
    k=-1,
    cell="elman",
    activation="tanh",
    seed=0,
    n_updates=300,
    clip=1.0,
    bptt_cuts=(),
):
    """A complete snapshot (``t = T`` unless forward) with history, G, ΔW and gradient norms.

    ``clip`` is the experiment's clip_norm (None: no clipping).
    """
    snap = make_snapshot(
        T=T,
        H=H,
        n_in=n_in,
        n_out=n_out,
        phase=phase,
        k=k,
        cell=cell,
        activation=activation,
        seed=seed,
        bptt_cuts=bptt_cuts,
        updates=n_updates,
    )
    rng = np.random.default_rng(seed + 1)
    history = make_history(n_updates, seed, clip)
    G = gradient_flow_elman(snap) if cell == "elman" and snap.cursor.t == T else None
    deltas = {n: frozen_copy(0.01 * rng.normal(size=np.shape(w))) for n, w in snap.weights.items()}
    experiment = SimpleNamespace(**vars(snap.experiment), clip_norm=clip)
    return dataclasses.replace(
        snap,
        history=history,
        grad_flow=frozen_copy(G),
        delta_weights=deltas,
        grad_norms={n: float(v[-1]) for n, v in history.grad_norms.items()},
        clipped=bool(history.clipped[-1]),
        experiment=experiment,
        chance=0.5,
    )
