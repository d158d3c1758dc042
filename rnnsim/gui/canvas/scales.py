"""The four colour scales of one snapshot, shared by the views and the legend."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnnsim.gui.canvas.colors import DIVERGING, ColorScale, probability_scale
from rnnsim.gui.canvas.readout import PROBABILISTIC, output_kind


@dataclass
class Scales:
    """Colour scales for s_t (and c_t), x_t, y_t and ‖∂E/∂s_k‖ of one snapshot."""

    state: ColorScale
    inputs: ColorScale
    outputs: ColorScale
    grad: ColorScale
    grad_norms: np.ndarray  # (T+1,) ‖∂E/∂s_j‖, NaN where the sweep has not been yet
    output_kind: str

    @classmethod
    def of(cls, snapshot, activation_scale, gradient_scale, grad_source="total"):
        """Build the scales of ``snapshot`` with the given factories.

        ``grad_source`` "total" draws ‖∂E/∂s_j‖ of the displayed sequence (all frames' losses);
        "last" draws ‖∂E_T/∂s_j‖, the last frame's loss alone (the lecture's ∂E_N/∂s_i, from
        the batch's gradient flow G[T−1, j]), revealed as far as the sweep has come.
        """
        s = np.asarray(snapshot.s, dtype=float)
        finite = s[np.isfinite(s)]
        relu_top = float(finite.max()) if finite.size else 1.0  # a diverged state is inf/nan
        state = activation_scale(snapshot.activation, hi=relu_top)
        x = np.asarray(snapshot.X)
        top = float(np.nanmax(np.abs(x))) if x.size and not np.isnan(x).all() else 1.0
        top = 1.0 if not np.isfinite(top) or top <= 1.0 else float(np.ceil(top))
        inputs = ColorScale(-top, top, DIVERGING, title="x_t")
        kind = output_kind(snapshot)
        if kind in PROBABILISTIC:
            outputs = probability_scale()
        else:
            y = np.asarray(snapshot.y)
            y = y[np.isfinite(y)]
            m = float(np.max(np.abs(y))) if y.size else 1.0
            m = m if np.isfinite(m) and m > 0 else 1.0
            outputs = ColorScale(-m, m, DIVERGING, title="y_t")
        with np.errstate(invalid="ignore"):
            norms = np.sqrt(np.sum(np.asarray(snapshot.dE_ds, dtype=float) ** 2, axis=1))
        G = snapshot.grad_flow
        if grad_source == "last" and G is not None and G.shape[0] >= 1:
            last = np.array(G[-1], dtype=float)  # (T+1,) ‖∂E_T/∂s_j‖
            last[np.isnan(norms)] = np.nan
            norms = last
        return cls(state, inputs, outputs, gradient_scale(norms), norms, kind)
