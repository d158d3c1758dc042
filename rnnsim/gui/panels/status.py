"""The status bar's contents: sequence, t, phase, updates, loss, updates/s; training progress."""

from __future__ import annotations

import math
import time

from PySide6.QtWidgets import QLabel, QProgressBar, QPushButton, QStatusBar


class StatusFields:
    """Labels and the training progress bar (with its Stop button), added to ``status_bar``."""

    def __init__(self, status_bar: QStatusBar):
        self.bar = status_bar
        self.labels = {}
        for name, tip in (("sequence", "Sequences started since the last reset"),
                          ("t", "Forward steps done in this sequence: s_0 … s_t are known"),
                          ("phase", "forward pass, backward sweep (BPTT) or weight update"),
                          ("updates", "Weight updates applied since the reset"),
                          ("loss", "E of the current sequence (mean over the batch)"),
                          ("rate", "Weight updates per second")):
            label = QLabel("")
            label.setObjectName(f"status_{name}")
            label.setToolTip(tip)
            label.setMinimumWidth(70)
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

    def show_progress(self, done_total):
        """Show (done, total) training progress, or hide the bar when None."""
        visible = done_total is not None
        self.progress.setVisible(visible)
        self.stop.setVisible(visible)
        if visible:
            done, total = done_total
            self.progress.setMaximum(max(int(total), 1))
            self.progress.setValue(min(int(done), int(total)))

    def update_snapshot(self, snap, now=None):
        """Fill the labels from ``snap``."""
        self._update_rate(snap.updates, time.perf_counter() if now is None else now)
        c = snap.cursor
        loss = "—" if snap.loss is None or math.isnan(snap.loss) else f"{snap.loss:.4f}"
        values = {"sequence": f"sequence {c.sequence}", "t": f"t = {c.t}",
                  "phase": f"phase: {c.phase}", "updates": f"updates: {snap.updates}",
                  "loss": f"loss E = {loss}", "rate": f"{self.rate:.1f} updates/s"}
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
            self.labels["rate"].setText(f"{self.rate:.1f} updates/s")
