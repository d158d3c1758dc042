"""The status bar's contents: sequence, t, phase, updates, loss, updates/s; training progress."""

from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import QEvent, QSize, Qt
from PySide6.QtGui import QFontMetrics, QPainter
from PySide6.QtWidgets import QLabel, QProgressBar, QPushButton, QStatusBar

from rnnsim.gui.canvas.unfolded_update import current_column
from rnnsim.gui.number_format import number


def shown_sequence_loss(snap):
    """E = Σ_t E_t of the displayed sequence over the frames computed so far (None before
    any frame with a loss)."""
    t = snap.cursor.t
    E, mask = np.asarray(snap.E, dtype=float)[:t], np.asarray(snap.mask, dtype=bool)[:t]
    return float(np.sum(E[mask[: E.size]])) if t and mask[: E.size].any() else None


def loss_text(snap):
    """The loss as what it is: E of the shown sequence, and the mean over the batch of B."""
    batch = getattr(snap.experiment, "batch_size", None)
    of = f"of B = {batch}" if batch else "over the batch"
    c = snap.cursor
    pending = c.phase == "forward" and c.t < snap.T and np.isnan(snap.loss)
    mean = "—" if pending else number(snap.loss)  # known once the forward pass is complete
    return f"E = {number(shown_sequence_loss(snap))} (this sequence) · mean {of}: {mean}"


class ElidedLabel(QLabel):
    """A one-line label that gives way in a narrow status bar (projector fonts on a small
    screen) rather than pushing the window wider or running into its neighbour: "…" stands
    in its middle, so both ends (both losses) stay; ``text()`` keeps the whole text."""

    # Qt asks for the hint and paints on every change of the text (a few times a second while
    # training): the metrics and the hint are kept, so that no Qt object is made and let go
    # then (each one let go gives up the GIL, which the training thread takes: see
    # ``CanvasArrow.set_style``).
    _metrics = _hint = None

    def changeEvent(self, event):
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._metrics = self._hint = None  # measured again with the new font
        super().changeEvent(event)

    def _font_metrics(self):
        if self._metrics is None:
            self._metrics = QFontMetrics(self.font())
        return self._metrics

    def minimumSizeHint(self):
        metrics = self._font_metrics()
        least = metrics.horizontalAdvance("M…") + 4
        text = self.text()
        if "\n" in text or metrics.horizontalAdvance(text) < least:
            hint = super().minimumSizeHint()  # a short text: its own hint
            return QSize(min(hint.width(), least), hint.height())
        if self._hint is None:
            self._hint = QSize(least, super().minimumSizeHint().height())
        return self._hint  # a line wider than "M…": the same hint whatever it says

    def paintEvent(self, event):
        text = self._font_metrics().elidedText(
            self.text(), Qt.TextElideMode.ElideMiddle, self.width()
        )
        if text == self.text():
            super().paintEvent(event)
            return
        painter = QPainter(self)
        self.style().drawItemText(
            painter,
            self.contentsRect(),
            int(self.alignment()),
            self.palette(),
            True,
            text,
            self.foregroundRole(),
        )


class StatusFields:
    """Labels and the training progress bar (with its Stop button), added to ``status_bar``."""

    def __init__(self, status_bar: QStatusBar):
        self.bar = status_bar
        self.labels = {}
        for name, tip in (
            ("sequence", "Sequences started since the last reset"),
            ("t", "Forward steps done in this sequence: s_0 … s_t are known"),
            ("phase", "forward pass, backward sweep (BPTT) or weight update"),
            ("updates", "Weight updates applied since the reset"),
            (
                "loss",
                "E = Σ_t E_t of the sequence on the canvas (frames computed "
                "so far), and the training loss: the mean of E over the B "
                "sequences of the batch (once the forward pass is complete)",
            ),
            ("rate", "Weight updates per second"),
        ):
            label = ElidedLabel("") if name == "loss" else QLabel("")  # the long one gives way
            label.setObjectName(f"status_{name}")
            label.setToolTip(tip)
            status_bar.addPermanentWidget(label)
            self.labels[name] = label
        self.progress = QProgressBar()
        self.progress.setObjectName("trainProgress")
        self.progress.setMaximumWidth(180)
        self.progress.setFormat("%v / %m updates")
        self.stop = QPushButton("Stop")
        self.stop.setObjectName("trainStop")
        self.stop.setToolTip("Stop training after the current update; the weights are kept.")
        status_bar.addPermanentWidget(self.progress)
        status_bar.addPermanentWidget(self.stop)
        self.show_progress(None)
        self._rate_t = self._rate_n = None
        self.rate = 0.0

    def show_progress(self, done_total, unit="updates"):
        """Show (done, total) progress counted in ``unit`` ("updates" while training, "files"
        while exporting), or hide the bar when None. Stop shows while training only."""
        visible = done_total is not None
        self.progress.setVisible(visible)
        self.stop.setVisible(visible and unit == "updates")
        if visible:
            bar = self.progress
            bar.setFormat(f"%v / %m {unit}")
            done, total = done_total
            bar.setMaximum(max(int(total), 1))
            value = min(int(done), int(total))
            if value != bar.value():
                # setValue repaints the bar at once, in Python's thread state: the training
                # thread waits for the GIL meanwhile. With updates off it is only marked for
                # the event loop's next paint (re-enabling them calls update()).
                bar.setUpdatesEnabled(False)
                bar.setValue(value)
                bar.setUpdatesEnabled(True)

    def update_snapshot(self, snap, now=None):
        """Fill the labels from ``snap``."""
        self._update_rate(snap.updates, time.perf_counter() if now is None else now)
        c = snap.cursor
        values = {
            "sequence": f"sequence {c.sequence}",
            "t": f"t = {current_column(c, snap.T)}",
            "phase": f"phase: {c.phase}",
            "updates": f"updates: {snap.updates}",
            "loss": loss_text(snap),
            "rate": f"{number(self.rate, 3)} updates/s",
        }
        for name, text in values.items():
            if self.labels[name].text() != text:
                self.labels[name].setText(text)

    def text(self):
        """All labels joined (what the user reads in the status bar)."""
        return "  ".join(label.text() for label in self.labels.values())

    def _update_rate(self, updates, now):
        if self._rate_t is None or updates < self._rate_n:
            self._rate_t, self._rate_n = now, updates
            return
        dt = now - self._rate_t
        if dt >= 0.5:
            self.rate = (updates - self._rate_n) / dt
            self._rate_t, self._rate_n = now, updates

    def tick(self, now=None):
        """Called while no snapshot arrives: the rate falls to 0 once updates stop."""
        now = time.perf_counter() if now is None else now
        if self._rate_t is not None and self.rate and now - self._rate_t > 1.0:
            self.rate = 0.0
            self.labels["rate"].setText(f"{number(self.rate, 3)} updates/s")
