"""What the Experiment panel knows about each field: choices, tooltips, what re-initialises."""

from __future__ import annotations

from rnnsim.engine import ACTIVATIONS, CELLS, INITIALIZERS, OPTIMIZERS
from rnnsim.sim.apply import LATER_FIELDS, SHAPE_FIELDS
from rnnsim.tasks import TASKS

KNOB_FIELD = "knobs"

# Fields whose change alters the shapes of W_x, W_s, W_y (or their dtype): the simulation
# draws new weights. Task knobs that change n_in or n_out do too (checked when applied).
RESHAPING = ("task", *SHAPE_FIELDS)
# Fields that only matter when weights are drawn: applied live, they act at the next Reset.
AT_RESET = LATER_FIELDS

TOOLTIPS = {
    "title": "A name for this experiment (shown in reports).",
    "description": "What this experiment shows.",
    "task": "Where x_t and d_t come from: the sequences the network learns.",
    "cell": "elman: s_t = Φ(x_t·W_x + s_{t−1}·W_s + b_s); lstm and gru replace it with a gated "
    "cell whose memory fades less.",
    "activation": "Φ in s_t = Φ(x_t·W_x + s_{t−1}·W_s + b_s); its slope bound γ (1/4 sigmoid, "
    "1 tanh) sets how fast the gradient vanishes.",
    "n_hidden": "H, the number of units of s_t: W_s is H × H, W_x is n_in × H, W_y is H × n_out.",
    "output": "The function applied to s_t·W_y + b_y to give y_t (set by the task).",
    "loss": "E_t = loss(y_t, d_t) (set by the task).",
    "init": "How W_x, W_s, W_y are drawn when the weights are (re-)initialised.",
    "ws_scale": "σ_max of W_s after initialisation: γ·σ_max < 1 makes the gradient vanish, "
    "> 1 lets it explode. none: as drawn.",
    "optimizer": "How W ← W − η·(mean ∂E/∂W) is applied (plain SGD, or with momentum/"
    "adaptive steps).",
    "lr": "η, the learning rate of W ← W − η·∂E/∂W.",
    "beta": "Momentum β: the step keeps β of the previous step.",
    "rho": "RMSprop's decay of its running mean of (∂E/∂W)².",
    "beta1": "Adam's decay of its mean of ∂E/∂W.",
    "beta2": "Adam's decay of its mean of (∂E/∂W)².",
    "eps": "ε added to the denominators of Adagrad, RMSprop and Adam.",
    "clip_norm": "Gradient clipping: if ‖g‖ > θ then g ← θ·g/‖g‖ (none: off).",
    "clip_value": "Clip every entry of ∂E/∂W into [−v, v] (none: off).",
    "bptt_steps": "Truncated BPTT: ∂E/∂s_t is not carried back across every k-th step "
    "(none: full BPTT).",
    "update_every": "M: the gradients of M sequences are averaged into one weight update.",
    "batch_size": "B sequences per batch; E = (1/B) Σ_b Σ_t E_t.",
    "seed": "Seeds the initial weights and the sequences (same seed, same run).",
    "dtype": "Floating-point precision of every array.",
}


def choices_of(name):
    """The accepted values of a choice field, or None for a free-form field."""
    if name == "task":
        return tuple(TASKS)
    return {
        "cell": tuple(CELLS),
        "activation": tuple(ACTIVATIONS),
        "init": tuple(INITIALIZERS),
        "optimizer": tuple(OPTIMIZERS),
        "dtype": ("float64", "float32"),
    }.get(name)


def tooltip_of(name):
    """What the field does to the equations."""
    return TOOLTIPS.get(name, name)


def knob_specs(experiment):
    """(name, value, choices, help) of each knob of the experiment's task."""
    task = experiment.make_task()
    out = []
    for knob in task.knobs:
        choices = tuple(knob.choices) if knob.kind == "choice" and knob.choices else None
        rng = ""
        if knob.kind in ("int", "float") and knob.low is not None:
            rng = f" Range {knob.low} … {knob.high}."
        out.append(
            (knob.name, experiment.knobs.get(knob.name, knob.default), choices, f"{knob.help}{rng}")
        )
    return out


def reinitialises(name):
    """Whether applying a change of field ``name`` draws new weights (shapes change)."""
    return name in RESHAPING


def note_of(name):
    """The note shown under a field's editor about what applying it does to the weights."""
    if name in RESHAPING:
        return "⟳ re-initialises the weights"
    if name in AT_RESET:
        return "takes effect at the next Reset"
    return ""


def shapes_of(experiment):
    """What the weights' shapes depend on: (n_in, n_out, cell, n_hidden, dtype)."""
    task = experiment.make_task()
    return (task.n_in, task.n_out, experiment.cell, experiment.n_hidden, experiment.dtype)


def with_value(experiment, name, text):
    """The experiment with field ``name`` (or ``task.<knob>``) set from typed ``text``.

    Raises
    ------
    ValueError
        Naming the field, what was typed and what is accepted.
    """
    return experiment.with_values({name: text})


def custom_experiment(experiment, text):
    """``experiment`` switched to the custom task running the typed sequence(s) ``text``.

    Raises
    ------
    ValueError
        For an empty text, or one the custom task refuses (the message names line and column).
    """
    if not text.strip():
        raise ValueError(
            "sequence: got an empty text, expected tokens such as 'bear tree squirrel -> wolf'"
        )
    values = {"task.sequences": text, "task.path": ""}
    if experiment.task != "custom":
        values["task"] = "custom"
    return experiment.with_values(values)
