"""Initialisers and the W_s knob: target largest singular value."""

import numpy as np
import pytest

from rnnsim.engine import INITIALIZERS, Network, init_matrix, lecture_bound, scale_to_sigma_max


def test_uniform_fan_in_bounds():
    W = init_matrix("uniform", (400, 300), np.random.default_rng(0))
    assert np.abs(W).max() <= 1 / np.sqrt(400)
    assert np.abs(W).max() > 0.99 / np.sqrt(400)
    assert W.std() == pytest.approx(1 / np.sqrt(3 * 400), rel=0.02)


def test_scaled_normal():
    W = init_matrix("normal", (400, 300), np.random.default_rng(0))
    assert W.mean() == pytest.approx(0.0, abs=0.002)
    assert W.std() == pytest.approx(1 / np.sqrt(400), rel=0.02)


@pytest.mark.parametrize("shape", [(6, 6), (8, 3), (3, 8)])
def test_orthogonal(shape):
    W = init_matrix("orthogonal", shape, np.random.default_rng(1))
    gram = W.T @ W if shape[0] >= shape[1] else W @ W.T
    np.testing.assert_allclose(gram, np.eye(min(shape)), atol=1e-12)


def test_identity_and_irnn():
    np.testing.assert_array_equal(init_matrix("identity", (4, 4), None), np.eye(4))
    with pytest.raises(ValueError, match=r"shape: got \(3, 4\).*square"):
        init_matrix("identity", (3, 4), None)
    net = Network.create("elman", 3, 4, 2, activation="relu", init="identity")
    np.testing.assert_array_equal(net.params["Ws"], np.eye(4))
    lstm = Network.create("lstm", 3, 4, 2, init="identity")
    np.testing.assert_array_equal(lstm.params["Ws"], np.tile(np.eye(4), (1, 4)))


def test_dtype_and_registry():
    assert set(INITIALIZERS) == {"uniform", "normal", "orthogonal", "identity"}
    W = init_matrix("normal", (3, 2), np.random.default_rng(0), dtype="float32")
    assert W.dtype == np.float32


@pytest.mark.parametrize("target", [0.5, 1.0, 3.0])
def test_scale_to_sigma_max_is_exact(target):
    W = np.random.default_rng(2).normal(size=(5, 5))
    np.testing.assert_allclose(np.linalg.norm(scale_to_sigma_max(W, target), 2), target, rtol=1e-14)


@pytest.mark.parametrize("cell", ["elman", "lstm", "gru"])
@pytest.mark.parametrize("init", ["uniform", "normal", "orthogonal", "identity"])
def test_ws_scale_on_create(cell, init):
    net = Network.create(cell, 3, 6, 2, init=init, ws_scale=1.7, seed=3)
    Ws = net.params["Ws"]
    blocks = [Ws[:, j : j + 6] for j in range(0, Ws.shape[1], 6)]
    assert len(blocks) == {"elman": 1, "lstm": 4, "gru": 3}[cell]
    for block in blocks:
        assert np.linalg.norm(block, 2) == pytest.approx(1.7, rel=1e-13)
    assert lecture_bound(net) == pytest.approx(1.0 * 1.7, rel=1e-13)  # tanh: γ = 1


def test_ws_scale_float32():
    net = Network.create("elman", 3, 6, 2, ws_scale=0.9, dtype="float32")
    assert net.params["Ws"].dtype == np.float32
    assert np.linalg.norm(net.params["Ws"].astype(np.float64), 2) == pytest.approx(0.9, rel=1e-6)


def test_same_seed_same_weights_different_seed_different():
    a = Network.create("gru", 3, 4, 2, init="orthogonal", seed=7)
    b = Network.create("gru", 3, 4, 2, init="orthogonal", seed=7)
    c = Network.create("gru", 3, 4, 2, init="orthogonal", seed=8)
    for k in a.params:
        np.testing.assert_array_equal(a.params[k], b.params[k])
    assert not np.array_equal(a.params["Ws"], c.params["Ws"])


@pytest.mark.parametrize("bad", [0, -1.0, float("nan"), float("inf"), "2", True])
def test_bad_ws_scale(bad):
    with pytest.raises(ValueError, match="ws_scale: got"):
        Network.create("elman", 2, 3, 2, ws_scale=bad)


def test_zero_matrix_cannot_be_scaled():
    with pytest.raises(ValueError, match="zero matrix"):
        scale_to_sigma_max(np.zeros((3, 3)), 1.0)


@pytest.mark.parametrize("bad", ["xavier", None])
def test_unknown_initialiser(bad):
    with pytest.raises(ValueError, match=r"init: got .*expected one of 'uniform', 'normal'"):
        init_matrix(bad, (2, 2), np.random.default_rng(0))
    with pytest.raises(ValueError, match="init: got"):
        Network.create("elman", 2, 3, 2, init=bad)
