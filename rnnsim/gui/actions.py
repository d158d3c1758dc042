"""The window's QActions, with stable objectNames, shortcuts, icons and tooltips."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QIcon, QKeySequence
from PySide6.QtWidgets import QFileDialog, QLabel, QSlider, QSpinBox, QToolBar

from rnnsim import package_data
from rnnsim.gui.animation.dialog import export_animation
from rnnsim.gui.export import export_all
from rnnsim.gui.settings import add_recent_file, last_experiment, recent_files
from rnnsim.sim import Experiment, save_experiment

ICONS = package_data.path("icons")

# objectName: (text, icon, shortcut, checkable, tooltip)
SPECS = {
    "actionStep": (
        "Step",
        "step.svg",
        Qt.Key.Key_Right,
        False,
        "One step (Right): in the forward phase compute s_t = Φ(x_t·W_x + s_{t−1}·W_s + b_s), "
        "y_t and E_t for the next frame; in the backward phase propagate ∂E/∂s one frame back "
        "(BPTT); when M gradients are accumulated, apply the weight update.",
    ),
    "actionStepBack": (
        "Step back",
        "step_back.svg",
        Qt.Key.Key_Left,
        False,
        "Undo the last step (Left): return exactly to the previous s_t, ∂E/∂s and weights.",
    ),
    "actionRun": (
        "Run",
        "run.svg",
        Qt.Key.Key_Space,
        True,
        "Run / pause (Space): keep stepping through forward passes, BPTT sweeps and updates "
        "at the speed set on the toolbar.",
    ),
    "actionTrain": (
        "Train N",
        "train.svg",
        QKeySequence("Ctrl+T"),
        False,
        "Train N weight updates as fast as possible (N from the toolbar field): each update "
        "averages ∂E/∂W over M sequences and applies W ← W − η·mean(∂E/∂W).",
    ),
    "actionNewSequence": (
        "New sequence",
        "new_sequence.svg",
        QKeySequence("Ctrl+N"),
        False,
        "Draw a new sequence x_1 … x_T from the task and start again at t = 0 with s_0; "
        "the weights are kept.",
    ),
    "actionReset": (
        "Reset",
        "reset.svg",
        QKeySequence("Ctrl+R"),
        False,
        "Re-initialise W_x, W_s, W_y, b_s, b_y from the seed and clear the history.",
    ),
    "actionOpen": (
        "Open…",
        "open.svg",
        QKeySequence.StandardKey.Open,
        False,
        "Open a saved simulation (.npz: experiment, weights, optimiser state, "
        "history) or an experiment's settings (.json).",
    ),
    "actionSave": (
        "Save…",
        "save.svg",
        QKeySequence.StandardKey.Save,
        False,
        "Save the simulation into one file (.npz): the experiment, the weights, the "
        "optimiser state and the history, to continue exactly where it stands.",
    ),
    "actionExportAll": (
        "Export all…",
        "export.svg",
        QKeySequence("Ctrl+E"),
        False,
        "Write every plot, the canvas, their data (CSV), the experiment, the weights and a "
        "report into a folder.",
    ),
    "actionExportAnimation": (
        "Export animation…",
        "export.svg",
        QKeySequence("Ctrl+Shift+E"),
        False,
        "Record one sequence step by step (forward pass, BPTT sweep, weight update) as an "
        "animated GIF, WebP or APNG, an MP4 video or numbered PNG/SVG frames.",
    ),
}


class Actions:
    """The window's actions as attributes named like their objectNames (``actions.actionStep``)."""

    def __init__(self, parent):
        for name, (text, icon, shortcut, checkable, tip) in SPECS.items():
            action = QAction(QIcon(str(ICONS / icon)), text, parent)
            action.setObjectName(name)
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.setCheckable(checkable)
            key = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            action.setToolTip(f"{tip}  [{key}]" if key else tip)
            action.setStatusTip(tip)
            setattr(self, name, action)
        self.run_icon = QIcon(str(ICONS / "run.svg"))
        self.pause_icon = QIcon(str(ICONS / "pause.svg"))
        self.actionRun.toggled.connect(self._on_run_toggled)

    def _on_run_toggled(self, running):
        self.actionRun.setIcon(self.pause_icon if running else self.run_icon)
        self.actionRun.setText("Pause" if running else "Run")

    def all(self):
        """Every action, in toolbar order."""
        return [getattr(self, name) for name in SPECS]


