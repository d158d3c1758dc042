"""Diagnostics against closed forms and finite differences of the state update."""

import math

import numpy as np
import pytest

from rnnsim.engine import Network, get_activation
from rnnsim.engine import diagnostics as dg
from rnnsim.engine.diagnostics import (
    eigenvalues,
    gamma_of,
    jacobian_norms,
    lecture_bound,
    sigma_max,
    singular_values,
)


def rotation(theta, r=1.0):
    c, s = math.cos(theta), math.sin(theta)
    return r * np.array([[c, -s], [s, c]])


def test_sigma_max_and_singular_values_closed_forms():
    D = np.diag([3.0, -5.0, 2.0])
    assert sigma_max(D) == pytest.approx(5.0, rel=1e-15)
    np.testing.assert_allclose(singular_values(D), [5.0, 3.0, 2.0], rtol=1e-15)
    R = rotation(0.7, r=1.5)
    np.testing.assert_allclose(singular_values(R), [1.5, 1.5], rtol=1e-14)
    tall = np.array([[3.0, 0.0], [0.0, 4.0], [0.0, 0.0]])
    np.testing.assert_allclose(singular_values(tall), [4.0, 3.0], rtol=1e-15)
    # rank one u·vᵀ: σ_max = ‖u‖·‖v‖
    assert sigma_max(np.outer([1.0, 2.0, 2.0], [3.0, 4.0])) == pytest.approx(15.0, rel=1e-14)


def test_eigenvalues_closed_forms():
    ev = eigenvalues(rotation(0.7, r=1.5))
    np.testing.assert_allclose(np.abs(ev), [1.5, 1.5], rtol=1e-14)
    np.testing.assert_allclose(sorted(np.angle(ev)), [-0.7, 0.7], rtol=1e-13)
    tri = np.array([[0.5, 1.0, 7.0], [0.0, -2.0, 3.0], [0.0, 0.0, 1.0]])
    np.testing.assert_allclose(eigenvalues(tri), [-2.0, 1.0, 0.5], atol=1e-14)
    # a non-normal matrix: eigenvalues 0 but σ_max 1
    nil = np.array([[0.0, 1.0], [0.0, 0.0]])
    np.testing.assert_allclose(eigenvalues(nil), [0.0, 0.0], atol=1e-15)
    assert sigma_max(nil) == 1.0


@pytest.mark.parametrize(
    "bad", [np.zeros(3), np.zeros((2, 2, 2)), np.zeros((0, 2)), np.array([[1.0, np.nan]]), [["a"]]]
)
def test_matrix_functions_reject_bad_input(bad):
    with pytest.raises(ValueError, match="W: "):
        sigma_max(bad)


def test_eigenvalues_need_a_square_matrix():
    with pytest.raises(ValueError, match=r"W: got shape \(2, 3\), expected a square"):
        eigenvalues(np.zeros((2, 3)))


def test_gamma_of():
    assert gamma_of("sigmoid") == 0.25
    assert [gamma_of(n) for n in ("tanh", "relu", "identity")] == [1.0, 1.0, 1.0]
    assert gamma_of(get_activation("sigmoid")) == 0.25
    with pytest.raises(ValueError, match="activation: got 'softsign'"):
        gamma_of("softsign")


@pytest.mark.parametrize("activation,gamma", [("sigmoid", 0.25), ("tanh", 1.0)])
def test_lecture_bound_elman(activation, gamma):
    net = Network.create(
        cell="elman", n_in=3, n_hidden=5, n_out=2, activation=activation, ws_scale=1.5, seed=1
    )
    top = np.linalg.svd(net.params["Ws"], compute_uv=False)[0]
    assert lecture_bound(net) == pytest.approx(gamma * top, rel=1e-14)
    assert lecture_bound(net) == pytest.approx(gamma * 1.5, rel=1e-12)


@pytest.mark.parametrize("cell,block", [("lstm", 3), ("gru", 2)])
def test_lecture_bound_gated_uses_the_candidate_block(cell, block):
    H = 4
    net = Network.create(cell=cell, n_in=3, n_hidden=H, n_out=2, activation="tanh", seed=2)
    Wc = net.params["Ws"][:, block * H : (block + 1) * H]
    assert lecture_bound(net) == pytest.approx(np.linalg.norm(Wc, 2), rel=1e-14)


