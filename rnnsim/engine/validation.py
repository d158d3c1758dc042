"""Input validation shared by the engine: every failure is a ValueError naming the argument,
what was given and what is accepted. Nothing is broadcast silently."""

from __future__ import annotations

import functools
import math
import numbers
from collections.abc import Mapping

import numpy as np

DTYPES = ("float64", "float32")


def quiet(fn):
    """Run ``fn`` with NumPy's overflow/invalid/divide warnings off.

    An exploding network is a legitimate experiment here: its states, losses and gradients
    become inf or NaN, which the caller sees (``np.isfinite(loss)``) instead of warnings.
    """

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            return fn(*args, **kwargs)

    return wrapper


def check_dtype(dtype) -> np.dtype:
    """Return the numpy dtype for ``dtype`` ("float64" or "float32")."""
    try:
        dt = None if dtype is None else np.dtype(dtype)
    except TypeError:
        dt = None
    if dt is None or dt.name not in DTYPES or isinstance(dtype, bool):
        raise ValueError(f"dtype: got {dtype!r}, expected one of 'float64', 'float32'")
    return dt


def check_size(name, value) -> int:
    """Return ``value`` if it is a positive integer (bool excluded)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name}: got {value!r}, expected a positive integer")
    return int(value)


def check_bptt_steps(value):
    """Return None or a positive integer number of BPTT steps."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"bptt_steps: got {value!r}, expected None (full BPTT) or an integer >= 1")
    return int(value)


def check_array(name, arr, shape, dtype, allow_bool=False) -> np.ndarray:
    """Check an input array's type, ndim, shape (None = any size), dtype and finiteness.

    Parameters
    ----------
    name : str
        Argument name used in the message.
    arr : ndarray
    shape : tuple of int or None
        Expected shape; None entries accept any size >= 1.
    dtype : numpy dtype
        Required floating dtype.
    allow_bool : bool
        Accept a boolean array too (masks); it is converted to ``dtype``.
    """
    if not isinstance(arr, np.ndarray):
        raise ValueError(f"{name}: got {type(arr).__name__}, expected a numpy ndarray")
    labels = ", ".join("·" if n is None else str(n) for n in shape)
    if arr.ndim != len(shape):
        raise ValueError(
            f"{name}: got an array with {arr.ndim} dimensions, shape {arr.shape}; expected "
            f"{len(shape)} dimensions ({labels})"
        )
    if (
        any(n is not None and m != n for m, n in zip(arr.shape, shape, strict=True))
        or 0 in arr.shape
    ):
        raise ValueError(f"{name}: got shape {arr.shape}, expected ({labels}) with no empty axis")
    if allow_bool and arr.dtype == np.bool_:
        return arr.astype(dtype)
    if arr.dtype != dtype:
        accepted = f"{dtype.name}" + (" or bool" if allow_bool else "")
        raise ValueError(
            f"{name}: got dtype {arr.dtype.name}, expected {accepted} (the network's dtype)"
        )
    if not np.isfinite(arr).all():
        raise ValueError(f"{name}: contains NaN or Inf, expected finite values")
    return arr


def check_params(params, shapes: dict, dtype) -> None:
    """Check a network's parameters: exactly the keys of ``shapes``, each an ndarray of that
    shape and of ``dtype``. Cheap (no pass over the values); called once per engine call."""
    if not isinstance(params, Mapping) or params.keys() != shapes.keys():
        got = sorted(params) if isinstance(params, Mapping) else type(params).__name__
        raise ValueError(f"params: got {got}, expected a dict with the keys {sorted(shapes)}")
    for name, shape in shapes.items():
        p = params[name]
        if not isinstance(p, np.ndarray) or p.shape != shape or p.dtype != dtype:
            got = (
                f"shape {p.shape} dtype {p.dtype.name}"
                if isinstance(p, np.ndarray)
                else type(p).__name__
            )
            raise ValueError(
                f"params[{name!r}]: got {got}, expected an ndarray of shape {shape} and dtype "
                f"{dtype.name} (the network's)"
            )


# ------------------------------------------------------------ optimiser arguments
UNIT = "in [0, 1)"
POSITIVE = "a finite number > 0"


def check_number(arg: str, value: object, rule: str) -> float:
    """Return ``value`` as a float after checking it against ``rule``."""
    ok = isinstance(value, int | float | np.floating | np.integer) and not isinstance(value, bool)
    x = float(value) if ok else math.nan  # type: ignore[arg-type]
    if rule == UNIT:
        ok = ok and 0.0 <= x < 1.0
    else:
        ok = ok and math.isfinite(x) and x > 0.0
    if not ok:
        raise ValueError(f"{arg}: got {value!r}, expected {rule}")
    return x


def check_grads(
    params: Mapping[str, np.ndarray], grads: Mapping[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """Check that ``grads`` matches ``params`` and return it cast to the params' dtypes."""
    if set(grads) != set(params):
        raise ValueError(
            f"grads: got keys {sorted(grads)}, expected the keys of params {sorted(params)}"
        )
    out = {}
    for name, p in params.items():
        if not isinstance(p, np.ndarray) or p.dtype.kind != "f":
            raise ValueError(
                f"params[{name!r}]: got {type(p).__name__} "
                f"{getattr(p, 'dtype', '')}, expected a float ndarray"
            )
        g = np.asarray(grads[name])
        if g.shape != p.shape:
            raise ValueError(f"grads[{name!r}]: got shape {g.shape}, expected {p.shape}")
        out[name] = g.astype(p.dtype, copy=False)
    return out
