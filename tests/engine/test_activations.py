"""Activations: values, derivatives (against central differences), γ, registry, out=."""

import warnings

import numpy as np
import pytest

from rnnsim.engine import ACTIVATIONS, get_activation

A = np.linspace(-6.0, 6.0, 241) + 0.013  # avoids the ReLU kink at exactly 0


@pytest.mark.parametrize(
    "name,ref",
    [
        ("sigmoid", lambda a: 1.0 / (1.0 + np.exp(-a))),
        ("tanh", np.tanh),
        ("relu", lambda a: np.where(a > 0, a, 0.0)),
        ("identity", lambda a: a),
    ],
)
def test_values(name, ref):
    np.testing.assert_allclose(get_activation(name).f(A), ref(A), rtol=1e-14, atol=1e-16)


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_derivative_matches_central_differences(name):
    act, h = get_activation(name), 1e-6
    numeric = (act.f(A + h) - act.f(A - h)) / (2 * h)
    np.testing.assert_allclose(act.df(A, act.f(A)), numeric, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize(
    "name,gamma", [("sigmoid", 0.25), ("tanh", 1.0), ("relu", 1.0), ("identity", 1.0)]
)
def test_gamma_is_the_largest_slope(name, gamma):
    act = get_activation(name)
    assert act.gamma == gamma
    grid = np.linspace(-10, 10, 20001)
    assert np.max(np.abs(act.df(grid, act.f(grid)))) == pytest.approx(gamma, rel=1e-6)


def test_sigmoid_is_finite_and_silent_for_huge_inputs():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = get_activation("sigmoid").f(np.array([-1e4, -800.0, 0.0, 800.0, 1e4]))
    np.testing.assert_array_equal(y, [0.0, 0.0, 0.5, 1.0, 1.0])


@pytest.mark.parametrize("name", list(ACTIVATIONS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_out_buffers_and_dtype(name, dtype):
    act = get_activation(name)
    a = A.astype(dtype)
    out, dout = np.empty_like(a), np.empty_like(a)
    assert act.f(a, out=out) is out
    assert act.df(a, out, out=dout) is dout
    np.testing.assert_array_equal(out, act.f(a))
    np.testing.assert_array_equal(dout, act.df(a, out))
    assert act.f(a).dtype == dtype and act.df(a, out).dtype == dtype


def test_relu_derivative_at_the_kink_is_zero():
    a = np.array([-1.0, 0.0, 1.0])
    relu = get_activation("relu")
    np.testing.assert_array_equal(relu.df(a, relu.f(a)), [0.0, 0.0, 1.0])


@pytest.mark.parametrize("bad", ["softplus", "Tanh", None, 3])
def test_unknown_activation(bad):
    with pytest.raises(ValueError, match=r"activation: got .* expected one of 'sigmoid'"):
        get_activation(bad)