# --- step Jacobians -----------------------------------------------------------------------------


def _data(net, T=6, B=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(T, B, net.n_in))
    s0 = 0.5 * rng.normal(size=(B, net.n_hidden))
    return X, s0


PHI = {
    "tanh": np.tanh,
    "sigmoid": lambda a: 1.0 / (1.0 + np.exp(-a)),
    "relu": lambda a: np.maximum(a, 0.0),
    "identity": lambda a: a,
}


def _fd_elman_norms(net, X, s, eps=1e-6):
    """‖∂s[t+1]/∂s[t]‖₂ by central differences of s' = Φ(x·Wx + s·Ws + bs), per sample."""
    p, phi = net.params, PHI[net.activation]
    T, B, H = X.shape[0], X.shape[1], net.n_hidden
    out = np.empty((T, B))
    for t in range(T):
        for b in range(B):
            J = np.empty((H, H))
            for j in range(H):
                e = np.zeros(H)
                e[j] = eps
                plus = phi(X[t, b] @ p["Wx"] + (s[t, b] + e) @ p["Ws"] + p["bs"])
                minus = phi(X[t, b] @ p["Wx"] + (s[t, b] - e) @ p["Ws"] + p["bs"])
                J[:, j] = (plus - minus) / (2 * eps)
            out[t, b] = np.linalg.norm(J, 2)
    return out


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "identity"])
def test_elman_jacobian_norms_match_finite_differences(activation):
    net = Network.create(
        cell="elman", n_in=3, n_hidden=4, n_out=2, activation=activation, ws_scale=1.3, seed=3
    )
    X, s0 = _data(net)
    trace = net.forward(X, s0)
    got = jacobian_norms(net, trace)
    assert got.shape == (6, 3)
    np.testing.assert_allclose(got, _fd_elman_norms(net, X, trace.s), rtol=1e-7)


def test_elman_jacobian_norm_of_the_formula():
    net = Network.create(cell="elman", n_in=2, n_hidden=3, n_out=2, activation="tanh", seed=4)
    X, s0 = _data(net, T=2, B=2)
    trace = net.forward(X, s0)
    dphi = 1.0 - trace.s[2, 1] ** 2  # tanh'(a) = 1 − s²
    J = np.diag(dphi) @ net.params["Ws"].T
    assert jacobian_norms(net, trace)[1, 1] == pytest.approx(np.linalg.norm(J, 2), rel=1e-13)


@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
@pytest.mark.parametrize("ws_scale", [0.5, 1.0, 4.0, 20.0])
def test_elman_jacobian_norms_never_exceed_the_lecture_bound(activation, ws_scale):
    net = Network.create(
        cell="elman", n_in=3, n_hidden=8, n_out=2, activation=activation, ws_scale=ws_scale, seed=5
    )
    X, s0 = _data(net, T=20, B=4)
    norms = jacobian_norms(net, net.forward(0.1 * X, 0.1 * s0))
    bound = lecture_bound(net)
    assert np.all(norms <= bound * (1 + 1e-12))
    assert norms.max() > 0.3 * bound  # small inputs keep Φ' near its maximum: nearly tight


def _fd_gated(net, X, trace, t, full_state, eps=1e-6):
    """Jacobians (B, n, n) of frame t by central differences of net.forward over one frame."""
    B, H = trace.B, net.n_hidden
    lstm = net.cell == "lstm"
    n = 2 * H if (lstm and full_state) else H
    J = np.empty((B, n, n))
    for j in range(n):
        outs = []
        for sign in (1.0, -1.0):
            s0, c0 = trace.s[t].copy(), trace.c[t].copy() if lstm else None
            (s0 if j < H else c0)[:, j % H] += sign * eps
            step = net.forward(X[t : t + 1], s0, c0=c0)
            outs.append(
                np.concatenate([step.s[1], step.c[1]], axis=-1) if n == 2 * H else step.s[1]
            )
        J[:, :, j] = (outs[0] - outs[1]) / (2 * eps)
    return J


