"""Colour scales of the canvas: activations, probabilities and gradient norms (log scale)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtGui import QColor, QImage

EMPTY_ARGB = 0x00000000  # transparent: not yet computed (NaN)


def _lut(stops, n=256):
    """Interpolate RGB ``stops`` [(position, (r, g, b)), ...] into an (n,) uint32 ARGB table."""
    pos = np.array([p for p, _ in stops])
    rgb = np.array([c for _, c in stops], dtype=float)  # (stops, 3)
    x = np.linspace(0.0, 1.0, n)
    chans = [np.interp(x, pos, rgb[:, i]).round().astype(np.uint32) for i in range(3)]
    return (0xFF << 24) | (chans[0] << 16) | (chans[1] << 8) | chans[2]  # (n,)


# Blue (negative) – white (zero) – red (positive), like ColorBrewer's RdBu.
DIVERGING = _lut(
    [
        (0.0, (33, 102, 172)),
        (0.25, (146, 197, 222)),
        (0.5, (247, 247, 247)),
        (0.75, (244, 165, 130)),
        (1.0, (178, 24, 43)),
    ]
)
# White to red: sigmoid states in [0, 1], ReLU states in [0, max].
POSITIVE = _lut([(0.0, (247, 247, 247)), (0.5, (244, 165, 130)), (1.0, (178, 24, 43))])
# White to green: output probabilities y_t.
PROBABILITY = _lut([(0.0, (247, 252, 245)), (0.5, (116, 196, 118)), (1.0, (0, 90, 50))])
# Pale yellow (faded) to dark purple (strong): gradient norms on a log scale.
GRADIENT = _lut(
    [(0.0, (255, 245, 200)), (0.35, (253, 174, 97)), (0.7, (215, 48, 39)), (1.0, (84, 0, 95))]
)


@dataclass
class ColorScale:
    """Map values to colours through a lookup table.

    Parameters
    ----------
    lo, hi : float
        Values mapped to the two ends of the table (in log10 units when ``log``).
    lut : ndarray
        (n,) uint32 ARGB colours.
    log : bool
        Map ``log10(value)`` instead of ``value``; values <= 0 count as ``lo``.
    title : str
        What the scale shows (drawn by the legend).
    """

    lo: float
    hi: float
    lut: np.ndarray
    log: bool = False
    title: str = ""

    def fraction(self, values):
        """Position of ``values`` on the scale, clipped to [0, 1]; NaN stays NaN."""
        v = np.asarray(values, dtype=float)
        if self.log:
            with np.errstate(divide="ignore", invalid="ignore"):
                v = np.log10(np.where(v > 0, v, 10.0**self.lo))
        span = self.hi - self.lo if self.hi > self.lo else 1.0
        return np.clip((v - self.lo) / span, 0.0, 1.0)

    def argb(self, values):
        """ARGB colours of ``values`` (same shape); NaN becomes transparent."""
        f = self.fraction(values)
        nan = np.isnan(f)
        idx = np.where(nan, 0, f * (len(self.lut) - 1)).astype(np.intp)
        out = self.lut[idx]
        out[nan] = EMPTY_ARGB
        return out

    def qcolor(self, value):
        """The QColor of one value."""
        return QColor.fromRgba(int(self.argb(np.array([value]))[0]))


def activation_scale(activation, lo=None, hi=None):
    """The colour scale of states s_t for activation Φ (range of Φ, diverging around 0)."""
    if activation == "sigmoid":
        return ColorScale(0.0, 1.0, POSITIVE, title="s_t = Φ(a_t)  (sigmoid, 0…1)")
    if activation == "relu":
        top = hi if hi is not None and hi > 0 else 1.0
        return ColorScale(0.0, float(top), POSITIVE, title="s_t = Φ(a_t)  (ReLU, 0…max)")
    return ColorScale(-1.0, 1.0, DIVERGING, title="s_t, x_t  (−1 … 0 … +1)")


def probability_scale():
    """The colour scale of outputs y_t (probabilities or values in [0, 1])."""
    return ColorScale(0.0, 1.0, PROBABILITY, title="y_t")


def gradient_scale(norms):
    """A log scale spanning the finite, positive gradient norms (at most 8 decades)."""
    v = np.asarray(norms, dtype=float)
    v = v[np.isfinite(v) & (v > 0)]
    if v.size == 0:
        return ColorScale(-4.0, 0.0, GRADIENT, log=True, title="‖∂E/∂s_k‖")
    hi = float(np.ceil(np.log10(v.max())))
    lo = max(float(np.floor(np.log10(v.min()))), hi - 8.0)
    if lo >= hi:
        lo = hi - 1.0
    return ColorScale(lo, hi, GRADIENT, log=True, title="‖∂E/∂s_k‖")


def strip_image(argb):
    """A 1-pixel-high QImage of the (n,) ARGB colours (for activation bars)."""
    row = np.ascontiguousarray(argb, dtype=np.uint32).reshape(1, -1)
    img = QImage(row.data, row.shape[1], 1, row.shape[1] * 4, QImage.Format.Format_ARGB32)
    return img.copy()
