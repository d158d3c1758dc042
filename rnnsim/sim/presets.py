"""Presets: experiments that reproduce the lecture's claims, with what to compare and sweep.

A preset is two files in ``resources/presets`` (the package data, ``rnnsim.package_data``;
``$RNNSIM_PRESETS`` overrides the folder):

- ``<name>.json``: the experiment (``Experiment.to_json()``), whose ``title`` and
  ``description`` are the preset's title and short explanation;
- ``guides/<name>.json`` (optional): what the preset teaches and how to see it::

      {"schema": 1,
       "claim": "one sentence: what to look for",
       "updates": 400,                                  # suggested training budget
       "compare": [{"label": "LSTM", "set": {}},        # variants on the same sequences,
                   {"label": "Elman RNN", "set": {"cell": "elman"}}],   # dotted-path values
       "sweep": {"x": "task.gap", "x_values": [2, 10, 30],
                 "y": "cell", "y_values": ["elman", "lstm"], "updates": 300},
       "view": "unfolded",                              # canvas: both, unfolded or folded
       "gradient_of": "E_T",                            # backward arrows: E or E_T
       "plot": "gradient_flow",                         # the plot brought to the front
       "steps": [{"at": "forward", "look": "…"},        # 2 to 4 things to look for, each at
                 {"at": "backward", "look": "…"},       # a moment: after the forward sweep,
                 {"at": "updates", "n": 300, "look": "…"}]}   # during the backward sweep,
                                                        # after n updates

The guide lives beside the experiment file because an experiment file holds exactly the
Experiment's fields (``load_experiment`` refuses any other key).

    from rnnsim.sim.presets import list_presets, load_preset
    p = load_preset("lstm-rescue")
    p.title, p.explanation, p.experiment, [v.label for v in p.variants]
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rnnsim import package_data

from . import json_text
from .experiment import Experiment
from .persistence import load_experiment
from .sweep_metrics import check_claims, get_metric

DEFAULT_PRESET = "wolf"
GUIDE_SCHEMA = 1
MAX_GUIDE_CHARS = 1_000_000  # characters of a guide file
GUIDE_KEYS = (
    "schema",
    "claim",
    "updates",
    "compare",
    "sweep",
    "view",
    "gradient_of",
    "plot",
    "steps",
)
VIEWS = ("both", "unfolded", "folded")
GRADIENTS = ("E", "E_T")
PLOT_NAMES = (
    "activations",
    "gradient_flow",
    "training",
    "grad_norms",
    "saturation",
    "spectrum",
    "weights",
)
MOMENTS = ("forward", "backward", "updates")
SWEEP_KEYS = ("x", "x_values", "y", "y_values", "updates", "threshold", "metric", "claims")


@dataclass(frozen=True)
class Variant:
    """One experiment of a comparison: a label and the experiment."""

    label: str
    experiment: Experiment


@dataclass(frozen=True)
class SweepPlan:
    """A suggested sweep: one or two knobs (dotted Experiment paths) and their values."""

    x: str
    x_values: tuple
    y: str | None = None
    y_values: tuple = ()
    updates: int = 200
    threshold: float | None = None  # the claim's line on the primary metric (seeds judged)
    metric: str | None = None  # what each run measures (sweep_metrics; None: the task's)
    claims: tuple = ()  # per-cell claims on ``metric`` (see SweepSpec)


@dataclass(frozen=True)
class Step:
    """Something to look for at a moment of the lesson.

    ``at``: "forward" (after the forward sweep: every frame of a sequence run), "backward"
    (during the backward sweep) or "updates" (after ``n`` weight updates).
    """

    at: str
    look: str
    n: int = 0

    @property
    def moment(self) -> str:
        """The moment in words ("After the forward sweep", …)."""
        return {
            "forward": "After the forward sweep",
            "backward": "During the backward sweep",
            "updates": f"After {self.n} updates",
        }[self.at]

    def reached(self, cursor, T: int, updates: int) -> bool:
        """Whether the simulation at ``cursor`` (a ``snapshot.Cursor`` of a sequence of T
        frames) with ``updates`` weight updates is at or past this step's moment."""
        if self.at == "updates":
            return updates >= self.n
        if self.at == "backward":  # the sweep has begun (or ended: an update is due)
            return cursor.phase in ("backward", "update")
        return cursor.phase != "forward" or cursor.t >= T


@dataclass(frozen=True)
class Preset:
    """A guided experiment.

    Attributes
    ----------
    name : str
        File name without ``.json``.
    title, explanation : str
        The experiment's ``title`` and ``description``.
    experiment : Experiment
    claim : str
        What the preset teaches, in one sentence ("" when it has no guide).
    updates : int
        Suggested number of weight updates.
    variants : tuple of Variant
        Experiments to run side by side on the same sequences (the first is ``experiment``
        itself when the guide lists it with no changes); empty when there is nothing to compare.
    sweep : SweepPlan or None
    view : str
        The canvas view the lesson uses ("both", "unfolded", "folded"; "" leaves it).
    gradient_of : str
        What the backward arrows show: "E" (Σ E_t) or "E_T" (the last frame's loss).
    plot : str
        The plot brought to the front ("" leaves it).
    steps : tuple of Step
        Two to four things to look for, each at a moment (empty without a guide).
    """

    name: str
    title: str
    explanation: str
    experiment: Experiment
    claim: str = ""
    updates: int = 200
    variants: tuple[Variant, ...] = field(default_factory=tuple)
    sweep: SweepPlan | None = None
    view: str = ""
    gradient_of: str = ""
    plot: str = ""
    steps: tuple[Step, ...] = field(default_factory=tuple)


