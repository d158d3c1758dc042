"""State activations: a heatmap of s_t[i] (units × time) and traces of chosen units."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QLabel, QLineEdit

from rnnsim.gui.plots.base import PlotView
from rnnsim.gui.plots.common import (
    FOREGROUND,
    OpaqueGridAxis,
    Table,
    colorbar,
    colormap,
    curve,
    integer_axis,
    legend_below,
    pen,
    set_legend,
)

DEFAULT_UNITS = (0, 1, 2, 3)
MAX_TRACES = 8
TOKEN_TICKS_UP_TO = 40  # sequences up to this length show their input words on the top axis


def parse_units(text: str, n_hidden: int) -> tuple[int, ...]:
    """Unit indices from ``"0, 3, 5"`` (or ``"0-3"``); ValueError names what is accepted."""
    units: list[int] = []
    for part in text.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        lo, _, hi = part.partition("-")
        try:
            first, last = int(lo), int(hi or lo)
        except ValueError:
            raise ValueError(
                f"units: got {part!r}, expected unit numbers like '0, 3' or '0-3'"
            ) from None
        if not 0 <= first <= last < n_hidden:
            raise ValueError(f"units: got {part!r}, expected numbers in 0..{n_hidden - 1}")
        units.extend(u for u in range(first, last + 1) if u not in units)
    if len(units) > MAX_TRACES:
        raise ValueError(f"units: got {len(units)} units, expected at most {MAX_TRACES}")
    return tuple(units)


def state_levels(activation: str, s: np.ndarray) -> tuple[float, float]:
    """Colour levels for states: Φ's range (tanh, sigmoid) or the data's (ReLU, identity)."""
    if activation == "sigmoid":
        return 0.0, 1.0
    if activation == "tanh":
        return -1.0, 1.0
    finite = s[np.isfinite(s)]
    m = float(np.abs(finite).max()) if finite.size else 1.0
    m = max(m, 1e-6)
    return (0.0, m) if activation == "relu" else (-m, m)


class ActivationsPlot(PlotView):
    """s_t[i] of the displayed sequence: heatmap (units × time) and traces of chosen units."""

    name = "activations"
    title = "State activations s_t"

    def _build(self):
        self.units = DEFAULT_UNITS
        self.controls.addWidget(QLabel("Traces of units i:"))
        self.units_edit = QLineEdit(", ".join(map(str, self.units)))
        self.units_edit.setObjectName("unitsEdit")
        self.units_edit.setMaximumWidth(160)
        self.units_edit.setToolTip(
            f"Units whose s_t[i] is traced below: '0, 3, 5' or '0-3' (at most {MAX_TRACES})."
        )
        self.units_edit.editingFinished.connect(lambda: self._on_units_edited())
        self.controls.addWidget(self.units_edit)
        self.units_error = QLabel("")
        self.units_error.setStyleSheet("color: #B00020")
        self.controls.addWidget(self.units_error, 1)

        self.heat = self.add_plot(
            0,
            0,
            "s_t[i] for the current sequence",
            "time step t (state s_t; steps)",
            "hidden unit i",
        )
        self.heat.invertY(True)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.heat.addItem(self.image)
        # unlabelled: the title names s_t[i]; beside the traces a label read as a second y label
        self.bar = colorbar(colormap("CET-D1A"), "", (-1, 1))
        self.bar.setImageItem(self.image, insert_in=self.heat)
        self.heat.showGrid(False, False)
        self.heat.setAxisItems({"top": OpaqueGridAxis("top")})  # words thinned to fit
        self.heat.getAxis("top").setPen(pg.mkPen(FOREGROUND))
        self.heat.getAxis("top").setTextPen(pg.mkPen(FOREGROUND))
        self.heat.showAxis("top")
        self.heat.getAxis("top").setStyle(tickTextOffset=2)
        self._ticks_key = None

        self.trace_plot = self.add_plot(
            1,
            0,
            "traces of chosen units",
            "time step t (steps)",
            "s_t[i] (activation)",
        )
        # below the traces, never over their last steps: 4 entries to a row, 2 in a narrow dock
        # (a 1024 px window), so 8 traces take at most 4 rows
        legend = legend_below(self, self.trace_plot, 2, 0, columns=4, narrow_columns=2, rows=4)
        self.trace_plot.setXLink(self.heat)
        # Linked one over the other, pyqtgraph lines the two plots up by pixels: a time step
        # of the heatmap stands over the same step of the traces. The heatmap's colour bar
        # takes width from its view that the traces' view would fill with empty steps beyond
        # T (up to 6 for T = 4): an empty item as wide as the bar keeps the traces' view
        # exactly under the heatmap's, so both show the same steps.
        self._bar_room = pg.GraphicsWidget()
        self._bar_room.setFixedWidth(0)
        self.trace_plot.layout.addItem(self._bar_room, 2, 5)
        self.heat.vb.sigResized.connect(self._align_traces)
        self.trace_plot.vb.sigResized.connect(self._align_traces)
        for plot in (self.heat, self.trace_plot):
            integer_axis(plot)
        self.traces = [
            curve(
                self.trace_plot,
                None,
                pen(i),
                symbol="o",
                symbolSize=5,
                symbolBrush=pen(i).color(),
                symbolPen=None,
            )
            for i in range(MAX_TRACES)
        ]
        self.arrange(
            [(self.heat, 0, 0), (self.trace_plot, 1, 0), (legend, 2, 0)],
            [(self.heat, 0, 0), (self.trace_plot, 0, 1), (legend, 1, 1)],
            tall_rows={0: (3, None), 1: (2, None), 2: (0, 88)},
            wide_rows={1: (0, 88)},
        )

    def _arranged(self, name):
        self._align_traces()

    def _align_traces(self, *_):
        """Keep the traces' view exactly under the heatmap's when they stand one over the
        other: both left axes as wide as the wider one needs, and room beside the traces as
        wide as the colour bar (beside each other, each plot keeps its own widths)."""
        tall = self.arrangement == "tall"
        axes = (self.heat.getAxis("left"), self.trace_plot.getAxis("left"))
        width = max(_natural_width(axis) for axis in axes) if tall else None
        for axis in axes:
            if axis.fixedWidth != width:
                axis.setWidth(width)
        room = 0.0
        if tall:
            heat_gap = self.heat.geometry().width() - self.heat.vb.geometry().right()
            trace_gap = (
                self.trace_plot.geometry().width()
                - self.trace_plot.vb.geometry().right()
                - self._bar_room.width()
            )
            room = max(0.0, round(heat_gap - trace_gap))
        if abs(self._bar_room.width() - room) >= 1:
            self._bar_room.setFixedWidth(room)

    # ------------------------------------------------------------------ drawing
    def _draw(self, snap):
        s = np.asarray(snap.s)  # (t+1, H) states s[0..t]
        H = s.shape[1]
        self.image.setImage(s.T, levels=state_levels(snap.activation, s), autoLevels=False)
        self.bar.setLevels(state_levels(snap.activation, s))
        self.image.setRect(pg.QtCore.QRectF(-0.5, -0.5, s.shape[0], H))
        self.heat.setXRange(-0.5, snap.T + 0.5, padding=0)
        self.heat.setYRange(-0.5, H - 0.5, padding=0)
        self._set_token_ticks(snap)
        units = tuple(u for u in self.units if u < H)
        steps = np.arange(s.shape[0])
        for i, item in enumerate(self.traces):
            if i < len(units):
                trace = s[:, units[i]]
                keep = np.isfinite(trace)  # a diverged state: its nan/inf steps are left out
                item.setData(steps[keep], trace[keep])
                item.show()
            else:
                item.setData([], [])
                item.hide()
        set_legend(self.trace_plot, [(self.traces[i], f"s_t[{u}]") for i, u in enumerate(units)])
        self._align_traces()  # new tick labels may need a wider axis

    def _set_token_ticks(self, snap):
        key = (snap.T, snap.input_tokens)
        if key == self._ticks_key:
            return
        self._ticks_key = key
        axis = self.heat.getAxis("top")
        integer_axis(self.heat, "top")
        if snap.T <= TOKEN_TICKS_UP_TO:  # words that would run together are left out
            axis.setTicks([[(j, tok) for j, tok in enumerate(snap.input_tokens, start=1)]])
            axis.setLabel("input word x_t", color="#202020")
        else:
            axis.setTicks(None)
            axis.setLabel("")

    def set_units(self, units):
        """Trace the units ``units`` (e.g. those the user clicked on the canvas).

        Raises ValueError naming the bad unit (see ``parse_units``).
        """
        self.units_edit.setText(", ".join(str(int(u)) for u in units))
        self._on_units_edited(raise_errors=True)

    def _on_units_edited(self, raise_errors=False):
        n_hidden = self.snapshot.s.shape[1] if self.snapshot is not None else 1024
        try:
            self.units = parse_units(self.units_edit.text(), n_hidden)
        except ValueError as exc:
            self.units_error.setText(str(exc))
            if raise_errors:
                raise
            return
        self.units_error.setText("")
        if self.snapshot is not None:
            self._draw(self.snapshot)

    # ------------------------------------------------------------------ data
    def tables(self):
        if self.snapshot is None:
            return {}
        snap = self.snapshot
        s = np.asarray(snap.s)
        words = ("", *tuple(snap.input_tokens))
        cols = [
            np.arange(s.shape[0]),
            [words[j] if j < len(words) else "" for j in range(s.shape[0])],
        ]
        cols += [s[:, i] for i in range(s.shape[1])]
        header = ("t", "x_t", *tuple(f"s_t[{i}]" for i in range(s.shape[1])))
        return {self.name: Table(header, tuple(cols))}


def _natural_width(axis) -> float:
    """The width a left axis takes when not fixed (as pyqtgraph's ``AxisItem._updateWidth``
    works it out)."""
    style = axis.style
    if not style["showValues"]:
        width = 0.0
    else:
        text = axis.textWidth if style["autoExpandTextSpace"] else style["tickTextWidth"]
        width = text + style["tickTextOffset"][0]
    width += max(0, style["tickLength"])
    if axis.label.isVisible():
        width += axis.label.boundingRect().height() * 0.8
    return width
