"""NetworkCanvas: the folded and the unfolded network side by side, with a legend."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSplitter,
    QStyle,
    QStyleOptionComboBox,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from rnnsim.gui.canvas.folded import FoldedScene
from rnnsim.gui.canvas.legends import LegendBar
from rnnsim.gui.canvas.unfolded import UnfoldedScene
from rnnsim.gui.canvas.unfolded_update import current_column
from rnnsim.gui.canvas.view import ZoomView

MODES = ("Folded + unfolded", "Unfolded", "Folded")
GRAD_SOURCES = ("E = Σ E_t", "E_T (last)")  # the tooltip says which is which
FIT_ALL_UP_TO = 20  # sequences up to this length are fitted whole on a new layout


class GivingCombo(QComboBox):
    """A combo box that asks for room for its longest item and, in a narrow window, gives way
    down to ``MIN_CHARS`` characters (its text then cut) before its toolbar overflows."""

    MIN_CHARS = 8

    def __init__(self, items):
        super().__init__()
        self.addItems(items)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(self.MIN_CHARS)  # minimumSizeHint: MIN_CHARS characters

    def sizeHint(self):
        least = super().sizeHint()
        metrics = self.fontMetrics()
        longest = max(metrics.horizontalAdvance(self.itemText(i)) for i in range(self.count()))
        option = QStyleOptionComboBox()
        self.initStyleOption(option)
        whole = self.style().sizeFromContents(
            QStyle.ContentsType.CT_ComboBox, option, QSize(longest, least.height()), self
        )
        return QSize(max(least.width(), whole.width()), least.height())


@dataclass(frozen=True)
class Selection:
    """What the user clicked: a unit of x/s/c/y at state index ``j`` or a weight matrix.

    ``kind`` is "x", "s", "c", "y" or "W"; ``j`` the column (None in the folded view, meaning
    the current step); ``unit`` the unit index; ``name`` the parameter for kind "W".
    """

    kind: str
    j: int | None = None
    unit: int | None = None
    name: str | None = None


class NetworkCanvas(QWidget):
    """The network canvas. Call ``show_snapshot(snapshot)``; listen to ``selected``."""

    selected = Signal(object)  # Selection

    def __init__(self, parent=None):
        super().__init__(parent)
        self.snapshot = None
        self.selection = None
        self._ringed = None  # the VectorItem showing the selection ring
        self.unfolded_scene = UnfoldedScene(self._on_click, self)
        self.folded_scene = FoldedScene(self._on_click, self)
        self.unfolded = ZoomView(self.unfolded_scene)
        self.folded = ZoomView(self.folded_scene)
        self.unfolded.setObjectName("unfoldedView")
        self.folded.setObjectName("foldedView")
        self.legend = LegendBar()
        self.unfolded.view_changed.connect(self._on_view_changed)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.folded)
        self.splitter.addWidget(self.unfolded)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setSizes([300, 900])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(self._controls())
        layout.addWidget(self.splitter, 1)
        layout.addWidget(self.legend)

    def _controls(self):
        """The row above the canvas: a tool bar (what does not fit goes behind its » button:
        projector fonts on a small screen) and the usage hint where there is room."""
        row = QHBoxLayout()
        row.setContentsMargins(2, 2, 2, 0)
        self.controls = bar = QToolBar("Canvas controls")
        bar.setObjectName("canvasControls")
        bar.setMovable(False)
        bar.setFloatable(False)
        bar.setContentsMargins(0, 0, 0, 0)
        bar.layout().setContentsMargins(0, 0, 0, 0)
        bar.layout().setSpacing(2)
        row.addWidget(bar)
        self.mode = GivingCombo(MODES)
        self.mode.setObjectName("canvasMode")
        self.mode.setToolTip(
            "Show the folded network (x → s with its W_s loop → y), the "
            "unfolded one (a column per time step), or both."
        )
        self.mode.currentIndexChanged.connect(self._on_mode)
        self.follow = QCheckBox("Follow step")
        self.follow.setChecked(True)
        self.follow.setToolTip(
            "Scroll the unfolded network so the current time step stays in view."
        )
        bar.addWidget(self.mode)
        for text, tip, slot in (
            ("Fit", "Fit the whole network in the view (F)", self.fit),
            ("+", "Zoom in (wheel, +)", lambda: self.unfolded.zoom(1.25)),
            ("−", "Zoom out (wheel, −)", lambda: self.unfolded.zoom(0.8)),
        ):
            button = QToolButton()
            button.setText(text)
            button.setToolTip(tip)
            button.clicked.connect(slot)
            bar.addWidget(button)
        bar.addWidget(self.follow)
        self.grad_source = GivingCombo(GRAD_SOURCES)
        self.grad_source.setObjectName("gradSource")
        self.grad_source.setToolTip(
            "Backward arrows: ‖∂E/∂s_k‖ of the whole loss E = Σ_t E_t of the displayed sequence, "
            "or ‖∂E_T/∂s_k‖ of the last frame's loss alone (the lecture's ∂E_N/∂s_i: watch it "
            "fade with the lag)."
        )
        self.grad_source.currentIndexChanged.connect(self._on_grad_source)
        pair = QWidget()  # the label and its combo overflow together
        pair_row = QHBoxLayout(pair)
        pair_row.setContentsMargins(6, 0, 0, 0)
        pair_row.addWidget(QLabel("Gradient of:"))
        pair_row.addWidget(self.grad_source)
        bar.addWidget(pair)
        row.addStretch(1)
        self.hint = QLabel("drag to pan · wheel to zoom · click a unit or arrow to inspect it")
        self.hint.setStyleSheet("color: #666;")
        self.hint.setToolTip(self.hint.text())
        # shown only where it fits: it never makes the canvas (or the window) wider
        self.hint.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        row.addWidget(self.hint)
        return row

    def resizeEvent(self, event):
        super().resizeEvent(event)
        free = self.width() - self.controls.sizeHint().width() - 24
        self.hint.setVisible(free > self.hint.sizeHint().width())

    def set_mode(self, mode):
        """Show "Folded + unfolded", "Unfolded" or "Folded" (a MODES entry)."""
        self.mode.setCurrentIndex(MODES.index(mode))

    def _on_mode(self, index):
        self.folded.setVisible(MODES[index] != "Unfolded")
        self.unfolded.setVisible(MODES[index] != "Folded")

    def set_grad_source(self, last):
        """Draw the backward arrows for the last frame's loss E_T (True) or for E (False)."""
        self.grad_source.setCurrentIndex(1 if last else 0)

    def _on_grad_source(self, index):
        self.unfolded_scene.grad_source = "last" if index == 1 else "total"
        if self.snapshot is not None:
            self.show_snapshot(self.snapshot)

    def show_snapshot(self, snapshot):
        """Draw ``snapshot`` in both views; items are rebuilt only when the layout changes."""
        self.snapshot = snapshot
        rebuilt = self.unfolded_scene.ensure_layout(snapshot)
        self.unfolded_scene.show_snapshot(snapshot, self._text_columns())
        scales = self.unfolded_scene.scales
        folded_rebuilt = self.folded_scene.ensure_layout(snapshot)
        self.folded_scene.show_snapshot(snapshot, scales)
        if folded_rebuilt:
            self.folded_scene.setSceneRect(
                self.folded_scene.itemsBoundingRect().adjusted(-10, -10, 10, 10)
            )
            self.folded.fit()
        self.legend.set_scales(
            [
                ("sₜ, cₜ  (activation)", scales.state),
                ("xₜ", scales.inputs),
                ("yₜ", scales.outputs),
                (self._grad_title(), scales.grad),
            ]
        )
        if rebuilt:
            self.selection = self._ringed = None
            self._initial_view(snapshot)
        elif self.follow.isChecked():
            self._follow(snapshot)
        self._ring_selection()

    def _text_columns(self):
        if self.unfolded_scene.geometry is None:
            return None
        left, _, right, _ = self.unfolded.visible_box()
        return self.unfolded_scene.columns_between(left, right)

    def _on_view_changed(self):
        columns = self._text_columns()
        if columns is not None:
            self.unfolded_scene.refresh_texts(columns)

    def _grad_title(self):
        last = self.unfolded_scene.grad_source == "last"
        return ("‖∂E_T/∂sₖ‖" if last else "‖∂E/∂sₖ‖") + "  (log scale)"

    def fit(self):
        """Fit both views to their whole networks."""
        self.unfolded.fit()
        self.folded.fit()

    def columns_rect(self, first, last):
        """Scene rectangle of columns ``first..last`` of the unfolded network."""
        g = self.unfolded_scene.geometry
        return QRectF(first * g.pitch - 50, -10, (last - first + 1) * g.pitch + 60, g.height + 20)

    def _initial_view(self, snapshot):
        if snapshot.T <= FIT_ALL_UP_TO:
            self.unfolded.fit()
        else:
            col = current_column(snapshot.cursor, snapshot.T)
            first = min(max(col - 6, 0), max(snapshot.T - 12, 0))
            self.unfolded.fit(self.columns_rect(first, first + 12))

    def _follow(self, snapshot):
        col = current_column(snapshot.cursor, snapshot.T)
        # in plain numbers (with every snapshot: see ZoomView.visible_box); the centre of
        # columns_rect(col, col)
        v_left, v_top, v_right, v_bottom = self.unfolded.visible_box()
        g = self.unfolded_scene.geometry
        pitch = g.pitch
        cx, cy = col * pitch - 50 + (pitch + 60) / 2, -10 + (g.height + 20) / 2
        # the whole column across, not just its centre: a busy machine draws few snapshots, and
        # a column entered at an edge of the view stayed there, its backward arrows out of sight
        left, right = col * pitch, (col + 1) * pitch
        across = v_right - v_left < pitch or (v_left <= left and right <= v_right)
        inside = v_left <= cx <= v_right and v_top <= cy <= v_bottom
        if not (across and inside):
            self.unfolded._fitted = None
            self.unfolded.centerOn(self.columns_rect(col, col).center())

    def _on_click(self, key, unit):
        kind, j = key
        if kind == "W":
            selection = Selection("W", name=j)
        else:
            selection = Selection(kind, j=j, unit=unit)
        self.selection = selection
        self._ring_selection()
        self.selected.emit(selection)

    def _ring_selection(self):
        """Ring the selected unit (and un-ring the one ringed before)."""
        sel = self.selection
        items = self.unfolded_scene.items_by_id
        target = items.get((sel.kind, sel.j)) if sel is not None and sel.kind != "W" else None
        if self._ringed is not None and self._ringed is not target:
            with contextlib.suppress(RuntimeError):  # deleted with an old layout
                self._ringed.set_selected_unit(None)
        if target is not None:
            target.set_selected_unit(sel.unit)
        self._ringed = target
