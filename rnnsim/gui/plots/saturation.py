"""Saturation: Φ and Φ' with a histogram of the pre-activations a_t (the lecture's picture).

Where the pre-activations sit far from 0, Φ'(a) ≈ 0 and the gradient through that unit
vanishes; γ = max Φ' bounds every factor of the BPTT product.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from rnnsim.engine import get_activation
from rnnsim.gui.number_format import number
from rnnsim.gui.plots.base import PlotView
from rnnsim.gui.plots.common import Table, curve, dashed, pen

GRID_POINTS = 401
BINS = 40
BLOCK = {"elman": 0, "lstm": 3, "gru": 2}  # which block of a holds Φ's argument (a_g, a_n)
PRE = {"elman": "a_t", "lstm": "a_g (candidate)", "gru": "a_n (candidate)"}


def phi_argument(snap) -> np.ndarray:
    """The pre-activations Φ is applied to, frames 0..t−1: (t, H)."""
    a = np.asarray(snap.a)  # (t, G)
    H = np.asarray(snap.s).shape[1]
    block = BLOCK.get(snap.cell, 0)
    return a[:, block * H : (block + 1) * H]


def a_range(values: np.ndarray) -> tuple[float, float]:
    """x range: at least [−5, 5], widened to cover the data (at most ±60)."""
    finite = values[np.isfinite(values)]
    lo = min(-5.0, float(finite.min()) * 1.05) if finite.size else -5.0
    hi = max(5.0, float(finite.max()) * 1.05) if finite.size else 5.0
    return max(lo, -60.0), min(hi, 60.0)


class SaturationPlot(PlotView):
    """Φ(a), Φ'(a), a histogram of the pre-activations and the current frame's units."""

    name = "saturation"
    title = "Saturation: Φ, Φ' and a_t"

    def _build(self):
        self.plot = self.add_plot(
            0,
            0,
            "Φ(a), Φ'(a) and where the pre-activations a_t are",
            "pre-activation a",
            "Φ(a), Φ'(a); histogram (peak = 1)",
            legend=True,
        )
        self.plot.legend.anchor((0, 0), (0, 0), offset=(8, 8))
        self.hist = curve(
            self.plot,
            "histogram of a_t (this sequence)",
            pg.mkPen("#888888", width=1),
            stepMode="center",
            fillLevel=0,
            brush=pg.mkBrush(150, 150, 150, 90),
        )
        self.phi = curve(self.plot, "Φ(a)", pen(0, 2.5))
        self.dphi = curve(self.plot, "Φ'(a)", pen(1, 2.5))
        self.now = curve(
            self.plot,
            "units at the current step: (a_t[i], Φ'(a_t[i]))",
            None,
            symbol="o",
            symbolSize=8,
            symbolBrush=pen(1).color(),
            symbolPen=pg.mkPen("#202020"),
        )
        self.gamma = pg.InfiniteLine(
            angle=0,
            pen=dashed("#444444", 1.2),
            label="γ",
            labelOpts={"color": "#444444", "position": 0.8, "anchors": [(0.5, 0), (0.5, 0)]},
        )
        self.plot.addItem(self.gamma)
        self.data = {}

    def _draw(self, snap):
        act = get_activation(snap.activation)
        values = phi_argument(snap)  # (t, H)
        lo, hi = a_range(values)
        grid = np.linspace(lo, hi, GRID_POINTS)  # (GRID_POINTS,)
        f = act.f(grid)
        df = act.df(grid, f)
        self.phi.setData(grid, f)
        self.dphi.setData(grid, df)
        flat = values[np.isfinite(values)].ravel()
        counts, edges = np.histogram(flat, bins=BINS, range=(lo, hi))
        peak = counts.max() if counts.size and counts.max() > 0 else 1
        self.hist.setData(edges, counts / peak)
        current = values[-1] if values.shape[0] else np.zeros(0)  # (H,) a_t of the last frame
        cur_f = act.f(current)
        self.now.setData(current, act.df(current, cur_f))
        self.gamma.setValue(snap.gamma)
        self.gamma.label.setFormat(f"γ = max Φ' = {number(snap.gamma)}")
        self.plot.setTitle(
            f"Φ = {snap.activation}: Φ(a), Φ'(a) and where the pre-activations "
            f"{PRE.get(snap.cell, 'a_t')} are",
            color="#202020",
            size="11pt",
        )
        top = max(1.05, float(np.nanmax(f)) if snap.activation != "relu" else 1.05)
        bottom = min(-0.05, float(np.nanmin(f)) - 0.05)
        self.plot.setYRange(bottom, min(top, 2.0) + 0.05, padding=0)
        self.plot.setXRange(lo, hi, padding=0)
        self.data = {
            "grid": grid,
            "phi": f,
            "dphi": df,
            "edges": edges,
            "counts": counts,
            "current": current,
        }

    def tables(self):
        if self.snapshot is None:
            return {}
        d = self.data
        centres = (d["edges"][:-1] + d["edges"][1:]) / 2
        return {
            self.name: Table(("a", "phi", "dphi"), (d["grid"], d["phi"], d["dphi"])),
            f"{self.name}_histogram": Table(
                ("bin_left", "bin_right", "bin_centre", "count"),
                (d["edges"][:-1], d["edges"][1:], centres, d["counts"]),
            ),
        }
