"""Field checks of an Experiment: each failure is a ValueError naming the field."""

from __future__ import annotations

import math
import numbers
import re

#: Characters no text may hold (XML and SVG cannot carry them): C0/C1 controls except tab
#: and newline, surrogates, U+FFFE and U+FFFF.
CONTROL = re.compile("[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def choice(field: str, value, accepted) -> str:
    """Return ``value`` if it is one of ``accepted`` (strings)."""
    if not isinstance(value, str) or value not in accepted:
        names = ", ".join(repr(a) for a in accepted)
        raise ValueError(f"{field}: got {value!r}, expected one of {names}")
    return value


def integer(field: str, value, low: int, high: int | None = None) -> int:
    """Return ``value`` if it is an integer in [low, high] (bool refused)."""
    ok = isinstance(value, numbers.Integral) and not isinstance(value, bool)
    ok = ok and value >= low and (high is None or value <= high)
    if not ok:
        upper = f" and <= {high}" if high is not None else ""
        raise ValueError(f"{field}: got {value!r}, expected an integer >= {low}{upper}")
    return int(value)


def optional_integer(field: str, value, low: int, meaning: str) -> int | None:
    """Return None or an integer >= low; ``meaning`` says what None means."""
    if value is None:
        return None
    ok = isinstance(value, numbers.Integral) and not isinstance(value, bool) and int(value) >= low
    if not ok:
        raise ValueError(
            f"{field}: got {value!r}, expected None ({meaning}) or an integer >= {low}"
        )
    return int(value)


def positive(field: str, value, high: float | None = None) -> float:
    """Return ``value`` as a float if it is finite, > 0 (and <= high)."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    ok = ok and math.isfinite(value) and value > 0 and (high is None or value <= high)
    if not ok:
        upper = f" and <= {high}" if high is not None else ""
        raise ValueError(f"{field}: got {value!r}, expected a finite number > 0{upper}")
    return float(value)


def optional_positive(field: str, value, meaning: str, high: float | None = None) -> float | None:
    """Return None or a finite float > 0 (and <= high); ``meaning`` says what None means."""
    if value is None:
        return None
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if not (ok and math.isfinite(value) and value > 0 and (high is None or value <= high)):
        upper = f" and <= {high:g}" if high is not None else ""
        raise ValueError(
            f"{field}: got {value!r}, expected None ({meaning}) or a finite number > 0{upper}"
        )
    return float(value)


def unit(field: str, value) -> float:
    """Return ``value`` as a float if it lies in [0, 1)."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if not (ok and 0.0 <= value < 1.0):
        raise ValueError(f"{field}: got {value!r}, expected a number in [0, 1)")
    return float(value)


def text(field: str, value, limit: int = 10_000) -> str:
    """Return ``value`` if it is a string of at most ``limit`` characters."""
    if not isinstance(value, str) or len(value) > limit:
        shown = value if not isinstance(value, str) else f"{len(value)} characters"
        raise ValueError(f"{field}: got {shown!r}, expected a string of at most {limit} characters")
    bad = CONTROL.search(value.replace("\r", ""))
    if bad:
        raise ValueError(
            f"{field}: control character {bad.group()!r} at position "
            f"{bad.start() + 1}; expected printable text"
        )
    return value
