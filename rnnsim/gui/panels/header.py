"""The header above the canvas: the experiment's title, its explanation and, for a preset,
what to look for (the claim of the preset's guide)."""

from __future__ import annotations

import html
import math

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from rnnsim.sim.presets import list_presets

NO_LIMIT = 16777215  # QWIDGETSIZE_MAX


def _preset_guides() -> dict[tuple[str, str], tuple]:
    """(title, explanation) → (claim, steps) of every preset (empty when presets cannot be
    read)."""
    try:
        return {(p.title, p.explanation): (p.claim, p.steps) for p in list_presets(on_error=None)}
    except (OSError, ValueError):
        return {}


class ExperimentHeader(QLabel):
    """One wrapped paragraph: **title** — description, then "Look for: claim" in italics, and
    for a preset with steps, the latest step the student has reached (its moment and what to
    look for) and the moment of the next one.

    ``set_experiment(experiment, claim=None, steps=None)``: with ``claim`` None the claim and
    steps are those of the preset with the same title and description (none when the
    experiment is no preset's). ``update_progress(snapshot)`` marks the steps reached.
    ``set_max_lines(n)`` keeps at most the first ``n`` lines in view on a small screen, whole
    (the tooltip has all of it).
    """

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("experimentHeader")
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Maximum)
        self.setContentsMargins(8, 4, 8, 4)
        self.setStyleSheet(
            "QLabel#experimentHeader { background: #f3f6fb; border-bottom: 1px solid #c9d3e3; }"
        )
        self.experiment = None
        self.title = self.description = self.claim = ""
        self.steps = ()
        self.reached = set()  # indices of the steps reached since the preset was loaded
        self._fresh = True  # False after restart() until a fresh snapshot (no update, t = 0)
        self._claims = None
        self.max_lines = None

    def set_max_lines(self, n: int | None) -> None:
        """Show at most the first ``n`` lines of the wrapped text (None: all of it)."""
        self.max_lines = n
        self._fit_lines()

    def lines_height(self, n: int) -> int:
        """Pixels the label needs to show its first ``n`` wrapped lines whole, at its width:
        the first line is larger (the title), so n times one line's spacing would cut the
        last line through its letters."""
        doc = QTextDocument()
        doc.setDefaultFont(self.font())
        doc.setDocumentMargin(0)  # as QLabel lays out its rich text
        margins = self.contentsMargins()
        doc.setTextWidth(max(1, self.width() - margins.left() - margins.right()))
        doc.setHtml(self.text())
        doc.size()  # lays the document out (its lines exist from then on)
        bottom, seen = 0.0, 0
        block = doc.begin()
        while block.isValid() and seen < n:
            layout = block.layout()
            top = layout.position().y()
            for i in range(min(layout.lineCount(), n - seen)):
                bottom = top + layout.lineAt(i).rect().bottom()
                seen += 1
            block = block.next()
        frame = 2 * self.frameWidth()
        return math.ceil(bottom) + margins.top() + margins.bottom() + frame + 1  # + its border

    def _fit_lines(self) -> None:
        limit = NO_LIMIT if self.max_lines is None else self.lines_height(self.max_lines)
        if limit != self.maximumHeight():
            self.setMaximumHeight(limit)

    def resizeEvent(self, event):
        super().resizeEvent(event)
        if self.max_lines is not None and event.size().width() != event.oldSize().width():
            self._fit_lines()  # the text wrapped anew

    def set_experiment(self, experiment, claim: str | None = None, steps=None) -> None:
        """Show ``experiment``'s title and description (and the preset's claim and steps)."""
        if claim is None:
            if self._claims is None:
                self._claims = _preset_guides()
            claim, found = self._claims.get((experiment.title, experiment.description), ("", ()))
            steps = found if steps is None else steps
        steps = tuple(steps or ())
        if experiment == self.experiment and claim == self.claim and steps == self.steps:
            return
        if steps != self.steps or (experiment.title, experiment.description) != (
            self.title,
            self.description,
        ):
            self.reached = set()
        self.experiment = experiment
        self.title, self.description, self.claim = (experiment.title, experiment.description, claim)
        self.steps = steps
        self._render()

    def restart(self) -> None:
        """Start the steps again (a preset was loaded): snapshots count from the first fresh
        one (no update, at t = 0), so those of the state before the reset mark nothing."""
        self.reached = set()
        self._fresh = False
        self._render()

    def update_progress(self, snapshot) -> None:
        """Mark the steps whose moment ``snapshot`` has reached (they stay reached)."""
        if not self._fresh:
            c = snapshot.cursor
            if snapshot.updates or c.t or c.phase != "forward":
                return
            self._fresh = True
        new = {
            i
            for i, step in enumerate(self.steps)
            if i not in self.reached and step.reached(snapshot.cursor, snapshot.T, snapshot.updates)
        }
        if new:
            self.reached |= new
            self._render()

    @property
    def current_step(self):
        """(index, Step) of the latest step reached, or None."""
        if not self.reached:
            return None
        i = max(self.reached)
        return i, self.steps[i]

    def _render(self):
        text = f"<b style='font-size:11pt'>{html.escape(self.title)}</b>"
        if self.description:
            text += f" — {html.escape(self.description)}"
        if self.claim:
            text += f"<br><i>Look for: {html.escape(self.claim)}</i>"
        n = len(self.steps)
        current = self.current_step
        if current is not None:
            i, step = current
            text += (
                f"<br><span style='color:#1d6b2a'><b>✓ Step {i + 1}/{n} · "
                f"{html.escape(step.moment)}:</b> {html.escape(step.look)}</span>"
            )
        following = next((j for j in range(n) if j not in self.reached), None)
        if following is not None:
            lead = "Next" if current is not None else f"Step 1/{n}"
            text += (
                f"{' · ' if current is not None else '<br>'}<span style='color:#666'>"
                f"{lead}: {html.escape(self.steps[following].moment.lower())}</span>"
            )
        self.setText(text)
        if self.max_lines is not None:
            self._fit_lines()
        tip = [self.title, self.description] + ([self.claim] if self.claim else [])
        tip += [f"{j + 1}. {s.moment}: {s.look}" for j, s in enumerate(self.steps)]
        self.setToolTip("\n".join(t for t in tip if t))


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
