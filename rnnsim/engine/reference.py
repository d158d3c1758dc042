"""BPTT in the lecture's own words: the code a student reads beside the formulas.

Lecture time: the inputs are x_1 .. x_T, the state before the first frame is s_0, and frame t
computes s_t from x_t and s_{t-1}. Every quantity is a dict indexed by t, so ``s[t - 1]`` in
the code is s_{t-1} on the slide. Row vectors, weights multiplied on the right::

    s_t = Φ(x_t · W_x + s_{t-1} · W_s + b_s)
    y_t = softmax(s_t · W_y + b_y)        (or y_t = s_t · W_y + b_y with the squared error)
    E   = (1/B) Σ_b Σ_t E_t

This module is slow on purpose (plain loops, new arrays everywhere) and is not used to train:
``Network.loss_and_grads`` computes the same numbers with reused buffers, and the tests check
that the two agree to 1e-12. The Lecture panel's Code view shows this source.
"""

from __future__ import annotations

import numpy as np

# Φ and Φ' written with the state s = Φ(a), as on the slide: tanh' = 1 − s², σ' = s(1 − s).
PHI = {
    "tanh": (np.tanh, lambda a, s: 1.0 - s**2),
    "sigmoid": (lambda a: 1.0 / (1.0 + np.exp(-a)), lambda a, s: s * (1.0 - s)),
    "relu": (lambda a: np.maximum(a, 0.0), lambda a, s: (a > 0).astype(a.dtype)),
}


def softmax(z):
    """softmax over the last axis: e^z / Σ e^z (shifted by max z for safety)."""
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def lecture_time(X):
    """Code arrays (T, B, n) → the lecture's {1: x_1, ..., T: x_T}."""
    return {t: X[t - 1] for t in range(1, len(X) + 1)}


def elman_forward(p, x, s0, phi="tanh", output="softmax"):
    """The forward pass: states s_0..s_T, pre-activations a_1..a_T, outputs y_1..y_T."""
    f, _ = PHI[phi]
    s, a, y = {0: s0}, {}, {}
    for t in range(1, len(x) + 1):
        a[t] = x[t] @ p["Wx"] + s[t - 1] @ p["Ws"] + p["bs"]  # x_t·W_x + s_{t-1}·W_s + b_s
        s[t] = f(a[t])  # s_t = Φ(a_t)
        z = s[t] @ p["Wy"] + p["by"]  # s_t·W_y + b_y
        y[t] = softmax(z) if output == "softmax" else z  # y_t
    return s, a, y


def frame_loss(y_t, d_t, output="softmax"):
    """E_t per sequence: −Σ d·log y (softmax) or Σ (y − d)² (linear output)."""
    if output == "softmax":
        return -(d_t * np.log(y_t)).sum(axis=-1)
    return ((y_t - d_t) ** 2).sum(axis=-1)


def elman_bptt(p, x, d, s0, phi="tanh", output="softmax", mask=None, bptt_steps=None):
    """E and ∂E/∂W for W_x, W_s, W_y, b_s, b_y by Backpropagation Through Time.

    ``mask[t]`` (B,) weighs E_t per sequence (1 when None). ``bptt_steps = k`` cuts the
    sequence after frames k, 2k, ...: the state carries across a cut, the gradient does not.
    """
    s, a, y = elman_forward(p, x, s0, phi, output)
    _, dphi = PHI[phi]
    T, B = len(x), len(s0)
    m = {t: np.ones(B) if mask is None else mask[t] for t in range(1, T + 1)}
    E = sum((m[t] * frame_loss(y[t], d[t], output)).sum() for t in range(1, T + 1)) / B
    g = {name: np.zeros_like(w) for name, w in p.items()}
    from_later = np.zeros_like(s0)  # ∂E_{t+1..T}/∂s_t, carried back through W_s
    for t in range(T, 0, -1):
        dz = (y[t] - d[t]) if output == "softmax" else 2.0 * (y[t] - d[t])  # ∂E_t/∂z_t
        dz = dz * m[t][:, None] / B
        g["Wy"] += s[t].T @ dz  # ∂E_t/∂W_y = s_tᵀ · ∂E_t/∂z_t
        g["by"] += dz.sum(axis=0)
        ds = dz @ p["Wy"].T + from_later  # ∂E/∂s_t = ∂E_t/∂s_t + ∂E_{>t}/∂s_t
        da = ds * dphi(a[t], s[t])  # ∂E/∂a_t = ∂E/∂s_t ⊙ Φ'(a_t)
        g["Wx"] += x[t].T @ da  # ∂a_t/∂W_x: x_tᵀ
        g["Ws"] += s[t - 1].T @ da  # ∂a_t/∂W_s: s_{t-1}ᵀ
        g["bs"] += da.sum(axis=0)
        from_later = da @ p["Ws"].T  # ∂s_t/∂s_{t-1} = diag(Φ'(a_t))·W_sᵀ, applied
        if bptt_steps and (t - 1) % bptt_steps == 0:
            from_later = np.zeros_like(s0)  # truncated BPTT: the gradient stops at the cut
    return E, g


def state_jacobian(p, a_j, s_j, phi="tanh"):
    """∂s_j/∂s_{j-1} for one sequence: diag(Φ'(a_j))·W_sᵀ, as an (H, H) matrix."""
    _, dphi = PHI[phi]
    return np.diag(dphi(a_j, s_j)) @ p["Ws"].T


