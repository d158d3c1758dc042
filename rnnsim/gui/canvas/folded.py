"""The folded network of the lecture: x → s (with its W_s loop) → y, showing the current step."""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsPolygonItem,
    QGraphicsRectItem,
    QGraphicsScene,
)

from rnnsim.gui.canvas.items import VectorItem
from rnnsim.gui.canvas.layout import GATE_NAMES, LayoutKey, has_loop, make_geometry
from rnnsim.gui.canvas.marks import CanvasArrow, GateBars
from rnnsim.gui.canvas.notation import html_sub, sub
from rnnsim.gui.canvas.readout import prediction_text
from rnnsim.gui.canvas.text import CanvasText, Detail, HtmlItem, render_lod
from rnnsim.gui.canvas.unfolded_update import current_column
from rnnsim.gui.number_format import sci

BLUE = QColor(20, 60, 140)
GREEN = QColor(20, 120, 50)
GREY = QColor(70, 70, 70)
#: The LSTM note's words for the symbols (long-term/short-term memory; the four gates).
LSTM_WORDS = (
    "c<sub>t</sub>: long-term memory<br>s<sub>t</sub>: short-term memory<br>"
    "learn gate: i⊙g<br>forget gate: f⊙c<sub>t−1</sub><br>"
    "remember gate: c<sub>t</sub> = f⊙c<sub>t−1</sub> + i⊙g<br>"
    "use gate: o, s<sub>t</sub> = o⊙tanh(c<sub>t</sub>)"
)
OUTPUT_FN = {"softmax": "softmax", "sigmoid": "σ", "linear": ""}


class LoopArrow(QGraphicsRectItem):
    """The recurrent W_s loop: a curve leaving the right side of s and coming back into it.

    Drawn by two C++ child items (the curve, the head), so Qt paints it without Python; the
    item itself draws nothing and is the click target (the curve's bounds, 10 px around).
    """

    def __init__(self, top, bottom, reach, key, on_click):
        super().__init__()
        self.key, self.on_click = key, on_click
        self.path = QPainterPath(top)
        self.path.cubicTo(
            QPointF(top.x() + reach, top.y() - 20),
            QPointF(bottom.x() + reach, bottom.y() + 20),
            bottom,
        )
        self.setRect(self.path.boundingRect().adjusted(-10, -10, 10, 10))
        self.setPen(Qt.PenStyle.NoPen)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents, True)
        self.end = bottom
        self.curve = QGraphicsPathItem(self.path, self)
        self.curve.setBrush(Qt.BrushStyle.NoBrush)
        self.head = QGraphicsPolygonItem(self._head(), self)
        self.head.setPen(Qt.PenStyle.NoPen)
        for child in (self.curve, self.head):
            child.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self._style = None  # (ARGB, width) drawn
        self.set_style(GREY, 1.6)

    def _head(self):
        angle = math.radians(self.path.angleAtPercent(1.0))
        ux, uy = math.cos(angle), -math.sin(angle)
        tip, h = self.end, 8.0
        base = QPointF(tip.x() - ux * h, tip.y() - uy * h)
        px, py = -uy * h * 0.5, ux * h * 0.5
        return QPolygonF(
            [tip, QPointF(base.x() + px, base.y() + py), QPointF(base.x() - px, base.y() - py)]
        )

    @property
    def pen(self):
        """The curve's pen (its colour fills the head)."""
        return self.curve.pen()

    def set_style(self, color, width):
        """Draw the loop with ``color`` (a QColor) and pen ``width`` (compared on a key kept
        in Python: no Qt objects made and let go while nothing changes, see
        ``CanvasArrow.set_style``)."""
        key = (color.rgba(), float(width))
        if key != self._style:
            self._style = key
            self.curve.setPen(QPen(color, width))
            self.head.setBrush(QBrush(color))

    def mousePressEvent(self, event):
        self.on_click(self.key, None)
        event.accept()


