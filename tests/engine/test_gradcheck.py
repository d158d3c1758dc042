"""BPTT gradients against central differences, for every cell × activation × output/loss.

Each case runs with a mask that zeroes some frames, a non-zero s0, and bptt_steps None, 1,
4 (between 1 and T = 6, leaving a shorter last chunk), 6 (= T) and 9 (> T). The four-point
central stencil with ε = 1e-3 keeps the finite-difference error (O(ε⁴) truncation, ~1e-12
rounding) far below the bound even for entries whose gradient is only ~1e-6; the two-point
stencil's rounding error (~1e-16·|E|/ε) is itself ~1e-6 relative on such entries. ReLU cases
use data whose ReLU inputs all stay ≥ 0.02 from the kink (``cases.smooth_case``); perturbing
one weight by 2ε moves them by less than 0.01 (|x| < 4).
"""

import numpy as np
import pytest

from rnnsim.engine import Network, gradcheck
from rnnsim.engine.gradcheck import GradcheckResult, relative_error

from .cases import ACTIVATION_NAMES, CELL_NAMES, OUTPUT_LOSSES, make_data, smooth_case

TOL = 1e-6


@pytest.mark.parametrize("output,loss", OUTPUT_LOSSES)
@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
@pytest.mark.parametrize("cell", CELL_NAMES)
def test_gradcheck_every_combination(cell, activation, output, loss):
    net, X, D, mask, s0 = smooth_case(cell, activation, output, loss)
    assert 0.0 < mask.sum() < mask.size
    for bptt in (None, 1, 4, 6, 9):
        res = gradcheck(net, X, D, mask, s0, bptt_steps=bptt, samples=6, eps=1e-3, stencil=4)
        assert set(res.per_param) == set(net.params)
        assert res.passed(TOL), (bptt, res.per_param)
        checked = [row for rows in res.details.values() for row in rows]
        assert any(abs(row[1]) > 1e-3 for row in checked)


def test_default_two_point_stencil_on_the_lecture_network():
    net = Network.create("elman", 4, 8, 3, seed=1)
    X, D, mask, s0 = make_data(net, 10, 3, np.random.default_rng(0))
    res = gradcheck(net, X, D, mask, s0)
    assert res.max_rel_error < 1e-5
    sizes = {name: len(rows) for name, rows in res.details.items()}
    assert sizes == {"Wx": 10, "Ws": 10, "Wy": 10, "bs": 8, "by": 3}


def test_truncated_gradient_differs_from_full_and_gradcheck_sees_it():
    net = Network.create("elman", 3, 5, 2, output="linear", loss="mse", seed=2)
    X, D, mask, s0 = make_data(net, 8, 2, np.random.default_rng(1))
    _, full = net.loss_and_grads(X, D, mask, s0)
    _, cut = net.loss_and_grads(X, D, mask, s0, bptt_steps=2)
    assert not np.allclose(full["Ws"], cut["Ws"])
    np.testing.assert_array_equal(full["Wy"], cut["Wy"])

    class FullGradients(Network):
        def loss_and_grads(self, X, D, mask=None, s0=None, bptt_steps=None, *, c0=None):
            return super().loss_and_grads(X, D, mask, s0, None, c0=c0)

    wrong = FullGradients("elman", "tanh", "linear", "mse", 3, 5, 2, net.params, "float64")
    res = gradcheck(wrong, X, D, mask, s0, bptt_steps=2, eps=1e-4, stencil=4, samples=20)
    assert res.per_param["Ws"] > 1e-3
    assert res.per_param["Wy"] < TOL


def test_gradcheck_catches_a_wrong_gradient():
    class Off(Network):
        def loss_and_grads(self, *args, **kwargs):
            loss, grads = super().loss_and_grads(*args, **kwargs)
            grads = dict(grads)
            grads["bs"] = grads["bs"] * 1.001
            return loss, grads

    base = Network.create("gru", 2, 3, 2, output="sigmoid", loss="binary_cross_entropy", seed=0)
    net = Off("gru", "tanh", "sigmoid", "binary_cross_entropy", 2, 3, 2, base.params, "float64")
    X, D, mask, s0 = make_data(net, 5, 2, np.random.default_rng(0))
    res = gradcheck(net, X, D, mask, s0, eps=1e-4, stencil=4)
    assert res.per_param["bs"] == pytest.approx(0.001 / 2.001, rel=1e-3)
    assert not res.passed(1e-4)
    assert res.per_param["Wx"] < TOL


def test_gradcheck_restores_parameters_exactly():
    net = Network.create("lstm", 3, 4, 2, seed=5)
    before = {k: v.copy() for k, v in net.params.items()}
    X, D, mask, s0 = make_data(net, 4, 2, np.random.default_rng(2))
    gradcheck(net, X, D, mask, s0, bptt_steps=3, samples=4, stencil=4, eps=1e-3)
    for k, v in before.items():
        np.testing.assert_array_equal(net.params[k], v)


def test_relative_error_formula():
    assert relative_error(0.0, 0.0) == 0.0
    assert relative_error(1.0, 1.0) == 0.0
    assert relative_error(1.0, 3.0) == pytest.approx(0.5)
    assert relative_error(-1.0, 1.0) == pytest.approx(1.0)
    res = GradcheckResult(2e-7, {"Wx": 2e-7})
    assert res.passed(1e-6) and not res.passed(1e-7)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"samples": 0}, "samples"),
        ({"samples": 2.5}, "samples"),
        ({"eps": 0.0}, "eps"),
        ({"eps": float("nan")}, "eps"),
        ({"stencil": 3}, "stencil"),
        ({"bptt_steps": 0}, "bptt_steps"),
    ],
)
def test_gradcheck_rejects_bad_arguments(kwargs, match):
    net = Network.create("elman", 2, 3, 2, seed=0)
    X, D, _, _ = make_data(net, 3, 1, np.random.default_rng(0))
    with pytest.raises(ValueError, match=match):
        gradcheck(net, X, D, **kwargs)


@pytest.mark.parametrize("cell", CELL_NAMES)
def test_float32_network_is_checked_against_float64_differences(cell):
    net = Network.create(cell, 3, 4, 2, output="linear", loss="mse", seed=1, dtype="float32")
    before = {k: v.copy() for k, v in net.params.items()}
    X, D, mask, s0 = (v.astype(np.float32) for v in make_data(net, 5, 2, np.random.default_rng(1)))
    res = gradcheck(net, X, D, mask, s0, bptt_steps=2, samples=8, eps=1e-3, stencil=4)
    large = [row for rows in res.details.values() for row in rows if abs(row[2]) > 1e-2]
    assert large and max(row[3] for row in large) < 1e-5  # float32 precision, not noise
    for k, v in before.items():
        np.testing.assert_array_equal(net.params[k], v)