def gradient_through_time(p, a, s, dE_ds_N, N, i, phi="tanh"):
    """∂E_N/∂s_i = ∂E_N/∂s_N · Π_{j=N..i+1} ∂s_j/∂s_{j-1}, for one sequence (row vectors).

    Each factor has norm at most γ·σ_max(W_s) (γ = 1/4 for σ, 1 for tanh): the product of
    N − i factors is why the gradient vanishes, or explodes, geometrically with the lag.
    """
    grad = dE_ds_N  # (H,) ∂E_N/∂s_N
    for j in range(N, i, -1):
        grad = grad @ state_jacobian(p, a[j], s[j], phi)  # one more factor ∂s_j/∂s_{j-1}
    return grad


def sgd_minibatch(p, batches, M, lr, phi="tanh", output="softmax"):
    """Mini-batch BPTT: a gradient every step, the weights updated every M steps.

    ``batches`` yields (x, d, s0) in lecture time. After M gradients, W ← W − η·mean(∂E/∂W)
    and the sum starts again; a last group of fewer than M gradients is not applied.
    Returns the updated weights (new arrays) and the losses of every step.
    """
    p = {name: w.copy() for name, w in p.items()}
    total, count, losses = None, 0, []
    for x, d, s0 in batches:
        E, g = elman_bptt(p, x, d, s0, phi, output)
        losses.append(E)
        total = g if total is None else {k: total[k] + g[k] for k in g}
        count += 1
        if count == M:  # every M steps: apply the average gradient
            p = {k: p[k] - lr * total[k] / M for k in p}
            total, count = None, 0
    return p, losses


def sigmoid(a):
    """σ(a) = 1 / (1 + e^−a)."""
    return 1.0 / (1.0 + np.exp(-a))


def lstm_step(p, x_t, s_prev, c_prev):
    """One LSTM frame: gates i, f, o from σ, candidate g from tanh, then c_t and s_t.

    ``Wx``, ``Ws``, ``bs`` hold the four blocks side by side in the order i, f, o, g.
    In the words of the lecture's LSTM note: c_t is the long-term memory, s_t the short-term
    memory (the output); f is the forget gate, g the learn gate's candidate, i decides how
    much of it to remember, o is the use gate.
    """
    H = s_prev.shape[-1]
    a = x_t @ p["Wx"] + s_prev @ p["Ws"] + p["bs"]  # all four blocks at once
    i = sigmoid(a[:, 0 * H : 1 * H])  # input gate    i_t = σ(a_i)
    f = sigmoid(a[:, 1 * H : 2 * H])  # forget gate   f_t = σ(a_f)
    o = sigmoid(a[:, 2 * H : 3 * H])  # output gate   o_t = σ(a_o)
    g = np.tanh(a[:, 3 * H : 4 * H])  # candidate     g_t = tanh(a_g)
    c = f * c_prev + i * g  # cell state    c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t
    s = o * np.tanh(c)  # state         s_t = o_t ⊙ tanh(c_t)
    return s, c, (i, f, o, g)


def lstm_bptt(p, x, d, s0, c0, output="softmax"):
    """E and ∂E/∂W of an LSTM network (tanh candidate) by BPTT, in lecture time."""
    T, B = len(x), len(s0)
    s, c, gates, y = {0: s0}, {0: c0}, {}, {}
    for t in range(1, T + 1):
        s[t], c[t], gates[t] = lstm_step(p, x[t], s[t - 1], c[t - 1])
        z = s[t] @ p["Wy"] + p["by"]
        y[t] = softmax(z) if output == "softmax" else z
    E = sum(frame_loss(y[t], d[t], output).sum() for t in range(1, T + 1)) / B
    g = {name: np.zeros_like(w) for name, w in p.items()}
    ds_later, dc_later = np.zeros_like(s0), np.zeros_like(c0)
    for t in range(T, 0, -1):
        i, f, o, gg = gates[t]
        dz = ((y[t] - d[t]) if output == "softmax" else 2.0 * (y[t] - d[t])) / B
        g["Wy"] += s[t].T @ dz
        g["by"] += dz.sum(axis=0)
        ds = dz @ p["Wy"].T + ds_later  # ∂E/∂s_t
        tc = np.tanh(c[t])
        dc = dc_later + ds * o * (1.0 - tc**2)  # ∂E/∂c_t: through s_t and from c_{t+1}
        da = np.concatenate(
            [
                dc * gg * i * (1.0 - i),  # ∂E/∂a_i
                dc * c[t - 1] * f * (1.0 - f),  # ∂E/∂a_f
                ds * tc * o * (1.0 - o),  # ∂E/∂a_o
                dc * i * (1.0 - gg**2),  # ∂E/∂a_g
            ],
            axis=1,
        )
        g["Wx"] += x[t].T @ da
        g["Ws"] += s[t - 1].T @ da
        g["bs"] += da.sum(axis=0)
        ds_later = da @ p["Ws"].T  # ∂E/∂s_{t-1}
        dc_later = dc * f  # ∂E/∂c_{t-1} = ∂E/∂c_t ⊙ f_t: the memory's own path
    return E, g
