"""Comparison: the same sequences, lockstep by batches, curves and errors."""

import numpy as np
import pytest

from rnnsim.sim import Experiment, Simulation
from rnnsim.sim.compare import Comparison
from rnnsim.sim.presets import load_preset


def small(**changes):
    base = {"n_hidden": 6, "batch_size": 4, "seed": 5, "knobs": {"gap": 3}}
    base.update(changes)
    return Experiment(**base)


def test_every_simulation_sees_the_same_sequences():
    cmp = Comparison([small(), small(cell="lstm"), small(update_every=4)], ["a", "b", "c"])
    first = [sim.run.X.copy() for sim in cmp.sims]
    assert all(np.array_equal(first[0], x) for x in first[1:])
    assert cmp.chunk == 4
    assert cmp.train(6) == 8  # rounded up to whole chunks of lcm(1, 1, 4) batches
    assert [s.updates for s in cmp.sims] == [8, 8, 2]
    assert len({s.sequence for s in cmp.sims}) == 1
    after = [sim.run.X for sim in cmp.sims]
    assert all(np.array_equal(after[0], x) for x in after[1:])


def test_lockstep_training_matches_a_simulation_trained_alone():
    cmp = Comparison([small(), small(activation="sigmoid")])
    cmp.train(10)
    alone = Simulation(small())
    for _ in range(10):
        alone.train(1)  # lockstep trains in chunks of one batch here
    for name, p in alone.net.params.items():
        np.testing.assert_array_equal(p, cmp.sims[0].net.params[name])


def test_curves_scores_and_steps():
    cmp = Comparison([small(), small(update_every=2)], ["M = 1", "M = 2"], eval_batch=16)
    progress = []
    cmp.train(8, callback=lambda done, total: progress.append((done, total)))
    assert progress == [(2, 8), (4, 8), (6, 8), (8, 8)]
    curves = cmp.loss_curves()
    np.testing.assert_array_equal(curves[0].batches, np.arange(1, 9))
    np.testing.assert_array_equal(curves[1].batches, [2, 4, 6, 8])
    flows = cmp.gradient_flows()
    T = cmp.eval_data[0].shape[0]
    for flow, sim in zip(flows, cmp.sims, strict=True):
        G = sim.net.gradient_flow(*cmp.eval_data)
        np.testing.assert_allclose(flow.norm, G[T - 1, ::-1])
        np.testing.assert_array_equal(flow.lag, np.arange(T + 1))
    scores = cmp.scores()
    assert set(scores[0]) >= {"final_accuracy", "loss"} and scores[0] != scores[1]
    cmp.step()
    cursors = {(s.cursor.phase, s.cursor.t) for s in cmp.sims}
    assert len(cursors) == 1
    assert len(cmp.snapshots()) == 2


def test_should_stop_ends_training():
    cmp = Comparison([small(), small(cell="gru")])
    calls = []

    def stop():
        calls.append(1)
        return len(calls) > 3

    assert cmp.train(50, should_stop=stop) < 50


def test_a_diverged_experiment_stops_and_the_others_go_on():
    cmp = Comparison.from_preset(load_preset("exploding"))
    cmp.train(30)
    assert cmp.stopped[0].startswith("Training diverged") and cmp.stopped[1] == ""
    assert cmp.sims[1].updates == 30


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"seed": 1}, r"experiments\[1\]\.seed: got 1, expected 5"),
        ({"knobs": {"gap": 4}}, r"experiments\[1\]\.knobs"),
        ({"batch_size": 8}, r"experiments\[1\]\.batch_size: got 8"),
        ({"task": "copy", "knobs": {}}, r"experiments\[1\]\.task: got 'copy', expected 'wolf'"),
    ],
)
def test_experiments_that_would_see_other_sequences_are_refused(changes, message):
    with pytest.raises(ValueError, match=message):
        Comparison([small(), small(**changes)])


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="experiments: got 1, expected at least 2"):
        Comparison([small()])
    with pytest.raises(ValueError, match=r"experiments\[1\]: got str"):
        Comparison([small(), "lstm"])
    with pytest.raises(ValueError, match="labels: got 1, expected one per experiment"):
        Comparison([small(), small()], labels=["x"])
    with pytest.raises(ValueError, match="batches: got -1"):
        Comparison([small(), small()]).train(-1)
    with pytest.raises(ValueError, match="lists no experiments to compare"):
        Comparison.from_preset(load_preset("short-memory"))


def test_text_comparisons_write_samples_and_others_do_not():
    text = load_preset("text")
    cmp = Comparison([v.experiment.replace(n_hidden=8) for v in text.variants])
    cmp.train(3)
    samples = cmp.samples(n=30)
    assert len(samples) == 2 and all(len(s) == 30 for s in samples)
    assert all(set(s) <= set(cmp.sims[0].task.characters) for s in samples)
    assert samples == cmp.samples(n=30)  # the same random stream each time
    assert Comparison([small(), small(cell="gru")]).samples() is None
