"""The main window: toolbar, network canvas, dockable panels, status bar, File menu."""

from __future__ import annotations

import math
import time

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QLabel, QMainWindow, QSizePolicy

from rnnsim.gui import app_icon
from rnnsim.gui import settings as prefs
from rnnsim.gui.actions import Actions, FileMenu, build_toolbar
from rnnsim.gui.canvas import NetworkCanvas, Selection
from rnnsim.gui.guided_menu import install_guided_menu, set_up_default_lesson
from rnnsim.gui.keys import StepKeys
from rnnsim.gui.notices import ERROR, NoticeBoard
from rnnsim.gui.panels.header import ExperimentHeader, with_header
from rnnsim.gui.panels.lecture import NUMBERS_INTERVAL_MS, STREAMING_INTERVAL_MS
from rnnsim.gui.panels.panel_docks import (
    build_docks,
    build_plots,
    build_view_menu,
    default_sizes,
    hide_stale_tab_bars,
)
from rnnsim.gui.panels.status import StatusFields
from rnnsim.gui.questions import install_questions
from rnnsim.gui.screen_fit import PLOT_HEIGHT, ScreenFit, initial_size
from rnnsim.gui.view_menu import ViewActions
from rnnsim.gui.worker import WorkerThread
from rnnsim.sim.presets import default_experiment

DEFAULT_TITLE = "The lecture's recurrent network, step by step"
DRAW_INTERVAL_MS = 17  # the canvas is redrawn at most ~60 times a second
TRAIN_DRAW_INTERVAL_MS = 50  # while training (snapshots come 5 times a second)
# Nothing polls: a snapshot (or progress) starts a single-shot timer for the next draw. Each
# wake-up of the GUI thread is a call into Python that takes the GIL from the worker.
RATE_TIMEOUT_MS = 1100  # this long without a draw, the updates/s field falls to 0
PLOT_MIN_HEIGHT = 180  # a plot (its panels side by side in a wide dock) stays readable above this
SPEEDS = (1, 2, 4, 8, 15, 30, 60, 0)  # run-mode steps per second; 0 = as fast as it goes
SLOW_RUN = 15  # up to this many steps per second every snapshot is drawn into every plot


