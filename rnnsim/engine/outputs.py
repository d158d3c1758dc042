"""Output functions applied to the readout z_t = s_t·W_y + b_y, and the per-frame losses E_t.

Losses take the readout ``z`` and the output ``y`` and return per-frame values (…, B) summed
over output units; gradients are taken with respect to ``z`` using the stable combined forms
(softmax + cross-entropy and sigmoid + binary cross-entropy give ``y − d`` per target mass).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .activations import SIGMOID

__all__ = ["LOSSES", "OUTPUTS", "Loss", "Output", "check_output_loss", "get_loss", "get_output"]


# Reductions over the output units: NumPy reduces over a short last axis one row at a time
# (a (T·B, 8) max costs ~70 µs at T·B = 1600, 2 µs over the other axis), so sums are a
# product with a vector of ones (one BLAS call over all rows) and maxima of up to SHORT
# outputs are taken over the first axis of a transposed copy.
SHORT = 32


def row_sum(x):
    """Σ over the last axis of x (..., O) → (...)."""
    O = x.shape[-1]
    return np.dot(x.reshape(-1, O), np.ones(O, dtype=x.dtype)).reshape(x.shape[:-1])


def row_max(x):
    """max over the last axis of x (..., O) → (...)."""
    O = x.shape[-1]
    if O > SHORT or x.size == 0:
        return x.max(axis=-1)
    return np.ascontiguousarray(x.reshape(-1, O).T).max(axis=0).reshape(x.shape[:-1])


def _linear(z):
    return z.copy()


def _sigmoid(z):
    return SIGMOID.f(z)


def _softmax(z):
    y = z - row_max(z)[..., None]
    np.exp(y, out=y)
    y /= row_sum(y)[..., None]
    return y


def _log_softmax(z):
    shifted = z - row_max(z)[..., None]
    return shifted - np.log(row_sum(np.exp(shifted)))[..., None]


def _linear_vjp(z, y, g):
    return g


def _sigmoid_vjp(z, y, g):
    return g * y * (1.0 - y)


def _softmax_vjp(z, y, g):
    return y * (g - row_sum(g * y)[..., None])


@dataclass(frozen=True)
class Output:
    """An output function y = out(z) of the readout z.

    Attributes
    ----------
    name : str
        "linear", "sigmoid" or "softmax".
    f : callable
        ``f(z)`` → y (a new array; softmax over the last axis).
    vjp : callable
        ``vjp(z, y, g)`` → g·∂y/∂z, the gradient with respect to z given ``g = ∂E/∂y``.
    """

    name: str
    f: Callable
    vjp: Callable


OUTPUTS: dict[str, Output] = {
    "linear": Output("linear", _linear, _linear_vjp),
    "sigmoid": Output("sigmoid", _sigmoid, _sigmoid_vjp),
    "softmax": Output("softmax", _softmax, _softmax_vjp),
}


def _mse_value(z, y, d):
    """E_t = Σ_o (y − d)²."""
    diff = y - d
    return row_sum(diff * diff)


def _mse_grad(z, y, d, output):
    return output.vjp(z, y, 2.0 * (y - d))


def _ce_value(z, y, d):
    """E_t = −Σ_o d·log y with y = softmax(z), computed as −Σ_o d·log_softmax(z)."""
    return -row_sum(d * _log_softmax(z))


def _ce_grad(z, y, d, output):
    """∂E_t/∂z = y·Σ_o d − d (= y − d for one-hot or probability targets)."""
    return y * row_sum(d)[..., None] - d


def _bce_value(z, y, d):
    """E_t = −Σ_o [d·log y + (1 − d)·log(1 − y)] with y = σ(z).

    Computed as Σ_o [max(z, 0) − z·d + log(1 + e^−|z|)], finite for every z.
    """
    per_unit = np.maximum(z, 0.0) - z * d + np.log1p(np.exp(-np.abs(z)))
    return row_sum(per_unit)


def _bce_grad(z, y, d, output):
    """∂E_t/∂z = y − d."""
    return y - d


@dataclass(frozen=True)
class Loss:
    """A per-frame loss E_t(y, d) summed over output units.

    Attributes
    ----------
    name : str
        "mse", "cross_entropy" or "binary_cross_entropy".
    value : callable
        ``value(z, y, d)`` → E_t per frame, shape ``z.shape[:-1]``.
    grad : callable
        ``grad(z, y, d, output)`` → ∂E_t/∂z, shape of ``z``.
    outputs : tuple of str
        The output functions this loss may be combined with.
    """

    name: str
    value: Callable
    grad: Callable
    outputs: tuple


LOSSES: dict[str, Loss] = {
    "mse": Loss("mse", _mse_value, _mse_grad, ("linear", "sigmoid", "softmax")),
    "cross_entropy": Loss("cross_entropy", _ce_value, _ce_grad, ("softmax",)),
    "binary_cross_entropy": Loss("binary_cross_entropy", _bce_value, _bce_grad, ("sigmoid",)),
}


def _lookup(registry, argument, name):
    if not isinstance(name, str) or name not in registry:
        accepted = ", ".join(repr(k) for k in registry)
        raise ValueError(f"{argument}: got {name!r}, expected one of {accepted}")
    return registry[name]


def get_output(name) -> Output:
    """Return the output function ``name``; ValueError naming ``output`` if unknown."""
    return _lookup(OUTPUTS, "output", name)


def get_loss(name) -> Loss:
    """Return the loss ``name``; ValueError naming ``loss`` if unknown."""
    return _lookup(LOSSES, "loss", name)


def check_output_loss(output, loss) -> tuple[Output, Loss]:
    """Check that ``output`` and ``loss`` are known and may be combined.

    Returns
    -------
    (Output, Loss)

    Raises
    ------
    ValueError
        Unknown name, or a loss paired with an output it does not accept (cross_entropy needs
        softmax, binary_cross_entropy needs sigmoid; mse takes any output).
    """
    out, lo = get_output(output), get_loss(loss)
    if output not in lo.outputs:
        accepted = ", ".join(repr(k) for k in lo.outputs)
        raise ValueError(
            f"loss: {loss!r} cannot follow output {output!r}; with loss {loss!r} the output "
            f"must be {accepted}"
        )
    return out, lo
