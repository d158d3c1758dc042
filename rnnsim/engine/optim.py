"""Optimisers, gradient clipping and the lecture's mini-batch accumulator.

Every optimiser turns a gradient ``g_t`` into a change ``Δ_t`` and applies ``W += Δ_t`` in
place, in the parameters' own dtype (float32 or float64). Its state (step count,
hyper-parameters, per-parameter slots) is a flat ``dict[str, ndarray | float]`` that
``np.savez`` stores without pickle; reloading it continues bit-identically.

Non-finite gradients are not checked by ``Optimizer.step``: like the rest of the engine it
lets inf/NaN propagate into the weights without NumPy warnings (check ``np.isfinite``);
``clip_by_norm`` refuses them with a ``ValueError``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import ClassVar

import numpy as np

Arrays = Mapping[str, np.ndarray]

_UNIT = "in [0, 1)"
_POSITIVE = "a finite number > 0"


def _number(arg: str, value: object, rule: str) -> float:
    """Return ``value`` as a float after checking it against ``rule``."""
    ok = isinstance(value, int | float | np.floating | np.integer) and not isinstance(value, bool)
    x = float(value) if ok else math.nan
    if rule == _UNIT:
        ok = ok and 0.0 <= x < 1.0
    else:
        ok = ok and math.isfinite(x) and x > 0.0
    if not ok:
        raise ValueError(f"{arg}: got {value!r}, expected {rule}")
    return x


def _check_grads(params: Arrays, grads: Arrays) -> dict[str, np.ndarray]:
    """Check that ``grads`` matches ``params`` and return it cast to the params' dtypes."""
    if set(grads) != set(params):
        raise ValueError(
            f"grads: got keys {sorted(grads)}, expected the keys of params {sorted(params)}"
        )
    out = {}
    for name, p in params.items():
        if not isinstance(p, np.ndarray) or p.dtype.kind != "f":
            raise ValueError(f"params[{name!r}]: got {type(p).__name__} "
                             f"{getattr(p, 'dtype', '')}, expected a float ndarray")
        g = np.asarray(grads[name])
        if g.shape != p.shape:
            raise ValueError(f"grads[{name!r}]: got shape {g.shape}, expected {p.shape}")
        out[name] = g.astype(p.dtype, copy=False)
    return out


