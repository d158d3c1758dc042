"""CompareView as a user runs it: build from a preset, click Train, wait, check what is drawn."""

import numpy as np
import pytest
from PySide6.QtCore import Qt

from rnnsim.gui.compare_view import CompareView
from rnnsim.sim import Experiment
from rnnsim.sim.compare import Comparison
from rnnsim.sim.presets import load_preset


@pytest.fixture
def view(qtbot):
    preset = load_preset("minibatch")
    preset_small = [v.experiment.replace(n_hidden=6, batch_size=8) for v in preset.variants]
    cmp = Comparison(preset_small, [v.label for v in preset.variants], eval_batch=16)
    w = CompareView(cmp, preset.title, preset.claim, batches=100)
    qtbot.addWidget(w)
    w.resize(1200, 800)
    w.show()
    return w


def test_train_draws_both_loss_curves_on_the_same_batches(qtbot, view):
    assert view.progress.value() <= 0 and view.stop_button.isEnabled() is False
    with qtbot.waitSignal(view.trained, timeout=20000) as blocker:
        qtbot.mouseClick(view.train_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [100]
    assert view.progress.value() == 100 and view.train_button.isEnabled()
    sims = view.comparison.sims
    x1, y1 = view.curve_data("loss", "M = 1")
    x20, y20 = view.curve_data("loss", "M = 20")
    np.testing.assert_allclose(y20, sims[1].history.frozen().loss)
    assert len(x1) == 100 and len(x20) == 5  # 20 times fewer updates on the same batches
    assert x1[-1] == x20[-1] == 100
    np.testing.assert_allclose(y1, sims[0].history.frozen().loss)
    for label, sim in zip(view.comparison.labels, sims, strict=True):
        lag, norm = view.curve_data("flow", label)
        T = view.comparison.eval_data[0].shape[0]
        assert lag[0] == 0 and len(norm) == T + 1 and (norm > 0).all()
        np.testing.assert_allclose(
            norm, sim.net.gradient_flow(*view.comparison.eval_data)[T - 1, ::-1]
        )
    legend = [item[1].text for item in view.loss_plot.legend.items]
    assert legend == ["M = 1", "M = 20"]
    assert "100 updates" in view.captions[0].text() and "5 updates" in view.captions[1].text()
    assert "100 batches each" in view.status.text()


def test_canvases_show_each_experiment_and_step_moves_them_together(qtbot, view):
    assert len(view.canvases) == 2
    assert [c.snapshot.experiment.update_every for c in view.canvases] == [1, 20]
    before = [c.snapshot.cursor for c in view.canvases]
    qtbot.mouseClick(view.step_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.canvases[0].snapshot.cursor != before[0], timeout=5000)
    after = [c.snapshot.cursor for c in view.canvases]
    assert after[0] == after[1] != before[0]
    np.testing.assert_array_equal(view.canvases[0].snapshot.X, view.canvases[1].snapshot.X)


def test_stop_ends_training_early(qtbot, view):
    view.batches.setValue(100000)
    qtbot.mouseClick(view.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.frame.batches >= 20, timeout=10000)
    assert not view.frame.full and "training" in view.status.text()
    assert "updates so far" in view.captions[0].text()
    with qtbot.waitSignal(view.trained, timeout=5000) as blocker:
        qtbot.mouseClick(view.stop_button, Qt.MouseButton.LeftButton)
    assert 20 <= blocker.args[0] < 100000
    assert not view.training and view.train_button.isEnabled()
    assert view.frame.full and f"{view.frame.batches} batches each" == view.status.text()


def test_the_window_stays_responsive_while_compare_trains(qtbot, view):
    from rnnsim.gui.compare_worker import CompareWorker

    assert isinstance(view._thread.worker, CompareWorker)
    assert view._thread.worker.thread() is not view.thread()  # trains off the GUI thread
    view.batches.setValue(100000)
    qtbot.mouseClick(view.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.frame.batches >= 20, timeout=10000)
    ticks = []
    from PySide6.QtCore import QTimer

    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(10)
    qtbot.waitUntil(lambda: len(ticks) >= 10, timeout=5000)  # the GUI thread's loop runs
    timer.stop()
    view.stop()
    qtbot.waitUntil(lambda: not view.training, timeout=5000)


def test_a_diverged_experiment_is_marked_and_the_other_keeps_training(qtbot):
    w = CompareView.from_preset(load_preset("exploding"))
    qtbot.addWidget(w)
    w.batches.setValue(40)
    with qtbot.waitSignal(w.trained, timeout=20000):
        qtbot.mouseClick(w.train_button, Qt.MouseButton.LeftButton)
    assert "diverged" in w.captions[0].text() and "diverged" not in w.captions[1].text()
    assert "Training diverged" in w.captions[0].toolTip()
    assert len(w.curve_data("loss", "clip_norm = 1")[0]) == 40


def test_comparisons_of_other_sequences_are_refused():
    with pytest.raises(ValueError, match=r"experiments\[1\]\.seed"):
        Comparison([Experiment(), Experiment(seed=1)])


def test_a_text_comparison_shows_what_each_network_writes(qtbot):
    preset = load_preset("text")
    cmp = Comparison(
        [v.experiment.replace(n_hidden=8) for v in preset.variants],
        [v.label for v in preset.variants],
        eval_batch=8,
    )
    w = CompareView(cmp, preset.title, batches=4)
    qtbot.addWidget(w)
    with qtbot.waitSignal(w.trained, timeout=20000):
        qtbot.mouseClick(w.train_button, Qt.MouseButton.LeftButton)
    samples = cmp.samples()
    for caption, sample in zip(w.captions, samples, strict=True):
        assert "writes:" in caption.text() and sample[:10] in caption.text()


def test_a_presets_comparison_draws_the_gradient_its_guide_asks_for(qtbot):
    """no-memory's guide: Gradient of E_T, in both canvases of Guided ▸ Compare too."""
    preset = load_preset("no-memory")
    assert preset.gradient_of == "E_T"
    w = CompareView.from_preset(preset)
    qtbot.addWidget(w)
    assert [c.unfolded_scene.grad_source for c in w.canvases] == ["last", "last"]
    assert [c.grad_source.currentText() for c in w.canvases] == ["E_T (last)"] * 2
    w.close()
