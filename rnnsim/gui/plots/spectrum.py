"""The spectrum of W_s: eigenvalues in the complex plane (unit and 1/γ circles), singular values.

σ_max(W_s) < 1/γ guarantees the BPTT product shrinks every step (vanishing gradient); the
eigenvalues show how the state evolves without input.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from rnnsim.gui.number_format import number
from rnnsim.gui.plots.base import PlotView
from rnnsim.gui.plots.common import (
    Table,
    curve,
    dashed,
    integer_axis,
    legend_below,
    pen,
    set_legend,
)

CIRCLE = np.exp(1j * np.linspace(0, 2 * np.pi, 361))  # (361,) points of the unit circle


class SpectrumPlot(PlotView):
    """Eigenvalues λ of W_s (left) and its singular values σ_i (right)."""

    name = "spectrum"
    title = "Spectrum of W_s"

    def _build(self):
        self.plane = self.add_plot(0, 0, "eigenvalues λ of W_s", "Re λ", "Im λ")
        self.plane.setAspectLocked(True)
        legend_below(self, self.plane, 1, 0)  # long entries: never over the circles
        self.unit = curve(self.plane, "unit circle |λ| = 1", pg.mkPen("#444444", width=1.5))
        self.inverse_gamma = curve(self.plane, "circle |λ| = 1/γ", dashed("#B00020", 1.5))
        self.sigma_circle = curve(
            self.plane, "circle |λ| = σ_max(W_s)", dashed(pen(2).color().name(), 1.2)
        )
        self.eig = curve(
            self.plane,
            "eigenvalues λ_i",
            None,
            symbol="o",
            symbolSize=8,
            symbolBrush=pen(0).color(),
            symbolPen=pg.mkPen("#202020"),
        )
        self.sv_plot = self.add_plot(
            0, 1, "singular values σ_i of W_s", "index i (descending)", "singular value σ_i"
        )  # one curve: named by the axes
        integer_axis(self.sv_plot)
        self.sv = curve(
            self.sv_plot,
            "σ_i",
            pen(0, 1.5),
            symbol="o",
            symbolSize=7,
            symbolBrush=pen(0).color(),
            symbolPen=None,
        )
        self.one = pg.InfiniteLine(
            angle=0,
            pos=1.0,
            pen=pg.mkPen("#444444", width=1.2),
            label="1",
            labelOpts={"color": "#444444", "position": 0.9, "anchors": [(0.5, 1), (0.5, 1)]},
        )
        self.inv_line = pg.InfiniteLine(
            angle=0,
            pen=dashed("#B00020", 1.5),
            label="1/γ",
            labelOpts={"color": "#B00020", "position": 0.9, "anchors": [(0.5, 1), (0.5, 1)]},
        )
        self.sv_plot.addItem(self.one)
        self.sv_plot.addItem(self.inv_line)

    def _draw(self, snap):
        lam = np.asarray(snap.eigenvalues).astype(complex)  # (H,)
        sv = np.asarray(snap.singular_values, dtype=float)  # (H,)
        inv = 1.0 / snap.gamma if snap.gamma > 0 else np.inf
        self.eig.setData(lam.real, lam.imag)
        self.unit.setData(CIRCLE.real, CIRCLE.imag)
        distinct = bool(np.isfinite(inv) and inv != 1.0)
        self.inverse_gamma.setVisible(distinct)
        set_legend(
            self.plane,
            [
                (self.unit, "unit circle |λ| = 1" + ("" if distinct else " = 1/γ")),
                *([(self.inverse_gamma, f"circle |λ| = 1/γ = {number(inv)}")] if distinct else []),
                (self.sigma_circle, f"circle |λ| = σ_max(W_s) = {number(snap.sigma_max)}"),
                (self.eig, "eigenvalues λ_i"),
            ],
        )
        if np.isfinite(inv):
            self.inverse_gamma.setData(inv * CIRCLE.real, inv * CIRCLE.imag)
        self.sigma_circle.setData(snap.sigma_max * CIRCLE.real, snap.sigma_max * CIRCLE.imag)
        reach = (
            max(
                1.0,
                inv if np.isfinite(inv) else 1.0,
                snap.sigma_max,
                float(np.abs(lam).max()) if lam.size else 1.0,
            )
            * 1.08
        )
        self.plane.setRange(xRange=(-reach, reach), yRange=(-reach, reach), padding=0)
        self.sv.setData(np.arange(sv.size), sv)
        self.inv_line.setVisible(distinct)
        self.one.label.setFormat("1" if distinct else "1 = 1/γ")
        self.inv_line.setValue(inv if distinct else 1.0)
        self.inv_line.label.setFormat(f"1/γ = {number(inv)}")
        top = max(float(sv.max()) if sv.size else 1.0, 1.0, inv if np.isfinite(inv) else 1.0)
        self.sv_plot.setYRange(0, top * 1.1, padding=0)
        self.sv_plot.setXRange(-0.5, max(sv.size - 0.5, 0.5), padding=0)

    def tables(self):
        if self.snapshot is None:
            return {}
        lam = np.asarray(self.snapshot.eigenvalues).astype(complex)
        sv = np.asarray(self.snapshot.singular_values, dtype=float)
        n = max(lam.size, sv.size)

        def padded(v):
            return np.concatenate([v, np.full(n - v.size, np.nan)])

        return {
            self.name: Table(
                ("i", "eigenvalue_real", "eigenvalue_imag", "eigenvalue_abs", "singular_value"),
                (np.arange(n), padded(lam.real), padded(lam.imag), padded(np.abs(lam)), padded(sv)),
            )
        }