@pytest.mark.parametrize("cell,full_state", [("gru", True), ("lstm", True), ("lstm", False)])
@pytest.mark.parametrize("activation", ["tanh", "sigmoid"])
def test_gated_jacobian_norms_match_finite_differences(cell, full_state, activation):
    net = Network.create(
        cell=cell, n_in=3, n_hidden=4, n_out=2, activation=activation, ws_scale=2.0, seed=6
    )
    X, s0 = _data(net, T=5, B=3)
    c0 = 0.3 * s0[::-1].copy() if cell == "lstm" else None
    trace = net.forward(X, s0, c0=c0)
    got = jacobian_norms(net, trace, full_state=full_state)
    assert got.shape == (5, 3)
    want = np.array(
        [np.linalg.norm(_fd_gated(net, X, trace, t, full_state), 2, axis=(1, 2)) for t in range(5)]
    )
    np.testing.assert_allclose(got, want, rtol=1e-7)


def test_lstm_full_state_norm_sees_the_forget_gate_path():
    net = Network.create(cell="lstm", n_in=3, n_hidden=4, n_out=2, seed=7)
    X, s0 = _data(net)
    trace = net.forward(X, s0)
    full = jacobian_norms(net, trace)
    assert np.all(full >= trace.gates["f"].max(axis=-1) * (1 - 1e-12))


@pytest.mark.parametrize("cell", ["elman", "lstm", "gru"])
def test_chunked_computation_equals_one_chunk(cell, monkeypatch):
    net = Network.create(cell=cell, n_in=3, n_hidden=4, n_out=2, seed=8)
    X, s0 = _data(net, T=4, B=5)
    trace = net.forward(X, s0)
    whole = jacobian_norms(net, trace)
    monkeypatch.setattr(dg, "_CHUNK_BYTES", 1)
    np.testing.assert_array_equal(jacobian_norms(net, trace), whole)


@pytest.mark.parametrize("cell", ["elman", "lstm", "gru"])
def test_float32_norms_follow_float64(cell):
    kw = dict(cell=cell, n_in=3, n_hidden=5, n_out=2, seed=9)
    n64 = Network.create(**kw)
    n32 = Network.create(**kw, dtype="float32")
    X, s0 = _data(n64)
    r64 = jacobian_norms(n64, n64.forward(X, s0))
    r32 = jacobian_norms(n32, n32.forward(X.astype(np.float32), s0.astype(np.float32)))
    assert r32.dtype == np.float32
    np.testing.assert_allclose(r32, r64, rtol=1e-4)


def test_jacobian_norms_reject_a_foreign_trace():
    net = Network.create(cell="elman", n_in=3, n_hidden=4, n_out=2)
    other = Network.create(cell="elman", n_in=3, n_hidden=5, n_out=2)
    X, _ = _data(net)
    with pytest.raises(ValueError, match="trace: got states"):
        jacobian_norms(net, other.forward(X))
    with pytest.raises(ValueError, match="trace: got ndarray"):
        jacobian_norms(net, X)
    lstm = Network.create(cell="lstm", n_in=3, n_hidden=4, n_out=2)
    with pytest.raises(ValueError, match="trace: got states"):
        jacobian_norms(lstm, net.forward(X))


@pytest.mark.parametrize("cell", ["elman", "lstm", "gru"])
def test_an_overflowing_trace_gives_nan_norms_without_warnings(cell):
    net = Network.create(
        cell=cell,
        n_in=3,
        n_hidden=4,
        n_out=2,
        activation="identity",
        ws_scale=3.0,
        seed=10,
        dtype="float32",
    )
    X, _ = _data(net, T=5, B=2)
    s0 = np.full((2, 4), 3e38, dtype=np.float32)
    trace = net.forward(X.astype(np.float32), s0)
    assert not np.isfinite(trace.s).all()
    norms = jacobian_norms(net, trace)
    assert norms.shape == (5, 2)
    if cell == "elman":  # diag(Φ')·W_sᵀ with Φ' = 1 stays finite
        assert np.isfinite(norms).all()
    else:
        assert np.isnan(norms).any()
        assert np.all(np.isnan(norms) | (norms >= 0))
