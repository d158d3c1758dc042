"""Every number the window shows goes through here: 4 significant digits, nan and inf spelled.

The status bar, the canvas (E_t, ‖∂E/∂s_k‖, ‖ΔW‖, the colour bars), the plot labels and axes,
the Inspector, the Lecture panel and the report all format with these functions, so a diverged
network (losses of 1e143, NaN weights) still reads ``4.002e143`` or ``nan``, never a line of
digits and never an exception in a paint event.

    number(0.123456)     '0.1235'        number(4.0015e143)  '4.002e143'
    number(float("nan")) 'nan'           number(-math.inf)   '−inf'
    number(None)         '—'             fixed(0.8, 2)       '0.80'
    sci(1.5e-7)          '1.5e-7'        vector([1, 2.5])    '[1, 2.5]'
"""

from __future__ import annotations

import math
import re

import numpy as np

DIGITS = 4  # significant digits of every number shown
MISSING = "—"  # no value (not computed yet)
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
    return _tidy(f"{float(x):.{digits}g}")


def fixed(x, decimals: int = 2) -> str:
    """``x`` with ``decimals`` decimals (probabilities: ``0.80``); huge values go scientific."""
    special = _special(x)
    if special is not None:
        return special
    v = float(x)
    return number(v) if abs(v) >= 1e6 else f"{v:.{decimals}f}"


def sci(x, digits: int = 2) -> str:
    """``x`` in scientific notation with ``digits`` significant digits (``1.5e-7``)."""
    special = _special(x)
    if special is not None:
        return special
    return _tidy(f"{float(x):.{max(digits - 1, 0)}e}")


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


def tick_labels(values, digits: int = 3) -> list[str]:
    """Short labels for axis or colour-bar ticks (``digits`` significant digits)."""
    return [number(v, digits) for v in values]
