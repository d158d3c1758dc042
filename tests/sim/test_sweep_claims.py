"""The presets' claims as sweep metrics: diverged, loss_roughness, flow_vs_bound, each on a
case with a known answer, and the per-cell claims that judge them (meets_claim, disagree)."""

import csv
import math

import numpy as np
import pytest

from rnnsim.engine import Network
from rnnsim.engine.diagnostics import lecture_bound
from rnnsim.sim import Experiment
from rnnsim.sim.presets import load_preset
from rnnsim.sim.sweep import SweepRun, SweepSpec
from rnnsim.sim.sweep_files import load_result, write_plan
from rnnsim.sim.sweep_grid import CellResult, SweepResult, evaluate_cell
from rnnsim.sim.sweep_metrics import METRICS, flow_vs_bound, get_metric, loss_roughness


# ----------------------------------------------------------------- loss_roughness
def test_roughness_of_a_falling_curve_is_zero_however_fast_it_falls():
    assert loss_roughness(9.0 * np.exp(-0.3 * np.arange(50))) == 0.0
    assert loss_roughness(np.linspace(5.0, 1.0, 20)) == 0.0


def test_roughness_of_a_spike_is_its_relative_jump():
    # windows of 5 around k = 2, 3, 4: medians 1, 1, 1; |L - m| / m = 0, 2, 0
    assert loss_roughness([1, 1, 1, 3, 1, 1, 1]) == pytest.approx(2 / 3)
    # scaling the loss does not change it; a NaN point is skipped
    assert loss_roughness([2, 2, 2, 6, math.nan, 2, 2, 2]) == pytest.approx(2 / 3)


def test_roughness_needs_five_points():
    assert math.isnan(loss_roughness([1.0, 2.0, 1.0, 2.0]))


# ----------------------------------------------------------------- flow_vs_bound
def test_flow_vs_bound_takes_the_worst_lag_of_the_last_row():
    G = np.zeros((3, 4))  # (T, T+1); row 2 is the last frame's: s[3] back to s[0]
    G[2] = [0.001, 0.16, 0.5, 1.0]  # per frame: lag 1 0.5, lag 2 0.4, lag 3 0.1
    assert flow_vs_bound(G, 1.0) == pytest.approx(0.5)
    assert flow_vs_bound(G, 0.25) == pytest.approx(2.0)
    G[2, 3] = 0.0  # no gradient on the last frame: the row before (empty here) has none
    assert math.isnan(flow_vs_bound(G, 1.0))


@pytest.mark.parametrize("c", [0.5, 0.9])
def test_a_linear_net_with_scaled_orthogonal_ws_meets_the_bound_exactly(c):
    """Identity activation (γ = 1) and W_s = c·Q: every step back multiplies the gradient's
    norm by exactly c = γ·σ_max, so the decay per frame equals the bound."""
    net = Network.create("elman", 3, 5, 2, activation="identity", seed=1)
    Q, _ = np.linalg.qr(np.random.default_rng(0).normal(size=(5, 5)))
    net.params["Ws"][...] = c * Q
    rng = np.random.default_rng(1)
    X = rng.normal(size=(6, 4, 3))  # (T, B, n_in)
    D = np.zeros((6, 4, 2))
    D[..., 0] = 1.0
    mask = np.zeros((6, 4))
    mask[-1] = 1.0  # the loss on the last frame only
    G = net.gradient_flow(X, D, mask)
    assert lecture_bound(net) == pytest.approx(c)
    assert flow_vs_bound(G, lecture_bound(net)) == pytest.approx(1.0, rel=1e-9)


def test_flow_vs_bound_refuses_a_gated_cell():
    sim = type("Sim", (), {"net": Network.create("lstm", 2, 3, 2)})()
    with pytest.raises(ValueError, match="Elman"):
        get_metric("flow_vs_bound")(sim, None, None, None)


# ----------------------------------------------------------------- evaluate_cell
TINY = Experiment(n_hidden=6, batch_size=4, knobs={"gap": 2})


def test_a_run_measures_the_metric_and_keeps_the_task_metric_beside_it():
    plain = evaluate_cell(0, 0, TINY, 12, 32)
    rough = evaluate_cell(0, 0, TINY, 12, 32, metric="loss_roughness")
    assert rough.metric == pytest.approx(loss_roughness(_losses(TINY, 12)))
    assert rough.task_metric == plain.metric and math.isnan(plain.task_metric)
    flow = evaluate_cell(0, 0, TINY, 3, 32, metric="flow_vs_bound")
    assert 0 < flow.metric <= 1.0  # tanh: γ = 1


def _losses(experiment, updates):
    from rnnsim.sim.simulation import Simulation

    sim = Simulation(experiment)
    sim.train(updates)
    return sim.history.frozen().loss


def test_diverged_is_one_for_a_run_the_guard_stopped_and_zero_clipped():
    exploding = load_preset("exploding").experiment  # diverges within 4 updates unclipped
    run = evaluate_cell(0, 0, exploding, 10, 16, metric="diverged")
    assert run.diverged and run.metric == 1.0 and run.state == "diverged"
    clipped = evaluate_cell(
        0, 0, exploding.with_values({"clip_norm": 1.0}), 10, 16, metric="diverged"
    )
    assert not clipped.diverged and clipped.metric == 0.0 and math.isfinite(clipped.task_metric)


def test_an_unknown_metric_is_refused_with_the_known_ones():
    with pytest.raises(ValueError, match="diverged, loss_roughness, flow_vs_bound"):
        SweepSpec(TINY, "lr", [0.1], metric="smoothness")