@dataclass
class Toolbar:
    """The simulation toolbar and its fields: N for Train N, the run speed and its label."""

    bar: QToolBar
    train_n: QSpinBox
    speed: QSlider
    speed_label: QLabel
    speed_values: tuple


def build_toolbar(actions: Actions, speeds) -> Toolbar:
    """The simulation toolbar: Step, Step back, Run, Train N with its N field, New sequence,
    Reset and the run speed (an index into ``speeds``, steps per second)."""
    bar = QToolBar("Simulation")
    bar.setObjectName("simulationToolbar")
    bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    a = actions
    for action in (a.actionStep, a.actionStepBack, a.actionRun):
        bar.addAction(action)
    bar.addSeparator()
    train_n = QSpinBox()
    train_n.setObjectName("trainN")
    train_n.setRange(1, 1_000_000)
    train_n.setValue(200)
    train_n.setSuffix(" updates")
    train_n.setToolTip("N for Train N: how many weight updates W ← W − η·ΔW to run.")
    bar.addAction(a.actionTrain)
    bar.addWidget(train_n)
    bar.addSeparator()
    bar.addAction(a.actionNewSequence)
    bar.addAction(a.actionReset)
    bar.addSeparator()
    bar.addWidget(QLabel(" Speed "))
    speed = QSlider(Qt.Orientation.Horizontal)
    speed.setObjectName("speed")
    speed.setRange(0, len(speeds) - 1)
    speed.setValue(3)
    speed.setMaximumWidth(140)
    speed.setToolTip("Run speed: time steps per second (right end: as fast as it goes).")
    speed_label = QLabel("")
    bar.addWidget(speed)
    bar.addWidget(speed_label)
    return Toolbar(bar, train_n, speed, speed_label, tuple(speeds))


STATE_FILTER = "Saved simulations (*.npz)"
OPEN_FILTER = (
    "Simulations and experiments (*.npz *.json);;Saved simulations (*.npz);;"
    "Experiment settings (*.json)"
)
EXPERIMENT_FILTER = "Experiment settings (*.json)"


def with_suffix(path: str, suffix: str) -> str:
    """``path`` ending in ``suffix`` (appended when the user typed a name without it)."""
    return path if path.lower().endswith(suffix) else path + suffix


