"""Weight initialisers and the W_s scaling knob (target largest singular value).

``init_matrix(name, shape, rng, dtype)`` draws one matrix with fan-in = ``shape[0]`` (weights
multiply row vectors on the right, so rows are inputs):

- ``uniform``: U(−1/√fan_in, 1/√fan_in), the common default;
- ``normal``: N(0, 1/fan_in), the scaled normal;
- ``orthogonal``: a (semi-)orthogonal matrix from the QR decomposition of a Gaussian one;
- ``identity``: the identity (IRNN, Le et al. 2015); square matrices only.
"""

from __future__ import annotations

import numpy as np

__all__ = ["INITIALIZERS", "init_matrix", "scale_to_sigma_max"]


def _uniform(shape, rng):
    bound = 1.0 / np.sqrt(shape[0])
    return rng.uniform(-bound, bound, size=shape)


def _normal(shape, rng):
    return rng.normal(0.0, 1.0 / np.sqrt(shape[0]), size=shape)


def _orthogonal(shape, rng):
    rows, cols = shape
    gauss = rng.normal(size=(max(rows, cols), min(rows, cols)))
    q, r = np.linalg.qr(gauss)
    q *= np.sign(np.diag(r))
    return q if rows >= cols else q.T


def _identity(shape, rng):
    if shape[0] != shape[1]:
        raise ValueError(f"shape: got {shape}, the 'identity' initialiser needs a square matrix")
    return np.eye(shape[0])


INITIALIZERS = {
    "uniform": _uniform,
    "normal": _normal,
    "orthogonal": _orthogonal,
    "identity": _identity,
}


def check_init_name(name) -> str:
    """Return ``name`` if it is a registered initialiser; else a ValueError naming ``init``."""
    if not isinstance(name, str) or name not in INITIALIZERS:
        accepted = ", ".join(repr(k) for k in INITIALIZERS)
        raise ValueError(f"init: got {name!r}, expected one of {accepted}")
    return name


def init_matrix(name, shape, rng, dtype="float64") -> np.ndarray:
    """Draw a matrix of ``shape`` with the initialiser ``name``.

    Parameters
    ----------
    name : str
        One of ``INITIALIZERS``.
    shape : tuple of two positive ints
        (fan_in, fan_out).
    rng : numpy.random.Generator
    dtype : str or numpy dtype
        Result dtype (the draw itself is made in float64).

    Returns
    -------
    ndarray of ``shape`` and ``dtype``.
    """
    check_init_name(name)
    shape = tuple(shape)
    if len(shape) != 2 or not all(isinstance(n, int | np.integer) and n > 0 for n in shape):
        raise ValueError(f"shape: got {shape!r}, expected two positive integers")
    return np.asarray(INITIALIZERS[name](shape, rng), dtype=dtype)


def scale_to_sigma_max(W, target) -> np.ndarray:
    """Return ``W`` rescaled so that its largest singular value σ_max equals ``target``.

    Parameters
    ----------
    W : ndarray, 2-D
    target : float > 0

    Raises
    ------
    ValueError
        If ``target`` is not a positive finite number, or ``W`` is zero.
    """
    if (
        isinstance(target, bool)
        or not isinstance(target, int | float | np.floating | np.integer)
        or not np.isfinite(target)
        or target <= 0
    ):
        raise ValueError(f"ws_scale: got {target!r}, expected a positive finite number")
    sigma = np.linalg.norm(np.asarray(W, dtype=np.float64), ord=2)
    if sigma == 0.0:
        raise ValueError("W: got a zero matrix, whose largest singular value cannot be rescaled")
    return (np.asarray(W, dtype=np.float64) * (float(target) / sigma)).astype(W.dtype)