class Optimizer:
    """Base class: ``step(params, grads)`` applies ``W += Δ`` in place and returns the Δ.

    Parameters
    ----------
    lr : float
        Learning rate η > 0.
    **hyper : float
        The subclass's hyper-parameters (see ``defaults``); unknown names raise ValueError.
    """

    name: ClassVar[str] = ""
    defaults: ClassVar[dict[str, float]] = {}
    rules: ClassVar[dict[str, str]] = {}
    slot_names: ClassVar[tuple[str, ...]] = ()

    def __init__(self, lr: float, **hyper: float) -> None:
        unknown = sorted(set(hyper) - set(self.defaults))
        if unknown:
            accepted = ", ".join(sorted(self.defaults)) or "none"
            raise ValueError(f"{unknown[0]}: unknown hyper-parameter for {self.name!r}, "
                             f"accepted: {accepted}")
        self.lr = lr
        merged = {**self.defaults, **hyper}
        self._hyper = {k: _number(k, v, self.rules[k]) for k, v in merged.items()}
        self.reset()

    @property
    def lr(self) -> float:
        """Learning rate η (settable; validated)."""
        return self._lr

    @lr.setter
    def lr(self, value: float) -> None:
        self._lr = _number("lr", value, _POSITIVE)

    @property
    def hyper(self) -> dict[str, float]:
        """The hyper-parameters other than ``lr``."""
        return dict(self._hyper)

    @property
    def t(self) -> int:
        """Number of steps taken since construction or ``reset()``."""
        return self._t

    def reset(self) -> None:
        """Forget the step count and every slot (velocities, running averages)."""
        self._t = 0
        self._slots: dict[str, dict[str, np.ndarray]] = {}

    def step(self, params: Arrays, grads: Arrays) -> dict[str, np.ndarray]:
        """Apply one update in place.

        Parameters
        ----------
        params : dict of str to ndarray
            The live parameter arrays; modified in place.
        grads : dict of str to ndarray
            ∂E/∂W for every key of ``params``, same shapes.

        Returns
        -------
        dict of str to ndarray
            The applied change Δ per parameter (new arrays, in the parameters' dtype).
        """
        g = _check_grads(params, grads)
        self._check_slots(params)
        self._t += 1
        deltas = {}
        with np.errstate(all="ignore"):
            for name, p in params.items():
                slots = self._slots.setdefault(
                    name, {s: np.zeros_like(p) for s in self.slot_names})
                d = self._delta(g[name], slots)
                p += d
                deltas[name] = d
        return deltas

    def _check_slots(self, params: Arrays) -> None:
        if not self._slots:
            return
        if set(self._slots) != set(params):
            raise ValueError(f"params: got keys {sorted(params)}, the optimizer state holds "
                             f"{sorted(self._slots)}; call reset() for a new network")
        for name, slots in self._slots.items():
            p = params[name]
            for s, arr in slots.items():
                if arr.shape != p.shape or arr.dtype != p.dtype:
                    raise ValueError(
                        f"params[{name!r}]: got {p.dtype} {p.shape}, the optimizer's {s!r} "
                        f"slot is {arr.dtype} {arr.shape}; call reset() for a new network")

    def _delta(self, g: np.ndarray, slots: dict[str, np.ndarray]) -> np.ndarray:
        raise NotImplementedError

    def state_dict(self) -> dict[str, np.ndarray | float]:
        """Return the full state: ``step``, ``lr``, hyper-parameters, ``slot/param`` arrays."""
        state: dict[str, np.ndarray | float] = {"step": float(self._t), "lr": self._lr}
        state.update(self._hyper)
        for name, slots in self._slots.items():
            for s, arr in slots.items():
                state[f"{s}/{name}"] = arr.copy()
        return state

    def load_state_dict(self, d: Mapping[str, object]) -> None:
        """Restore a state from ``state_dict()`` (values may be 0-d arrays, as NPZ gives them).

        Raises
        ------
        ValueError
            When a key is missing or unknown, or a value is out of range.
        """
        scalars = ("step", "lr", *self.defaults)
        missing = [k for k in scalars if k not in d]
        if missing:
            raise ValueError(f"state: missing key {missing[0]!r} for {self.name!r}")
        slots: dict[str, dict[str, np.ndarray]] = {}
        for key, value in d.items():
            if key in scalars:
                continue
            slot, _, name = key.partition("/")
            if slot not in self.slot_names or not name:
                raise ValueError(f"state: unknown key {key!r} for {self.name!r}")
            slots.setdefault(name, {})[slot] = np.array(value, copy=True)
        for name, s in slots.items():
            if set(s) != set(self.slot_names):
                raise ValueError(f"state: parameter {name!r} has slots {sorted(s)}, "
                                 f"expected {sorted(self.slot_names)}")
        step = float(np.asarray(d["step"]))
        if step < 0 or step != int(step):
            raise ValueError(f"state['step']: got {step}, expected an integer >= 0")
        self.lr = float(np.asarray(d["lr"]))
        self._hyper = {k: _number(k, float(np.asarray(d[k])), self.rules[k])
                       for k in self.defaults}
        self._t = int(step)
        self._slots = slots


class SGD(Optimizer):
    """Plain gradient descent: ``Δ_t = −η·g_t``."""

    name = "sgd"

    def _delta(self, g, slots):
        return g * (-self._lr)


class Momentum(Optimizer):
    """The lecture's momentum: ``Δ_t = −η·g_t + β·Δ_{t−1}``; ``W += Δ_t`` (``Δ_0 = 0``)."""

    name = "momentum"
    defaults: ClassVar = {"beta": 0.9}
    rules: ClassVar = {"beta": _UNIT}
    slot_names = ("delta",)

    def _delta(self, g, slots):
        d = slots["delta"]
        d *= self._hyper["beta"]
        d -= self._lr * g
        return d.copy()


class Nesterov(Optimizer):
    """Nesterov momentum in the look-ahead form (no second gradient evaluation).

    ``v_t = β·v_{t−1} − η·g_t``; ``Δ_t = β·v_t − η·g_t`` (= β²·v_{t−1} − (1+β)·η·g_t).
    """

    name = "nesterov"
    defaults: ClassVar = {"beta": 0.9}
    rules: ClassVar = {"beta": _UNIT}
    slot_names = ("velocity",)

    def _delta(self, g, slots):
        beta, step = self._hyper["beta"], self._lr * g
        v = slots["velocity"]
        v *= beta
        v -= step
        return v * beta - step


