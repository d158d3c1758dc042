"""Parsing typed text ("0.01", "none", "true") into experiment field and task knob values."""

from __future__ import annotations

from typing import Any

INT_FIELDS = ("n_hidden", "update_every", "batch_size", "seed")
OPTIONAL_INT_FIELDS = ("bptt_steps",)
FLOAT_FIELDS = ("lr", "beta", "rho", "beta1", "beta2", "eps")
OPTIONAL_FLOAT_FIELDS = ("ws_scale", "clip_norm", "clip_value")
OPTIONAL_STR_FIELDS = ("output", "loss")
NONE_WORDS = ("none", "null", "off", "")
TRUE_WORDS = ("true", "yes", "on", "1")
FALSE_WORDS = ("false", "no", "off", "0")


def parse_field(name: str, value: Any, accepted: tuple[str, ...]) -> Any:
    """Return ``value`` for experiment field ``name``, parsed when it is a string.

    Non-strings are returned unchanged (the Experiment validates them). ``knobs`` cannot be
    set as a whole here: set each knob as ``task.<knob>``.
    """
    if name not in accepted or name == "knobs":
        raise ValueError(
            f"{name}: unknown experiment field; accepted: "
            f"{', '.join(a for a in accepted if a != 'knobs')}, task.<knob>"
        )
    if not isinstance(value, str):
        return value
    word = value.strip()
    if (
        name in OPTIONAL_INT_FIELDS + OPTIONAL_FLOAT_FIELDS + OPTIONAL_STR_FIELDS
        and word.lower() in NONE_WORDS
    ):
        return None
    if name in INT_FIELDS + OPTIONAL_INT_FIELDS:
        return _int(name, word)
    if name in FLOAT_FIELDS + OPTIONAL_FLOAT_FIELDS:
        return _float(name, word)
    return value


def parse_knob(path: str, value: Any, knob) -> Any:
    """Return ``value`` for a task knob (``knob.kind``: int, float, bool, choice, path)."""
    if not isinstance(value, str):
        return value
    word = value.strip()
    if knob.kind == "int":
        return _int(path, word)
    if knob.kind == "float":
        return _float(path, word)
    if knob.kind == "bool":
        if word.lower() in TRUE_WORDS:
            return True
        if word.lower() in FALSE_WORDS:
            return False
        raise ValueError(f"{path}: got {value!r}, expected true or false")
    return value


def _int(name: str, word: str) -> int:
    try:
        return int(word)
    except ValueError:
        raise ValueError(f"{name}: got {word!r}, expected a whole number") from None


def _float(name: str, word: str) -> float:
    try:
        return float(word)
    except ValueError:
        raise ValueError(f"{name}: got {word!r}, expected a number") from None