def presets_dir() -> Path:
    """The folder of the presets (``$RNNSIM_PRESETS`` overrides it)."""
    override = os.environ.get("RNNSIM_PRESETS")
    if override:
        return Path(override)
    return package_data.path("presets")


def preset_names() -> list[str]:
    """Names of the presets, sorted, the default (``wolf``) first."""
    folder = presets_dir()
    names = sorted(p.stem for p in folder.glob("*.json")) if folder.is_dir() else []
    if DEFAULT_PRESET in names:
        names.remove(DEFAULT_PRESET)
        names.insert(0, DEFAULT_PRESET)
    return names


def warn(text: str) -> None:
    """One warning line on stderr: ``rnnsim: warning: ...``."""
    print(f"rnnsim: warning: {text}", file=sys.stderr, flush=True)


def list_presets(on_error=warn) -> list[Preset]:
    """Every usable preset, in ``preset_names()`` order.

    A preset whose files cannot be used is skipped: ``on_error`` gets one line naming it and
    the reason (default: printed on stderr; None: silent).
    """
    out = []
    for name in preset_names():
        try:
            out.append(load_preset(name))
        except ValueError as exc:
            if on_error is not None:
                on_error(f"preset {name!r} skipped: {exc}")
    return out


def load_preset(name: str) -> Preset:
    """Load preset ``name`` with its guide.

    Raises
    ------
    ValueError
        Unknown name (the message lists the presets), or a file that cannot be used (the
        message names the file and the field).
    """
    names = preset_names()
    if name not in names:
        raise ValueError(
            f"preset: got {name!r}, expected one of {', '.join(names)}"
            if names
            else f"preset: got {name!r}, but {presets_dir()} has none"
        )
    folder = presets_dir()
    path, guide_path = folder / f"{name}.json", folder / "guides" / f"{name}.json"
    key = (_content(path), _content(guide_path))
    cached = _loaded.get(path)
    if cached is not None and cached[0] == key and _TOO_LARGE not in key:
        return cached[1]
    experiment = load_experiment(path)
    guide = _read_guide(guide_path) if guide_path.is_file() else {}
    try:
        preset = _build(name, experiment, guide)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise ValueError(f"{guide_path}: {exc}") from None
    _loaded[path] = (key, preset)
    return preset


# Presets already read, by file: path → ((its bytes, its guide's bytes), Preset). A window
# reads every preset two or three times as it opens (the Guided menu, the header's guides,
# the default lesson), each about 13 ms, most of it validating a guide's sweep; reading the
# small files again to compare costs about 0.1 ms. Keyed by content, not by modification
# time: a file rewritten within the file system's clock tick is read again all the same.
_loaded: dict[Path, tuple[tuple, Preset]] = {}
_TOO_LARGE = b"\0too large"  # a file above CACHE_BYTES: never cached (its reader refuses it)
CACHE_BYTES = 1 << 20


def _content(path: Path) -> bytes | None:
    """The bytes of ``path`` (None if there is no such file; ``_TOO_LARGE`` above
    ``CACHE_BYTES``)."""
    try:
        with open(path, "rb") as f:
            data = f.read(CACHE_BYTES + 1)
    except OSError:
        return None
    return _TOO_LARGE if len(data) > CACHE_BYTES else data


def _read_guide(path: Path) -> dict[str, Any]:
    try:
        if path.stat().st_size > MAX_GUIDE_CHARS:
            raise ValueError(f"{path.stat().st_size} bytes, at most {MAX_GUIDE_CHARS} accepted")
        data = json_text.loads(path.read_text(encoding="utf-8"), "JSON", MAX_GUIDE_CHARS)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ValueError(f"{path}: cannot read the guide ({exc})") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path}: got {type(data).__name__}, expected a JSON object")
    if data.get("schema") != GUIDE_SCHEMA:
        raise ValueError(f"{path}: schema: got {data.get('schema')!r}, expected {GUIDE_SCHEMA}")
    unknown = sorted(set(data) - set(GUIDE_KEYS))
    if unknown:
        raise ValueError(
            f"{path}: unknown keys {', '.join(unknown)}; accepted: {', '.join(GUIDE_KEYS)}"
        )
    return data


