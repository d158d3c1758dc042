"""Gradient flow through time: ‖∂E_t/∂s_k‖ against the lag t − k, with the lecture's bound.

The lecture's step Jacobian ∂s_j/∂s_{j−1} = diag(Φ'(a_j))·W_sᵀ has norm ≤ γ·σ_max(W_s), so the
gradient reaching back ``lag`` steps is at most (γ·σ_max(W_s))^lag times the one at lag 0.
Lag 0 is the state s_t the loss E_t reads (code: E[t] reads s[t+1], so lag = t + 1 − k).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QCheckBox, QLabel, QSizePolicy

from rnnsim.gui.number_format import number
from rnnsim.gui.plots.base import PlotView
from rnnsim.gui.plots.common import (
    Table,
    colorbar,
    colormap,
    curve,
    dashed,
    integer_axis,
    legend_below,
    pen,
    positive,
    set_legend,
)


def live_curve(dE_ds: np.ndarray, T: int) -> tuple[np.ndarray, np.ndarray]:
    """‖∂E/∂s_k‖ from the backward sweep against lag T − k; NaN where not yet reached.

    dE_ds : (T+1, H). Returns lags (T+1,) = T..0 reversed to 0..T and norms (T+1,).
    """
    norms = np.linalg.norm(np.nan_to_num(dE_ds, nan=0.0), axis=1)  # (T+1,)
    norms[np.isnan(dE_ds).any(axis=1)] = np.nan
    k = np.arange(T, -1, -1)
    return T - k, norms[k]


def last_frame_curve(G: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row T−1 of G (the loss of the last frame) against lag T − k, k = T..0."""
    T = G.shape[0]
    k = np.arange(T, -1, -1)
    return T - k, G[T - 1, k]


