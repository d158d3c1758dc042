"""Gradients: their norms, the lecture's clipping and its mini-batch accumulator.

``global_norm`` is the norm ``clip_by_norm`` compares with its threshold; ``grad_norms`` gives the
per-matrix norms it is made of (‖∂E/∂W_x‖, ‖∂E/∂W_s‖, ...), which the simulator plots.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from .validation import POSITIVE, check_grads, check_number

Arrays = Mapping[str, np.ndarray]


_F64 = np.dtype(np.float64)


def _norm(g: np.ndarray) -> float:
    """‖g‖₂ over all entries: √(g·g), accumulated in float64."""
    if g.dtype is not _F64:
        g = np.asarray(g, dtype=_F64)
    return math.sqrt(np.vdot(g, g))


def grad_norms(grads: Arrays) -> dict[str, float]:
    """Return ‖g‖₂ of each array (accumulated in float64), keyed as ``grads``.

    ``math.hypot(*grad_norms(g).values())`` is ``global_norm(g)``, bit for bit.
    """
    norm = _norm
    return {k: norm(g) for k, g in grads.items()}


def global_norm(grads: Arrays) -> float:
    """Return ‖g‖₂ over all entries of all arrays (accumulated in float64)."""
    return math.hypot(*map(_norm, grads.values()))


def clip_by_norm(grads: Arrays, threshold: float) -> tuple[dict[str, np.ndarray], float, bool]:
    """The lecture's clipping: when ‖g‖ > threshold, rescale g to norm exactly ``threshold``.

    Returns
    -------
    grads : dict of str to ndarray
        A new dict; rescaled new arrays when clipped, else the same arrays.
    norm : float
        The global norm before clipping.
    clipped : bool
        Whether the gradient was rescaled.
    """
    threshold = check_number("threshold", threshold, POSITIVE)
    norm = global_norm(grads)
    if not math.isfinite(norm):
        bad = [k for k, g in grads.items() if not np.all(np.isfinite(g))]
        raise ValueError(f"grads: non-finite entries in {bad}, cannot clip by norm")
    if norm <= threshold:
        return dict(grads), norm, False
    scale = threshold / norm
    return {k: g * np.asarray(scale, dtype=g.dtype) for k, g in grads.items()}, norm, True


def clip_by_value(grads: Arrays, limit: float) -> tuple[dict[str, np.ndarray], bool]:
    """Clip every entry into ``[−limit, limit]``; return (new arrays, whether any was cut)."""
    limit = check_number("limit", limit, POSITIVE)
    clipped = any(bool(np.any(np.abs(g) > limit)) for g in grads.values())
    return {k: np.clip(g, -limit, limit) for k, g in grads.items()}, clipped


class GradientAccumulator:
    """The lecture's mini-batch rule: sum the gradients of M steps, then apply their mean.

    Parameters
    ----------
    M : int
        Number of gradients per update (>= 1).

    Examples
    --------
    >>> if acc.add(grads):                       # doctest: +SKIP
    ...     optimizer.step(net.params, acc.mean())
    ...     acc.reset()
    """

    def __init__(self, M: int) -> None:
        if isinstance(M, bool) or not isinstance(M, int | np.integer) or M < 1:
            raise ValueError(f"M: got {M!r}, expected an integer >= 1")
        self.M = int(M)
        self.reset()

    @property
    def count(self) -> int:
        """Number of gradients added since the last ``reset()``."""
        return self._count

    def reset(self) -> None:
        """Drop the accumulated gradients."""
        self._count = 0
        self._sum: dict[str, np.ndarray] = {}

    def add(self, grads: Arrays) -> bool:
        """Add one gradient; return True when M gradients are in (time to update).

        Raises
        ------
        ValueError
            When keys or shapes differ from the first gradient added.
        RuntimeError
            When M gradients are already in (call ``reset()`` after using ``mean()``).
        """
        if self._count >= self.M:
            raise RuntimeError(
                f"GradientAccumulator holds M={self.M} gradients already; "
                "call mean() and reset() before adding more"
            )
        if not self._sum:
            for name, g in grads.items():
                if not isinstance(g, np.ndarray) or g.dtype.kind != "f":
                    raise ValueError(
                        f"grads[{name!r}]: got {type(g).__name__} "
                        f"{getattr(g, 'dtype', '')}, expected a float ndarray"
                    )
            self._sum = {k: np.array(g, copy=True) for k, g in grads.items()}
        else:
            for name, g in check_grads(self._sum, grads).items():
                self._sum[name] += g
        self._count += 1
        return self._count >= self.M

    def mean(self) -> dict[str, np.ndarray]:
        """Return the average of the gradients added so far (new arrays)."""
        if self._count == 0:
            raise RuntimeError("GradientAccumulator is empty: add() a gradient first")
        return {k: s / self._count for k, s in self._sum.items()}

    def state_dict(self) -> dict[str, np.ndarray | float]:
        """Return ``M``, ``count`` and the running sums ``sum/<param>``."""
        state: dict[str, np.ndarray | float] = {"M": float(self.M), "count": float(self._count)}
        state.update({f"sum/{k}": s.copy() for k, s in self._sum.items()})
        return state

    def load_state_dict(self, d: Mapping[str, object]) -> None:
        """Restore a state from ``state_dict()``."""
        for key in ("M", "count"):
            if key not in d:
                raise ValueError(f"state: missing key {key!r} for GradientAccumulator")
        M, count = float(np.asarray(d["M"])), float(np.asarray(d["count"]))
        if M < 1 or M != int(M) or not 0 <= count <= M or count != int(count):
            raise ValueError(
                f"state: got M={M}, count={count}, expected integers 1 <= M, 0 <= count <= M"
            )
        sums = {}
        for key, value in d.items():
            if key in ("M", "count"):
                continue
            if not key.startswith("sum/") or len(key) == 4:
                raise ValueError(f"state: unknown key {key!r} for GradientAccumulator")
            sums[key[4:]] = np.array(value, copy=True)
        if bool(sums) != (count > 0):
            raise ValueError(f"state: count={count} but {len(sums)} sums stored")
        self.M, self._count, self._sum = int(M), int(count), sums
