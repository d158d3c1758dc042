"""Every number the window shows goes through here: 4 significant digits, nan and inf spelled.

The status bar, the canvas (E_t, ‖∂E/∂s_k‖, ‖ΔW‖, the colour bars), the plot labels and axes,
the Inspector, the Lecture panel and the report all format with these functions, so a diverged
network (losses of 1e143, NaN weights) still reads ``4.002e143`` or ``nan``, never a line of
digits and never an exception in a paint event.

    number(0.123456)     '0.1235'        number(4.0015e143)  '4.002e143'
    number(float("nan")) 'nan'           number(-math.inf)   '−inf'
    number(None)         '—'             fixed(0.8, 2)       '0.80'
    number(-0.0)         '0'             fixed(-0.001, 2)    '0.00'
    sci(1.5e-7)          '1.5e-7'        vector([1, 2.5])    '[1, 2.5]'
"""

from __future__ import annotations

import math
import re

import numpy as np

DIGITS = 4  # significant digits of every number shown
MISSING = "—"  # no value (not computed yet)
TICK_DIGITS_MAX = 7  # significant digits a tick label may grow to, to differ from its neighbours
SHOWN_ENTRIES = 6  # entries of a vector written out before "… (n entries)"
_EXPONENT = re.compile(r"e([+-])0*(\d)")


def _special(x) -> str | None:
    """The text of a value that is not an ordinary finite number, else None."""
    if x is None:
        return MISSING
    try:
        v = float(x)
    except (TypeError, ValueError):
        return str(x)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "−inf"
    return None


def _unsigned_zero(text: str) -> str:
    """``-0`` and ``-0.00`` (a negative zero, or a tiny negative rounded away) → ``0``, ``0.00``:
    a zero has no sign for the reader (E₂ = -0 where the loss of a frame is exactly 0)."""
    if text.startswith("-") and not text.strip("-0."):
        return text[1:]
    return text


def _tidy(text: str) -> str:
    """``1.5e-07`` → ``1.5e-7``, ``4.002e+143`` → ``4.002e143``."""
    return _EXPONENT.sub(lambda m: "e" + ("-" if m.group(1) == "-" else "") + m.group(2), text)


def number(x, digits: int = DIGITS) -> str:
    """``x`` to ``digits`` significant digits (scientific when very large or small).

    Integers below 10^6 are written whole; None is "—", NaN "nan", infinities "inf"/"−inf".
    """
    special = _special(x)
    if special is not None:
        return special
    if isinstance(x, (int, np.integer)) and not isinstance(x, bool) and abs(int(x)) < 10**6:
        return str(int(x))
    return _unsigned_zero(_tidy(f"{float(x):.{digits}g}"))


def fixed(x, decimals: int = 2) -> str:
    """``x`` with ``decimals`` decimals (probabilities: ``0.80``); huge values go scientific."""
    special = _special(x)
    if special is not None:
        return special
    v = float(x)
    return number(v) if abs(v) >= 1e6 else _unsigned_zero(f"{v:.{decimals}f}")


def sci(x, digits: int = 2) -> str:
    """``x`` in scientific notation with ``digits`` significant digits (``1.5e-7``)."""
    special = _special(x)
    if special is not None:
        return special
    return _tidy(f"{float(x) + 0.0:.{max(digits - 1, 0)}e}")  # + 0.0: -0.0 → 0.0


def vector(v, shown: int = SHOWN_ENTRIES, digits: int = DIGITS) -> str:
    """A short row vector: the first ``shown`` entries, then how many there are."""
    v = np.asarray(v, dtype=float).ravel()
    text = ", ".join(number(x, digits) for x in v[:shown])
    more = f", … ({v.size} entries)" if v.size > shown else ""
    return f"[{text}{more}]"


def finite_or(x, default: float) -> float:
    """``float(x)`` when finite, else ``default`` (for positions and sizes computed from data)."""
    try:
        v = float(x)
    except (TypeError, ValueError):
        return default
    return v if math.isfinite(v) else default


def tick_labels(values, digits: int = 3, spacing: float | None = None) -> list[str]:
    """Short labels for axis or colour-bar ticks: ``digits`` significant digits, more (up to
    ``TICK_DIGITS_MAX``) when neighbours would otherwise read the same (1.000012, 1.000014);
    whole numbers below 10^6 written whole (1500, not 1.5e3). ``spacing``, the distance
    between ticks, turns rounding noise into 0 (a tick at 2.2e-17 between −0.5 and 0.5).
    """
    values = list(values)
    v = [finite_or(x, math.nan) for x in values]
    if spacing is not None and math.isfinite(spacing) and spacing > 0:
        v = [0.0 if abs(x) < spacing * 1e-9 else x for x in v]
    finite = [x for x in v if math.isfinite(x)]
    whole = bool(finite) and all(x == round(x) and abs(x) < 10**6 for x in finite)
    labels: list[str] = []
    for d in range(digits, TICK_DIGITS_MAX + 1):
        labels = [
            (str(int(x)) if whole else number(x, d)) if math.isfinite(x) else number(raw)
            for x, raw in zip(v, values, strict=True)
        ]
        shown = [label for x, label in zip(v, labels, strict=True) if math.isfinite(x)]
        if whole or len(set(shown)) == len(shown):
            break
    return labels


def log_tick_labels(exponents) -> list[str]:
    """Labels for ticks of a log₁₀ axis at ``exponents``: 10^e read as a number (0.001, 2,
    1000) near 1, as ``1e-6``, ``3.2e-6`` or ``1e300`` beyond, never overflowing (``1e400``)."""
    labels = []
    for e in exponents:
        special = _special(e)
        if special is not None:
            labels.append({"−inf": "0"}.get(special, special))
            continue
        e = float(e)
        if -3 <= e < 4:
            labels += tick_labels([10.0**e], digits=2)
        elif abs(e - round(e)) < 1e-9:
            labels.append(f"1e{round(e)}")
        else:
            whole = math.floor(e)
            labels.append(f"{number(10.0 ** (e - whole), 2)}e{whole}")
    return labels
