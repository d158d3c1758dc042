"""Update the unfolded scene's items in place from a snapshot (no item is created here)."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QBrush, QColor

from rnnsim.gui.canvas.layout import GATE_NAMES
from rnnsim.gui.canvas.readout import prediction_text, top_predictions
from rnnsim.gui.number_format import number, sci

DONE = QColor(95, 95, 95)
TODO = QColor(210, 210, 210)
FORWARD = QColor(255, 226, 120, 90)
BACKWARD = QColor(190, 160, 255, 90)
RIGHT = QColor(20, 120, 50)
WRONG = QColor(190, 30, 30)
NEUTRAL = QColor(70, 70, 70)
FUTURE = QColor(170, 170, 170)
PENDING = QColor(200, 110, 0)
FORWARD_BRUSH, BACKWARD_BRUSH = QBrush(FORWARD), QBrush(BACKWARD)
LABEL_GAP = 12.0  # scene pixels kept free between the token labels of neighbouring columns


def current_column(cursor, T):
    """The column to highlight: the last state computed forward, or the sweep's newest."""
    if cursor.phase == "backward":
        return cursor.k + 1
    if cursor.phase == "update":
        return T
    return cursor.t


class UnfoldedUpdater:
    """Pushes a snapshot's numbers into the items of an ``UnfoldedScene``."""

    def __init__(self, scene):
        self.scene = scene
        self._last_updates = None
        self.snap = self.scales = None
        self._done = {}  # column → whether its arrows are drawn as computed
        self._texts_of = {}  # column → (snapshot, full) its texts were last written for
        self._inputs_of = {}  # column → what its texts were last written from (see _texts)
        self._live = frozenset()  # columns whose vectors draw as C++ items (in view)
        self._live_lod = None  # the zoom they were made live at
        self._highlighted = None  # (column, backward) the highlight is drawn at

    def reset(self):
        """Forget what was drawn (after the items were rebuilt)."""
        self._done, self._texts_of, self._inputs_of, self._live = {}, {}, {}, frozenset()
        self._live_lod = self._highlighted = None

    def set_live(self, columns):
        """Make the vectors of ``columns`` (in view) live, the others not (see VectorItem)."""
        live = set(columns)
        if live and min(live) <= 1:
            live.add(0)  # s_0: visible_columns starts at 1
        lod = self.scene.detail.lod
        if live == self._live and lod == self._live_lod:
            return
        self._live_lod = lod
        items = self.scene.items_by_id
        for j in self._live - live:
            for name in ("s", "c", "x", "y"):
                item = items.get((name, j))
                if item is not None:
                    item.set_live(False)
        for j in live:  # also the ones live before: a new zoom may call for their units now
            for name in ("s", "c", "x", "y"):
                item = items.get((name, j))
                if item is not None:
                    item.set_live(True)
        self._live = frozenset(live)

    def update(self, snap, scales, text_columns, full_text=True):
        """Draw ``snap``; texts only for ``text_columns`` (the others when they come into view).

        ``full_text`` False writes only the zoomed-out captions (the other texts are hidden).
        """
        items = self.scene.items_by_id
        T, t = snap.T, snap.cursor.t
        self.snap, self.scales = snap, scales
        self.set_live(text_columns)
        self._vectors("s", snap.s, scales.state, range(0, T + 1), 0)
        if snap.c is not None and ("c", 0) in items:
            self._vectors("c", snap.c, scales.state, range(0, T + 1), 0)
        self._vectors("x", np.asarray(snap.X)[:t], scales.inputs, range(1, T + 1), 1)
        self._vectors("y", snap.y, scales.outputs, range(1, T + 1), 1)
        for j in range(1, T + 1):
            done = j <= t
            if self._done.get(j) != done:
                self._done[j] = done
                for name in ("Wx", "Ws", "Wy", "c_line"):
                    item = items.get((name, j))
                    if item is not None:
                        item.set_style(DONE if done else TODO, 1.4 if done else 1.0)
        self.refresh_texts(text_columns, full_text, in_view=False)
        if snap.cell in GATE_NAMES and ("gates", 1) in items:
            means = np.stack(
                [np.asarray(snap.gates[n]).mean(axis=1) for n in GATE_NAMES[snap.cell]], axis=1
            )  # (t, gates)
            for j in range(1, T + 1):
                items[("gates", j)].set_values(means[j - 1] if j <= t else None)
        self._gradients(snap, scales)
        self._highlight(snap)
        self._badge(snap)

    def refresh_texts(self, columns, full=True, in_view=True):
        """Write the texts of ``columns`` that are out of date for the current snapshot;
        ``in_view``: they are the columns in view (their vectors are made live)."""
        if in_view:
            self.set_live(columns)
        if self.snap is None:
            return
        for j in columns:
            if 1 <= j <= self.snap.T:
                written = self._texts_of.get(j)
                if written is None or written[0] is not self.snap or (full and not written[1]):
                    self._texts(self.snap, self.scales, j, j <= self.snap.cursor.t, full)
                    self._texts_of[j] = (self.snap, full)

    def _vectors(self, name, values, scale, columns, first):
        items = self.scene.items_by_id
        values = np.asarray(values, dtype=float)
        n_known = values.shape[0]
        argb = scale.argb(values) if n_known else None
        means = scale.argb(values.mean(axis=1)) if n_known else None
        for j in columns:
            row = j - first
            if row < n_known:
                items[(name, j)].set_data(values[row], argb[row], means[row])
            else:
                items[(name, j)].set_data(None, None)

    def _texts(self, snap, scales, j, done, full=True):
        items = self.scene.items_by_id
        masked = bool(snap.mask[j - 1])
        token = snap.input_tokens[j - 1] if j - 1 < len(snap.input_tokens) else ""
        target = snap.target_tokens[j - 1] if j - 1 < len(snap.target_tokens) else ""
        if done:
            y = snap.y[j - 1]
            E = float(snap.E[j - 1]) if masked else None
            inputs = (full, token, target, masked, y.tobytes(), E, scales.output_kind)
            inputs += (snap.output_names,)
        else:
            inputs = (full, token)
        if self._inputs_of.get(j) == inputs:
            return  # the same words as last written (a column not reached yet, say)
        self._inputs_of[j] = inputs
        cx = self.scene.geometry.center_x(j)
        room = self.scene.geometry.pitch - LABEL_GAP  # neighbouring labels never touch
        items[("caption", j)].set_text(f"{j} {token}", NEUTRAL if done else FUTURE, cx, room)
        if not full:
            return
        items[("token", j)].set_text(token, NEUTRAL if done else FUTURE, cx, room)
        if not done:
            items[("pred", j)].set_text("")
            items[("E", j)].set_text("")
            items[("target", j)].set_text("")
            return
        pred = items[("pred", j)]
        names, kind = snap.output_names, scales.output_kind
        pairs = top_predictions(y, names, kind, top=2)  # the first is the best
        color = (RIGHT if pairs[0][0] == target else WRONG) if masked else NEUTRAL
        pred.set_text(prediction_text(y, names, kind, pairs=pairs), color, cx)
        # d_t once the frame has run (before, it would give the answer away), where it counts
        items[("target", j)].set_text(
            f"d{_sub(j)} = {target}" if masked and target else "", color, cx, room
        )
        e = items[("E", j)]
        e.set_text(f"E{_sub(j)} = {number(E)}" if masked else f"E{_sub(j)} —", None, cx, room)

    def _gradients(self, snap, scales):
        items = self.scene.items_by_id
        norms, cuts = scales.grad_norms, set(snap.bptt_cuts)
        frac = scales.grad.fraction(norms)
        colors = scales.grad.argb(norms)
        backward = snap.cursor.phase != "forward"
        for j in range(1, snap.T + 1):
            arrow, text = items[("grad", j)], items[("grad_text", j)]
            flows = backward and bool(np.isfinite(norms[j])) and j not in cuts
            _show(arrow, flows)
            if flows:
                arrow.set_style(int(colors[j]), 1.0 + 6.0 * float(frac[j]))  # ARGB
                text.set_text(sci(norms[j]))
            else:
                text.set_text("")
            _show(items[("cut", j)], j in cuts)
            items[("cut_text", j)].set_text("✂ cut" if j in cuts else "")

    def _highlight(self, snap):
        g = self.scene.geometry
        item = self.scene.items_by_id["highlight"]
        col = current_column(snap.cursor, snap.T)
        backward = snap.cursor.phase == "backward"
        if (col, backward) != self._highlighted:  # as drawn: no Qt call (``CanvasArrow.set_style``)
            self._highlighted = (col, backward)
            item.setRect(col * g.pitch + 4, -6, g.pitch - 8, g.height + 6)
            item.setBrush(BACKWARD_BRUSH if backward else FORWARD_BRUSH)

    def _badge(self, snap):
        badge = self.scene.items_by_id["badge"]
        phase, M = snap.cursor.phase, _update_every(snap)
        if phase == "update":
            # as wide as "0/1 gradients pending": it stays left of E_1 (it ran into it)
            text = f"{M}/{M} gradients ready:\nnext step: update {snap.updates + 1}"
            color = PENDING
        elif self._last_updates is not None and snap.updates > self._last_updates:
            text, color = f"update {snap.updates} applied:\nW ← W + ΔW", RIGHT
        elif snap.updates:
            plural = "update" if snap.updates == 1 else "updates"
            text = f"{snap.updates} {plural}\n{snap.pending}/{M} gradients pending"
            color = NEUTRAL
        else:
            text, color = f"no update yet\n{snap.pending}/{M} gradients pending", NEUTRAL
        badge.set_text(text, color)
        self._last_updates = snap.updates


def _update_every(snap):
    return int(getattr(snap.experiment, "update_every", 1) or 1)


def _show(item, visible):
    if item.isVisible() != visible:
        item.setVisible(visible)


_SUBS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def _sub(j):
    return str(j).translate(_SUBS)
