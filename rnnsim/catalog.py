"""What there is to run: the tasks with their knobs, and the presets in ``resources/presets``.

A preset is an experiment JSON file (``Experiment.to_json()``); its name is the file name
without ``.json``. The default experiment is the preset ``wolf``.
"""

from __future__ import annotations

import textwrap

from rnnsim.sim.presets import (
    DEFAULT_PRESET,
    default_experiment,
    list_presets,
    load_preset,
    preset_names,
    presets_dir,
)
from rnnsim.tasks import TASKS, make_task

__all__ = [
    "DEFAULT_PRESET",
    "default_experiment",
    "describe_presets",
    "describe_tasks",
    "load_preset",
    "preset_experiment",
    "preset_names",
    "presets_dir",
]


def preset_experiment(name: str):
    """The Experiment of preset ``name`` (``load_preset(name).experiment``); ValueError
    naming the presets there are."""
    return load_preset(name).experiment


def _knob_rows(knobs) -> list[str]:
    """One line per knob, its columns (name = default, kind and range, help) lined up."""
    cells = []
    for knob in knobs:
        if knob.kind in ("int", "float"):
            accepted = f"{knob.low:g}..{knob.high:g}"
        elif knob.kind == "choice":
            accepted = "|".join(knob.choices)
        else:
            accepted = knob.kind
        cells.append(
            (f"task.{knob.name} = {knob.default!r}", f"({knob.kind}, {accepted})", knob.help)
        )
    if not cells:
        return ["    (none)"]
    w1 = max(len(c[0]) for c in cells)
    w2 = max(len(c[1]) for c in cells)
    return [f"    {a:<{w1}}  {b:<{w2}}  {h}" for a, b, h in cells]


def describe_tasks(width: int = 100) -> str:
    """Every task: name, title, description (wrapped to ``width`` columns), score, chance
    level and knobs (``task.<knob>``), one aligned line each."""
    blocks = []
    for name in TASKS:
        task = make_task(name)
        lines = [
            f"{name}: {task.title}",
            *textwrap.wrap(task.description, width, initial_indent="  ", subsequent_indent="  "),
            f"  score: {task.primary_metric} (chance {task.chance:g}); inputs "
            f"{task.n_in}, outputs {task.n_out} ({task.output}, {task.loss})",
            "  knobs (set with --set task.<knob>=VALUE):",
        ]
        lines += _knob_rows(task.knobs)
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def describe_presets() -> str:
    """Every preset: name, title, description and its main settings."""
    if not preset_names():
        return f"no presets found in {presets_dir()}"
    blocks = []
    for preset in list_presets():  # a broken one: a warning line on stderr, skipped
        name, exp = preset.name, preset.experiment
        knobs = ", ".join(f"task.{k}={v}" for k, v in exp.knobs.items())
        clip = "none" if exp.clip_norm is None else f"{exp.clip_norm:g}"
        blocks.append(
            f"{name}{' (default)' if name == DEFAULT_PRESET else ''}: {exp.title}\n"
            f"  {exp.description}\n"
            f"  task={exp.task} ({knobs}); cell={exp.cell} activation={exp.activation} "
            f"n_hidden={exp.n_hidden}; optimizer={exp.optimizer} lr={exp.lr:g} "
            f"clip_norm={clip} update_every={exp.update_every} batch_size={exp.batch_size}"
        )
    return "\n\n".join(blocks)
