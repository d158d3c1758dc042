"""Suite-wide setup: headless Qt, and exceptions raised inside Qt slots fail the test."""

import gc
import os
import sys
import threading

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
# No test may read or write the user's own settings (layout, recent files), and each test
# process has a file of its own: pytest-xdist's workers inherit the first process's
# environment, and a test in one worker that remembers a value (the Sweep view's scheduler)
# read it back empty once, because a test in the other worker had written the shared file.
if os.environ.get("RNNSIM_TEST_SETTINGS_PID") != str(os.getpid()):
    import tempfile

    _settings_dir = tempfile.mkdtemp(prefix="rnnsim-test-settings-")
    os.environ["RNNSIM_SETTINGS"] = os.path.join(_settings_dir, "rnnsim.ini")
    os.environ["RNNSIM_TEST_SETTINGS_PID"] = str(os.getpid())

import pytest


def pytest_collection_finish(session):
    """Freeze what collection created (modules, classes, test items: ~300,000 objects, never
    garbage while the session runs) out of the garbage collector's sight.

    ``gc.collect()`` then scans only what the tests create: the GUI tests' leak check
    (tests/gui/conftest.py) collects nine times a test, and each collection fell from ~60 ms
    to ~4 ms. Every widget, thread and timer a test makes is created after this point, so the
    check finds and frees exactly what it did before.
    """
    gc.collect()
    gc.freeze()


@pytest.fixture(autouse=True)
def fail_on_slot_exceptions():
    """Record exceptions that reach ``sys.excepthook`` (PySide6 reports slot errors there).

    PySide6 prints and swallows an exception raised inside a slot; routing it through this
    hook makes the test that caused it fail instead of passing silently.
    """
    caught = []
    previous_sys, previous_thread = sys.excepthook, threading.excepthook

    def hook(exc_type, exc, tb):
        caught.append((exc_type, exc))
        previous_sys(exc_type, exc, tb)

    def thread_hook(args):
        caught.append((args.exc_type, args.exc_value))
        previous_thread(args)

    sys.excepthook = hook
    threading.excepthook = thread_hook
    try:
        yield caught
    finally:
        sys.excepthook, threading.excepthook = previous_sys, previous_thread
    if caught:
        lines = "\n".join(f"{t.__name__}: {e}" for t, e in caught)
        pytest.fail(f"exception raised inside a Qt slot or thread:\n{lines}")
