"""What every task shares: knobs and their validation, the Task base class, scoring helpers.

A task makes batches ``X`` (T, B, n_in), ``D`` (T, B, n_out) and ``mask`` (T, B), all float64,
from a ``numpy.random.Generator``; the same seed gives the same sequences.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

KINDS = ("int", "float", "bool", "choice", "path", "text")
BLANK = "·"
#: Characters no file name may hold here: every C0/C1 control character, including newline
_PATH_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class Knob:
    """A setting of a task, with its type and accepted values.

    Attributes
    ----------
    name : str
    kind : {"int", "float", "bool", "choice", "path", "text"}
        "path" is a file name ("" means the task's default); "text" is free text.
    default : object
    low, high : float or None
        Inclusive range of an "int" or "float" knob.
    choices : tuple of str
        Accepted values of a "choice" knob.
    help : str
        One sentence shown next to the control.
    """

    name: str
    kind: str
    default: Any
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = field(default=())
    help: str = ""

    def accepted(self) -> str:
        """The accepted values in words, for error messages."""
        if self.kind in ("int", "float"):
            word = "an integer" if self.kind == "int" else "a number"
            return f"{word} in [{self.low}, {self.high}]"
        if self.kind == "choice":
            return "one of " + ", ".join(repr(c) for c in self.choices)
        return {
            "bool": "true or false",
            "path": "a file path (or '' for the default)",
            "text": "text",
        }[self.kind]

    def check(self, value: Any) -> Any:
        """Return ``value`` normalised to the knob's type, or raise ValueError naming the knob."""
        ok, value = _CHECKS[self.kind](self, value)
        if not ok:
            raise ValueError(f"{self.name}: got {value!r}, expected {self.accepted()}")
        return value


def _check_int(knob, v):
    if isinstance(v, bool) or not isinstance(v, int | np.integer):
        return False, v
    return knob.low <= v <= knob.high, int(v)


def _check_float(knob, v):
    if isinstance(v, bool) or not isinstance(v, int | float | np.integer | np.floating):
        return False, v
    v = float(v)
    return math.isfinite(v) and knob.low <= v <= knob.high, v


def _check_path(knob, v):
    if isinstance(v, Path):
        v = str(v)
    if isinstance(v, str) and (bad := _PATH_CONTROL.search(v)):
        raise ValueError(
            f"{knob.name}: control character {bad.group()!r} at position {bad.start() + 1} of "
            f"{v!r}; expected a printable file name"
        )
    return isinstance(v, str), v


def _check_bool(knob, v):
    if isinstance(v, bool | np.bool_):
        return True, bool(v)
    return False, v


_CHECKS = {
    "int": _check_int,
    "float": _check_float,
    "bool": _check_bool,
    "choice": lambda k, v: (isinstance(v, str) and v in k.choices, v),
    "path": _check_path,
    "text": lambda k, v: (isinstance(v, str), v),
}


def check_knobs(task_name: str, knobs: tuple[Knob, ...], given: dict[str, Any]) -> dict[str, Any]:
    """All knob values of a task: ``given`` checked, the rest at their defaults."""
    specs = {k.name: k for k in knobs}
    for name in given:
        if name not in specs:
            accepted = ", ".join(specs) or "none"
            raise ValueError(f"{name}: unknown knob of task {task_name!r}; accepted: {accepted}")
    return {k.name: k.check(given[k.name]) if k.name in given else k.default for k in knobs}


class Task:
    """Base class of the sequence tasks (docs/internals.md fixes the interface).

    Subclasses set the class attributes, fill ``n_in``, ``n_out``, ``input_names``,
    ``output_names`` and ``chance`` in ``_setup`` and implement ``sample`` and ``score``.

    Parameters
    ----------
    **values
        Knob values; unknown knobs, wrong types and values out of range raise ValueError
        naming the knob, the value and what is accepted.
    """

    name = ""
    title = ""
    description = ""
    knobs: tuple[Knob, ...] = ()
    output = "softmax"
    loss = "cross_entropy"
    primary_metric = "accuracy"
    #: Network settings (Experiment field → value) measured to learn the task; may be empty.
    recommended: ClassVar[dict[str, Any]] = {}
    #: How a typed sequence is cut into frames: "words" (split at spaces) or "characters".
    typed_as = "words"
    #: The input every sequence of the task ends with, added to a typed question that ends
    #: elsewhere (the wolf story's ambiguous animal); None for most tasks.
    question_word: str | None = None

    def __init__(self, **values: Any) -> None:
        self.values = check_knobs(self.name, self.knobs, values)
        self.n_in = self.n_out = 0
        self.input_names: tuple[str, ...] = ()
        self.output_names: tuple[str, ...] = ()
        self.chance = float("nan")
        self._setup()

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.values.items())
        return f"make_task({self.name!r}{', ' if args else ''}{args})"

    def _setup(self) -> None:
        raise NotImplementedError

    def sample(self, batch: int, rng: np.random.Generator):
        """A batch: X (T, batch, n_in), D (T, batch, n_out), mask (T, batch), float64."""
        raise NotImplementedError

    def score(self, y, D, mask) -> dict[str, float]:
        """Metrics of outputs ``y`` (T, B, n_out) against targets ``D`` under ``mask``."""
        raise NotImplementedError

    def input_token(self, x) -> str:
        """One input frame x (n_in,) as a word: the name of its hot unit, ``·`` if none."""
        return one_hot_name(x, self.input_names)

    def output_token(self, d) -> str:
        """One target frame d (n_out,) as a word: the name of its hot unit, ``·`` if none."""
        return one_hot_name(d, self.output_names)

    # ----------------------------------------------------------------- typed words
    def input_words(self) -> tuple[str, ...]:
        """The words a typed input frame may be (offered as completions); () when the inputs
        are numbers. Default: the input units' names, and ``·`` for an empty frame."""
        return (*self.input_names, BLANK)

    def target_words(self) -> tuple[str, ...]:
        """The words a typed target may be; () when targets are numbers."""
        return tuple(self.output_names)

    def encode_input(self, word: str) -> np.ndarray:
        """The input frame x (n_in,) that ``word`` stands for; ValueError naming the word and
        what is accepted. Default: the one-hot vector of the unit named ``word``."""
        if word == BLANK:
            return np.zeros(self.n_in)
        return one_hot(self._word_at(word, self.input_names, "input"), self.n_in)

    def encode_target(self, word: str) -> np.ndarray:
        """The target d (n_out,) that ``word`` stands for (ValueError as ``encode_input``)."""
        return one_hot(self._word_at(word, self.output_names, "target"), self.n_out)

    def _word_at(self, word, names, role) -> int:
        if word not in names:
            raise unknown_word(word, role, self)
        return names.index(word)

    def frame_labels(self, X, D, mask) -> tuple[str, ...]:
        """The words the sequence strip shows for one sequence X (T, n_in), D (T, n_out),
        mask (T,): what each frame is, never an answer the input does not show (a task whose
        input words could give a target away overrides this). Default: ``input_token``."""
        return tuple(self.input_token(x) for x in X)


