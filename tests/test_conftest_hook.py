"""The slot-exception hook really turns a swallowed slot exception into a failure."""

import sys


def test_hook_records_exceptions(fail_on_slot_exceptions):
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        sys.excepthook(*sys.exc_info())
    assert len(fail_on_slot_exceptions) == 1
    fail_on_slot_exceptions.clear()
