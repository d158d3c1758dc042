"""One truth on screen: canvas, status bar, plots, title and notices show the same state."""

import pytest
from PySide6.QtCore import Qt

from rnnsim.gui.canvas.unfolded_update import current_column
from rnnsim.gui.settings import open_settings


@pytest.fixture
def window(qtbot, tmp_path):
    from rnnsim.gui import MainWindow
    from rnnsim.sim import Experiment

    win = MainWindow(
        Experiment().with_values({"task.gap": "4"}),  # T = 6 frames
        settings=open_settings(tmp_path / "settings.ini"),
    )
    qtbot.addWidget(win)
    win.resize(1500, 940)
    win.show()
    qtbot.waitExposed(win)
    qtbot.waitUntil(lambda: win.snapshot is not None, timeout=15000)
    yield win
    win.close()


def _step(qtbot, window):
    before = window.snapshot
    window.actions.actionStep.trigger()
    qtbot.waitUntil(lambda: window.snapshot is not before, timeout=5000)


def test_the_status_bar_shows_the_canvas_column_during_the_backward_sweep(window, qtbot):
    T = window.snapshot.T
    for _ in range(T):
        _step(qtbot, window)
    seen = []
    while window.snapshot.cursor.phase != "update" and len(seen) < T + 2:
        _step(qtbot, window)
        snap = window.snapshot
        column = current_column(snap.cursor, snap.T)
        assert f"t = {column}" in window.status.labels["t"].text()
        if snap.cursor.phase == "backward":
            seen.append(column)
    assert seen == sorted(seen, reverse=True) and len(set(seen)) >= T - 1
    assert seen[-1] <= 1  # the sweep reaches the first frame, and the status bar says so


def test_the_loss_is_labelled_as_the_sequence_E_and_the_batch_mean(window, qtbot):
    for _ in range(window.snapshot.T):
        _step(qtbot, window)
    snap = window.snapshot
    text = window.status.labels["loss"].text()
    batch = snap.experiment.batch_size
    assert "this sequence" in text and f"mean of B = {batch}" in text
    shown = float(sum(e for e, m in zip(snap.E, snap.mask, strict=False) if m))
    from rnnsim.gui.number_format import number

    assert number(shown) in text and number(snap.loss) in text


def test_after_pause_during_run_every_plot_shows_the_canvas_snapshot(window, qtbot):
    window.speed.setValue(len(window.speed_values) - 1)  # as fast as it goes: plots budgeted
    window.actions.actionRun.trigger()
    qtbot.waitUntil(lambda: window.snapshot.cursor.sequence >= 3, timeout=20000)
    window.actions.actionRun.trigger()  # pause
    qtbot.waitUntil(
        lambda: (
            window.worker.state == "idle" and window._state == "idle" and not window.has_pending
        ),
        timeout=10000,
    )
    window.draw_newest()
    shown = [
        p
        for d, p in zip(window.plots.docks, window.plots.plots.values(), strict=True)
        if d.isVisible() and not d.visibleRegion().isEmpty()
    ]
    assert shown
    for plot in shown:
        assert plot.snapshot is window.snapshot, plot.name
    assert window.canvas.snapshot is window.snapshot
    seq = window.snapshot.cursor.sequence
    assert window.plots.plots["activations"].snapshot.cursor.sequence == seq


def test_stepping_draws_every_visible_plot_at_once(window, qtbot):
    for _ in range(3):
        _step(qtbot, window)  # quicker than QUIET_S apart: still drawn everywhere
        window.draw_newest()
        for dock, plot in zip(window.plots.docks, window.plots.plots.values(), strict=True):
            if dock.isVisible() and not dock.visibleRegion().isEmpty():
                assert plot.snapshot is window.snapshot


def test_title_and_notices_follow_the_experiment_and_a_preset_is_no_user_change(window, qtbot):
    from rnnsim.gui.guided_menu import load_preset_into
    from rnnsim.sim.presets import list_presets

    presets = {p.name: p for p in list_presets()}
    window.show_notice("Training diverged at update 4 (a notice about this experiment)", error=True)
    lstm = presets["lstm-rescue"]
    load_preset_into(window, lstm)
    qtbot.waitUntil(lambda: window.snapshot.experiment.cell == lstm.experiment.cell, timeout=10000)
    qtbot.wait(200)
    window.draw_newest()
    assert window.windowTitle() == lstm.experiment.title
    text = window.message.text()
    assert "diverged" not in text
    assert not text.startswith("Changed") and "re-initialised" not in text
    assert lstm.title in text
    other = window.experiment.with_values({"cell": "gru"})
    window.apply_experiment(other)  # the user's own change: the simulation says what it did
    qtbot.waitUntil(lambda: window.snapshot.experiment.cell == "gru", timeout=10000)
    qtbot.waitUntil(lambda: window.message.text().startswith("Changed"), timeout=5000)


def test_export_progress_counts_files(window, qtbot, tmp_path):
    formats = []
    bar = window.status.progress
    original = bar.setFormat
    bar.setFormat = lambda f: (formats.append(f), original(f))[1]
    window.export_all(str(tmp_path / "out"))
    assert formats and all(f.endswith("files") for f in formats)
    window.status.show_progress((3, 10))
    assert bar.format().endswith("updates") and window.status.stop.isVisibleTo(window)


def test_compare_counters_move_while_it_trains(window, qtbot):
    from rnnsim.gui.guided_menu import open_compare
    from rnnsim.sim.presets import list_presets

    preset = next(p for p in list_presets() if len(p.variants) >= 2)
    view = open_compare(window, preset)
    view.batches.setValue(400)
    view.train_button.click()
    qtbot.waitUntil(lambda: "training" in view.status.text(), timeout=20000)
    first = view.status.text()
    qtbot.waitUntil(lambda: view.status.text() != first or not view.training, timeout=30000)
    assert "updates so far" in view.captions[0].text() or not view.training
    view.stop()
    qtbot.mouseClick(view.stop_button, Qt.MouseButton.LeftButton)
    view.close()
