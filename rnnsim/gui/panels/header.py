"""The header above the canvas: the experiment's title, its explanation and, for a preset,
what to look for (the claim of the preset's guide)."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget


def _preset_claims() -> dict[tuple[str, str], str]:
    """(title, explanation) → claim of every preset (empty when presets cannot be read)."""
    try:
        from rnnsim.sim.presets import list_presets

        return {(p.title, p.explanation): p.claim for p in list_presets(on_error=None)}
    except (OSError, ValueError):
        return {}


class ExperimentHeader(QLabel):
    """One wrapped paragraph: **title** — description, then "Look for: claim" in italics.

    ``set_experiment(experiment, claim=None)``: with ``claim`` None the claim is that of the
    preset with the same title and description ("" when the experiment is no preset's).
    """

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("experimentHeader")
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Maximum)
        self.setContentsMargins(8, 4, 8, 4)
        self.setStyleSheet("QLabel#experimentHeader { background: #f3f6fb; "
                           "border-bottom: 1px solid #c9d3e3; }")
        self.experiment = None
        self.title = self.description = self.claim = ""
        self._claims = None

    def set_experiment(self, experiment, claim: str | None = None) -> None:
        """Show ``experiment``'s title and description (and the preset claim)."""
        if claim is None:
            if self._claims is None:
                self._claims = _preset_claims()
            claim = self._claims.get((experiment.title, experiment.description), "")
        if experiment == self.experiment and claim == self.claim:
            return
        self.experiment = experiment
        self.title, self.description, self.claim = (experiment.title, experiment.description,
                                                     claim)
        text = f"<b style='font-size:11pt'>{html.escape(self.title)}</b>"
        if self.description:
            text += f" — {html.escape(self.description)}"
        if claim:
            text += f"<br><i>Look for: {html.escape(claim)}</i>"
        self.setText(text)
        self.setToolTip(f"{self.title}\n{self.description}" + (f"\n{claim}" if claim else ""))


def with_header(header: QWidget, widget: QWidget) -> QWidget:
    """A widget holding ``header`` above ``widget`` (which gets all the spare height)."""
    box = QWidget()
    box.setObjectName("canvasWithHeader")
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(0)
    layout.addWidget(header)
    layout.addWidget(widget, 1)
    return box
