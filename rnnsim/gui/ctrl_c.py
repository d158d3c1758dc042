"""Ctrl-C in the terminal that started the window closes the window.

Qt's event loop runs in C++: a SIGINT only sets a flag that Python looks at when it next runs
Python code, so without help Ctrl-C does nothing until some slot runs, and then it raises
KeyboardInterrupt inside that slot (a traceback, and the window stays open). Here the signal
wakes Qt through ``signal.set_wakeup_fd`` and a socket watched by a ``QSocketNotifier``; the
handler closes the windows the way their close buttons do (layout saved, worker stopped). A
second Ctrl-C, while closing, ends the process at once (the default action).
"""

from __future__ import annotations

import signal
import socket
import sys


class CloseOnCtrlC:
    """While active (``with CloseOnCtrlC(close):``), the first SIGINT prints ``message`` and
    calls ``close`` (e.g. ``QApplication.closeAllWindows``) from Qt's event loop;
    ``interrupted`` says whether it did. Only the main thread can install it."""

    def __init__(self, close, message: str = "rnnsim gui: Ctrl-C: closing the window"):
        self.close = close
        self.message = message
        self.interrupted = False
        self._pending = False

    def __enter__(self):
        from PySide6.QtCore import QSocketNotifier  # Qt loads only for the window

        self._read, self._write = socket.socketpair()
        self._read.setblocking(False)
        self._write.setblocking(False)
        self._previous_fd = signal.set_wakeup_fd(self._write.fileno())
        self._previous = signal.signal(signal.SIGINT, self._on_sigint)
        self._notifier = QSocketNotifier(self._read.fileno(), QSocketNotifier.Type.Read)
        self._notifier.activated.connect(self._wake)
        return self

    def __exit__(self, *exc_info):
        self._notifier.setEnabled(False)
        self._notifier.activated.disconnect(self._wake)
        self._notifier = None  # Python owns it (no parent): deleted here, before the socket
        signal.set_wakeup_fd(self._previous_fd)
        if signal.getsignal(signal.SIGINT) in (self._on_sigint, signal.SIG_DFL):
            signal.signal(signal.SIGINT, self._previous)
        self._read.close()
        self._write.close()
        return False

    def _on_sigint(self, signum, frame):
        # runs in Python's main thread between two bytecodes: only note it; the wake-up byte
        # written by set_wakeup_fd makes Qt call _wake from its event loop
        self._pending = True
        signal.signal(signal.SIGINT, signal.SIG_DFL)  # a second Ctrl-C ends the process

    def _wake(self, *args):
        try:
            while self._read.recv(512):
                pass
        except OSError:  # nothing (more) to read
            pass
        if self._pending and not self.interrupted:
            self.interrupted = True
            print(self.message, file=sys.stderr, flush=True)
            self.close()
