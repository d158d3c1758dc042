"""Activation functions Φ of the state, with derivatives and the lecture's bound γ = max|Φ'|.

Every function accepts ``out=`` so the time loop can write into preallocated buffers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

__all__ = ["ACTIVATIONS", "Activation", "get_activation"]


def _sigmoid(a, out=None):
    """σ(a) = 1 / (1 + e^(−a)), computed as ½·(1 + tanh(a/2)): no overflow for any a."""
    out = np.multiply(a, 0.5, out=out)
    np.tanh(out, out=out)
    out *= 0.5
    out += 0.5
    return out


def _dsigmoid(a, fa, out=None):
    """σ'(a) = σ(a)·(1 − σ(a))."""
    out = np.subtract(1.0, fa, out=out)
    out *= fa
    return out


def _tanh(a, out=None):
    return np.tanh(a, out=out)


def _dtanh(a, fa, out=None):
    """tanh'(a) = 1 − tanh(a)²."""
    out = np.multiply(fa, fa, out=out)
    np.subtract(1.0, out, out=out)
    return out


def _relu(a, out=None):
    return np.maximum(a, 0.0, out=out)


def _drelu(a, fa, out=None):
    """ReLU'(a) = 1 for a > 0, else 0 (the value 0 is taken at the kink a = 0)."""
    if out is None:
        out = np.empty_like(a)
    np.greater(a, 0.0, out=out)
    return out


def _identity(a, out=None):
    if out is None:
        return a.copy()
    np.copyto(out, a)
    return out


def _didentity(a, fa, out=None):
    if out is None:
        return np.ones_like(a)
    out.fill(1.0)
    return out


@dataclass(frozen=True)
class Activation:
    """An activation function Φ applied elementwise to a pre-activation a.

    Attributes
    ----------
    name : str
        Registry name ("sigmoid", "tanh", "relu", "identity").
    f : callable
        ``f(a, out=None)`` → Φ(a).
    df : callable
        ``df(a, fa, out=None)`` → Φ'(a), from the pre-activation ``a`` and its value ``fa = Φ(a)``.
    gamma : float
        sup |Φ'|: the factor γ in the lecture's bound ‖∂s_t/∂s_{t−1}‖ ≤ γ·σ_max(W_s).
    """

    name: str
    f: Callable
    df: Callable
    gamma: float


ACTIVATIONS: dict[str, Activation] = {
    "sigmoid": Activation("sigmoid", _sigmoid, _dsigmoid, 0.25),
    "tanh": Activation("tanh", _tanh, _dtanh, 1.0),
    "relu": Activation("relu", _relu, _drelu, 1.0),
    "identity": Activation("identity", _identity, _didentity, 1.0),
}

SIGMOID = ACTIVATIONS["sigmoid"]


def get_activation(name) -> Activation:
    """Return the registered activation called ``name``.

    Raises
    ------
    ValueError
        If ``name`` is not one of ``ACTIVATIONS``.
    """
    if not isinstance(name, str) or name not in ACTIVATIONS:
        accepted = ", ".join(repr(k) for k in ACTIVATIONS)
        raise ValueError(f"activation: got {name!r}, expected one of {accepted}")
    return ACTIVATIONS[name]
