"""Generated text panel: what the current network writes (tasks that generate: ``text``)."""

from __future__ import annotations

import html

from PySide6.QtWidgets import QLabel, QTextBrowser, QVBoxLayout, QWidget

from rnnsim.gui.number_format import number

STYLE = "font-family:DejaVu Sans Mono,monospace;font-size:11pt;white-space:pre-wrap"
NONE = "Only the text task writes text: load the preset <i>Next-character prediction</i>."


def _visible(text: str) -> str:
    return html.escape(text, quote=False).replace("\n", "<span style='color:#999'>↵</span><br>")


class SamplesPanel(QWidget):
    """Shows ``Snapshot.extras["generated"]``: the seed text (grey), the sampled text after
    it, the temperature and the update it was written at.

    ``dock`` (set by ``build_docks``) is shown when the task starts generating and hidden
    when it stops; the user's own choice is kept while the task stays the same.
    """

    def __init__(self, parent=None):
        super().__init__(parent)
        self.info = QLabel(NONE)
        self.info.setObjectName("samplesInfo")
        self.info.setWordWrap(True)
        self.text = QTextBrowser()
        self.text.setObjectName("samplesText")
        self.text.setMinimumHeight(60)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.info)
        layout.addWidget(self.text, 1)
        self.dock = None
        self.generated = None
        self._generating = None

    @property
    def shown_text(self) -> str:
        """The generated characters on screen (without the seed); "" when none."""
        return self.generated.text if self.generated is not None else ""

    def update_snapshot(self, snapshot) -> None:
        """Show the snapshot's generated text (only when it is a new sample)."""
        generated = snapshot.extras.get("generated")
        self._follow_task(generated is not None)
        if generated is self.generated:
            return
        self.generated = generated
        if generated is None:
            self.info.setText(NONE)
            self.text.clear()
            return
        self.info.setText(
            f"After {generated.updates} updates, reading the seed "
            f"“{html.escape(generated.seed_text)}” and sampling at temperature "
            f"{number(generated.temperature)}:"
        )
        body = (
            f"<span style='color:#b00020'>{html.escape(generated.error)}</span>"
            if generated.error
            else _visible(generated.text)
        )
        self.text.setHtml(
            f"<p style='{STYLE}'>"
            f"<span style='color:#888'>{_visible(generated.seed_text)}</span>"
            f"{body}</p>"
        )

    def _follow_task(self, generating: bool) -> None:
        if generating == self._generating:
            return
        self._generating = generating
        if self.dock is not None:
            self.dock.setVisible(generating)
            if generating:
                self.dock.raise_()