class Adagrad(Optimizer):
    """Adagrad: ``G_t = G_{t−1} + g_t²``; ``Δ_t = −η·g_t / (√G_t + ε)``."""

    name = "adagrad"
    defaults: ClassVar = {"eps": 1e-8}
    rules: ClassVar = {"eps": _POSITIVE}
    slot_names = ("sum_sq",)

    def _delta(self, g, slots):
        acc = slots["sum_sq"]
        acc += g * g
        return (-self._lr) * g / (np.sqrt(acc) + self._hyper["eps"])


class RMSprop(Optimizer):
    """RMSprop: ``r_t = ρ·r_{t−1} + (1−ρ)·g_t²``; ``Δ_t = −η·g_t / (√r_t + ε)``."""

    name = "rmsprop"
    defaults: ClassVar = {"rho": 0.9, "eps": 1e-8}
    rules: ClassVar = {"rho": _UNIT, "eps": _POSITIVE}
    slot_names = ("mean_sq",)

    def _delta(self, g, slots):
        rho = self._hyper["rho"]
        r = slots["mean_sq"]
        r *= rho
        r += (1.0 - rho) * (g * g)
        return (-self._lr) * g / (np.sqrt(r) + self._hyper["eps"])


class Adam(Optimizer):
    """Adam with bias correction.

    ``m_t = β1·m_{t−1} + (1−β1)·g_t``; ``v_t = β2·v_{t−1} + (1−β2)·g_t²``;
    ``Δ_t = −η·m̂_t / (√v̂_t + ε)`` with ``m̂_t = m_t/(1−β1^t)``, ``v̂_t = v_t/(1−β2^t)``.
    """

    name = "adam"
    defaults: ClassVar = {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8}
    rules: ClassVar = {"beta1": _UNIT, "beta2": _UNIT, "eps": _POSITIVE}
    slot_names = ("m", "v")

    def _delta(self, g, slots):
        b1, b2 = self._hyper["beta1"], self._hyper["beta2"]
        m, v = slots["m"], slots["v"]
        m *= b1
        m += (1.0 - b1) * g
        v *= b2
        v += (1.0 - b2) * (g * g)
        m_hat = m / (1.0 - b1**self._t)
        v_hat = v / (1.0 - b2**self._t)
        return (-self._lr) * m_hat / (np.sqrt(v_hat) + self._hyper["eps"])


OPTIMIZERS: dict[str, type[Optimizer]] = {
    cls.name: cls for cls in (SGD, Momentum, Nesterov, Adagrad, RMSprop, Adam)
}


def make_optimizer(name: str, lr: float, **hyper: float) -> Optimizer:
    """Build an optimiser by name, e.g. ``make_optimizer("momentum", 0.1, beta=0.9)``.

    Raises
    ------
    ValueError
        Unknown name or hyper-parameter, non-positive ``lr``, β/ρ outside [0, 1), ε <= 0.
    """
    if name not in OPTIMIZERS:
        accepted = ", ".join(repr(k) for k in OPTIMIZERS)
        raise ValueError(f"optimizer: got {name!r}, expected one of {accepted}")
    return OPTIMIZERS[name](lr, **hyper)


def global_norm(grads: Arrays) -> float:
    """Return ‖g‖₂ over all entries of all arrays (accumulated in float64)."""
    return math.hypot(*(float(np.linalg.norm(np.ravel(g).astype(np.float64, copy=False)))
                        for g in grads.values()))


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
    threshold = _number("threshold", threshold, _POSITIVE)
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
    limit = _number("limit", limit, _POSITIVE)
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
            raise RuntimeError(f"GradientAccumulator holds M={self.M} gradients already; "
                               "call mean() and reset() before adding more")
        if not self._sum:
            for name, g in grads.items():
                if not isinstance(g, np.ndarray) or g.dtype.kind != "f":
                    raise ValueError(f"grads[{name!r}]: got {type(g).__name__} "
                                     f"{getattr(g, 'dtype', '')}, expected a float ndarray")
            self._sum = {k: np.array(g, copy=True) for k, g in grads.items()}
        else:
            for name, g in _check_grads(self._sum, grads).items():
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
            raise ValueError(f"state: got M={M}, count={count}, expected integers 1 <= M, "
                             "0 <= count <= M")
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
