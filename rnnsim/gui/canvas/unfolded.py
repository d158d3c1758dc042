"""The unfolded network: a column per time step, x_t → s_t → y_t, W_s arrows s_{t−1} → s_t."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPen
from PySide6.QtWidgets import QGraphicsRectItem, QGraphicsScene

from rnnsim.gui.canvas.colors import activation_scale, gradient_scale
from rnnsim.gui.canvas.items import VectorItem
from rnnsim.gui.canvas.layout import GATE_NAMES, LayoutKey, has_loop, make_geometry
from rnnsim.gui.canvas.marks import CanvasArrow, GateBars
from rnnsim.gui.canvas.notation import html_sub, sub
from rnnsim.gui.canvas.scales import Scales
from rnnsim.gui.canvas.text import CanvasText, Detail, HtmlItem, render_lod
from rnnsim.gui.canvas.unfolded_update import UnfoldedUpdater

GRAD = QColor(200, 60, 40)
CAPTIONS_BELOW = 0.5  # zoom under which per-column texts give way to large captions
CUT = QColor(200, 0, 0)


class UnfoldedScene(QGraphicsScene):
    """Scene of the unfolded network; items are built once per layout and updated in place.

    Parameters
    ----------
    on_click : callable
        ``on_click(key, unit)`` when a unit (``key = ("s", j)``, ``("x", j)``, ``("y", j)``,
        ``("c", j)``) or a weight arrow (``key = ("W", "Ws")``, unit None) is clicked.
    """

    def __init__(self, on_click, parent=None):
        super().__init__(parent)
        self.on_click = on_click
        self.key = None
        self.geometry = None
        self.items_by_id = {}  # model id, e.g. ("s", 3) or ("grad", 3) → scene item
        self.scales = None
        self._updater = UnfoldedUpdater(self)
        self.detail = Detail()
        self.grad_source = "total"  # or "last": see Scales.of
        self.setBackgroundBrush(QBrush(QColor(255, 255, 255)))

    def ensure_layout(self, snapshot):
        """Rebuild the items when the snapshot's layout differs; True when rebuilt."""
        key = LayoutKey.of(snapshot)
        if key == self.key:
            return False
        self.clear()
        self.items_by_id = {}
        self.key, self.geometry = key, make_geometry(key)
        self._updater.reset()
        self._build()
        self.detail.collect(self.items_by_id.values())
        return True

    def show_snapshot(self, snapshot, text_columns=None):
        """Draw ``snapshot`` (rebuilding the layout first when its shape changed).

        Texts are written for ``text_columns`` only (all columns when None); call
        ``refresh_texts`` for columns that come into view later.
        """
        self.ensure_layout(snapshot)
        self.scales = Scales.of(snapshot, activation_scale, gradient_scale, self.grad_source)
        columns = range(1, snapshot.T + 1) if text_columns is None else text_columns
        self._updater.update(snapshot, self.scales, columns, self.texts_readable())

    def texts_readable(self):
        """Whether the zoom is large enough for the per-column texts (else captions)."""
        return self.detail.lod >= CAPTIONS_BELOW

    def refresh_texts(self, columns):
        """Bring the texts of ``columns`` up to date (they came into view)."""
        self._updater.refresh_texts(columns, self.texts_readable())

    def render(self, painter, target=None, source=None, mode=Qt.AspectRatioMode.KeepAspectRatio):
        """Render for export at full detail: every text written, shown as the scale allows."""
        target, source = QRectF(target or QRectF()), QRectF(source or QRectF())
        source_rect = source if not source.isNull() else self.sceneRect()
        target_rect = target if not target.isNull() else source_rect
        scale = min(
            target_rect.width() / max(source_rect.width(), 1e-9),
            target_rect.height() / max(source_rect.height(), 1e-9),
        )
        lod = self.detail.lod
        self.detail.set_zoom(max(scale, CAPTIONS_BELOW))
        if self.key is not None:
            self._updater.refresh_texts(
                range(1, self.key.T + 1), self.texts_readable(), in_view=False
            )
        with self.detail.exporting(render_lod(self, painter, target, source, mode)):
            super().render(painter, target, source, mode)
        self.detail.set_zoom(lod)

    def visible_columns(self, rect):
        """Columns whose centre lies in (or next to) the scene rectangle ``rect``."""
        return self.columns_between(rect.left(), rect.right())

    def columns_between(self, left, right):
        """Columns whose centre lies in (or next to) scene x from ``left`` to ``right``."""
        if self.geometry is None:
            return range(0)
        p = self.geometry.pitch
        first = max(int(left // p) - 1, 1)
        last = min(int(right // p) + 1, self.key.T)
        return range(first, last + 1)

    def filled_columns(self):
        """How many time steps t >= 1 have their state s_t drawn."""
        return sum(1 for j in range(1, self.key.T + 1) if self.items_by_id[("s", j)].filled)

    def _add(self, model_id, item, pos=None, z=0.0):
        if pos is not None:
            item.setPos(pos)
        item.setZValue(z)
        self.addItem(item)
        self.items_by_id[model_id] = item
        return item

    def _build(self):
        g, k = self.geometry, self.key
        highlight = QGraphicsRectItem(QRectF(0, -6, g.pitch, g.height + 6))
        highlight.setPen(Qt.PenStyle.NoPen)
        self._add("highlight", highlight, z=-10)
        for j in range(k.T + 1):
            self._build_state_column(j)
            if j >= 1:
                self._build_frame_column(j)
        self._build_weight_labels()
        badge = CanvasText("", size=10, bold=True)
        badge.setToolTip(
            "Mini-batch BPTT: gradients are averaged over M sequences, then "
            "W_x, W_s, W_y are updated once."
        )
        self._add("badge", badge, QPointF(-30, g.y_text), z=5)
        self.setSceneRect(QRectF(-40, -14, g.width + 60, g.height + 24))

    def _label(self, model_id, text, block_left, top, size=10.0):
        label = CanvasText(text, size=size, color=QColor(60, 60, 60))
        w = label.boundingRect().width()
        return self._add(model_id, label, QPointF(block_left - w - 5, top - 1))

    def _build_state_column(self, j):
        g, k = self.geometry, self.key
        left = g.block_left(j, k.H)
        self._add(
            ("s", j),
            VectorItem(("s", j), k.H, self.on_click, live=False),
            QPointF(left, g.y_state),
            2,
        )
        label = self._label(("s_label", j), sub("s", j), left, g.y_state)
        label.make_clickable(
            ("s", j),
            self.on_click,
            "Click: the whole state vector in the Inspector (norms, Φ', the "
            "step Jacobian ∂s_t/∂s_{t−1})",
        )
        if g.y_cell is not None:
            self._add(
                ("c", j),
                VectorItem(("c", j), k.H, self.on_click, live=False),
                QPointF(left, g.y_cell),
                2,
            )
            self._label(("c_label", j), sub("c", j), left, g.y_cell)
        if j == 0:
            return
        w, h = g.block_size(k.H)
        prev_right = g.block_left(j - 1, k.H) + w
        mid = g.y_state + min(h, 3 * 16) / 2
        if has_loop(k.cell):
            self._add(
                ("Ws", j),
                CanvasArrow(
                    QPointF(prev_right + 3, mid),
                    QPointF(left - 3, mid),
                    key=("W", "Ws"),
                    on_click=self.on_click,
                ),
                z=1,
            )
        grad = CanvasArrow(QPointF(left - 3, g.y_grad), QPointF(prev_right + 3, g.y_grad), GRAD)
        grad.setVisible(False)
        self._add(("grad", j), grad, z=3)
        grad_text = CanvasText("", size=7.5, color=QColor(150, 40, 30))
        self._add(("grad_text", j), grad_text, QPointF(prev_right + 14, g.y_grad + 7), z=3)
        if g.y_cell is not None:
            cmid = g.y_cell + min(h, 3 * 16) / 2
            self._add(
                ("c_line", j),
                CanvasArrow(QPointF(prev_right + 3, cmid), QPointF(left - 3, cmid), head=6),
                z=1,
            )

    def _build_frame_column(self, j):
        g, k = self.geometry, self.key
        cx = g.center_x(j)
        s_h = g.block_size(k.H)[1]
        x_w = g.block_size(k.n_in)[0]
        y_w, y_h = g.block_size(k.n_out)
        x_left, y_left = cx - x_w / 2, cx - y_w / 2
        self._add(
            ("x", j),
            VectorItem(("x", j), k.n_in, self.on_click, live=False),
            QPointF(x_left, g.y_in),
            2,
        )
        self._add(
            ("y", j),
            VectorItem(("y", j), k.n_out, self.on_click, live=False),
            QPointF(y_left, g.y_out),
            2,
        )
        self._label(("x_label", j), sub("x", j), x_left, g.y_in)
        self._label(("y_label", j), sub("y", j), y_left, g.y_out)
        top_of_state = g.y_cell if g.y_cell is not None else g.y_state
        self._add(
            ("Wx", j),
            CanvasArrow(
                QPointF(cx, g.y_in - 3),
                QPointF(cx, g.y_state + s_h + 3),
                key=("W", "Wx"),
                on_click=self.on_click,
            ),
            z=1,
        )
        self._add(
            ("Wy", j),
            CanvasArrow(
                QPointF(cx, top_of_state - 3),
                QPointF(cx, g.y_out + y_h + 3),
                key=("W", "Wy"),
                on_click=self.on_click,
            ),
            z=1,
        )
        token = CanvasText("", size=9.5, bold=True)
        self._add(("token", j), token, QPointF(cx, g.y_token))
        self._add(("target", j), CanvasText("", size=8.0), QPointF(cx, g.y_token + 17))
        caption = CanvasText(
            f"{j}",
            size=min(30.0, g.pitch / 8.0),
            color=QColor(60, 60, 60),
            min_px=0,
            max_lod=CAPTIONS_BELOW,
        )
        self._add(("caption", j), caption, QPointF(cx, g.y_token))
        self._add(("pred", j), CanvasText("", size=8.5), QPointF(cx, g.y_text + 14))
        self._add(
            ("E", j), CanvasText("", size=8.0, color=QColor(90, 90, 90)), QPointF(cx, g.y_text)
        )
        if k.cell in GATE_NAMES:
            bars = GateBars(GATE_NAMES[k.cell])
            self._add(("gates", j), bars, QPointF(cx + 10, g.y_gates), z=2)
        cut = QGraphicsRectItem(QRectF(-1.5, g.y_state - 18, 3, s_h + 36))
        cut.setPen(QPen(CUT, 1.5, Qt.PenStyle.DashLine))
        cut.setBrush(Qt.BrushStyle.NoBrush)
        cut.setVisible(False)
        self._add(("cut", j), cut, QPointF(cx - g.pitch / 2, 0), z=4)
        scissors = CanvasText("", size=8, color=CUT)
        self._add(("cut_text", j), scissors, QPointF(cx - g.pitch / 2 + 3, g.y_state - 18), 4)

    def _build_weight_labels(self):
        g = self.geometry
        if self.key.T < 1:
            return
        cx = g.center_x(1)
        s_h = g.block_size(self.key.H)[1]
        labels = (
            ("Wx", html_sub("W", "x"), QPointF(cx - 34, (g.y_state + s_h + g.y_in) / 2 - 12)),
            ("Wy", html_sub("W", "y"), QPointF(cx + 4, g.y_out + g.block_size(self.key.n_out)[1])),
            ("Ws", html_sub("W", "s"), QPointF(g.pitch * 0.6, g.y_state - 24)),
        )
        for name, html, pos in labels if has_loop(self.key.cell) else labels[:2]:
            label = HtmlItem(
                html, size=10.5, color=QColor(20, 60, 140), key=("W", name), on_click=self.on_click
            )
            label.setToolTip("Click: statistics of this weight matrix in the Inspector")
            self._add(("W_label", name), label, pos, z=6)