# ----------------------------------------------------------------- per-cell claims
CLAIMS = (
    {"where": {"ws_scale": 3, "clip_norm": "none"}, "at_least": 1},
    {"where": {"clip_norm": 1.0}, "at_most": 0},
)


def diverged_result():
    return SweepResult(
        "ws_scale",
        [2, 3],
        "clip_norm",
        ["none", 1.0],
        "diverged",
        0.5,
        10,
        seeds=(0, 1),
        claims=CLAIMS,
        task_metric="final_accuracy",
    )


def test_per_cell_claims_judge_each_cell_by_its_own_line_and_sense():
    r = diverged_result()
    runs = {  # (row, col): the two seeds' diverged flags
        (0, 0): (True, False),  # unclipped ws_scale 2: no claim
        (0, 1): (True, True),  # unclipped ws_scale 3: claims diverged >= 1, both do
        (1, 0): (False, True),  # clipped: claims <= 0, one seed diverged
        (1, 1): (False, False),
    }
    for (row, col), flags in runs.items():
        for seed, diverged in enumerate(flags):
            acc = math.nan if diverged else 0.4
            r.add(
                CellResult(row, col, float(diverged), math.nan, 10, diverged, 0.1, "", 0, seed, acc)
            )
    np.testing.assert_array_equal(r.senses[0], [[0, 1], [-1, -1]])
    np.testing.assert_array_equal(r.meets[0], [[0, 2], [1, 2]])
    np.testing.assert_array_equal(r.disagree[0], [[False, False], [True, False]])
    np.testing.assert_array_equal(r.mean[0], [[0.5, 1.0], [0.5, 0.0]])
    head, *rows = r.summary_rows()
    assert head[-4:] == ["state", "claim", "meets_claim", "disagree"]
    assert "final_accuracy_mean" in head
    by_key = {(row[0], row[1]): dict(zip(head, row, strict=True)) for row in rows}
    assert by_key["2", "none"]["claim"] == "" and by_key["2", "none"]["meets_claim"] == ""
    assert by_key["3", "none"]["claim"] == "diverged >= 1"
    assert by_key["3", "none"]["meets_claim"] == 2 and by_key["3", "none"]["disagree"] == "no"
    assert by_key["2", "1.0"]["claim"] == "diverged <= 0"
    assert by_key["2", "1.0"]["meets_claim"] == 1 and by_key["2", "1.0"]["disagree"] == "yes"
    assert by_key["3", "1.0"]["final_accuracy_mean"] == repr(0.4)
    assert "1 meet diverged <= 0" in r.cell_summary(0, 1, 0)
    assert r.direction == "" and r.metric_label.startswith("diverged (share")


def test_claims_name_swept_fields_only():
    with pytest.raises(ValueError, match=r"claims\[0\].where: got lr"):
        SweepSpec(TINY, "task.gap", [1], claims=({"where": {"lr": 0.1}, "at_most": 1},))
    with pytest.raises(ValueError, match=r"claims\[0\]"):
        SweepSpec(TINY, "task.gap", [1], claims=({"where": {}, "below": 1},))


def test_a_lower_is_better_metric_meets_a_line_from_below():
    r = SweepResult(
        "lr", [0.1], None, (), "loss_roughness", 0.5, 10, seeds=(0, 1), claims=({"at_most": 0.1},)
    )
    for seed, value in enumerate([0.05, 0.2]):
        r.add(CellResult(0, 0, value, 0.3, 10, False, 0.1, "", 0, seed, 0.9))
    assert r.meets[0, 0, 0] == 1 and r.disagree[0, 0, 0] and r.lower_is_better


# ----------------------------------------------------------------- the presets' sweeps
@pytest.mark.parametrize(
    ("name", "metric"),
    [("exploding", "diverged"), ("minibatch", "loss_roughness"), ("vanishing", "flow_vs_bound")],
)
def test_the_presets_sweeps_measure_their_claims(name, metric):
    preset = load_preset(name)
    spec = SweepSpec.from_plan(preset.experiment, preset.sweep, seeds=2)
    result = SweepResult.empty(spec)
    assert metric in METRICS and result.metric_name == metric
    assert result.task_metric == "final_accuracy" and result.has_claim


def test_a_claims_sweep_runs_writes_both_metrics_and_reads_back(tmp_path):
    """The exploding preset's sweep, cut to one ws_scale and 6 updates, 2 seeds."""
    preset = load_preset("exploding")
    spec = SweepSpec.from_plan(
        preset.experiment, preset.sweep, x_values=[3], updates=6, eval_batch=16, seeds=2
    )
    with SweepRun(spec, workers=1, grid_csv=tmp_path / "grid.csv") as run:
        result = run.run()
    write_plan(tmp_path, spec, result)
    head, *rows = list(csv.reader(open(tmp_path / "grid.csv", newline="")))
    assert head[:5] == ["ws_scale", "clip_norm", "seed", "diverged", "final_accuracy"]
    assert sorted((r[1], r[3]) for r in rows) == [("1.0", "0.0")] * 2 + [("none", "1.0")] * 2
    np.testing.assert_array_equal(result.meets[0], [[2], [2]])
    again = load_result(tmp_path)
    assert again.claims == result.claims and again.task_metric == "final_accuracy"
    np.testing.assert_array_equal(again.meets, result.meets)
    np.testing.assert_array_equal(again.task_values, result.task_values)