def unknown_word(word: str, role: str, task: Task) -> ValueError:
    """The ValueError for a typed word outside the task's vocabulary (names the word and
    lists the vocabulary, shortened when long)."""
    words = task.input_words() if role == "input" else task.target_words()
    listed = ", ".join(words[:40]) + (f", … ({len(words)} in all)" if len(words) > 40 else "")
    return ValueError(
        f"unknown word {word!r}: not an {role} of task {task.name!r}; its {role} words: {listed}"
    )


def number_word(word: str, role: str, task: Task) -> float:
    """``word`` as a finite number, or ValueError naming it (tasks whose frames are values)."""
    try:
        value = float(word)
    except ValueError:
        value = float("nan")
    if not math.isfinite(value):
        raise ValueError(
            f"unknown word {word!r}: the {role}s of task {task.name!r} are "
            "numbers such as 0.5 or -1.2"
        )
    return value


def check_batch(batch: int) -> int:
    """``batch`` as an int >= 1, or ValueError naming it."""
    if isinstance(batch, bool) or not isinstance(batch, int | np.integer) or batch < 1:
        raise ValueError(f"batch: got {batch!r}, expected an integer >= 1")
    return int(batch)


def one_hot_name(v, names) -> str:
    """The name of the largest entry of ``v``, or ``·`` when all are zero."""
    v = np.asarray(v)
    if v.size == 0 or not np.any(v):
        return BLANK
    return names[int(np.argmax(v))]


def check_scored(y, D, mask):
    """y, D as float64 (T, B, n) of equal shape and mask (T, B), or ValueError naming one."""
    y, D, mask = (np.asarray(a, dtype=np.float64) for a in (y, D, mask))
    if y.ndim != 3 or y.shape != D.shape:
        raise ValueError(f"y: got shape {y.shape}, expected (T, B, n_out) equal to D's {D.shape}")
    if mask.shape != y.shape[:2]:
        raise ValueError(f"mask: got shape {mask.shape}, expected {y.shape[:2]}")
    return y, D, mask


def masked_mean(values, weights) -> float:
    """Σ w·v / Σ w, or NaN when no weight is positive."""
    weights = np.asarray(weights)
    total = float(weights.sum())
    return float((values * weights).sum() / total) if total > 0 else float("nan")


def class_accuracy(y, D, mask) -> float:
    """Fraction of masked frames where argmax y equals argmax D (mask as weights)."""
    return masked_mean(np.argmax(y, -1) == np.argmax(D, -1), mask)


def mean_square(y, D, mask) -> float:
    """Masked mean over frames of Σ_o (y − d)², the per-frame E_t of the mse loss."""
    return masked_mean(np.sum((y - D) ** 2, axis=-1), mask)


def one_hot(indices, n: int):
    """One-hot float64 rows of ``indices`` (any shape) → shape + (n,)."""
    return np.eye(n)[np.asarray(indices)]
