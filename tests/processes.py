"""Helpers for tests that start rnnsim in a subprocess and interrupt it."""

import signal


def ctrl_c_as_in_a_terminal() -> None:
    """``preexec_fn`` for a child that a test sends SIGINT: Ctrl-C at its default.

    A shell starts a background job (`.ci/run &`, a CI runner's script) with SIGINT ignored,
    every descendant inherits that, and Python then installs no KeyboardInterrupt handler:
    the test's Ctrl-C would be lost and the run simply finish. A terminal's foreground
    program gets SIGINT at its default, which is what these tests are about.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)
