"""Each plot draws the snapshot's numbers (plotted arrays compared with the snapshot's)."""

import dataclasses

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMainWindow

from rnnsim.gui.number_format import number
from rnnsim.gui.plots import PlotDocks
from rnnsim.gui.plots.activations import ActivationsPlot, parse_units
from rnnsim.gui.plots.grad_norms import GradNormsPlot
from rnnsim.gui.plots.gradient_flow import GradientFlowPlot
from rnnsim.gui.plots.saturation import SaturationPlot
from rnnsim.gui.plots.spectrum import SpectrumPlot
from rnnsim.gui.plots.training import TrainingPlot, sparse_mean
from rnnsim.gui.plots.weights import WeightsPlot
from tests.gui.plot_snapshots import make_plot_snapshot
from tests.gui.snapshots import make_snapshot


def data(item):
    x, y = item.getOriginalDataset()
    return (np.zeros(0), np.zeros(0)) if x is None else (np.asarray(x), np.asarray(y))


@pytest.fixture
def make(qtbot):
    def build(cls, snap=None):
        plot = cls()
        qtbot.addWidget(plot)
        plot.resize(900, 560)
        if snap is not None:
            plot.show_snapshot(snap)
        return plot

    return build


# ---------------------------------------------------------------------- activations
def test_activations_heatmap_and_traces_show_the_states(make, qtbot):
    snap = make_plot_snapshot(T=9, H=5)
    plot = make(ActivationsPlot, snap)
    np.testing.assert_array_equal(plot.image.image, np.asarray(snap.s).T)  # (H, T+1)
    assert plot.image.levels.tolist() == [-1.0, 1.0]
    for i, u in enumerate((0, 1, 2, 3)):
        x, y = data(plot.traces[i])
        np.testing.assert_array_equal(x, np.arange(10))
        np.testing.assert_array_equal(y, snap.s[:, u])
    plot.units_edit.setText("4, 1")
    plot.units_edit.editingFinished.emit()
    np.testing.assert_array_equal(data(plot.traces[0])[1], snap.s[:, 4])
    np.testing.assert_array_equal(data(plot.traces[1])[1], snap.s[:, 1])
    assert not plot.traces[2].isVisible() and len(plot.trace_plot.legend.items) == 2
    plot.units_edit.setText("9")
    plot.units_edit.editingFinished.emit()
    assert "0..4" in plot.units_error.text()
    assert plot.units == (4, 1)
    plot.set_units([2])
    assert plot.units == (2,) and plot.units_error.text() == ""
    np.testing.assert_array_equal(data(plot.traces[0])[1], snap.s[:, 2])
    with pytest.raises(ValueError, match="units: got '7'"):
        plot.set_units([7])


@pytest.mark.parametrize(("width", "height", "columns"), [(320, 420, 2), (1300, 300, 4)])
def test_the_traces_legend_sits_below_the_traces_never_over_them(
    make, qtbot, width, height, columns
):
    plot = make(ActivationsPlot)
    plot.resize(width, height)
    plot.show()
    plot.show_snapshot(make_plot_snapshot(T=9, H=8))
    plot.set_units(list(range(8)))
    legend, view = plot.trace_plot.legend, plot.trace_plot.getViewBox()
    qtbot.waitUntil(lambda: legend.columnCount == columns)
    assert len(legend.items) == 8

    def settled():  # under the plot (not over a curve), and inside the view
        below = legend.sceneBoundingRect()
        top_ok = below.top() >= view.sceneBoundingRect().bottom()
        return top_ok and plot.graphics.sceneRect().contains(below)

    qtbot.waitUntil(settled)


@pytest.mark.parametrize(("width", "height"), [(420, 560), (900, 560)])
def test_the_traces_show_the_heatmaps_time_steps_under_them(make, qtbot, width, height):
    # one over the other, pyqtgraph lines linked plots up by pixels; beside the heatmap's
    # colour bar the traces once ran on to t = 6 for T = 4
    plot = make(ActivationsPlot)
    plot.resize(width, height)
    plot.show()
    plot.show_snapshot(make_plot_snapshot(T=4, H=8))
    assert plot.arrangement == "tall"
    heat, traces = plot.heat.getViewBox(), plot.trace_plot.getViewBox()

    def aligned():
        h, t = heat.sceneBoundingRect(), traces.sceneBoundingRect()
        (lo, hi), (tlo, thi) = heat.viewRange()[0], traces.viewRange()[0]
        same_edges = abs(h.left() - t.left()) <= 1 and abs(h.right() - t.right()) <= 1
        return same_edges and abs(tlo - lo) < 0.05 and abs(thi - hi) < 0.05

    qtbot.waitUntil(aligned)
    assert plot.trace_plot.getViewBox().viewRange()[0][1] == pytest.approx(4.5, abs=0.05)


