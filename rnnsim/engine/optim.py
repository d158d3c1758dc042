"""Optimisers: SGD, the lecture's momentum, Nesterov, Adagrad, RMSprop and Adam.

Every optimiser turns a gradient ``g_t`` into a change ``Δ_t`` and applies ``W += Δ_t`` in
place, in the parameters' own dtype (float32 or float64). Its state (step count,
hyper-parameters, per-parameter slots) is a flat ``dict[str, ndarray | float]`` that
``np.savez`` stores without pickle; reloading it continues bit-identically.

Non-finite gradients are not checked by ``Optimizer.step``: like the rest of the engine it
lets inf/NaN propagate into the weights without NumPy warnings (check ``np.isfinite``);
``clip_by_norm`` (in ``gradients``) refuses them with a ``ValueError``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

import numpy as np

from .gradients import (  # noqa: F401  (re-exported: optim was their home)
    GradientAccumulator,
    clip_by_norm,
    clip_by_value,
    global_norm,
    grad_norms,
)
from .validation import POSITIVE, UNIT, check_grads, check_number

Arrays = Mapping[str, np.ndarray]


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
            raise ValueError(
                f"{unknown[0]}: unknown hyper-parameter for {self.name!r}, accepted: {accepted}"
            )
        self.lr = lr
        merged = {**self.defaults, **hyper}
        self._hyper = {k: check_number(k, v, self.rules[k]) for k, v in merged.items()}
        self.reset()

    @property
    def lr(self) -> float:
        """Learning rate η (settable; validated)."""
        return self._lr

    @lr.setter
    def lr(self, value: float) -> None:
        self._lr = check_number("lr", value, POSITIVE)

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
        g = check_grads(params, grads)
        self._check_slots(params)
        self._t += 1
        deltas = {}
        with np.errstate(all="ignore"):
            for name, p in params.items():
                slots = self._slots.get(name)
                if slots is None:
                    slots = self._slots[name] = {s: np.zeros_like(p) for s in self.slot_names}
                d = self._delta(g[name], slots)
                p += d
                deltas[name] = d
        return deltas

    def _check_slots(self, params: Arrays) -> None:
        if not self._slots:
            return
        if set(self._slots) != set(params):
            raise ValueError(
                f"params: got keys {sorted(params)}, the optimizer state holds "
                f"{sorted(self._slots)}; call reset() for a new network"
            )
        for name, slots in self._slots.items():
            p = params[name]
            for s, arr in slots.items():
                if arr.shape != p.shape or arr.dtype != p.dtype:
                    raise ValueError(
                        f"params[{name!r}]: got {p.dtype} {p.shape}, the optimizer's {s!r} "
                        f"slot is {arr.dtype} {arr.shape}; call reset() for a new network"
                    )

    def _delta(self, g: np.ndarray, slots: dict[str, np.ndarray]) -> np.ndarray:
        """Return Δ for gradient ``g`` and put the new slot arrays into ``slots``.

        The old slot arrays are never written into (``state_dict(copy=False)`` relies on it).
        """
        raise NotImplementedError

    def state_dict(self, copy: bool = True) -> dict[str, np.ndarray | float]:
        """Return the full state: ``step``, ``lr``, hyper-parameters, ``slot/param`` arrays.

        Parameters
        ----------
        copy : bool
            True: the slot arrays are copies. False: they are the optimiser's own arrays,
            which later steps replace but never modify, so the dict stays this state (a
            checkpoint that costs no copying); do not write into them.
        """
        state: dict[str, np.ndarray | float] = {"step": float(self._t), "lr": self._lr}
        state.update(self._hyper)
        for name, slots in self._slots.items():
            for s, arr in slots.items():
                state[f"{s}/{name}"] = arr.copy() if copy else arr
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
                raise ValueError(
                    f"state: parameter {name!r} has slots {sorted(s)}, "
                    f"expected {sorted(self.slot_names)}"
                )
        step = float(np.asarray(d["step"]))
        if step < 0 or step != int(step):
            raise ValueError(f"state['step']: got {step}, expected an integer >= 0")
        self.lr = float(np.asarray(d["lr"]))
        self._hyper = {
            k: check_number(k, float(np.asarray(d[k])), self.rules[k]) for k in self.defaults
        }
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
    rules: ClassVar = {"beta": UNIT}
    slot_names = ("delta",)

    def _delta(self, g, slots):
        d = slots["delta"] = slots["delta"] * self._hyper["beta"] - self._lr * g
        return d.copy()


class Nesterov(Optimizer):
    """Nesterov momentum in the look-ahead form (no second gradient evaluation).

    ``v_t = β·v_{t−1} − η·g_t``; ``Δ_t = β·v_t − η·g_t`` (= β²·v_{t−1} − (1+β)·η·g_t).
    """

    name = "nesterov"
    defaults: ClassVar = {"beta": 0.9}
    rules: ClassVar = {"beta": UNIT}
    slot_names = ("velocity",)

    def _delta(self, g, slots):
        beta, step = self._hyper["beta"], self._lr * g
        v = slots["velocity"] = slots["velocity"] * beta - step
        return v * beta - step


class Adagrad(Optimizer):
    """Adagrad: ``G_t = G_{t−1} + g_t²``; ``Δ_t = −η·g_t / (√G_t + ε)``."""

    name = "adagrad"
    defaults: ClassVar = {"eps": 1e-8}
    rules: ClassVar = {"eps": POSITIVE}
    slot_names = ("sum_sq",)

    def _delta(self, g, slots):
        acc = slots["sum_sq"] = slots["sum_sq"] + g * g
        return (-self._lr) * g / (np.sqrt(acc) + self._hyper["eps"])


class RMSprop(Optimizer):
    """RMSprop: ``r_t = ρ·r_{t−1} + (1−ρ)·g_t²``; ``Δ_t = −η·g_t / (√r_t + ε)``."""

    name = "rmsprop"
    defaults: ClassVar = {"rho": 0.9, "eps": 1e-8}
    rules: ClassVar = {"rho": UNIT, "eps": POSITIVE}
    slot_names = ("mean_sq",)

    def _delta(self, g, slots):
        rho = self._hyper["rho"]
        r = slots["mean_sq"] = slots["mean_sq"] * rho + (1.0 - rho) * (g * g)
        return (-self._lr) * g / (np.sqrt(r) + self._hyper["eps"])


class Adam(Optimizer):
    """Adam with bias correction.

    ``m_t = β1·m_{t−1} + (1−β1)·g_t``; ``v_t = β2·v_{t−1} + (1−β2)·g_t²``;
    ``Δ_t = −η·m̂_t / (√v̂_t + ε)`` with ``m̂_t = m_t/(1−β1^t)``, ``v̂_t = v_t/(1−β2^t)``.
    """

    name = "adam"
    defaults: ClassVar = {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8}
    rules: ClassVar = {"beta1": UNIT, "beta2": UNIT, "eps": POSITIVE}
    slot_names = ("m", "v")

    def _delta(self, g, slots):
        b1, b2 = self._hyper["beta1"], self._hyper["beta2"]
        m = slots["m"] = slots["m"] * b1 + (1.0 - b1) * g
        v = slots["v"] = slots["v"] * b2 + (1.0 - b2) * (g * g)
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
