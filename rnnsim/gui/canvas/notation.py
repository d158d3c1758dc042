"""The lecture's notation as text: x_t, s_t, y_t, W_x, W_s, W_y, E_t with real subscripts."""

from __future__ import annotations

_SUB = str.maketrans("0123456789+-=()aehijklmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ")


def sub(name, index):
    """``name`` with ``index`` as a Unicode subscript: ``sub("s", 12)`` → ``"s₁₂"``.

    Letters without a Unicode subscript form (such as ``y``) are kept as ``_y``.
    """
    text = str(index)
    translated = text.translate(_SUB)
    if any(ch in text for ch in "bcdfgqwyz"):
        return f"{name}_{text}"
    return f"{name}{translated}"


def html_sub(name, index, italic=True):
    """``name`` with an HTML subscript: ``html_sub("W", "y")`` → ``<i>W</i><sub>y</sub>``."""
    base = f"<i>{name}</i>" if italic else name
    return f"{base}<sub>{index}</sub>"


WEIGHT_LABELS = {"Wx": ("W", "x"), "Ws": ("W", "s"), "Wy": ("W", "y")}


def weight_html(param):
    """HTML label of a parameter name: ``Wx`` → W<sub>x</sub>, ``bs`` → b<sub>s</sub>."""
    if len(param) >= 2 and param[0] in "Wb":
        return html_sub(param[0], param[1:])
    return param
