"""Experiment panel: every field of the experiment and of its task, validated as typed."""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFormLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from rnnsim.engine.memory import ceiling, format_bytes
from rnnsim.gui.panels.experiment_meta import (
    KNOB_FIELD,
    choices_of,
    custom_experiment,
    knob_specs,
    note_of,
    shapes_of,
    tooltip_of,
    with_value,
)
from rnnsim.gui.panels.fields import FieldEditor
from rnnsim.sim.memory import estimate, frames


class ExperimentPanel(QWidget):
    """Editors for every experiment field; ``experiment_changed(Experiment)`` on a valid edit.

    A value that the Experiment refuses is shown in red with the reason, and nothing changes.
    Fields that change the network's shapes carry a visible note: applying them re-initialises
    the weights; the others are applied live and keep the weights.
    """

    experiment_changed = Signal(object)

    def __init__(self, experiment, parent=None):
        super().__init__(parent)
        self.experiment = experiment
        self.editors = {}
        self.message = QLabel("")
        self.message.setObjectName("experimentMessage")
        self.message.setWordWrap(True)
        self.sizes = QLabel("")
        self.sizes.setObjectName("memoryEstimate")
        self.sizes.setWordWrap(True)
        self.sizes.setStyleSheet("color: #333; font-size: 8pt;")
        self.form_holder = None
        self.scroll = scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.message)
        layout.addWidget(self.sizes)
        layout.addWidget(scroll, 1)
        self._build()

    def _build(self):
        # A new form on a new holder; the old holder (with every label and editor of the old
        # form) is deleted later: the combo box whose signal asked for this may still be
        # emitting (deleting it now crashes PySide6 6.9).
        old = self.scroll.takeWidget()
        if old is not None:
            old.hide()
            old.deleteLater()
        for editor in self.editors.values():
            editor.deleteLater()
        self.editors = {}
        self.form_holder = QWidget()
        form = QFormLayout(self.form_holder)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        exp = self.experiment
        for f in dataclasses.fields(exp):
            if f.name == KNOB_FIELD:
                continue
            self._add_editor(
                form, f.name, getattr(exp, f.name), choices_of(f.name), tooltip_of(f.name)
            )
        heading = QLabel(f"<b>task “{exp.task}” knobs</b>")
        form.addRow(heading)
        for name, value, choices, tip in knob_specs(exp):
            self._add_editor(form, f"task.{name}", value, choices, tip)
        self.scroll.setWidget(self.form_holder)
        self._show_sizes()

    def _add_editor(self, form, name, value, choices, tip):
        editor = FieldEditor(name, value, self._check, choices=choices, parent=self)
        editor.committed.connect(self._on_committed)
        editor.refused.connect(self._on_refused)
        editor.accepted.connect(lambda _: self._show_message(""))
        editor.widget.setToolTip(tip)
        label = QLabel(name)
        label.setToolTip(tip)
        text = note_of(name)
        if text:
            note = QLabel(text)
            note.setObjectName(f"note_{name}")
            note.setStyleSheet("color: #8a4b00; font-size: 8pt;")
            note.setToolTip(
                "Changing this changes the shapes of W_x, W_s or W_y, so the "
                "weights are drawn again from the initialiser."
                if "re-init" in text
                else "The current weights are kept; this setting is used when "
                "they are drawn again (Reset)."
            )
            row = QWidget()
            box = QVBoxLayout(row)
            box.setContentsMargins(0, 0, 0, 0)
            box.setSpacing(0)
            box.addWidget(editor.widget)
            box.addWidget(note)
            form.addRow(label, row)
        else:
            form.addRow(label, editor.widget)
        self.editors[name] = editor

    def _check(self, name, text):
        with_value(self.experiment, name, text)

    def _on_committed(self, name, text):
        try:
            new = with_value(self.experiment, name, text)
        except ValueError as exc:
            self._on_refused(name, str(exc))
            return
        reshaped = shapes_of(new) != shapes_of(self.experiment)
        old = self.experiment
        self.experiment = new
        if new.task != old.task or set(new.knobs) != set(old.knobs):
            self._build()
        else:
            self._show_values()
        note = "the weights are re-initialised" if reshaped else "the weights are kept"
        if not reshaped and note_of(name):
            note += " (it takes effect at the next Reset)"
        self._show_message(f"{name} = {text.strip()}: applied; {note}.", ok=True)
        self.experiment_changed.emit(new)

    def _on_refused(self, name, message):
        self._show_message(
            message if message.startswith("refused") else f"{name}: {message}", ok=False
        )

    def _show_message(self, text, ok=None):
        color = {True: "#1b6e2f", False: "#b00020", None: "#333"}[ok]
        self.message.setStyleSheet(f"color: {color};")
        self.message.setText(text)

    def set_experiment(self, experiment):
        """Show ``experiment`` (rebuilding the task's knobs when the task changed)."""
        if experiment == self.experiment:
            return
        rebuild = experiment.task != self.experiment.task or set(
            getattr(experiment, KNOB_FIELD)
        ) != set(getattr(self.experiment, KNOB_FIELD))
        self.experiment = experiment
        if rebuild:
            self._build()
        else:
            self._show_values()

    def _show_sizes(self):
        """The sizes and the memory estimate (``rnnsim.sim.memory``) of the experiment."""
        exp = self.experiment
        try:
            task = exp.make_task()
            est = estimate(exp, task=task)
            limit, source = ceiling()
        except ValueError as exc:
            self.sizes.setText(f"sizes: {exc}")
            return
        self.sizes.setText(
            f"sizes: n_in = {task.n_in}, H = {exp.n_hidden}, n_out = {task.n_out}, "
            f"T = {frames(task)}, B = {exp.batch_size} · memory {est.text()} "
            f"(ceiling {format_bytes(limit)})"
        )
        parts = ", ".join(f"{k} {format_bytes(v)}" for k, v in est.parts.items() if v)
        self.sizes.setToolTip(f"Estimated peak memory: {parts}. The ceiling is {source}.")

    def _show_values(self):
        self._show_sizes()
        exp = self.experiment
        for f in dataclasses.fields(exp):
            if f.name in self.editors:
                self.editors[f.name].set_value(getattr(exp, f.name))
        for name, value in getattr(exp, KNOB_FIELD).items():
            if f"task.{name}" in self.editors:
                self.editors[f"task.{name}"].set_value(value)

    def custom_experiment(self, text):
        """The current experiment switched to the custom task with the typed sequence."""
        return custom_experiment(self.experiment, text)