def test_activations_fill_as_the_forward_pass_goes(make):
    plot = make(ActivationsPlot)
    for t in (0, 3, 7):
        snap = make_snapshot(T=7, H=3, t=t, activation="sigmoid")
        plot.show_snapshot(snap)
        assert plot.image.image.shape == (3, t + 1)
        assert plot.image.levels.tolist() == [0.0, 1.0]
    assert plot.heat.getAxis("top")._tickLevels[0][0] == (1, snap.input_tokens[0])


def test_parse_units_accepts_lists_and_ranges_and_names_bad_input():
    assert parse_units("0-2, 5", 8) == (0, 1, 2, 5)
    for bad, words in (("x", "unit numbers"), ("3-9", "0..7"), ("0-8", "0..7")):
        with pytest.raises(ValueError, match=words):
            parse_units(bad, 8)


# ---------------------------------------------------------------------- gradient flow
def test_gradient_flow_curves_match_the_snapshot(make):
    snap = make_plot_snapshot(T=8, H=4, activation="sigmoid")
    plot = make(GradientFlowPlot, snap)
    T, G = snap.T, np.asarray(snap.grad_flow)
    lags = np.arange(T + 1)
    live = np.linalg.norm(snap.dE_ds[T - lags], axis=1)
    x, y = data(plot.live)
    np.testing.assert_array_equal(x, lags)
    np.testing.assert_allclose(y, live, rtol=1e-12)
    x, y = data(plot.last)
    np.testing.assert_array_equal(x, lags)
    np.testing.assert_allclose(y, G[T - 1, T - lags])
    expected_mean = [
        np.mean([G[t, t + 1 - lag] for t in range(T) if t + 1 - lag >= 0]) for lag in lags
    ]
    np.testing.assert_allclose(data(plot.mean)[1], expected_mean)
    factor = snap.gamma * snap.sigma_max
    np.testing.assert_allclose(data(plot.bound)[1], G[T - 1, T] * factor**lags)
    assert plot.plot.getAxis("left").logMode
    assert number(factor) in plot.note.text()


def test_gradient_flow_live_curve_grows_during_the_backward_sweep(make):
    plot = make(GradientFlowPlot)
    for k, reached in ((7, 1), (4, 4), (-1, 9)):
        snap = make_plot_snapshot(T=8, H=4, k=k)
        plot.show_snapshot(snap)
        x, y = data(plot.live)
        assert x.tolist() == list(range(reached))  # lags whose ∂E/∂s_k is known
        np.testing.assert_allclose(y, np.linalg.norm(snap.dE_ds[8 - x.astype(int)], axis=1))


def test_gradient_matrix_on_demand_and_bptt_cuts(make):
    snap = make_plot_snapshot(T=6, H=3, bptt_cuts=(3,))
    plot = make(GradientFlowPlot, snap)
    assert not plot.matrix.isVisible() and plot.image.image is None
    plot.show_matrix.setChecked(True)
    G = np.asarray(snap.grad_flow)
    shown = plot.image.image
    np.testing.assert_allclose(shown[G > 0], np.log10(G[G > 0]))
    assert np.isnan(shown[G == 0]).all()
    assert plot.cuts[0].isVisible() and plot.cuts[0].value() == 6 - 3


def test_gradient_flow_for_lstm_has_no_lecture_bound(make):
    snap = make_plot_snapshot(T=5, H=3, cell="lstm")
    plot = make(GradientFlowPlot, snap)
    assert not plot.bound.isVisible() and "Elman" in plot.note.text()
    names = [label.text for _, label in plot.plot.legend.items]
    assert not any("bound" in n for n in names)


# ---------------------------------------------------------------------- training
def test_training_plot_shows_raw_and_smoothed_history_and_chance(make):
    snap = make_plot_snapshot(n_updates=120)
    plot = make(TrainingPlot, snap)
    h = snap.history
    np.testing.assert_array_equal(data(plot.loss_raw)[1], h.loss)
    n = len(h.loss)
    expected = [np.mean(h.loss[max(0, i - 19) : i + 1]) for i in range(n)]
    np.testing.assert_allclose(data(plot.loss_smooth)[1], expected)
    assert plot.metric_names(snap)[0] == "final_accuracy"
    np.testing.assert_array_equal(data(plot.metric_raw[0])[1], h.metrics["final_accuracy"])
    np.testing.assert_array_equal(data(plot.metric_raw[1])[1], h.metrics["accuracy"])
    assert not plot.metric_raw[2].isVisible()
    assert plot.chance.value() == 0.5 and "chance" in plot.chance.label.format
    assert plot.loss_raw.opts["autoDownsample"] and plot.loss_raw.opts["clipToView"]


