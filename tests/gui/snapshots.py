"""Build real ``Snapshot`` objects by hand from small NumPy arrays (no Simulation needed).

The helper runs its own small forward pass (Elman, LSTM or GRU) and, for Elman, exact BPTT, so
the canvas and the panels can be tested with self-consistent numbers.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from rnnsim.sim.snapshot import Cursor, History, Snapshot, frozen_copy

ANIMALS = ("bear", "cow", "tree", "flower", "squirrel", "beaver", "cat", "dog", "wolf")
GAMMA = {"sigmoid": 0.25, "tanh": 1.0, "relu": 1.0}


def _sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def _phi(activation, a):
    return {"tanh": np.tanh, "sigmoid": _sigmoid, "relu": lambda v: np.maximum(v, 0.0)}[activation](
        a
    )


def _forward(cell, activation, X, W, H):
    """States, pre-activations, cell states and gates of one sequence X (T, n_in)."""
    T = X.shape[0]
    s, c = np.zeros((T + 1, H)), np.zeros((T + 1, H))
    width = {"elman": 1, "lstm": 4, "gru": 3}[cell] * H
    a = np.zeros((T, width))
    names = {"elman": (), "lstm": ("i", "f", "o", "g"), "gru": ("z", "r", "n")}[cell]
    gates = {n: np.zeros((T, H)) for n in names}
    for f in range(T):
        pre = X[f] @ W["Wx"] + s[f] @ W["Ws"] + W["bs"]  # (width,)
        a[f] = pre
        if cell == "elman":
            s[f + 1] = _phi(activation, pre)
        elif cell == "lstm":
            i, fg, o = (_sigmoid(pre[q * H : (q + 1) * H]) for q in range(3))
            g = np.tanh(pre[3 * H :])
            c[f + 1] = fg * c[f] + i * g
            s[f + 1] = o * np.tanh(c[f + 1])
            for n, v in zip(names, (i, fg, o, g), strict=True):
                gates[n][f] = v
        else:
            z, r = _sigmoid(pre[:H]), _sigmoid(pre[H : 2 * H])
            n = np.tanh(pre[2 * H :])
            s[f + 1] = (1 - z) * n + z * s[f]
            for name, v in zip(names, (z, r, n), strict=True):
                gates[name][f] = v
    return s, a, c, gates


def _softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _bptt_elman(activation, s, a, y, D, W):
    """Exact ∂E/∂s[j] (T+1, H) for an Elman network with softmax and cross-entropy."""
    T, H = a.shape[0], s.shape[1]
    out = np.zeros((T + 1, H))
    carry = np.zeros(H)
    for f in range(T - 1, -1, -1):
        total = (y[f] - D[f]) @ W["Wy"].T + carry  # (H,) ∂E/∂s[f+1]
        out[f + 1] = total
        fa = s[f + 1]
        dphi = {"tanh": 1 - fa**2, "sigmoid": fa * (1 - fa), "relu": (a[f] > 0) * 1.0}[activation]
        carry = (total * dphi) @ W["Ws"].T
    out[0] = carry
    return out


def make_snapshot(
    T=6,
    H=4,
    n_in=3,
    n_out=2,
    t=None,
    phase="forward",
    k=None,
    cell="elman",
    activation="tanh",
    seed=0,
    bptt_cuts=(),
    updates=0,
    pending=0,
    update_every=1,
    output_names=None,
    message="",
):
    """A Snapshot of a random network on a random token sequence.

    ``t`` defaults to T in the backward and update phases and to 0 in the forward phase;
    ``k`` (backward phase) is the next frame the sweep processes: ∂E/∂s[j] is set for j > k.
    """
    rng = np.random.default_rng(seed)
    t = (0 if phase == "forward" else T) if t is None else t
    k = T - 1 if k is None else k
    mult = {"elman": 1, "lstm": 4, "gru": 3}[cell]
    W = {
        "Wx": rng.normal(0, 0.8, (n_in, mult * H)),
        "Ws": rng.normal(0, 0.5, (H, mult * H)),
        "Wy": rng.normal(0, 1.0, (H, n_out)),
        "bs": np.zeros(mult * H),
        "by": np.zeros(n_out),
    }
    X = np.eye(n_in)[rng.integers(0, n_in, T)]  # (T, n_in) one-hot frames
    D = np.eye(n_out)[rng.integers(0, n_out, T)]  # (T, n_out) one-hot targets
    mask = np.ones(T)
    s, a, c, gates = _forward(cell, activation, X, W, H)
    y = _softmax(s[1:] @ W["Wy"] + W["by"])  # (T, n_out)
    E = -np.sum(D * np.log(y), axis=1)  # (T,)
    dE_ds = np.full((T + 1, H), np.nan)
    if phase != "forward":
        full = (
            _bptt_elman(activation, s, a[:, :H], y, D, W)
            if cell == "elman"
            else np.outer(0.5 ** np.arange(T, -1, -1), np.ones(H))
        )
        known = np.arange(T + 1) > k
        dE_ds[known] = full[known]
    lag = np.arange(T)[:, None] + 1 - np.arange(T + 1)[None, :]  # (T, T+1) t + 1 − j
    G = np.where(lag >= 0, 0.5 ** np.maximum(lag, 0), 0.0)  # (T, T+1) a geometric fade
    in_names = [ANIMALS[i % len(ANIMALS)] for i in range(n_in)]
    out_names = tuple(output_names or [ANIMALS[(i + 7) % len(ANIMALS)] for i in range(n_out)])
    sv = np.linalg.svd(W["Ws"][:, :H], compute_uv=False)
    experiment = SimpleNamespace(
        cell=cell,
        activation=activation,
        n_hidden=H,
        output="softmax",
        update_every=update_every,
        bptt_steps=None,
        task="test",
    )
    empty = np.zeros(0)
    history = History(np.zeros(0, int), empty, {}, {}, empty, np.zeros(0, bool))
    fz = frozen_copy
    return Snapshot(
        experiment=experiment,
        cursor=Cursor(1, t, phase, k),
        T=T,
        cell=cell,
        activation=activation,
        gamma=GAMMA[activation],
        input_tokens=tuple(in_names[int(i)] for i in X.argmax(1)),
        target_tokens=tuple(out_names[int(i)] for i in D.argmax(1)),
        output_names=out_names,
        X=fz(X),
        D=fz(D),
        mask=fz(mask),
        s=fz(s[: t + 1]),
        a=fz(a[:t]),
        y=fz(y[:t]),
        E=fz(E[:t]),
        c=fz(c[: t + 1]) if cell == "lstm" else None,
        gates={n: fz(v[:t]) for n, v in gates.items()},
        dE_ds=fz(dE_ds),
        bptt_cuts=tuple(bptt_cuts),
        grad_flow=fz(G),
        weights={n: fz(v) for n, v in W.items()},
        delta_weights={n: fz(np.zeros_like(v)) for n, v in W.items()},
        grad_norms={n: 0.0 for n in W},
        clipped=False,
        sigma_max=float(sv[0]),
        singular_values=fz(sv),
        eigenvalues=fz(np.linalg.eigvals(W["Ws"][:, :H])),
        updates=updates,
        pending=pending,
        loss=float(E.sum()) if t == T else float("nan"),
        history=history,
        chance=0.5,
        primary_metric="final_accuracy",
        message=message,
    )
