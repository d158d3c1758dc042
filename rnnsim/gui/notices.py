"""The status bar's notice, which belongs to one experiment.

A notice (a divergence, what a change kept, an error) is about the experiment that was shown
when it was said: when another experiment is drawn the notice goes. The simulation repeats
its message in every snapshot; only a new one is shown, so a later notice (a preset's lesson)
is not overwritten frame after frame. ``mute(n)`` drops the next ``n`` worker messages: a
preset being loaded is not a change the user made ("Changed cell…", "Weights re-initialised").
"""

from __future__ import annotations

ERROR = "color: #b00020;"
WARNING = "color: #8a4b00;"


class NoticeBoard:
    """Drives the status bar's message ``label``."""

    def __init__(self, label):
        self.label = label
        self.experiment = None  # the experiment the shown notice belongs to
        self.muted = 0
        self._sim_message = ""  # the simulation's message last seen in a snapshot
        self._muted_texts = set()  # muted messages the snapshots may still repeat

    def show(self, text, experiment, style=""):
        """Show ``text`` as a notice about ``experiment``."""
        self.label.setText(text)
        self.label.setToolTip(text)
        self.label.setStyleSheet(style)
        self.experiment = experiment

    def mute(self, n):
        """Drop the next ``n`` messages of the worker (and the snapshot copies of them)."""
        self.muted += int(n)

    def worker_message(self, text, experiment):
        """A notice from the simulation thread (what a command did)."""
        if self.muted:
            self.muted -= 1
            self._muted_texts.add(text)  # the snapshots repeat it: not shown from there either
            return
        self.show(text, experiment)

    def from_snapshot(self, snap):
        """Drop a notice about another experiment; show the simulation's message when new."""
        exp = snap.experiment
        if (
            exp is not None
            and self.experiment is not None
            and exp != self.experiment
            and self.label.text()
        ):
            self.show("", exp)
        new = snap.message and snap.message != self._sim_message
        if new and snap.message not in self._muted_texts:
            self.show(snap.message, exp, WARNING)
        if not snap.message:
            self._muted_texts.clear()
        self._sim_message = snap.message
