"""Every axis and colour bar labels its values through ``number_format``: diverged (NaN, inf),
huge, tiny and narrow ranges stay legible, in the main window's plots, Compare and Sweep."""

import dataclasses
import math

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtGui import QImage, QPainter

from rnnsim.gui.number_format import log_tick_labels, tick_labels
from rnnsim.gui.plots.common import colorbar, colormap
from rnnsim.gui.plots.number_axis import ColorBar, NumberAxis, finite_levels
from tests.gui.plot_snapshots import make_plot_snapshot

nan, inf = math.nan, math.inf
LONGEST_NUMBER = len("−1.234e-123")


def test_tick_labels_are_short_distinct_and_finite_safe():
    assert tick_labels([-4e143, -2e143, 0, 2e143, 4e143]) == [
        "-4e143",
        "-2e143",
        "0",
        "2e143",
        "4e143",
    ]
    assert tick_labels([-1e-12, -5e-13, 0.0, 5e-13, 1e-12]) == [
        "-1e-12",
        "-5e-13",
        "0",
        "5e-13",
        "1e-12",
    ]
    # a narrow range gets the digits that tell its ticks apart
    assert tick_labels([1.000012, 1.000014, 1.000016]) == ["1.000012", "1.000014", "1.000016"]
    assert tick_labels([0, 500, 1000.0, 1500]) == ["0", "500", "1000", "1500"]  # not 1.5e3
    assert tick_labels([-0.5, 2.2e-17, 0.5], spacing=0.5) == ["-0.5", "0", "0.5"]
    assert tick_labels([nan, 1.0, inf, -inf]) == ["nan", "1", "inf", "−inf"]
    assert log_tick_labels([-300, -6, -3, 0, 2, 3, 4, 300, 400]) == [
        "1e-300", "1e-6", "0.001", "1", "100", "1000", "1e4", "1e300", "1e400",
    ]  # fmt: skip
    assert log_tick_labels([math.log10(2), nan, -inf]) == ["2", "nan", "0"]


def test_a_number_axis_writes_linear_and_log_ticks_through_the_formatter(qtbot):
    axis = NumberAxis("left")
    axis.enableAutoSIPrefix(False)
    assert axis.tickStrings([-4e143, 0.0, 4e143], 1.0, 4e143) == ["-4e143", "0", "4e143"]
    assert axis.tickStrings([1e-12, 2e-12], 1.0, 1e-12) == ["1e-12", "2e-12"]
    axis.setLogMode(False, True)
    assert axis.tickStrings([-6.0, 0.0, 136.0], 1.0, 1.0) == ["1e-6", "1", "1e136"]


def test_finite_levels_make_any_range_drawable():
    assert finite_levels((nan, nan), (-1.0, 1.0)) == (-1.0, 1.0)
    assert finite_levels((0.0, inf), (-1.0, 1.0)) == (0.0, 1.0)
    assert finite_levels((-inf, -5.0), (-1.0, 1.0)) == (-6.0, -5.0)
    lo, hi = finite_levels((3.0, 3.0))
    assert lo < 3.0 < hi
    lo, hi = finite_levels((-1.5e308, 1.7e308))
    assert math.isfinite(hi - lo) and lo < 0 < hi


