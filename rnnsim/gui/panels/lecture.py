"""Lecture panel: each concept of the lecture with its formula, tied to what is on screen."""

from __future__ import annotations

import time

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QTabWidget, QTextBrowser, QVBoxLayout, QWidget

from rnnsim.gui.number_format import number
from rnnsim.gui.panels.lecture_code import CodeView
from rnnsim.gui.panels.lecture_text import PHASE_SECTION, SECTIONS

NUMBERS_INTERVAL_MS = 500  # rewrite at most this often while only the numbers change
STREAMING_INTERVAL_MS = 2000  # … and this often while snapshots stream in (training): the
# whole text is set again (~8 ms with the GIL held, taken from the training thread)


class LecturePanel(QWidget):
    """Shows the lecture's concepts; the one that matches the current phase is highlighted.

    Two tabs: *Concepts* (each formula with its live numbers) and *Code* (the lecture-time
    reference source of the current step, ``CodeView``). ``show_requested(name)`` is emitted
    when a link such as W_s is clicked (name "Ws").
    """

    show_requested = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.text = QTextBrowser()
        self.text.setObjectName("lectureText")
        self.text.setOpenLinks(False)
        self.text.anchorClicked.connect(self._on_link)
        self.code = CodeView()
        self.tabs = QTabWidget()
        self.tabs.setObjectName("lectureTabs")
        self.tabs.addTab(self.text, "Concepts")
        self.tabs.addTab(self.code, "Code")
        self.tabs.setTabToolTip(
            1,
            "BPTT as plain NumPy in the lecture's time (x_1..x_T, s_0), "
            "with the values of the current step",
        )
        self.tabs.currentChanged.connect(self._on_tab)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.tabs)
        self.current = None
        self.numbers_interval_ms = NUMBERS_INTERVAL_MS  # the window sets STREAMING_INTERVAL_MS
        self._key = None
        self._snapshot = None
        self._pending = None  # (key, section, values) held back by the interval
        self._last_render = float("-inf")
        self._refresh = QTimer(self)
        self._refresh.setSingleShot(True)
        self._refresh.timeout.connect(self._show_pending)
        self.text.setHtml(self.render(None))

    def update_snapshot(self, snapshot):
        """Highlight the section of the snapshot's phase and fill in its live numbers.

        While the panel is hidden (a tab behind another) only the snapshot is kept; it is
        rendered when the panel is shown.
        """
        self._snapshot = snapshot
        if not self.isVisible():
            return
        if self.tabs.currentWidget() is self.code:
            self.code.update_snapshot(snapshot)
            return
        section = PHASE_SECTION.get(snapshot.cursor.phase, "state")
        if snapshot.cell in ("lstm", "gru", "feedforward") and section == "state":
            section = snapshot.cell
        values = {
            "bound": number(snapshot.gamma * snapshot.sigma_max),
            "M": getattr(snapshot.experiment, "update_every", 1),
            "clipped": "yes" if snapshot.clipped else "no",
        }
        key = (section, tuple(values.values()))
        if key == self._key:
            return
        waited_ms = (time.monotonic() - self._last_render) * 1000
        if section == self.current and waited_ms < self.numbers_interval_ms:
            self._pending = (key, section, values)
            if not self._refresh.isActive():
                self._refresh.start(int(self.numbers_interval_ms - waited_ms) + 1)
            return
        self._show(key, section, values)

    def _show(self, key, section, values):
        self._refresh.stop()
        self._pending = None
        self._key, self.current = key, section
        self._last_render = time.monotonic()
        self.text.setHtml(self.render(section, values))
        self.text.scrollToAnchor(section)

    def _on_tab(self, _index):
        if self._snapshot is not None and self.isVisible():
            self.update_snapshot(self._snapshot)

    def _show_pending(self):
        if self._pending is not None:
            self._show(*self._pending)

    def showEvent(self, event):
        super().showEvent(event)
        if self._snapshot is not None:
            self.update_snapshot(self._snapshot)
        if self.current is not None:  # once laid out, bring the current concept into view
            QTimer.singleShot(0, self, lambda: self.text.scrollToAnchor(self.current))

    def resizeEvent(self, event):
        super().resizeEvent(event)
        if self.current is not None:  # the text reflowed: keep the current concept in view
            self.text.scrollToAnchor(self.current)

    def render(self, current, values=None):
        """The panel's HTML with section ``current`` highlighted."""
        values = values or {"bound": "—", "M": "M", "clipped": "—"}
        parts = []
        for key, (title, formula, body) in SECTIONS.items():
            style = "background:#fff4c2;" if key == current else ""
            parts.append(
                f"<a name='{key}'></a><div style='{style}padding:4px'>"
                f"<h4>{title}</h4><p style='font-size:11pt'>{formula}</p>"
                f"<p>{body.format(**values)}</p></div>"
            )
        return "".join(parts)

    def _on_link(self, url):
        text = url.toString()
        if text.startswith("show:"):
            self.show_requested.emit(text[5:])
