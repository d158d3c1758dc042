"""Plots stay legible in a cramped dock: whole-number time axes, labels that never overlap,
words thinned to fit, LSTM/GRU weights labelled by gate block."""

import dataclasses

import pytest
from PySide6.QtGui import QImage, QPainter

from rnnsim.gui.plots.activations import ActivationsPlot
from rnnsim.gui.plots.grad_norms import GradNormsPlot
from rnnsim.gui.plots.gradient_flow import GradientFlowPlot
from rnnsim.gui.plots.training import TrainingPlot
from rnnsim.gui.plots.weights import WeightsPlot
from tests.gui.plot_snapshots import make_plot_snapshot


@pytest.fixture
def make(qtbot):
    def build(cls, snap, size=(900, 260)):  # a tabbed dock along the bottom, or smaller
        plot = cls()
        qtbot.addWidget(plot)
        plot.resize(*size)
        plot.show()
        qtbot.waitExposed(plot)
        plot.show_snapshot(snap)
        plot.graphics.grab()  # lay out and paint once
        return plot

    return build


def _drawn_texts(axis):
    """(rect, text) of every tick label the axis draws now."""
    image = QImage(10, 10, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return [(rect, text) for rect, _, text in (specs[2] if specs else [])]


def _no_overlap(texts):
    for i, (a, _) in enumerate(texts):
        for b, _ in texts[i + 1 :]:
            assert not a.intersects(b), [t for _, t in texts]


@pytest.mark.parametrize(
    "cls, axes",
    [
        (ActivationsPlot, ("heat", "trace_plot")),
        (GradientFlowPlot, ("plot",)),
        (TrainingPlot, ("loss_plot", "metric_plot")),
        (GradNormsPlot, ("plot",)),
    ],
)
def test_time_lag_and_update_axes_have_whole_ticks_that_never_overlap(make, cls, axes):
    for T in (3, 40):
        plot = make(cls, make_plot_snapshot(T=T, n_updates=5 if T == 3 else 300))
        for name in axes:
            bottom = getattr(plot, name).getAxis("bottom")
            texts = _drawn_texts(bottom)
            assert texts, (cls.__name__, name)
            for _, text in texts:
                assert float(text) == int(float(text)), (cls.__name__, name, text)
            _no_overlap(texts)
            _no_overlap(_drawn_texts(getattr(plot, name).getAxis("left")))


def test_heatmap_words_are_thinned_to_fit(make):
    snap = make_plot_snapshot(T=32, H=8)
    words = [f"word{j:02d}" for j in range(32)]
    snap = dataclasses.replace(snap, input_tokens=tuple(words))
    plot = make(ActivationsPlot, snap, size=(520, 300))
    texts = _drawn_texts(plot.heat.getAxis("top"))
    assert 2 <= len(texts) < 32
    _no_overlap(texts)
    assert all(text in words for _, text in texts)


@pytest.mark.parametrize("cell, gates", [("lstm", "i, f, o, g"), ("gru", "z, r, n")])
def test_gated_weights_are_labelled_by_gate_block(make, cell, gates):
    H = 5
    plot = make(WeightsPlot, make_plot_snapshot(T=4, H=H, cell=cell), size=(1000, 500))
    n = len(gates.split(", "))
    for key in ("Wx", "Ws", "ΔWx", "ΔWs"):
        axis = plot.plots[key].getAxis("bottom")
        assert axis.labelText == f"gate blocks {gates} ({H} units each)"
        assert [t for _, t in _drawn_texts(axis)] == gates.split(", ")
        lines = [line for line in plot._separators[id(plot.plots[key])] if line.isVisible()]
        assert sorted(line.value() for line in lines) == [j * H - 0.5 for j in range(1, n)]
    assert plot.plots["Wy"].getAxis("bottom").labelText == "o (unit of y_t)"