def test_sparse_mean_averages_the_measured_values_of_the_last_updates():
    updates = np.array([1, 2, 3, 4, 5, 9])
    values = np.array([1.0, np.nan, 3.0, 5.0, np.nan, 7.0])
    np.testing.assert_allclose(
        sparse_mean(updates, values, 2), [1.0, np.nan, 3.0, 4.0, np.nan, 7.0]
    )


# ---------------------------------------------------------------------- gradient norms
def test_grad_norms_curves_threshold_and_clip_marks(make):
    snap = make_plot_snapshot(n_updates=80, clip=1.5)
    plot = make(GradNormsPlot, snap)
    h = snap.history
    for name in ("Wx", "Ws", "Wy"):
        x, y = data(plot.curves[name])
        np.testing.assert_array_equal(x, h.update)
        np.testing.assert_array_equal(y, h.grad_norms[name])
    x, y = data(plot.marks)
    np.testing.assert_array_equal(x, h.update[h.clipped])
    np.testing.assert_array_equal(y, h.global_norm[h.clipped])
    assert 0 < len(x) < 80
    assert plot.threshold.value() == pytest.approx(np.log10(1.5))  # log axis
    plot.show_snapshot(make_plot_snapshot(n_updates=80, clip=None))
    assert not plot.threshold.isVisible() and len(data(plot.marks)[0]) == 0


# ---------------------------------------------------------------------- saturation
def test_saturation_shows_phi_dphi_histogram_and_current_units(make):
    snap = make_plot_snapshot(T=12, H=6, activation="tanh")
    plot = make(SaturationPlot, snap)
    grid, f = data(plot.phi)
    np.testing.assert_allclose(f, np.tanh(grid))
    np.testing.assert_allclose(data(plot.dphi)[1], 1 - np.tanh(grid) ** 2)
    edges, heights = data(plot.hist)
    counts, _ = np.histogram(np.asarray(snap.a).ravel(), bins=edges)
    np.testing.assert_allclose(heights, counts / counts.max())
    assert counts.sum() == snap.a.size
    x, y = data(plot.now)
    np.testing.assert_array_equal(x, snap.a[-1])
    np.testing.assert_allclose(y, 1 - np.tanh(snap.a[-1]) ** 2)
    assert plot.gamma.value() == 1.0


def test_saturation_of_lstm_uses_the_candidate_block(make):
    snap = make_plot_snapshot(T=5, H=3, cell="lstm", activation="sigmoid")
    plot = make(SaturationPlot, snap)
    np.testing.assert_array_equal(data(plot.now)[0], snap.a[-1, 9:12])
    assert plot.gamma.value() == 0.25


# ---------------------------------------------------------------------- spectrum, weights
def test_spectrum_shows_eigenvalues_singular_values_and_circles(make):
    snap = make_plot_snapshot(H=5, activation="sigmoid")
    plot = make(SpectrumPlot, snap)
    x, y = data(plot.eig)
    np.testing.assert_array_equal(x + 1j * y, snap.eigenvalues)
    np.testing.assert_array_equal(data(plot.sv)[1], snap.singular_values)
    x, y = data(plot.inverse_gamma)
    np.testing.assert_allclose(np.hypot(x, y), 4.0)
    x, y = data(plot.sigma_circle)
    np.testing.assert_allclose(np.hypot(x, y), snap.sigma_max)
    assert plot.inv_line.value() == 4.0 and plot.inverse_gamma.isVisible()
    plot.show_snapshot(make_plot_snapshot(H=5, activation="tanh"))
    assert not plot.inverse_gamma.isVisible() and "1/γ" in plot.one.label.format


def test_weights_heatmaps_show_w_and_delta_w(make):
    snap = make_plot_snapshot(H=4, n_in=3, n_out=2)
    plot = make(WeightsPlot, snap)
    for key in ("Wx", "Ws", "Wy"):
        np.testing.assert_array_equal(plot.images[key].image, snap.weights[key])
        np.testing.assert_array_equal(plot.delta_images[key].image, snap.delta_weights[key])
    m = max(np.abs(snap.weights[k]).max() for k in ("Wx", "Ws", "Wy"))
    assert plot.images["Ws"].levels.tolist() == pytest.approx([-m, m])


# ---------------------------------------------------------------------- docks
@pytest.fixture
def window(qtbot):
    win = QMainWindow()
    qtbot.addWidget(win)
    docks = PlotDocks(win)
    for dock in docks.docks:
        win.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
    win.resize(1200, 900)
    win.show()
    qtbot.waitExposed(win)
    return win, docks


