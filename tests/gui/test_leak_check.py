"""The GUI tests' leak check (tests/gui/conftest.py) keeps its guarantees with fewer rounds
of garbage collection: garbage is still freed, and only the widgets a test made count."""

import gc

from PySide6.QtWidgets import QApplication, QWidget

from tests.gui import conftest as leaks


def _alive_titled(title):
    return [w for w in QApplication.topLevelWidgets() if w.windowTitle() == title]


def test_a_widget_held_only_by_garbage_is_freed_by_the_flush(qapp):
    widget = QWidget()
    widget.setWindowTitle("in a cycle")
    widget.cycle = [widget]  # a reference cycle: only the collector frees it
    widget.show()
    widget.hide()
    del widget
    assert len(_alive_titled("in a cycle")) == 1
    leaks._flush_deletes()
    assert _alive_titled("in a cycle") == []


def test_only_widgets_made_after_the_snapshot_count(qapp):
    old = QWidget()
    old.setWindowTitle("before")
    old.show()
    before = [w for w in QApplication.topLevelWidgets() if leaks._counted(w)]
    assert any(w is old for w in before)
    new = QWidget()
    new.setWindowTitle("made by the test")
    new.show()
    found = leaks._leaked_widgets(before)
    assert len(found) == 1 and "made by the test" in found[0]
    assert _alive_titled("made by the test") == []  # closed and deleted by the check
    old.close()
    old.deleteLater()
    del before, old, new
    gc.collect()
    leaks._flush_deletes()
