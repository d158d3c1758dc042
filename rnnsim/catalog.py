"""What there is to run: the tasks with their knobs, and the presets in ``resources/presets``.

A preset is an experiment JSON file (``Experiment.to_json()``); its name is the file name
without ``.json``. The default experiment is the preset ``wolf``.
"""

from __future__ import annotations

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


def _knob_line(knob) -> str:
    if knob.kind in ("int", "float"):
        accepted = f"{knob.low:g}..{knob.high:g}"
    elif knob.kind == "choice":
        accepted = "|".join(knob.choices)
    else:
        accepted = knob.kind
    return f"    task.{knob.name} = {knob.default!r:<8} ({knob.kind}, {accepted})  {knob.help}"


def describe_tasks() -> str:
    """Every task: name, title, description, score, chance level and knobs (``task.<knob>``)."""
    blocks = []
    for name in TASKS:
        task = make_task(name)
        lines = [
            f"{name}: {task.title}",
            f"  {task.description}",
            f"  score: {task.primary_metric} (chance {task.chance:g}); inputs "
            f"{task.n_in}, outputs {task.n_out} ({task.output}, {task.loss})",
            "  knobs (set with --set task.<knob>=VALUE):",
        ]
        lines += [_knob_line(k) for k in task.knobs] or ["    (none)"]
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