def _build(name: str, experiment: Experiment, guide: dict[str, Any]) -> Preset:
    updates = guide.get("updates", 200)
    if isinstance(updates, bool) or not isinstance(updates, int) or updates < 1:
        raise ValueError(f"updates: got {updates!r}, expected an integer >= 1")
    claim = guide.get("claim", "")
    if not isinstance(claim, str):
        raise ValueError(f"claim: got {claim!r}, expected text")
    variants = tuple(
        _variant(experiment, i, item) for i, item in enumerate(guide.get("compare", []))
    )
    sweep = _sweep(experiment, guide["sweep"]) if guide.get("sweep") else None
    for key, accepted in (("view", VIEWS), ("gradient_of", GRADIENTS), ("plot", PLOT_NAMES)):
        if key in guide and guide[key] not in accepted:
            raise ValueError(f"{key}: got {guide[key]!r}, expected one of {', '.join(accepted)}")
    steps = _steps(guide["steps"], updates) if "steps" in guide else ()
    return Preset(
        name=name,
        title=experiment.title,
        explanation=experiment.description,
        experiment=experiment,
        claim=claim,
        updates=updates,
        variants=variants,
        sweep=sweep,
        view=guide.get("view", ""),
        gradient_of=guide.get("gradient_of", ""),
        plot=guide.get("plot", ""),
        steps=steps,
    )


def _steps(items, updates: int) -> tuple[Step, ...]:
    if not isinstance(items, list) or not 2 <= len(items) <= 4:
        raise ValueError(f"steps: got {items!r}, expected a list of 2 to 4 steps")
    out = []
    for i, item in enumerate(items):
        where = f"steps[{i}]"
        if (
            not isinstance(item, dict)
            or set(item) - {"at", "look", "n"}
            or not {"at", "look"} <= set(item)
        ):
            raise ValueError(
                f'{where}: got {item!r}, expected {{"at": moment, "look": text[, "n": updates]}}'
            )
        if item["at"] not in MOMENTS:
            raise ValueError(
                f"{where}.at: got {item['at']!r}, expected one of {', '.join(MOMENTS)}"
            )
        if not isinstance(item["look"], str) or not item["look"].strip():
            raise ValueError(f"{where}.look: got {item['look']!r}, expected text")
        n = item.get("n", updates if item["at"] == "updates" else 0)
        if item["at"] == "updates" and (isinstance(n, bool) or not isinstance(n, int) or n < 1):
            raise ValueError(f"{where}.n: got {n!r}, expected an integer >= 1")
        out.append(Step(item["at"], item["look"], n if item["at"] == "updates" else 0))
    return tuple(out)


def _variant(base: Experiment, index: int, item) -> Variant:
    where = f"compare[{index}]"
    if not isinstance(item, dict) or set(item) - {"label", "set"} or "label" not in item:
        raise ValueError(
            f'{where}: got {item!r}, expected {{"label": text, "set": {{path: value}}}}'
        )
    changes = item.get("set", {})
    if not isinstance(changes, dict):
        raise ValueError(f"{where}.set: got {changes!r}, expected an object of path → value")
    try:
        experiment = base.with_values(changes)
    except ValueError as exc:
        raise ValueError(f"{where}.set: {exc}") from None
    return Variant(str(item["label"]), experiment)


def _sweep(base: Experiment, spec) -> SweepPlan:
    if (
        not isinstance(spec, dict)
        or set(spec) - set(SWEEP_KEYS)
        or not {"x", "x_values"} <= set(spec)
    ):
        raise ValueError(
            f"sweep: got {spec!r}, expected keys x, x_values and optionally y, "
            "y_values, updates, threshold, metric, claims"
        )
    plan = SweepPlan(
        x=spec["x"],
        x_values=tuple(spec["x_values"]),
        y=spec.get("y"),
        y_values=tuple(spec.get("y_values", ())),
        updates=spec.get("updates", 200),
        threshold=spec.get("threshold"),
        metric=spec.get("metric"),
        claims=tuple(spec.get("claims", ())),
    )
    try:
        if plan.metric is not None:
            get_metric(plan.metric)
        check_claims(plan.claims, [n for n in (plan.x, plan.y) if n])
    except ValueError as exc:
        raise ValueError(f"sweep.{exc}") from None
    for axis in ("x", "y"):  # every value must make an experiment (ValueError names it)
        name = getattr(plan, axis)
        for value in getattr(plan, f"{axis}_values") if name else ():
            try:
                base.with_values({name: value})
            except ValueError as exc:
                raise ValueError(f"sweep.{axis} ({name}): {exc}") from None
    if isinstance(plan.updates, bool) or not isinstance(plan.updates, int) or plan.updates < 1:
        raise ValueError(f"sweep.updates: got {plan.updates!r}, expected an integer >= 1")
    if plan.threshold is not None and (
        isinstance(plan.threshold, bool) or not isinstance(plan.threshold, int | float)
    ):
        raise ValueError(f"sweep.threshold: got {plan.threshold!r}, expected a number")
    return plan


def default_experiment() -> Experiment:
    """The app's default experiment: the preset ``wolf``, the lecture's wolf-or-dog story.

    ``resources/presets/wolf.json`` holds exactly ``Experiment()`` (a test keeps the two equal);
    when that preset is missing or broken (one warning line) the built-in value is used.
    """
    if DEFAULT_PRESET in preset_names():
        try:
            return load_preset(DEFAULT_PRESET).experiment
        except ValueError as exc:
            warn(f"preset {DEFAULT_PRESET!r} skipped: {exc}; using the built-in default")
    return Experiment()