def test_plot_docks_interface(window):
    _, docks = window
    assert list(docks.plots) == [
        "activations",
        "gradient_flow",
        "training",
        "grad_norms",
        "saturation",
        "spectrum",
        "weights",
    ]
    assert [d.widget() for d in docks.docks] == list(docks.plots.values())
    assert all(d.objectName().startswith("plotDock_") for d in docks.docks)


def test_plot_docks_draw_a_step_at_once_and_a_stream_one_plot_at_a_time(window, qtbot, monkeypatch):
    import rnnsim.gui.plots.plot_docks as docks_module

    monkeypatch.setattr(docks_module, "CPU_SHARE", 0.3)  # shorter pauses: this tests the order
    _, docks = window
    drawn = []
    for plot in docks.plots.values():
        original = plot.show_snapshot
        plot.show_snapshot = lambda snap, f=original, n=plot.name: (
            drawn.append((n, snap)),
            f(snap),
        )
    first, second, third = (make_plot_snapshot(seed=i) for i in range(3))
    docks.update(first, immediate=True)  # a step: every visible plot at once
    assert {n for n, s in drawn if s is first} == set(docks.plots)
    drawn.clear()
    docks.update(second)
    docks.update(third)  # streaming: held back, then redrawn one plot per timer tick
    assert drawn == []
    qtbot.waitUntil(lambda: all(p.snapshot is third for p in docks.plots.values()), timeout=30000)
    assert all(s is third for _, s in drawn) and len(drawn) == len(docks.plots)
    ticks = docks.draw_times[-len(docks.plots) :]
    assert len(docks.draw_times) == 1 + len(docks.plots) and max(ticks) < sum(ticks)


def test_a_stream_starting_after_a_quiet_spell_is_drawn_one_plot_at_a_time(
    window, qtbot, monkeypatch
):
    """The first snapshot of a training (long after the last one) is no exception: seven plots
    redrawn and repainted at once stalled the window for 250-400 ms."""
    import rnnsim.gui.plots.plot_docks as docks_module

    monkeypatch.setattr(docks_module, "CPU_SHARE", 0.9)  # short pauses: this tests the order
    _, docks = window
    snap = make_plot_snapshot(seed=5)
    docks.update(snap)  # streaming, nothing drawn for a long time
    assert not any(p.snapshot is snap for p in docks.plots.values())  # held back
    qtbot.waitUntil(lambda: all(p.snapshot is snap for p in docks.plots.values()), timeout=30000)
    assert len(docks.draw_times) == len(docks.plots)  # one redraw per plot, one at a time


def test_the_redraw_budget_counts_every_paint_of_every_plot(window, qtbot):
    """pyqtgraph paints in Python (holding the GIL that training needs) also when ranges
    settle after a redraw: the pause after a redraw covers those paints too."""
    from rnnsim.gui.plots.plot_docks import CPU_SHARE

    _, docks = window
    plot = docks.plots["training"]
    before = plot.graphics.paint_seconds
    plot.show_snapshot(make_plot_snapshot())
    plot.graphics.viewport().repaint()
    assert plot.graphics.paint_seconds > before  # its paint events are timed
    docks._pause(0.0)  # everything painted so far is accounted for
    factor = (1 - CPU_SHARE) / CPU_SHARE
    assert docks._pause(0.002) == pytest.approx(0.002 * factor)
    plot.graphics.paint_seconds += 0.05  # a paint after the redraw was timed
    assert docks._pause(0.002) == pytest.approx(0.05 * factor)
    assert docks._pause(0.002) == pytest.approx(0.002 * factor)  # counted once


def test_hidden_docks_are_drawn_when_shown_or_refreshed(window, qtbot):
    _, docks = window
    dock = docks.docks[-1]
    dock.hide()
    snap = make_plot_snapshot()
    docks.update(snap)
    assert docks.plots["weights"].snapshot is None
    dock.show()
    qtbot.waitUntil(lambda: docks.plots["weights"].snapshot is snap, timeout=1000)
    docks.docks[0].hide()
    newer = dataclasses.replace(snap, updates=301)
    docks.update(newer)
    docks.refresh()
    assert docks.plots["activations"].snapshot is newer