class MainWindow(QMainWindow):
    """The rnnsim window on an existing QApplication.

    Parameters
    ----------
    experiment : rnnsim.sim.Experiment or None
        The experiment to load; None loads the default one (the wolf story).
    settings : QSettings or None
        Where layout, last experiment and recent files are remembered; None opens the
        standard location (or ``$RNNSIM_SETTINGS``).
    """

    # Commands to the worker thread (queued connections).
    cmd_step = Signal()
    cmd_step_back = Signal()
    cmd_run = Signal()
    cmd_pause = Signal()
    cmd_train = Signal(int)
    cmd_stop_training = Signal()
    cmd_new_sequence = Signal()
    cmd_reset = Signal()
    cmd_apply = Signal(object)
    cmd_speed = Signal(float)
    cmd_seek = Signal(int)
    cmd_load = Signal(str)
    cmd_save = Signal(str)

    def __init__(self, experiment=None, settings=None):
        super().__init__()
        self.setWindowTitle(DEFAULT_TITLE)  # + " — rnnsim"
        self.setWindowIcon(app_icon())
        self.settings = settings if settings is not None else prefs.open_settings()
        self.experiment = experiment if experiment is not None else default_experiment()
        self.snapshot = None
        self._pending = None
        self._progress = None  # (done, total) of a training, not shown yet
        self._last_draw = float("-inf")  # perf_counter() of the last draw
        self._draw_interval_ms = DRAW_INTERVAL_MS
        self._streaming = False  # training or running fast: plot redraws share the thread
        self._state = "idle"
        self.snapshots_received = 0
        self.draw_times = []  # seconds spent drawing each snapshot (for the benchmark)
        self.actions = Actions(self)
        self.canvas = NetworkCanvas()
        self.header = ExperimentHeader()
        self.header.set_experiment(self.experiment)
        self.setCentralWidget(with_header(self.header, self.canvas))
        self.toolbar = build_toolbar(self.actions, SPEEDS)
        self.addToolBar(self.toolbar.bar)
        self.train_n = self.toolbar.train_n
        self.speed = self.toolbar.speed
        self.speed_label = self.toolbar.speed_label
        self.speed_values = self.toolbar.speed_values
        self.status = StatusFields(self.statusBar())
        self.message = QLabel("")
        self.message.setObjectName("status_message")
        # the fields keep their width; a long notice is cut (its whole text in the tooltip)
        self.message.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.statusBar().addWidget(self.message, 1)
        self.notices = NoticeBoard(self.message)
        panels = build_docks(self, self.experiment)
        self.experiment_panel = panels.experiment
        self.sequence_panel = panels.sequence
        self.inspector = panels.inspector
        self.lecture = panels.lecture
        self.samples = panels.samples
        self.docks = panels.docks
        self.files = FileMenu(self)
        self.guided_views = install_guided_menu(self)
        self.plots = build_plots(self, self.files.export_menu, self.canvas)
        self.view_menu = build_view_menu(self, [*self.docks.values(), *self.plots.docks])
        self._on_speed(self.speed.value(), send=False)
        self._start_worker()
        self._connect()
        self._timer = QTimer(self)  # the next draw, started by a snapshot (``_schedule_draw``)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.draw_newest)
        self._rate_timer = QTimer(self)  # restarted by each draw: the rate falls to 0 after
        self._rate_timer.setSingleShot(True)
        self._rate_timer.setInterval(RATE_TIMEOUT_MS)
        self._rate_timer.timeout.connect(self.status.tick)
        self.resize(*initial_size(self))
        default_sizes(self)
        self._give_plots_room()
        if experiment is None:
            set_up_default_lesson(self)
        prefs.restore_layout(self.settings, self)
        self.screen_fit = ScreenFit(self, size=initial_size(self))
        self.view_actions = ViewActions(self)
        self.step_keys = StepKeys(
            self,
            {
                Qt.Key.Key_Right: self.actions.actionStep,
                Qt.Key.Key_Left: self.actions.actionStepBack,
                Qt.Key.Key_Space: self.actions.actionRun,
            },
            home=self.canvas.unfolded,
        )
        self.canvas.unfolded.setFocus()  # arrows and Space drive the simulation from the start

    # ----------------------------------------------------------------- building
    def _give_plots_room(self):
        """The plot docks (tabbed along the bottom) get room enough to read every plot."""
        if not self.plots.docks:
            return
        for dock in self.plots.docks:
            dock.widget().setMinimumHeight(PLOT_MIN_HEIGHT)
        self.resizeDocks([self.plots.docks[0]], [PLOT_HEIGHT], Qt.Orientation.Vertical)

    def _start_worker(self):
        self.worker_thread = WorkerThread(self.experiment, self)
        self.worker = self.worker_thread.worker

    def _connect(self):
        a, w, q = self.actions, self.worker, Qt.ConnectionType.QueuedConnection
        a.actionStep.triggered.connect(self._on_step)
        a.actionStepBack.triggered.connect(self._on_step_back)
        a.actionRun.toggled.connect(self._on_run)
        a.actionTrain.triggered.connect(self._on_train)
        a.actionNewSequence.triggered.connect(self._on_new_sequence)
        a.actionReset.triggered.connect(self._on_reset)
        self.speed.valueChanged.connect(self._on_speed)
        self.status.stop.clicked.connect(self.cmd_stop_training)
        for signal, slot in (
            (self.cmd_step, w.step),
            (self.cmd_step_back, w.step_back),
            (self.cmd_run, w.run),
            (self.cmd_pause, w.pause),
            (self.cmd_train, w.train),
            (self.cmd_stop_training, w.stop_training),
            (self.cmd_new_sequence, w.new_sequence),
            (self.cmd_reset, w.reset),
            (self.cmd_apply, w.apply_experiment),
            (self.cmd_speed, w.set_speed),
            (self.cmd_seek, w.seek),
            (self.cmd_load, w.load),
            (self.cmd_save, w.save),
        ):
            signal.connect(slot, q)
        w.snapshot_ready.connect(self._on_snapshot, q)
        w.progress.connect(self._on_progress, q)
        w.error.connect(self._on_error, q)
        w.message.connect(self._on_message, q)
        w.state_changed.connect(self._on_state, q)
        self.canvas.selected.connect(self.inspector.set_selection)
        self.canvas.selected.connect(lambda _: self.docks["inspector"].raise_())
        self.canvas.selected.connect(self._trace_selected_unit)
        self.lecture.show_requested.connect(self._show_weight)
        self.sequence_panel.seek.connect(self.cmd_seek)
        self.sequence_panel.custom_sequence.connect(self._on_custom_sequence)
        self.experiment_panel.experiment_changed.connect(self._on_experiment_changed)
        self.questions = install_questions(self)
        self.sequence_panel.set_experiment(self.experiment)
        self.cmd_speed.emit(float(SPEEDS[self.speed.value()]))
        self.worker_thread.start()

    # ----------------------------------------------------------------- commands
    def _on_step(self):
        self._stop_running()
        self.cmd_step.emit()

    def _on_step_back(self):
        self._stop_running()
        self.cmd_step_back.emit()

    def _on_run(self, running):
        (self.cmd_run if running else self.cmd_pause).emit()

    def _on_train(self):
        self._stop_running()
        n = int(self.train_n.value())
        self.status.show_progress((0, n))
        self.cmd_train.emit(n)

    def _on_new_sequence(self):
        self._stop_running()
        self.cmd_new_sequence.emit()

    def _on_reset(self):
        self._stop_running()
        self.cmd_reset.emit()

    def _stop_running(self):
        if self.actions.actionRun.isChecked():
            self.actions.actionRun.setChecked(False)

    def _on_speed(self, index, send=True):
        steps = SPEEDS[index]
        self.speed_label.setText(f"{steps} steps/s " if steps else "max ")
        self._set_streaming()
        if send:
            self.cmd_speed.emit(float(steps))

    def apply_experiment(self, experiment):
        """Switch the simulation to ``experiment`` (the worker says what it kept)."""
        self._on_experiment_changed(experiment)

    def _on_experiment_changed(self, experiment):
        self.experiment = experiment
        self.header.set_experiment(experiment)
        prefs.remember_experiment(self.settings, experiment.to_json())
        self.cmd_apply.emit(experiment)

    def _on_custom_sequence(self, text):
        try:
            experiment = self.experiment_panel.custom_experiment(text)
        except ValueError as exc:
            self.sequence_panel.show_error(str(exc))
            return
        self.sequence_panel.show_error("")
        self.experiment_panel.set_experiment(experiment)
        self.experiment = experiment
        self.header.set_experiment(experiment)
        prefs.remember_experiment(self.settings, experiment.to_json())
        self.questions.make_custom_task(experiment)  # Undo brings the trained network back

    def _trace_selected_unit(self, selection):
        """A clicked state unit joins the traced units of the activations plot (last 4)."""
        plot = self.plots.plots.get("activations")
        if (
            plot is None
            or selection.kind != "s"
            or selection.unit is None
            or not hasattr(plot, "set_units")
        ):
            return
        units = [u for u in getattr(plot, "units", []) if u != selection.unit]
        try:
            plot.set_units([*units[-3:], selection.unit])
        except ValueError as exc:
            self.show_notice(str(exc), error=True)

    def _show_weight(self, name):
        self.inspector.set_selection(Selection("W", name=name))
        self.docks["inspector"].raise_()

    # ----------------------------------------------------------------- snapshots
    def _on_snapshot(self, snapshot):
        self._pending = snapshot  # newer snapshots replace older ones not yet drawn
        self.snapshots_received += 1
        self._schedule_draw()

    def _on_progress(self, done, total, _rate):
        self._progress = (done, total)  # shown with the next draw (a progress bar repaints)
        self._schedule_draw()

    def _schedule_draw(self):
        """Draw the newest snapshot now if the last draw is older than the draw interval, else
        once it is (one single-shot timer: snapshots that come meanwhile replace each other)."""
        if self._timer.isActive():
            return
        wait_ms = self._draw_interval_ms - (time.perf_counter() - self._last_draw) * 1000
        self._timer.start(math.ceil(wait_ms) if wait_ms > 0 else 0)

    def _on_state(self, state):
        self._state = state
        self._draw_interval_ms = TRAIN_DRAW_INTERVAL_MS if state == "training" else DRAW_INTERVAL_MS
        self._set_streaming()
        if state != "training":
            self._progress = None
            self.status.show_progress(None)
        if state != "running" and self.actions.actionRun.isChecked():
            self.actions.actionRun.blockSignals(True)
            self.actions.actionRun.setChecked(False)
            self.actions.actionRun.blockSignals(False)
            self.actions._on_run_toggled(False)

    def _set_streaming(self):
        """Plots are budgeted while training or running fast; otherwise every snapshot is
        drawn everywhere, and a pause shows the paused state in every plot at once."""
        speed = SPEEDS[self.speed.value()]
        fast = speed == 0 or speed > SLOW_RUN
        self._streaming = self._state == "training" or (self._state == "running" and fast)
        self.lecture.numbers_interval_ms = (
            STREAMING_INTERVAL_MS if self._streaming else NUMBERS_INTERVAL_MS
        )
        if not self._streaming:
            self.plots.flush()

    def _on_error(self, text):
        self.show_notice(text, error=True)

    def _on_message(self, text):
        self.notices.worker_message(text, self.experiment)

    def mute_worker_messages(self, n):
        """Drop the next ``n`` notices of the simulation (a preset load is no user change)."""
        self.notices.mute(n)

    def _follow_title(self, experiment):
        """The window title names the experiment shown."""
        title = getattr(experiment, "title", "") or DEFAULT_TITLE
        if title != self.windowTitle():
            self.setWindowTitle(title)

    def show_notice(self, text, error=False):
        """Show ``text`` in the status bar (red when ``error``)."""
        self.notices.show(text, self.experiment, ERROR if error else "")

    @property
    def has_pending(self):
        """Whether a snapshot has arrived that is not drawn yet."""
        return self._pending is not None

    def draw_newest(self):
        """Draw the newest snapshot if one arrived since the last draw, and the training's
        progress (at most ~60 times a second, 20 while training: ``_schedule_draw``)."""
        progress, self._progress = self._progress, None
        if progress is not None:
            self.status.show_progress(progress)
        snap, self._pending = self._pending, None
        if snap is None:
            self.status.tick()
            return
        start = self._last_draw = time.perf_counter()
        self._rate_timer.start()
        self.snapshot = snap
        self.canvas.show_snapshot(snap)
        self.status.update_snapshot(snap)
        self.sequence_panel.update_snapshot(snap)
        self.inspector.update_snapshot(snap)
        self.lecture.update_snapshot(snap)
        self.samples.update_snapshot(snap)
        self.plots.update(snap, immediate=not self._streaming)
        self.notices.from_snapshot(snap)
        self._follow_title(snap.experiment)
        if snap.experiment is not None and snap.experiment != self.experiment_panel.experiment:
            self.experiment = snap.experiment
            self.experiment_panel.set_experiment(snap.experiment)
        if snap.experiment is not None:
            self.header.set_experiment(snap.experiment)
            self.sequence_panel.set_experiment(snap.experiment)
        self.header.update_progress(snap)
        self.draw_times.append(time.perf_counter() - start)
        del self.draw_times[:-1000]

    # ----------------------------------------------------------------- files
    def open_experiment(self, path):
        """Open a saved simulation (``.npz``) or an experiment's settings (``.json``)."""
        self.files.open_experiment(path)

    def save_experiment(self, path):
        """Save the simulation (experiment, weights, optimiser state, history) into the one
        state file ``path`` (``.npz``)."""
        self.files.save_experiment(path)

    def export_experiment(self, path):
        """Write the experiment's settings alone (JSON) to ``path``."""
        self.files.export_experiment(path)

    def reopen_last_experiment(self):
        """Apply the experiment remembered from the last session (QSettings)."""
        self.files.reopen_last_experiment()

    def export_all(self, folder):
        """Write every plot, the canvas, data, experiment, weights and a report to ``folder``."""
        self.files.export_all(folder)

    # ----------------------------------------------------------------- closing
    def shutdown(self):
        """Stop the worker and its thread, and those of open Compare and Sweep windows, and
        wait for them (idempotent)."""
        self._timer.stop()
        self._rate_timer.stop()
        for job in self.findChildren(QObject, "animationExport"):
            job.stop()  # a recording's child process (File ▸ Export animation…)
        for view in list(self.guided_views.views):
            view.close()
        self.worker_thread.close()

    def showEvent(self, event):
        super().showEvent(event)
        hide_stale_tab_bars(self)

    # Events of the window itself, passed on by overriding their handlers rather than with
    # event filters: a filter on the window calls into Python for every event of the window
    # (some 65 a second while it trains: repaint and layout requests), taking the GIL from
    # the worker each time; these handlers run only for their own kind of event.
    def resizeEvent(self, event):
        super().resizeEvent(event)
        fit = getattr(self, "screen_fit", None)  # None while the window is being built
        if fit is not None:
            fit.window_event(event.type())

    def changeEvent(self, event):
        super().changeEvent(event)
        fit = getattr(self, "screen_fit", None)
        if fit is not None and event.type() == QEvent.Type.WindowStateChange:
            fit.window_event(event.type())

    def keyPressEvent(self, event):
        """A key no widget took (nothing has the focus): Escape gives the focus to the canvas;
        Right, Left and Space are the actions' own shortcuts then (``rnnsim.gui.keys``)."""
        plain = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if event.key() == Qt.Key.Key_Escape and plain == Qt.KeyboardModifier.NoModifier:
            self.step_keys.escape()
            event.accept()
            return
        super().keyPressEvent(event)

    def closeEvent(self, event):
        self.guided_views.close_all()  # the Compare and Sweep windows close with this one
        prefs.save_layout(self.settings, self)
        prefs.remember_experiment(self.settings, self.experiment.to_json())
        self.shutdown()
        super().closeEvent(event)
