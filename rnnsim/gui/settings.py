"""Remembered state (QSettings): window layout, the last experiment, recent files.

The location is the user's standard one unless ``RNNSIM_SETTINGS`` names an INI file (the
tests point it at a temporary directory so they never touch the user's settings).
"""

from __future__ import annotations

import os

from PySide6.QtCore import QSettings

MAX_RECENT = 8
ENV = "RNNSIM_SETTINGS"


def open_settings(path=None):
    """QSettings at ``path`` (INI), else at ``$RNNSIM_SETTINGS``, else the user's location."""
    path = path or os.environ.get(ENV)
    if path:
        return QSettings(str(path), QSettings.Format.IniFormat)
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "rnnsim", "rnnsim")


def recent_files(settings):
    """The recent experiment files, newest first."""
    value = settings.value("recent_files", [])
    if isinstance(value, str):
        value = [value] if value else []
    return [str(v) for v in value or []]


def add_recent_file(settings, path):
    """Put ``path`` first in the recent files (at most MAX_RECENT, no duplicates)."""
    path = str(path)
    files = [path] + [f for f in recent_files(settings) if f != path]
    settings.setValue("recent_files", files[:MAX_RECENT])
    return files[:MAX_RECENT]


def save_layout(settings, window):
    """Remember the window's geometry, docks and toolbars, the canvas view, N and the speed."""
    settings.setValue("window/geometry", window.saveGeometry())
    settings.setValue("window/state", window.saveState())
    settings.setValue("canvas/mode", window.canvas.mode.currentIndex())
    settings.setValue("toolbar/train_n", window.train_n.value())
    settings.setValue("toolbar/speed", window.speed.value())


def restore_layout(settings, window):
    """Restore what ``save_layout`` remembered (nothing when there is nothing)."""
    geometry = settings.value("window/geometry")
    state = settings.value("window/state")
    if geometry is not None:
        window.restoreGeometry(geometry)
    if state is not None:
        window.restoreState(state)
    mode = _int(settings.value("canvas/mode"))
    if mode is not None and 0 <= mode < window.canvas.mode.count():
        window.canvas.mode.setCurrentIndex(mode)
    for key, box in (("toolbar/speed", window.speed), ("toolbar/train_n", window.train_n)):
        value = _int(settings.value(key))
        if value is not None and box.minimum() <= value <= box.maximum():
            box.setValue(value)


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def last_experiment(settings):
    """The last experiment as JSON text, or None."""
    value = settings.value("last_experiment")
    return str(value) if value else None


def remember_experiment(settings, json_text):
    """Remember the current experiment (JSON text)."""
    settings.setValue("last_experiment", json_text)