# ---------------------------------------------------------------------- a real simulation
@pytest.mark.parametrize(
    "cell, activation", [("elman", "tanh"), ("elman", "relu"), ("lstm", "sigmoid"), ("gru", "tanh")]
)
def test_every_plot_draws_every_phase_of_a_real_simulation(qtbot, cell, activation):
    from rnnsim.sim import Experiment, Simulation

    docks = PlotDocks(None)
    for dock in docks.docks:
        qtbot.addWidget(dock)
    docks.plots["gradient_flow"].show_matrix.setChecked(True)
    sim = Simulation(
        Experiment(cell=cell, activation=activation, n_hidden=5, batch_size=4).with_values(
            {"task.gap": "2"}
        )
    )
    phases = set()
    for _ in range(12):  # T = 4: forward, backward sweep, update, next sequence
        snap = sim.snapshot()
        phases.add(snap.cursor.phase)
        docks.snapshot = snap
        docks.refresh()
        np.testing.assert_array_equal(docks.plots["activations"].image.image, snap.s.T)
        assert all(plot.tables() for plot in docks.plots.values())
        sim.step()
    assert phases == {"forward", "backward", "update"}
    sim.train(5)
    snap = sim.snapshot()
    docks.snapshot = snap
    docks.refresh()
    np.testing.assert_array_equal(data(docks.plots["training"].loss_raw)[1], snap.history.loss)
    assert len(snap.history.loss) >= 5


def test_training_plot_joins_metrics_recorded_every_kth_update(make):
    snap = make_plot_snapshot(n_updates=60)
    h = snap.history
    sparse = np.where(np.arange(60) % 10 == 9, h.metrics["final_accuracy"], np.nan)
    history = dataclasses.replace(h, metrics={"final_accuracy": sparse})
    plot = make(TrainingPlot, dataclasses.replace(snap, history=history))
    x, y = data(plot.metric_raw[0])
    np.testing.assert_array_equal(x, h.update[9::10])
    np.testing.assert_array_equal(y, sparse[9::10])
    measured = sparse[9::10]  # updates 10, 20, ...: the last 20 updates hold two of them
    expected = [np.mean(measured[max(0, i - 1) : i + 1]) for i in range(len(measured))]
    np.testing.assert_allclose(data(plot.metric_smooth[0])[1], expected)


# ---------------------------------------------------------------------- arrangement
def _cell(plot, item):
    """(row, column) of ``item`` in the plot's layout, None when it is not in it."""
    cells = plot.graphics.ci.items.get(item)
    return tuple(cells[0]) if cells else None


@pytest.mark.parametrize(
    ("cls", "first", "second"),
    [
        (ActivationsPlot, "heat", "trace_plot"),
        (TrainingPlot, "loss_plot", "metric_plot"),
    ],
)
def test_panels_go_side_by_side_in_a_wide_dock_and_back_when_tall(make, qtbot, cls, first, second):
    plot = make(cls, make_plot_snapshot())
    plot.show()
    a, b = getattr(plot, first), getattr(plot, second)
    assert plot.arrangement == "tall" and _cell(plot, a) == (0, 0) and _cell(plot, b) == (1, 0)
    plot.resize(1500, 280)  # the tabbed docks along the bottom of the window
    qtbot.waitUntil(lambda: plot.arrangement == "wide")
    assert _cell(plot, a) == (0, 0) and _cell(plot, b) == (0, 1)
    qtbot.wait(20)
    # both panels use the height: neither is squeezed under the other
    assert a.geometry().height() > 150 and b.geometry().height() > 120
    plot.show_snapshot(make_plot_snapshot())  # still draws
    with plot.laid_out() as rect:  # exports keep the stacked layout of EXPORT_SIZE
        assert plot.arrangement == "tall" and rect.width() == 960
    assert plot.arrangement == "wide" and _cell(plot, b) == (0, 1)
    plot.resize(700, 600)
    qtbot.waitUntil(lambda: plot.arrangement == "tall")
    assert _cell(plot, b) == (1, 0)


def test_weights_go_in_one_row_when_wide(make, qtbot):
    plot = make(WeightsPlot, make_plot_snapshot())
    plot.show()
    plot.resize(1500, 280)
    qtbot.waitUntil(lambda: plot.arrangement == "wide")
    assert {_cell(plot, p)[0] for p in plot.plots.values()} == {0}
    assert sorted(_cell(plot, p)[1] for p in plot.plots.values()) == list(range(6))


def test_the_loss_plot_has_its_own_x_label_beside_the_metrics(make, qtbot):
    plot = make(TrainingPlot, make_plot_snapshot())
    plot.show()
    assert plot.loss_plot.getAxis("bottom").labelText == ""  # stacked: shared with metrics
    plot.resize(1500, 280)
    qtbot.waitUntil(lambda: plot.arrangement == "wide")
    assert plot.loss_plot.getAxis("bottom").labelText == "weight update n (updates)"
