"""The rnnsim window: main window, network canvas, panels, plots (PySide6 and pyqtgraph only here).

``MainWindow`` and ``run`` are imported lazily so that ``rnnsim.gui.worker`` can be imported
(and tested) without building the whole window module.
"""

from __future__ import annotations

__all__ = ["MainWindow", "run"]


def __getattr__(name):
    if name == "MainWindow":
        from rnnsim.gui.main_window import MainWindow

        return MainWindow
    raise AttributeError(f"module 'rnnsim.gui' has no attribute {name!r}")


def run(argv=None):
    """Launch the window; see :func:`rnnsim.gui.app.run` for the arguments."""
    from rnnsim.gui.app import run as _run

    return _run(argv)
