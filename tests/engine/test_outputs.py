"""Output functions and losses: closed forms, stability, gradients w.r.t. the readout z."""

import warnings

import numpy as np
import pytest

from rnnsim.engine import LOSSES, OUTPUTS, check_output_loss

from .cases import OUTPUT_LOSSES


def test_softmax_is_a_distribution_and_stable():
    z = np.array([[1.0, 2.0, 3.0], [1000.0, 1000.0, -1000.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = OUTPUTS["softmax"].f(z)
    e = np.exp([1.0, 2.0, 3.0])
    np.testing.assert_allclose(y[0], e / e.sum(), rtol=1e-15)
    np.testing.assert_allclose(y[1], [0.5, 0.5, 0.0], atol=1e-300)


def test_linear_and_sigmoid_outputs():
    z = np.array([[-2.0, 0.0, 3.0]])
    np.testing.assert_array_equal(OUTPUTS["linear"].f(z), z)
    np.testing.assert_allclose(OUTPUTS["sigmoid"].f(z), 1 / (1 + np.exp(-z)), rtol=1e-15)


def test_loss_values_closed_form():
    z = np.array([[0.5, -1.0, 2.0]])
    d = np.array([[0.0, 0.0, 1.0]])
    y_lin = OUTPUTS["linear"].f(z)
    assert LOSSES["mse"].value(z, y_lin, d)[0] == pytest.approx(0.25 + 1.0 + 1.0)
    y_soft = OUTPUTS["softmax"].f(z)
    assert LOSSES["cross_entropy"].value(z, y_soft, d)[0] == pytest.approx(-np.log(y_soft[0, 2]))
    y_sig = OUTPUTS["sigmoid"].f(z)
    bce = -(np.log(1 - y_sig[0, 0]) + np.log(1 - y_sig[0, 1]) + np.log(y_sig[0, 2]))
    assert LOSSES["binary_cross_entropy"].value(z, y_sig, d)[0] == pytest.approx(bce, rel=1e-14)


def test_cross_entropies_stay_finite_for_saturated_outputs():
    z = np.array([[800.0, -800.0]])
    d = np.array([[0.0, 1.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ce = LOSSES["cross_entropy"].value(z, OUTPUTS["softmax"].f(z), d)
        bce = LOSSES["binary_cross_entropy"].value(z, OUTPUTS["sigmoid"].f(z), d)
    assert ce[0] == pytest.approx(1600.0)
    assert bce[0] == pytest.approx(1600.0)


@pytest.mark.parametrize("output,loss", OUTPUT_LOSSES)
def test_gradient_wrt_readout_matches_central_differences(output, loss):
    rng = np.random.default_rng(0)
    z = rng.normal(size=(4, 3))
    d = rng.uniform(size=(4, 3))
    if loss == "cross_entropy":
        d[0] = [0.0, 1.0, 0.0]
        d[1] *= 0.0  # a target with no mass (a masked-out frame): gradient must be 0
    out, lo = check_output_loss(output, loss)
    analytic = lo.grad(z, out.f(z), d, out)
    numeric, h = np.empty_like(z), 1e-6
    for idx in np.ndindex(z.shape):
        zp, zm = z.copy(), z.copy()
        zp[idx] += h
        zm[idx] -= h
        plus, minus = lo.value(zp, out.f(zp), d).sum(), lo.value(zm, out.f(zm), d).sum()
        numeric[idx] = (plus - minus) / (2 * h)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-7, atol=1e-9)


def test_combined_gradients_are_y_minus_d():
    z = np.array([[0.3, -0.2, 1.0]])
    d = np.array([[0.0, 1.0, 0.0]])
    for output, loss in [("softmax", "cross_entropy"), ("sigmoid", "binary_cross_entropy")]:
        out, lo = check_output_loss(output, loss)
        y = out.f(z)
        np.testing.assert_allclose(lo.grad(z, y, d, out), y - d, rtol=1e-15)


@pytest.mark.parametrize(
    "output,loss,match",
    [
        ("linear", "cross_entropy", "loss: 'cross_entropy' cannot follow output 'linear'"),
        ("sigmoid", "cross_entropy", "must be 'softmax'"),
        ("softmax", "binary_cross_entropy", "must be 'sigmoid'"),
        ("tanh", "mse", r"output: got 'tanh', expected one of 'linear', 'sigmoid', 'softmax'"),
        ("linear", "hinge", r"loss: got 'hinge', expected one of 'mse'"),
    ],
)
def test_bad_pairs(output, loss, match):
    with pytest.raises(ValueError, match=match):
        check_output_loss(output, loss)


def test_mse_accepts_every_output():
    for output in OUTPUTS:
        check_output_loss(output, "mse")


@pytest.mark.parametrize("n_out", [1, 5, 32, 33, 70])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_reductions_over_outputs_match_numpys_for_every_width(n_out, dtype):
    # the row reductions take other routes up to SHORT outputs and above (outputs.row_max)
    from rnnsim.engine.outputs import SHORT, row_max, row_sum

    assert 5 <= SHORT < 33  # the widths straddle it
    rng = np.random.default_rng(n_out)
    z = (rng.normal(size=(4, 3, n_out)) * 5).astype(dtype)
    d = np.eye(n_out, dtype=dtype)[rng.integers(0, n_out, size=(4, 3))]
    tol = {"float32": 1e-5, "float64": 1e-13}[dtype]
    np.testing.assert_array_equal(row_max(z), z.max(axis=-1))
    np.testing.assert_allclose(row_sum(z), z.sum(axis=-1), rtol=tol, atol=tol * 10)
    z64 = z.astype(np.float64)
    e = np.exp(z64 - z64.max(axis=-1, keepdims=True))
    y_ref = e / e.sum(axis=-1, keepdims=True)
    y = OUTPUTS["softmax"].f(z)
    assert y.dtype == z.dtype and y.shape == z.shape and y.flags.c_contiguous
    np.testing.assert_allclose(y, y_ref, rtol=tol * 10, atol=tol)
    ce = LOSSES["cross_entropy"].value(z, y, d)
    assert ce.shape == (4, 3)
    np.testing.assert_allclose(ce, -(d * np.log(y_ref)).sum(axis=-1), rtol=tol * 10, atol=tol)
    g = LOSSES["cross_entropy"].grad(z, y, d, OUTPUTS["softmax"])
    np.testing.assert_allclose(g, y_ref - d, rtol=tol * 10, atol=tol)
