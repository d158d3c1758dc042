"""GUI test setup: every test must leave no QThread running, no QTimer active and no
top-level widget alive (an autouse fixture fails the test otherwise, then cleans up).

Hidden QMenus are not counted: pyqtgraph gives every ViewBox a parentless context menu
that lives as long as pyqtgraph's own references to the ViewBox, not as long as the window.
A visible menu left open is still a leak.
"""

from __future__ import annotations

import gc
import threading
import weakref

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QThread, QTimer
from PySide6.QtWidgets import QApplication, QMenu

_started: dict[str, list] = {"threads": [], "timers": []}
_IGNORED_WIDGETS = {"QTipLabel"}  # Qt's own tooltip window, reused across tests


def _track(cls, kind):
    """Record every instance of ``cls`` started from Python (weakly)."""
    original = cls.start

    def start(self, *args, **kwargs):
        _started[kind].append(weakref.ref(self))
        return original(self, *args, **kwargs)

    start.__doc__ = original.__doc__
    cls.start = start


_track(QThread, "threads")
_track(QTimer, "timers")


def _alive(ref, check):
    obj = ref()
    if obj is None:
        return None
    try:
        return obj if check(obj) else None
    except RuntimeError:  # the C++ object is already deleted
        return None


def _flush_deletes(rounds=3):
    """Collect garbage and run deferred deletes, round after round, until a round's
    collection finds nothing (at most ``rounds``): what is left after that is alive.

    A round that collects nothing after the first would do nothing the first did not: each
    empty collection costs 20-30 ms with a window's objects around, and used to run 9 times a
    test. Stopping early frees less, never more, so it can only report more, not fewer.
    """
    for _ in range(rounds):
        collected = gc.collect()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        QCoreApplication.processEvents()
        if not collected:
            return


def _leaked_threads():
    threads = [t for r in _started["threads"] if (t := _alive(r, QThread.isRunning))]
    for t in threads:
        t.quit()
        t.wait(3000)
    return [f"QThread {t.objectName() or type(t).__name__} still running" for t in threads]


def _leaked_timers():
    timers = [t for r in _started["timers"] if (t := _alive(r, QTimer.isActive))]
    out = []
    for t in timers:
        out.append(
            f"QTimer {t.objectName() or hex(id(t))} (interval {t.interval()} ms) still active"
        )
        if t.thread() is QThread.currentThread():
            t.stop()
    return out


def _counted(widget):
    """Whether a live top-level widget counts as a leak (see the module's notes)."""
    return widget.metaObject().className() not in _IGNORED_WIDGETS and not (
        isinstance(widget, QMenu) and not widget.isVisible()
    )


def _leaked_widgets(before):
    widgets = [
        w for w in QApplication.topLevelWidgets() if _counted(w) and not any(w is b for b in before)
    ]
    out = [
        f"top-level widget {type(w).__name__} {w.objectName()!r} alive "
        f"(title {w.windowTitle()!r}, parent {type(w.parent()).__name__})"
        for w in widgets
    ]
    for w in widgets:
        w.close()
        w.deleteLater()
    if widgets:
        _flush_deletes()
    return out


@pytest.fixture(autouse=True)
def no_leaked_qt_objects(qapp):
    """Fail a test that leaves a QThread running, a QTimer active or a top-level widget.

    Nothing is flushed before the test: the previous test's teardown flushed, and the
    widgets alive now are held (not their ``id``, which a new widget could reuse) so that
    only the ones the test made count.
    """
    widgets_before = [w for w in QApplication.topLevelWidgets() if _counted(w)]
    threads_before = set(threading.enumerate())
    _started["threads"].clear()
    _started["timers"].clear()
    yield
    _flush_deletes()
    leaks = _leaked_threads() + _leaked_timers() + _leaked_widgets(widgets_before)
    for t in set(threading.enumerate()) - threads_before:
        t.join(1.0)
        if t.is_alive():
            leaks.append(f"Python thread {t.name} still running")
    _started["threads"].clear()
    _started["timers"].clear()
    if leaks:
        pytest.fail("the test leaked Qt objects:\n" + "\n".join(leaks), pytrace=False)


@pytest.fixture
def canvas(qtbot):
    """A shown 1200×600 NetworkCanvas (tests/gui/test_canvas.py, test_unit_items.py)."""
    from rnnsim.gui.canvas import NetworkCanvas

    widget = NetworkCanvas()
    qtbot.addWidget(widget)
    widget.resize(1200, 600)
    widget.show()
    return widget
