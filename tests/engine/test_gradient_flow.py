"""gradient_flow: G[t, k] = ‖∂E[t]/∂s[k]‖ against explicit Jacobian products and the bound."""

import numpy as np
import pytest

from rnnsim.engine import Network

from .cases import CELL_NAMES, make_data


def _direct_grads(net, tr, D, mask):
    """∂E[t]/∂s[t+1] (T, B, H) for a linear/mse network: (2/B)·mask·(y − d)·W_yᵀ."""
    B = tr.B
    return (2.0 / B) * mask[:, :, None] * ((tr.y - D) @ net.params["Wy"].T)


def test_elman_matches_explicit_jacobian_products():
    net = Network.create(
        "elman", 3, 4, 2, activation="tanh", output="linear", loss="mse", seed=0, ws_scale=1.5
    )
    X, D, mask, s0 = make_data(net, 6, 2, np.random.default_rng(0))
    tr = net.forward(X, s0)
    g = _direct_grads(net, tr, D, mask)
    T, B = 6, 2
    Ws = net.params["Ws"]
    expected = np.zeros((T, T + 1))
    for t in range(T):
        for k in range(t + 2):
            rows = []
            for b in range(B):
                P = np.eye(4)  # ∂s[t+1]/∂s[k] = J_t·J_{t−1}·…·J_k, J_j = diag(Φ'(a[j]))·W_sᵀ
                for j in range(t, k - 1, -1):
                    P = P @ (np.diag(1 - tr.s[j + 1, b] ** 2) @ Ws.T)
                rows.append(g[t, b] @ P)
            expected[t, k] = np.linalg.norm(rows)
    G = net.gradient_flow(X, D, mask, s0)
    assert G.shape == (T, T + 1)
    np.testing.assert_allclose(G, expected, rtol=1e-12, atol=1e-15)
    assert np.all(G[np.triu_indices(T, k=2, m=T + 1)] == 0.0)


def _numeric_step_jacobian(net, x, s, c, h=1e-6):
    """Jacobian of one step (s, c) → (s', c') of one sample by central differences."""
    H = net.n_hidden
    has_c = c is not None
    state = np.concatenate([s, c]) if has_c else s.copy()
    n = state.size

    def step(v):
        tr = net.forward(x[None, None], v[None, :H], c0=v[None, H:] if has_c else None)
        return np.concatenate([tr.s[1, 0], tr.c[1, 0]]) if has_c else tr.s[1, 0]

    J = np.empty((n, n))
    for i in range(n):
        e = np.zeros(n)
        e[i] = h
        J[:, i] = (step(state + e) - step(state - e)) / (2 * h)
    return J


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_gated_cells_match_numeric_jacobian_products(cell):
    net = Network.create(cell, 2, 3, 2, output="linear", loss="mse", seed=1)
    X, D, mask, s0 = make_data(net, 4, 1, np.random.default_rng(1))
    tr = net.forward(X, s0)
    g = _direct_grads(net, tr, D, mask)
    H, T = 3, 4
    jac = [
        _numeric_step_jacobian(net, X[j, 0], tr.s[j, 0], None if tr.c is None else tr.c[j, 0])
        for j in range(T)
    ]
    expected = np.zeros((T, T + 1))
    for t in range(T):
        v = np.concatenate([g[t, 0], np.zeros(H)]) if cell == "lstm" else g[t, 0]
        expected[t, t + 1] = np.linalg.norm(g[t, 0])
        for k in range(t, -1, -1):
            v = v @ jac[k]
            expected[t, k] = np.linalg.norm(v[:H])
    np.testing.assert_allclose(net.gradient_flow(X, D, mask, s0), expected, rtol=1e-7, atol=1e-12)


@pytest.mark.parametrize("cell", CELL_NAMES)
def test_last_row_matches_a_sweep_of_the_last_frame(cell):
    net = Network.create(cell, 3, 5, 3, seed=2)
    X, D, mask, s0 = make_data(net, 7, 3, np.random.default_rng(2))
    G = net.gradient_flow(X, D, mask, s0)
    only_last = np.zeros_like(mask)
    only_last[-1] = mask[-1]
    sweep = net.sweep(net.forward(X, s0), D, only_last).run()
    np.testing.assert_allclose(G[-1], np.linalg.norm(sweep.dE_ds, axis=(1, 2)), rtol=1e-12)


@pytest.mark.parametrize("ws_scale", [0.5, 2.0, 8.0, 30.0])
def test_sigmoid_ratio_never_exceeds_the_lecture_bound(ws_scale):
    net = Network.create("elman", 4, 8, 3, activation="sigmoid", ws_scale=ws_scale, seed=4)
    X, D, mask, s0 = make_data(net, 15, 4, np.random.default_rng(4))
    G = net.gradient_flow(X, D, mask, s0)
    bound = 0.25 * np.linalg.norm(net.params["Ws"], 2)
    assert bound == pytest.approx(0.25 * ws_scale)
    last = G[-1]
    assert np.all(last > 0)
    ratios = last[:-1] / last[1:]  # G[T−1, k−1] / G[T−1, k], k = 1..T
    assert np.all(ratios <= bound * (1 + 1e-12))
    if bound < 1:
        assert last[0] <= last[-1] * bound**15 * (1 + 1e-12)


def test_masked_frames_have_zero_rows():
    net = Network.create("gru", 2, 3, 2, seed=0)
    X, D, mask, s0 = make_data(net, 5, 1, np.random.default_rng(0))
    mask[2, 0] = 0.0
    G = net.gradient_flow(X, D, mask, s0)
    assert np.all(G[2] == 0.0) and np.all(G[3, :5] > 0)


def test_float32_gradient_flow_agrees_with_float64():
    n64 = Network.create("elman", 3, 6, 2, seed=5)
    n32 = Network.create("elman", 3, 6, 2, seed=5, dtype="float32")
    X, D, mask, s0 = make_data(n64, 8, 2, np.random.default_rng(5))
    G64 = n64.gradient_flow(X, D, mask, s0)
    G32 = n32.gradient_flow(*(v.astype(np.float32) for v in (X, D, mask, s0)))
    np.testing.assert_allclose(G32, G64, rtol=2e-4, atol=1e-7 * G64.max())
