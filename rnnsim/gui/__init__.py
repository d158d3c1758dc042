"""The rnnsim window: main window, network canvas, panels, plots (PySide6 and pyqtgraph only here).

``MainWindow`` is imported lazily so that ``rnnsim.gui.worker`` can be imported (and tested)
without building the whole window module.
"""

from __future__ import annotations

import gc
import os
import sys
import tempfile
import time

from rnnsim import __version__, package_data
from rnnsim.gui import desktop_entry, system_check
from rnnsim.gui.ctrl_c import CloseOnCtrlC
from rnnsim.sim import load_experiment
from rnnsim.sim.resume import is_state_file, stored_experiment
from rnnsim.usage import EXIT_INTERRUPTED, Parser

__all__ = ["MainWindow", "app_icon", "parse_args", "render_after_steps", "run", "setup_application"]


def __getattr__(name):
    if name == "MainWindow":
        # the window module (Qt) loads only when the window is asked for
        from rnnsim.gui.main_window import MainWindow

        return MainWindow
    raise AttributeError(f"module 'rnnsim.gui' has no attribute {name!r}")


def parse_args(argv):
    """Parse ``[gui] [EXPERIMENT.json | STATE.npz] [--screenshot PNG] [--steps N]
    [--experiment FILE]``."""
    argv = list(argv)
    if argv and argv[0] == "gui":
        argv = argv[1:]
    parser = Parser(
        prog="rnnsim gui", description="Open the rnnsim window (the wolf story by default)."
    )
    parser.add_argument(
        "experiment_path",
        nargs="?",
        metavar="FILE",
        help="an experiment (.json) saved from the app, or a state (.npz, e.g. "
        "DIR/run.npz written by `rnnsim train --out DIR`: opens it trained)",
    )
    parser.add_argument(
        "--experiment", dest="experiment_file", metavar="FILE", help="same as EXPERIMENT.json"
    )
    parser.add_argument(
        "--screenshot", metavar="PNG", help="render the window offscreen into PNG and exit"
    )
    parser.add_argument(
        "--steps",
        type=int,
        default=0,
        metavar="N",
        help="with --screenshot: take N steps first (default 0)",
    )
    parser.add_argument(
        "--install-desktop-entry",
        action="store_true",
        help="add rnnsim to the desktop's menu (a freedesktop entry and icon "
        "under ~/.local/share) and exit",
    )
    args = parser.parse_args(argv)
    if args.steps < 0:
        parser.error(f"--steps: got {args.steps}, expected a whole number >= 0")
    if args.experiment_path and args.experiment_file:
        parser.error("give the experiment either as EXPERIMENT.json or with --experiment")
    args.experiment = args.experiment_path or args.experiment_file
    return args


def run(argv=None):
    """Open the window (``rnnsim``, ``rnnsim gui``, ``python main.py``); return an exit code.

    With ``--screenshot PNG`` the window is rendered offscreen after ``--steps N`` steps,
    saved as PNG, and the function returns without showing anything.
    """
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.install_desktop_entry:
        for path in desktop_entry.install_desktop_entry():
            print(f"wrote {path}")
        return 0
    if args.screenshot:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    problem = system_check.xcb_problem()  # looked up at call time (tests replace it)
    if problem:  # Qt would abort (exit 134) naming one library at most
        print(problem, file=sys.stderr)
        return 1
    try:
        experiment, state = _read_start(args.experiment)
    except ValueError as exc:
        print(f"rnnsim gui: error: {' '.join(str(exc).split())}", file=sys.stderr)
        return 2
    # Qt loads only here: the command line imports this package without it
    from PySide6.QtWidgets import QApplication

    from rnnsim.gui.settings import open_settings

    app = QApplication.instance() or QApplication(["rnnsim"])
    setup_application(app)
    from rnnsim.gui.main_window import MainWindow  # the window module: only for the window

    if args.screenshot:
        with tempfile.TemporaryDirectory() as tmp:
            window = MainWindow(experiment, settings=open_settings(os.path.join(tmp, "s.ini")))
            try:
                if state:
                    window.open_experiment(state)
                render_after_steps(window, args.steps, args.screenshot, extra=int(bool(state)))
            finally:
                window.shutdown()
                window.deleteLater()
                app.processEvents()
        return 0
    # Ctrl-C in the terminal closes the window, also while it is being built (the close waits
    # for the event loop)
    with CloseOnCtrlC(app.closeAllWindows) as ctrl_c:
        window = MainWindow(experiment)
        try:
            if state:
                window.open_experiment(state)
            window.show()
            # The ~90 000 objects the collector tracks by now live as long as the window:
            # frozen, a full collection (every ~40 s of training, in the worker, the window
            # waiting for the GIL) takes ~2 ms instead of ~55 ms
            gc.freeze()
            code = app.exec()
        finally:
            gc.unfreeze()
            window.shutdown()  # idempotent: closing the window did it unless exec failed
            window.deleteLater()
            app.processEvents()
    return EXIT_INTERRUPTED if ctrl_c.interrupted else code


def _read_start(path):
    """(experiment or None, state file to load or None) of the window's FILE argument."""
    if not path:
        return None, None
    if is_state_file(path):
        return stored_experiment(path), os.path.abspath(path)
    return load_experiment(path), None


def app_icon():
    """The application's icon (``resources/icons/rnnsim.svg``) as a QIcon."""
    from PySide6.QtGui import QIcon  # Qt loads only for the window (see run)

    return QIcon(str(package_data.path("icons", "rnnsim.svg")))


def setup_application(app) -> None:
    """Name, version, icon and desktop entry of the application (window titles, task bars,
    the desktop's window-to-entry matching)."""
    app.setApplicationName("rnnsim")
    app.setApplicationDisplayName("rnnsim")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("rnnsim")
    app.setWindowIcon(app_icon())


def render_after_steps(window, steps, path, timeout=60.0, extra=0):
    """Take ``steps`` steps in ``window``, draw the result and save it as a PNG at ``path``.

    Raises
    ------
    ValueError
        When the image cannot be written to ``path``.
    TimeoutError
        When the simulation does not answer within ``timeout`` seconds.

    ``extra``: snapshots to wait for besides those (1 when a state file is being loaded).
    """
    from PySide6.QtCore import QCoreApplication  # Qt loads only for the window (see run)

    window.show()
    expected = 1 + int(steps) + int(extra)  # the first snapshot, then one per step
    for _ in range(int(steps)):
        window.cmd_step.emit()
    deadline = time.perf_counter() + timeout
    while window.snapshots_received < expected or window.has_pending:
        if time.perf_counter() > deadline:
            raise TimeoutError(f"no snapshot after {steps} steps within {timeout} s")
        QCoreApplication.processEvents()
        window.draw_newest()
        time.sleep(0.002)
    for _ in range(5):
        QCoreApplication.processEvents()
    if not window.grab().save(str(path), "PNG"):
        raise ValueError(f"--screenshot: cannot write a PNG to {str(path)!r}")