def mean_over_frames(G: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean of G[t, t+1−lag] over the frames t whose loss reaches s[t+1] (G[t, t+1] > 0).

    G : (T, T+1). Returns lags (T+1,) and means (T+1,) (NaN where no frame reaches that far).
    """
    T = G.shape[0]
    frames = np.flatnonzero(G[np.arange(T), np.arange(1, T + 1)] > 0)  # frames with a loss
    lags = np.arange(T + 1)
    out = np.full(T + 1, np.nan)
    for lag in lags:
        ts = frames[frames + 1 - lag >= 0]
        if ts.size:
            out[lag] = G[ts, ts + 1 - lag].mean()
    return lags, out


def bound_curve(start: float, factor: float, lags: np.ndarray) -> np.ndarray:
    """The lecture's bound start·(γ·σ_max(W_s))^lag."""
    with np.errstate(over="ignore", under="ignore"):
        return start * np.power(factor, lags.astype(float))


class GradientFlowPlot(PlotView):
    """The vanishing (or exploding) gradient: gradient norms against the time lag."""

    name = "gradient_flow"
    title = "Gradient flow through time"

    def _build(self):
        self.show_matrix = QCheckBox("Show the full G[t, k]")  # short: narrow docks, projector
        self.show_matrix.setToolTip(
            "G[t, k] = ‖∂E_t/∂s_k‖ for every frame t and every earlier state k, as a heatmap"
        )
        self.show_matrix.setObjectName("showGradientMatrix")
        self.show_matrix.toggled.connect(self._on_show_matrix)
        self.controls.addWidget(self.show_matrix)
        self.note = QLabel("")
        self.note.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.controls.addWidget(self.note, 1)
        self.plot = self.add_plot(
            0,
            0,
            "‖∂E_t/∂s_k‖ against the lag t − k",
            "lag t − k (time steps back)",
            "‖∂E_t/∂s_k‖ (log scale)",
            log_y=True,
        )
        integer_axis(self.plot)
        legend_below(self, self.plot, 1, 0)
        self.live = curve(
            self.plot,
            "‖∂E/∂s_k‖, backward sweep (live)",
            pen(0, 2.5),
            symbol="o",
            symbolSize=6,
            symbolBrush=pen(0).color(),
            symbolPen=None,
        )
        self.last = curve(
            self.plot,
            "‖∂E_T/∂s_k‖, last frame",
            pen(1, 2),
            symbol="s",
            symbolSize=5,
            symbolBrush=pen(1).color(),
            symbolPen=None,
        )
        self.mean = curve(self.plot, "mean over frames with a loss", pen(2, 2))
        self.bound = curve(self.plot, "bound (γ·σ_max(W_s))^lag", dashed("#444444", 2))
        self.cuts = []  # InfiniteLines at truncated-BPTT cuts
        self.matrix = self.add_plot(
            0,
            1,
            "G[t, k] = ‖∂E_t/∂s_k‖ (log₁₀)",
            "state s_k (time step k)",
            "loss E_t (time step t)",
        )
        self.matrix.invertY(True)
        integer_axis(self.matrix)
        integer_axis(self.matrix, "left")
        self.image = pg.ImageItem(axisOrder="row-major")
        self.matrix.addItem(self.image)
        self.bar = colorbar(colormap("viridis"), "log₁₀ G[t, k]", (-6, 0))
        self.bar.setImageItem(self.image, insert_in=self.matrix)
        self.matrix.hide()
        self.bar.hide()  # a hidden plot with a visible colour bar crashes Python at exit
        self.curves = {}  # name → (lags, values) last drawn

    # ------------------------------------------------------------------ drawing
    def _draw(self, snap):
        T = snap.T
        lags, live = live_curve(np.asarray(snap.dE_ds), T)
        curves = {"live": (lags, live)} if np.isfinite(live).any() else {}
        if snap.grad_flow is not None:
            G = np.asarray(snap.grad_flow)
            curves["last"] = last_frame_curve(G)
            curves["mean"] = mean_over_frames(G)
        ref = curves.get("last", curves.get("live", (None, [np.nan])))[1]
        start = ref[0] if np.isfinite(ref[0]) and ref[0] > 0 else np.nan
        factor = snap.gamma * snap.sigma_max
        if snap.cell == "elman" and np.isfinite(start):
            curves["bound"] = (np.arange(T + 1), bound_curve(start, factor, np.arange(T + 1)))
        for key, item in self._items().items():
            x, y = positive(*curves[key]) if key in curves else ([], [])
            item.setData(x, y)
            item.setVisible(key in curves)
        labels = {"bound": f"bound (γ·σ_max(W_s))^lag, γ·σ_max(W_s) = {number(factor)}"}
        set_legend(
            self.plot,
            [
                (item, labels.get(key, item.opts["name"]))
                for key, item in self._items().items()
                if key in curves
            ],
        )
        self.curves = curves
        self._draw_cuts(snap)
        self.plot.setXRange(0, max(T, 1), padding=0.02)
        self.note.setToolTip(f"γ·σ_max(W_s) = {number(factor)}: the lecture's bound per step")
        self.note.setText(
            f"γ·σ_max(W_s) = {number(snap.gamma)}·{number(snap.sigma_max)} = "
            f"{number(factor)}"
            + (
                ""
                if snap.cell == "elman"
                else f"  (the lecture's bound is for the Elman cell, not {snap.cell})"
            )
        )
        if self.show_matrix.isChecked():
            self._draw_matrix(snap)

    def _items(self):
        return {"live": self.live, "last": self.last, "mean": self.mean, "bound": self.bound}

    def _draw_cuts(self, snap):
        lags = [snap.T - j for j in snap.bptt_cuts]
        while len(self.cuts) < len(lags):
            line = pg.InfiniteLine(
                angle=90,
                pen=dashed("#B00020", 1.2),
                label="BPTT cut",
                labelOpts={"color": "#B00020", "position": 0.9},
            )
            self.plot.addItem(line)
            self.cuts.append(line)
        for i, line in enumerate(self.cuts):
            line.setVisible(i < len(lags))
            if i < len(lags):
                line.setValue(lags[i])

    def _draw_matrix(self, snap):
        if snap.grad_flow is None:
            self.image.clear()
            return
        G = np.asarray(snap.grad_flow)  # (T, T+1)
        with np.errstate(divide="ignore"):
            logG = np.log10(np.where(G > 0, G, np.nan))
        finite = logG[np.isfinite(logG)]
        hi = float(finite.max()) if finite.size else 0.0
        lo = max(float(finite.min()) if finite.size else hi - 1, hi - 12)
        self.image.setImage(logG, levels=(lo, hi), autoLevels=False)  # NaN (G = 0): blank
        self.image.setRect(pg.QtCore.QRectF(-0.5, 0.5, G.shape[1], G.shape[0]))
        self.matrix.setRange(
            xRange=(-0.5, G.shape[1] - 0.5), yRange=(0.5, G.shape[0] + 0.5), padding=0
        )
        self.bar.setLevels((lo, hi))

    def _on_show_matrix(self, on):
        self.matrix.setVisible(on)
        self.bar.setVisible(on)
        self.graphics.ci.layout.setColumnStretchFactor(1, 1 if on else 0)
        if on and self.snapshot is not None:
            self._draw_matrix(self.snapshot)

    # ------------------------------------------------------------------ data
    def tables(self):
        if self.snapshot is None:
            return {}
        T = self.snapshot.T
        lags = np.arange(T + 1)
        nan = np.full(T + 1, np.nan)
        cols = [lags, T - lags] + [
            self.curves[k][1] if k in self.curves else nan
            for k in ("live", "last", "mean", "bound")
        ]
        out = {
            self.name: Table(
                (
                    "lag",
                    "k",
                    "live_dE_ds_norm",
                    "last_frame_G",
                    "mean_over_frames_G",
                    "lecture_bound",
                ),
                tuple(cols),
            )
        }
        G = self.snapshot.grad_flow
        if G is not None:
            G = np.asarray(G)
            header = ("t", *tuple(f"k={k}" for k in range(G.shape[1])))
            out[f"{self.name}_matrix"] = Table(
                header, (np.arange(G.shape[0]), *tuple(G[:, k] for k in range(G.shape[1])))
            )
        return out
