"""The suite's setup makes exceptions swallowed by Qt slots and threads fail the test."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

SLOT_TEST = """
import threading
from PySide6.QtCore import QObject, QTimer, Signal


class Emitter(QObject):
    fired = Signal()


def test_slot_raises(qtbot):
    emitter = Emitter()
    emitter.fired.connect(lambda: 1 / 0)
    emitter.fired.emit()


def test_thread_raises():
    t = threading.Thread(target=lambda: [][1])
    t.start()
    t.join()


def test_quiet_slot(qtbot):
    emitter = Emitter()
    emitter.fired.connect(lambda: None)
    emitter.fired.emit()
"""


def test_exceptions_in_slots_and_threads_fail_the_test(tmp_path):
    shutil.copy(Path(__file__).with_name("conftest.py"), tmp_path / "conftest.py")
    (tmp_path / "test_slots.py").write_text(SLOT_TEST)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--rootdir",
            str(tmp_path),
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    out = result.stdout + result.stderr
    assert result.returncode == 1, out
    failing = set(re.findall(r"^(?:FAILED|ERROR) test_slots\.py::(\w+)", out, re.MULTILINE))
    assert failing == {"test_slot_raises", "test_thread_raises"}, out
    assert "ZeroDivisionError" in out and "IndexError" in out