def _drawn_texts(axis):
    """(rect, text) of every tick label the axis draws now."""
    image = QImage(10, 10, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return [(rect, text) for rect, _, text in (specs[2] if specs else [])]


def _legible(bar, least=2):
    """The colour bar draws at least ``least`` distinct short labels inside its axis."""
    texts = _drawn_texts(bar.axis)
    labels = [text for _, text in texts]
    assert len(labels) >= least, labels
    assert len(set(labels)) == len(labels), labels
    assert all(len(text) <= LONGEST_NUMBER and "+" not in text for text in labels), labels
    room = bar.axis.boundingRect()
    assert all(room.contains(rect) for rect, _ in texts), labels
    for i, (a, _) in enumerate(texts):
        assert not any(a.intersects(b) for b, _ in texts[i + 1 :]), labels
    return labels


@pytest.mark.parametrize(
    "levels, expect",
    [
        ((-4.0e143, 4.0e143), "4e143"),  # a diverged network's weights
        ((-1e-12, 1e-12), "1e-12"),  # ΔW of a vanished gradient
        ((0.693141, 0.693147), "0.693146"),  # a sweep's losses, all nearly ln 2
        ((nan, nan), "1"),  # NaN weights: the last drawable levels stay
        ((0.0, inf), "0"),
    ],
)
def test_a_colour_bar_is_legible_on_any_range(qtbot, levels, expect):
    view = pg.GraphicsLayoutWidget()
    qtbot.addWidget(view)
    view.resize(160, 320)
    bar = colorbar(colormap("viridis"), "W[i, j]", (-1.0, 1.0))
    assert isinstance(bar, ColorBar) and isinstance(bar.axis, NumberAxis)
    view.addItem(bar)
    view.show()
    qtbot.waitExposed(view)
    bar.setLevels(levels)  # never raises (pyqtgraph's own bar: "Not setting range to [nan, nan]")
    lo, hi = bar.levels()
    assert math.isfinite(lo) and math.isfinite(hi) and lo < hi
    view.grab()
    assert expect in _legible(bar)


def test_the_weights_colour_bars_of_a_diverged_network_read_as_numbers(qtbot):
    from rnnsim.gui.plots.weights import WeightsPlot

    snap = make_plot_snapshot(T=6)
    weights = {k: np.asarray(v, dtype=float) * 1e140 for k, v in snap.weights.items()}
    weights["Ws"] = np.full_like(weights["Ws"], nan)
    deltas = {k: np.full_like(v, 1e-13) for k, v in weights.items()}
    snap = dataclasses.replace(snap, weights=weights, delta_weights=deltas)
    plot = WeightsPlot()
    qtbot.addWidget(plot)
    plot.resize(900, 420)
    plot.show()
    qtbot.waitExposed(plot)
    plot.show_snapshot(snap)
    plot.graphics.grab()
    assert all(
        isinstance(p.getAxis(s), NumberAxis)
        for p in plot.plots.values()
        for s in ("left", "bottom")
    )
    assert any(label.endswith("e140") for label in _legible(plot.bar))
    assert any(label.endswith("e-13") for label in _legible(plot.delta_bar))


def test_compare_and_sweep_axes_and_bars_use_the_formatter(qtbot):
    from rnnsim.gui.compare_view import CompareView
    from rnnsim.gui.sweep_heatmap import SweepHeatmap
    from rnnsim.sim import Experiment
    from rnnsim.sim.compare import Comparison

    small = Experiment(n_hidden=4, batch_size=2)
    comparison = Comparison([small, small.replace(lr=0.5)], ["a", "b"], eval_batch=4)
    compare = CompareView(comparison, "t", batches=1)
    qtbot.addWidget(compare)
    for plot in (compare.loss_plot, compare.flow_plot):
        assert all(isinstance(plot.getAxis(side), NumberAxis) for side in ("left", "bottom"))
        plot.getAxis("left").setLogMode(False, True)
        assert plot.getAxis("left").tickStrings([-300.0, 0.0, 300.0], 1.0, 1.0) == [
            "1e-300",
            "1",
            "1e300",
        ]
    sweep = SweepHeatmap()
    qtbot.addWidget(sweep)
    assert isinstance(sweep.bar, ColorBar) and isinstance(sweep.bar.axis, NumberAxis)
    assert all(isinstance(plot.getAxis("left"), NumberAxis) for plot, _ in sweep.panels)
    compare.close()


def test_a_sweep_of_small_losses_writes_them_in_its_cells_and_bar(qtbot):
    from rnnsim.gui.sweep_heatmap import SweepHeatmap
    from rnnsim.sim.sweep_grid import CellResult, SweepResult

    result = SweepResult("lr", [0.01, 0.1, 1.0], None, (), "mse", nan, 10)
    for col, value in enumerate([0.0012, 3.4e-5, 2e130]):  # the last one all but diverged
        result.add(CellResult(0, col, value, value, 10, False, 0.1))
    heat = SweepHeatmap()
    qtbot.addWidget(heat)
    heat.resize(700, 380)
    heat.show()
    qtbot.waitExposed(heat)
    heat.show_result(result)
    heat.graphics.grab()
    texts = [item.textItem.toPlainText() for item in heat.texts]
    assert texts == ["0.0012", "3.4e-5", "2e130"]  # not 0.00, 0.00 and 30 digits
    assert any(label.endswith("e130") for label in _legible(heat.bar))
