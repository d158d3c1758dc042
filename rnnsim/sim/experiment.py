"""Experiment: the frozen, validated configuration of everything a run needs.

exp = Experiment(task="wolf", knobs={"gap": 3}, n_hidden=16, lr=0.01)
exp2 = exp.replace(cell="lstm")                 # a validated copy
exp3 = exp.with_values({"task.gap": "5", "clip_norm": "none"})   # the CLI's --set
Experiment.from_json(exp.to_json()) == exp
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any

from rnnsim.engine import ACTIVATIONS, CELLS, INITIALIZERS, OPTIMIZERS
from rnnsim.engine.validation import DTYPES
from rnnsim.tasks import TASKS, make_task

from . import field_checks, json_text
from .memory import check_estimate, estimate_sizes, frames
from .values import parse_field, parse_knob

SCHEMA = 1
MAX_WS_SCALE = 100.0  # σ_max of W_s; already 3 makes the lecture's gradients explode
MAX_JSON_CHARS = 4_000_000  # an experiment's JSON (a larger custom data set: a file path)
MAX_JSON_DEPTH = 32  # nesting of objects and arrays in an experiment's JSON

#: Hyper-parameters each optimiser takes, by field name (the engine's names).
OPTIMIZER_HYPER = {
    "sgd": (),
    "momentum": ("beta",),
    "nesterov": ("beta",),
    "adagrad": ("eps",),
    "rmsprop": ("rho", "eps"),
    "adam": ("beta1", "beta2", "eps"),
}


@dataclass(frozen=True)
class Experiment:
    """Everything a run needs. Validated on construction: a bad value raises ValueError
    naming the field, what was given and what is accepted.

    Attributes
    ----------
    title, description : str
        Shown by presets and the window.
    task : str
        Task name (``rnnsim.tasks.TASKS``).
    knobs : dict
        The task's knobs (name → value); missing knobs take the task's defaults, so after
        construction the dict holds every knob.
    cell : {"elman", "lstm", "gru"}
    activation : {"sigmoid", "tanh", "relu", "identity"}
        Φ of the state.
    n_hidden : int
        Number of hidden units H (1..1024).
    output, loss : str or None
        None (the default) takes the task's; any other value must equal the task's.
    init : {"uniform", "normal", "orthogonal", "identity"}
    ws_scale : float or None
        Target σ_max of W_s at initialisation, at most 100 (None: as the initialiser draws
        it).
    optimizer : {"sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"}
    lr : float
        Learning rate η > 0.
    beta : float
        Momentum β of "momentum" and "nesterov", in [0, 1).
    rho : float
        Decay of RMSprop's running mean of g², in [0, 1).
    beta1, beta2 : float
        Adam's decay rates, in [0, 1).
    eps : float
        ε > 0 of Adagrad, RMSprop and Adam.
    clip_norm : float or None
        Rescale the mean gradient to this global norm when it is larger (None: off).
    clip_value : float or None
        Clip each gradient entry into [−clip_value, clip_value] (None: off).
    bptt_steps : int or None
        Truncated BPTT chunk length (None: full BPTT).
    update_every : int
        The lecture's M: M gradients, each from one BPTT sweep over one batch, are averaged
        into one weight update.
    batch_size : int
        Sequences per batch B (1..4096).
    seed : int
        Seeds the weights and the sequence generator.
    dtype : {"float64", "float32"}
    """

    title: str = "The wolf and the dog"
    description: str = (
        "A bear seen long ago is the only clue that the animal at the end is a "
        "wolf and not a dog. Can the state s_t remember it?"
    )
    task: str = "wolf"
    knobs: dict[str, Any] = field(default_factory=dict)
    cell: str = "elman"
    activation: str = "tanh"
    n_hidden: int = 16
    output: str | None = None
    loss: str | None = None
    init: str = "uniform"
    ws_scale: float | None = None
    optimizer: str = "adam"
    lr: float = 0.01
    beta: float = 0.9
    rho: float = 0.9
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    clip_norm: float | None = 5.0
    clip_value: float | None = None
    bptt_steps: int | None = None
    update_every: int = 1
    batch_size: int = 32
    seed: int = 0
    dtype: str = "float64"

    def __post_init__(self):
        for name, value in _validated(self).items():
            object.__setattr__(self, name, value)
        size = len(self.to_json(indent=None))
        if size > MAX_JSON_CHARS:
            raise ValueError(
                f"experiment: {size} characters as JSON, at most "
                f"{MAX_JSON_CHARS} accepted (give a large data set as a file: "
                "task.path)"
            )

    def __hash__(self):
        return hash(self.to_json())

    # ------------------------------------------------------------------ derived
    def make_task(self):
        """A fresh task object for ``task`` with ``knobs``."""
        return make_task(self.task, **self.knobs)

    def optimizer_hyper(self) -> dict[str, float]:
        """The hyper-parameters ``optimizer`` takes (e.g. Adam: beta1, beta2, eps)."""
        return {name: getattr(self, name) for name in OPTIMIZER_HYPER[self.optimizer]}

    def network_settings(self) -> dict[str, Any]:
        """Keyword arguments of ``Network.create`` except the sizes from the task."""
        return {
            "cell": self.cell,
            "n_hidden": self.n_hidden,
            "activation": self.activation,
            "output": self.output,
            "loss": self.loss,
            "init": self.init,
            "ws_scale": self.ws_scale,
            "seed": self.seed,
            "dtype": self.dtype,
        }

    # ------------------------------------------------------------------ copies
    def replace(self, **changes) -> Experiment:
        """A validated copy with ``changes`` applied.

        Changing ``task`` without giving ``knobs``, ``output`` or ``loss`` resets them to the
        new task's defaults, and without giving ``title`` or ``description`` takes the new
        task's (a report of the adding problem must not be titled "The wolf and the dog").
        """
        unknown = sorted(set(changes) - set(FIELD_NAMES))
        if unknown:
            raise ValueError(
                f"{unknown[0]}: unknown experiment field; accepted: {', '.join(FIELD_NAMES)}"
            )
        if "task" in changes and changes["task"] != self.task:
            for name, fresh in (("knobs", {}), ("output", None), ("loss", None)):
                changes.setdefault(name, fresh)
            if changes["task"] in TASKS:  # an unknown one is refused by the validation
                task = TASKS[changes["task"]]
                changes.setdefault("title", task.title)
                changes.setdefault("description", task.description)
        return dataclasses.replace(self, **changes)

    def with_values(self, values: dict[str, Any]) -> Experiment:
        """A validated copy with values given by dotted path (``"lr"``, ``"task.gap"``).

        Values may be strings (as typed on the command line: ``"0.01"``, ``"none"``,
        ``"true"``); they are parsed by the field's or the knob's type. A new task or new
        knob values take the task's output and loss unless ``values`` sets them (a CSV of
        0/1 targets needs sigmoid, a typed one softmax).
        """
        changes: dict[str, Any] = {}
        knob_items = []
        for path, value in values.items():
            if not isinstance(path, str):
                raise ValueError(
                    f"values: got key {path!r}, expected a field name or 'task.<knob>'"
                )
            if path.startswith("task.") or path.startswith("knobs."):
                knob_items.append((path.split(".", 1)[1], value))
            else:
                changes[path] = parse_field(path, value, FIELD_NAMES)
        if not knob_items:
            return self.replace(**changes) if changes else self
        task = changes.get("task", self.task)
        if task not in TASKS:
            return self.replace(**changes)  # names the unknown task
        specs = {k.name: k for k in TASKS[task].knobs}
        knobs = dict(changes.get("knobs", self.knobs if task == self.task else {}))
        for name, value in knob_items:
            if name not in specs:
                raise ValueError(
                    f"task.{name}: unknown knob of task {task!r}; accepted: "
                    f"{', '.join(sorted(specs)) or 'none'}"
                )
            knobs[name] = parse_knob(f"task.{name}", value, specs[name])
        for name in ("output", "loss"):
            changes.setdefault(name, None)
        return self.replace(**{**changes, "knobs": knobs})

    # ------------------------------------------------------------------ JSON
    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict with ``"schema"`` and every field."""
        out: dict[str, Any] = {"schema": SCHEMA}
        for name in FIELD_NAMES:
            value = getattr(self, name)
            out[name] = dict(value) if isinstance(value, dict) else value
        return out

    def to_json(self, indent: int | None = 2) -> str:
        """The experiment as JSON text (``from_json`` reads it back)."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Experiment:
        """Build from ``to_dict()`` output; missing fields take their defaults.

        Raises
        ------
        ValueError
            Wrong or missing ``schema``, unknown keys (all named), or invalid values.
        """
        if not isinstance(data, dict):
            raise ValueError(f"experiment: got {type(data).__name__}, expected a JSON object")
        if data.get("schema") != SCHEMA:
            raise ValueError(f"schema: got {data.get('schema')!r}, expected {SCHEMA}")
        unknown = sorted(set(data) - set(FIELD_NAMES) - {"schema"})
        if unknown:
            raise ValueError(
                f"unknown experiment keys: {', '.join(unknown)}; accepted: "
                f"schema, {', '.join(FIELD_NAMES)}"
            )
        return cls(**{k: v for k, v in data.items() if k != "schema"})

    @classmethod
    def from_json(cls, text: str) -> Experiment:
        """Parse JSON text written by ``to_json``; ValueError above ``MAX_JSON_CHARS``
        characters or ``MAX_JSON_DEPTH`` levels of nesting (checked before parsing)."""
        check_json_text(text)
        try:
            data = json.loads(text)
        except (TypeError, json.JSONDecodeError) as exc:
            raise ValueError(f"experiment JSON: cannot parse ({exc})") from None
        return cls.from_dict(data)


FIELD_NAMES = tuple(f.name for f in dataclasses.fields(Experiment))


def check_json_text(text) -> None:
    """ValueError when ``text`` is too long or nested too deeply for an experiment."""
    json_text.check_text(text, "experiment JSON", MAX_JSON_CHARS + 10_000, MAX_JSON_DEPTH)


def _validated(exp: Experiment) -> dict[str, Any]:
    """Checked and normalised values of every field (ValueError names the first bad one)."""
    v: dict[str, Any] = {
        "title": field_checks.text("title", exp.title, 200),
        "description": field_checks.text("description", exp.description),
        "cell": field_checks.choice("cell", exp.cell, tuple(CELLS)),
        "activation": field_checks.choice("activation", exp.activation, tuple(ACTIVATIONS)),
        "n_hidden": field_checks.integer("n_hidden", exp.n_hidden, 1, 1024),
        "init": field_checks.choice("init", exp.init, tuple(INITIALIZERS)),
        "ws_scale": field_checks.optional_positive(
            "ws_scale", exp.ws_scale, "as initialised", MAX_WS_SCALE
        ),
        "optimizer": field_checks.choice("optimizer", exp.optimizer, tuple(OPTIMIZERS)),
        "lr": field_checks.positive("lr", exp.lr, 100.0),
        "beta": field_checks.unit("beta", exp.beta),
        "rho": field_checks.unit("rho", exp.rho),
        "beta1": field_checks.unit("beta1", exp.beta1),
        "beta2": field_checks.unit("beta2", exp.beta2),
        "eps": field_checks.positive("eps", exp.eps, 1.0),
        "clip_norm": field_checks.optional_positive("clip_norm", exp.clip_norm, "no clipping"),
        "clip_value": field_checks.optional_positive("clip_value", exp.clip_value, "no clipping"),
        "bptt_steps": field_checks.optional_integer("bptt_steps", exp.bptt_steps, 1, "full BPTT"),
        "update_every": field_checks.integer("update_every", exp.update_every, 1, 10_000),
        "batch_size": field_checks.integer("batch_size", exp.batch_size, 1, 4096),
        "seed": field_checks.integer("seed", exp.seed, 0, 2**63 - 1),
        "dtype": field_checks.choice("dtype", exp.dtype, DTYPES),
    }
    task_values, task = _validated_task(exp)
    v.update(task_values)
    _check_memory(v, task)
    return v


def _check_memory(v: dict[str, Any], task) -> None:
    """The configuration's peak memory (``memory.estimate``) must fit the ceiling."""
    check_estimate(
        estimate_sizes(
            cell=v["cell"],
            n_in=task.n_in,
            n_hidden=v["n_hidden"],
            n_out=task.n_out,
            T=frames(task),
            B=v["batch_size"],
            dtype=v["dtype"],
            optimizer=v["optimizer"],
        )
    )


def _validated_task(exp: Experiment):
    """Check task, knobs, output and loss by making the task; returns (values, task)."""
    field_checks.choice("task", exp.task, tuple(TASKS))
    if not isinstance(exp.knobs, dict) or not all(isinstance(k, str) for k in exp.knobs):
        raise ValueError(f"knobs: got {exp.knobs!r}, expected a dict of knob name → value")
    task = make_task(exp.task, **exp.knobs)
    out: dict[str, Any] = {"knobs": dict(task.values)}
    for name, wanted in (("output", task.output), ("loss", task.loss)):
        given = getattr(exp, name)
        if given is not None and given != wanted:
            raise ValueError(
                f"{name}: got {given!r}, but task {exp.task!r} needs {wanted!r} "
                f"(leave {name} unset to take the task's)"
            )
        out[name] = wanted
    return out, task