class FileMenu:
    """The File menu: open, save, recent files, export experiment, export all, quit.

    Parameters
    ----------
    window : MainWindow
        Provides ``actions``, ``settings``, ``open_experiment(path)``, ``save_experiment(path)``
        and ``export_all(folder)``; exporting everything takes its ``plots``, ``canvas``,
        ``experiment`` and ``snapshot``.
    """

    def __init__(self, window):
        self.window, self._dialog = window, QFileDialog
        menu = window.menuBar().addMenu("&File")
        menu.setObjectName("fileMenu")
        a = window.actions
        menu.addAction(a.actionOpen)
        menu.addAction(a.actionSave)
        self.recent = menu.addMenu("Open &recent")
        self.recent.setObjectName("recentMenu")
        self.reopen = menu.addAction("Reopen the &last session's experiment")
        self.reopen.setObjectName("actionReopenLast")
        self.reopen.setToolTip("Apply the experiment that was open when the window last closed.")
        self.reopen.triggered.connect(window.reopen_last_experiment)
        menu.addSeparator()
        self.export_menu = menu.addMenu("&Export")
        self.export_menu.setObjectName("exportMenu")
        self.export_menu.addAction(a.actionExportAll)
        self.export_menu.addAction(a.actionExportAnimation)
        self.export_experiment_action = self.export_menu.addAction("Export &experiment…")
        self.export_experiment_action.setObjectName("actionExportExperiment")
        self.export_experiment_action.setToolTip(
            "Write the experiment's settings alone (JSON, no weights): to share, edit or run "
            "with `rnnsim train --experiment`."
        )
        self.export_experiment_action.triggered.connect(self._on_export_experiment)
        menu.addSeparator()
        quit_action = menu.addAction("&Quit")
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(window.close)
        a.actionOpen.triggered.connect(self._on_open)
        a.actionSave.triggered.connect(self._on_save)
        a.actionExportAll.triggered.connect(self._on_export_all)
        a.actionExportAnimation.triggered.connect(self._on_export_animation)
        self.refresh_recent()

    def refresh_recent(self):
        """Rebuild the recent-files submenu from the settings."""
        self.recent.clear()
        files = recent_files(self.window.settings)
        for path in files:
            action = self.recent.addAction(path)
            action.triggered.connect(lambda _=False, p=path: self.window.open_experiment(p))
        self.recent.setEnabled(bool(files))

    def open_experiment(self, path):
        """Load an experiment (and its weights when saved beside it) from ``path``."""
        self.window.cmd_load.emit(str(path))
        add_recent_file(self.window.settings, path)
        self.refresh_recent()

    def save_experiment(self, path):
        """Save the simulation into the one state file ``path`` (``.npz`` appended if
        missing)."""
        path = with_suffix(str(path), ".npz")
        self.window.cmd_save.emit(path)
        add_recent_file(self.window.settings, path)
        self.refresh_recent()

    def export_experiment(self, path):
        """Write the experiment's settings (JSON, no state) to ``path``."""
        w = self.window
        path = with_suffix(str(path), ".json")
        try:
            save_experiment(w.experiment, path)
        except (OSError, ValueError) as exc:
            w.show_notice(f"Export failed: {exc}", error=True)
        else:
            w.show_notice(f"Exported the experiment's settings to {path}")

    def reopen_last_experiment(self):
        """Apply the experiment remembered from the last session (QSettings)."""
        w = self.window
        text = last_experiment(w.settings)
        try:
            experiment = Experiment.from_json(text) if text else None
        except ValueError as exc:
            w.show_notice(f"The remembered experiment cannot be used: {exc}", error=True)
            return
        if experiment is None:
            w.show_notice("No experiment remembered yet.")
            return
        w.experiment_panel.set_experiment(experiment)
        w.apply_experiment(experiment)

    def export_all(self, folder):
        """Export everything into ``folder`` with progress in the status bar."""
        w = self.window
        w.status.show_progress((0, 1), unit="files")
        try:
            export_all(
                folder,
                plots=w.plots,
                canvas=w.canvas,
                experiment=w.experiment,
                snapshot=w.snapshot,
                progress=lambda done, total, what: w.status.show_progress(
                    (done, total), unit="files"
                ),
            )
        except (OSError, ValueError) as exc:
            w.show_notice(f"Export failed: {exc}", error=True)
        else:
            w.show_notice(f"Exported everything into {folder}")
        finally:
            w.status.show_progress(None)

    def _on_open(self):
        path, _ = self._dialog.getOpenFileName(self.window, "Open", "", OPEN_FILTER)
        if path:
            self.window.open_experiment(path)

    def _on_save(self):
        path, _ = self._dialog.getSaveFileName(
            self.window, "Save the simulation", "run.npz", STATE_FILTER
        )
        if path:
            self.window.save_experiment(path)

    def _on_export_experiment(self):
        path, _ = self._dialog.getSaveFileName(
            self.window, "Export the experiment's settings", "experiment.json", EXPERIMENT_FILTER
        )
        if path:
            self.export_experiment(path)

    def _on_export_animation(self):
        export_animation(self.window)

    def _on_export_all(self):
        folder = self._dialog.getExistingDirectory(self.window, "Export everything into")
        if folder:
            self.window.export_all(folder)