class FoldedScene(QGraphicsScene):
    """The folded network, drawn with the values of the current time step."""

    def __init__(self, on_click, parent=None):
        super().__init__(parent)
        self.on_click = on_click
        self.key = None
        self.items_by_id = {}
        self._last_updates = None
        self.detail = Detail()
        self._norms = {}  # id(ΔW) → (ΔW, ‖ΔW‖): computed once per array
        self.setBackgroundBrush(QBrush(QColor(255, 255, 255)))

    def ensure_layout(self, snapshot):
        """Rebuild the items when the snapshot's layout differs; True when rebuilt."""
        key = LayoutKey.of(snapshot)
        if key == self.key:
            return False
        self.clear()
        self.items_by_id, self.key = {}, key
        self._build(make_geometry(key))
        self.detail.collect(self.items_by_id.values())
        return True

    def render(self, painter, target=None, source=None, mode=Qt.AspectRatioMode.KeepAspectRatio):
        """Render for export (the vectors paint themselves for the export's scale)."""
        target, source = QRectF(target or QRectF()), QRectF(source or QRectF())
        with self.detail.exporting(render_lod(self, painter, target, source, mode)):
            super().render(painter, target, source, mode)

    def _add(self, model_id, item, pos, z=0.0):
        item.setPos(pos)
        item.setZValue(z)
        self.addItem(item)
        self.items_by_id[model_id] = item
        return item

    def _build(self, g):
        k = self.key
        (sw, sh), (xw, xh), (yw, yh) = (g.block_size(n) for n in (k.H, k.n_in, k.n_out))
        cx = 0.0
        y_top = 34.0
        s_top = y_top + yh + 70.0
        x_top = s_top + sh + (100.0 if k.cell in GATE_NAMES else 70.0)
        title = CanvasText("", size=10, bold=True)
        self._add("title", title, QPointF(-80, 0))
        self._add("y", VectorItem(("y", None), k.n_out, self.on_click), QPointF(-yw / 2, y_top), 2)
        self._add("s", VectorItem(("s", None), k.H, self.on_click), QPointF(-sw / 2, s_top), 2)
        self._add("x", VectorItem(("x", None), k.n_in, self.on_click), QPointF(-xw / 2, x_top), 2)
        for name, top, w in (("y", y_top, yw), ("s", s_top, sw), ("x", x_top, xw)):
            self._add(
                f"{name}_label", HtmlItem(html_sub(name, "t"), 11), QPointF(-w / 2 - 34, top - 6)
            )
        self._add(
            "Wx",
            CanvasArrow(
                QPointF(cx, x_top - 4),
                QPointF(cx, s_top + sh + 4),
                key=("W", "Wx"),
                on_click=self.on_click,
                width=1.6,
            ),
            QPointF(),
        )
        self._add(
            "Wy",
            CanvasArrow(
                QPointF(cx, s_top - 4),
                QPointF(cx, y_top + yh + 4),
                key=("W", "Wy"),
                on_click=self.on_click,
                width=1.6,
            ),
            QPointF(),
        )
        loop = has_loop(k.cell)
        if loop:
            loop_top = QPointF(sw / 2 + 3, s_top + min(sh, 48) * 0.25)
            loop_bottom = QPointF(sw / 2 + 3, s_top + min(sh, 48) * 0.75)
            self._add(
                "Ws", LoopArrow(loop_top, loop_bottom, 70, ("W", "Ws"), self.on_click), QPointF(), 1
            )
        else:
            note = HtmlItem("no W<sub>s</sub> loop:<br>no memory of<br>earlier frames", 8.5, GREY)
            self._add("no_loop", note, QPointF(sw / 2 + 10, s_top), 3)
        labels = (
            ("Wx", QPointF(8, (x_top + s_top + sh) / 2 - 14)),
            ("Wy", QPointF(8, (s_top + y_top + yh) / 2 - 14)),
            ("Ws", QPointF(sw / 2 + 62, s_top + min(sh, 48) / 2 - 14)),
        )
        for name, pos in labels[: 3 if loop else 2]:
            label = HtmlItem(
                html_sub("W", name[1]), 11, BLUE, key=("W", name), on_click=self.on_click
            )
            label.setToolTip("Click: statistics of this weight matrix in the Inspector")
            self._add(f"{name}_label", label, pos, 3)
            self._add(f"{name}_delta", CanvasText("", 7.5, GREY), pos + QPointF(0, 20), 3)
        self._add("token", CanvasText("", 10, bold=True), QPointF(0, x_top + xh + 6))
        self._add("pred", CanvasText("", 9), QPointF(yw / 2 + 10, y_top))
        if k.cell in GATE_NAMES:
            bars = GateBars(GATE_NAMES[k.cell])
            self._add(
                "gates",
                bars,
                QPointF(-sw / 2 - bars.boundingRect().width() - 40, s_top + sh + 18),
                2,
            )
        if k.cell == "lstm":
            self._build_cell_state(sw, sh, s_top)
        self._add("equations", HtmlItem("", 9.5), QPointF(-120, x_top + xh + 30))
        self._add("update", CanvasText("", 9, bold=True), QPointF(-120, x_top + xh + 96))

    def _build_cell_state(self, sw, sh, s_top):
        left = -sw / 2 - sw - 70
        self._add("c", VectorItem(("c", None), self.key.H, self.on_click), QPointF(left, s_top), 2)
        self._add(
            "c_label",
            HtmlItem(f"{html_sub('c', 't')} <small>long-term memory</small>", 11),
            QPointF(left, s_top - 28),
        )
        mid = s_top + min(sh, 48) / 2
        self._add(
            "c_to_s",
            CanvasArrow(QPointF(left + sw + 4, mid), QPointF(-sw / 2 - 4, mid)),
            QPointF(),
            1,
        )
        self._add("c_to_s_label", HtmlItem("use:<br>o⊙tanh", 8), QPointF(left + sw + 2, mid + 2), 3)
        top, bottom = (
            QPointF(left - 3, s_top + min(sh, 48) * 0.25),
            QPointF(left - 3, s_top + min(sh, 48) * 0.75),
        )
        self._add("c_loop", LoopArrow(top, bottom, -60, ("W", "Ws"), self.on_click), QPointF(), 1)
        self._add(
            "c_loop_label", HtmlItem("forget: f⊙c<sub>t−1</sub>", 8), QPointF(left - 100, mid - 34)
        )
        words = HtmlItem(LSTM_WORDS, 8, GREY)
        words.setToolTip("The LSTM note's words for the symbols of the cell")
        self._add("lstm_words", words, QPointF(left - 150, s_top + sh + 30), 3)

    def show_snapshot(self, snap, scales):
        """Draw the values of the current time step of ``snap`` with the canvas' ``scales``."""
        self.ensure_layout(snap)
        items = self.items_by_id
        j = min(max(current_column(snap.cursor, snap.T), 0), snap.s.shape[0] - 1)
        frame = j - 1
        s = np.asarray(snap.s[j], dtype=float)
        items["s"].set_data(s, scales.state.argb(s), scales.state.argb(np.array([s.mean()]))[0])
        if snap.c is not None and "c" in items:
            c = np.asarray(snap.c[j], dtype=float)
            items["c"].set_data(c, scales.state.argb(c))
        known = 0 <= frame < snap.y.shape[0]
        if known:
            x, y = np.asarray(snap.X[frame], float), np.asarray(snap.y[frame], float)
            items["x"].set_data(x, scales.inputs.argb(x))
            items["y"].set_data(y, scales.outputs.argb(y))
            items["token"].set_text(snap.input_tokens[frame])
            pred = prediction_text(y, snap.output_names, scales.output_kind, 3)
            if snap.mask[frame] and frame < len(snap.target_tokens):
                pred += f"\ntarget {sub('d', j)} = {snap.target_tokens[frame]}"
            items["pred"].set_text(pred)
        else:
            for name in ("x", "y"):
                items[name].set_data(None, None)
            items["token"].set_text("")
            items["pred"].set_text("")
        token = items["token"]
        token.setX(-token.text_width(token.text()) / 2)  # no QRectF to let go (see CanvasArrow)
        if "gates" in items:
            names = GATE_NAMES[snap.cell]
            items["gates"].set_values(
                [float(np.mean(snap.gates[n][frame])) for n in names] if known else None
            )
        items["title"].set_text(f"folded network · t = {j} · {snap.cursor.phase}")
        items["equations"].set_html(self._equations(snap, scales.output_kind))
        self._mark_update(snap)

    def _equations(self, snap, output):
        phi = {"tanh": "tanh", "sigmoid": "σ", "relu": "ReLU"}.get(snap.activation, snap.activation)
        out = OUTPUT_FN.get(output, output)
        y_rhs = (
            f"{out}(s<sub>t</sub>·W<sub>y</sub> + b<sub>y</sub>)"
            if out
            else "s<sub>t</sub>·W<sub>y</sub> + b<sub>y</sub>"
        )
        first = (
            f"s<sub>t</sub> = {phi}(x<sub>t</sub>·W<sub>x</sub> + "
            "s<sub>t−1</sub>·W<sub>s</sub> + b<sub>s</sub>)"
        )
        if not has_loop(snap.cell):
            first = (
                f"s<sub>t</sub> = {phi}(x<sub>t</sub>·W<sub>x</sub> + b<sub>s</sub>)"
                "  (W<sub>s</sub> = 0: no memory)"
            )
        elif snap.cell != "elman":
            first = f"s<sub>t</sub> = {snap.cell.upper()} cell(x<sub>t</sub>, s<sub>t−1</sub>)"
        return (
            f"<i>{first}<br>y<sub>t</sub> = {y_rhs}<br>"
            "E = Σ<sub>t</sub> E<sub>t</sub>(y<sub>t</sub>, d<sub>t</sub>)</i>"
        )

    def _delta_norm(self, delta):
        if delta is None:
            return 0.0
        cached = self._norms.get(name := id(delta))
        if cached is None or cached[0] is not delta:
            flat = np.asarray(delta, dtype=float).ravel()
            cached = self._norms[name] = (delta, float(np.sqrt(np.sum(flat * flat))))
            if len(self._norms) > 12:
                self._norms.pop(next(iter(self._norms)))
        return cached[1]

    def _mark_update(self, snap):
        items = self.items_by_id
        just_updated = self._last_updates is not None and snap.updates > self._last_updates
        self._last_updates = snap.updates
        for name in ("Wx", "Ws", "Wy"):
            if name not in items:
                continue
            norm = self._delta_norm(snap.delta_weights.get(name))
            items[f"{name}_delta"].set_text(f"‖ΔW‖ = {sci(norm)}" if norm else "")
            color = GREEN if just_updated else GREY
            items[name].set_style(color, 3.0 if just_updated else 1.6)
        text = f"update {snap.updates} applied" if just_updated else f"updates: {snap.updates}"
        items["update"].set_text(text, GREEN if just_updated else GREY)
