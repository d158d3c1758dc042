"""The fast training path, divergence rollback, and applying changed experiments."""

import numpy as np
import pytest

from rnnsim.engine import Network, clip_by_norm, make_optimizer
from rnnsim.sim import Experiment, Simulation

from .conftest import small
from .helpers import assert_weights_equal, weights


def bare_loop(sim, n):
    """The same training as ``sim.train(n)`` with the engine alone (M = 1)."""
    exp = sim.experiment
    net = Network.create(n_in=sim.task.n_in, n_out=sim.task.n_out, **exp.network_settings())
    rng = np.random.default_rng()
    rng.bit_generator.state = sim.rng.bit_generator.state
    opt = make_optimizer(exp.optimizer, exp.lr, **exp.optimizer_hyper())
    for _ in range(n):
        X, D, mask = sim.task.sample(exp.batch_size, rng)
        _, grads = net.loss_and_grads(X, D, mask, bptt_steps=exp.bptt_steps)
        if exp.clip_norm is not None:
            grads, _, _ = clip_by_norm(grads, exp.clip_norm)
        opt.step(net.params, grads)
    return net.params


@pytest.mark.parametrize(
    "changes", [{}, {"cell": "gru", "optimizer": "momentum", "bptt_steps": 2, "clip_norm": 0.1}]
)
def test_train_gives_exactly_the_weights_of_a_bare_engine_loop(changes):
    sim = Simulation(small(**changes))
    expected = bare_loop(sim, 20)
    assert sim.train(20) == 20
    assert sim.updates == 20 and len(sim.history) == 20
    assert_weights_equal(weights(sim), expected)
    snap = sim.snapshot()
    assert snap.cursor.t == snap.T and snap.cursor.phase == "forward"
    assert np.all(np.isfinite(snap.history.loss)) and snap.history.update[-1] == 20
    assert set(snap.history.grad_norms) == set(sim.net.params)


def test_train_with_m_takes_m_batches_per_update_and_finishes_a_due_update():
    sim = Simulation(small(update_every=2))
    while sim.cursor.phase != "backward" or sim.cursor.k != -1:
        sim.step()
    assert sim.accumulator.count == 1
    assert sim.train(3) == 3
    assert sim.updates == 3 and sim.accumulator.count == 0
    assert sim.sequence == 1 + 5 + 1  # the stepped one, five trained batches, the shown one


def test_train_stops_when_asked_and_reports_progress():
    sim = Simulation(small())
    seen = []
    calls = {"n": 0}

    def should_stop():
        calls["n"] += 1
        return calls["n"] > 7

    done = sim.train(1000, callback=seen.append, should_stop=should_stop)
    assert done == 7 and sim.updates == 7
    assert seen and seen[-1].done == 7 and seen[-1].total == 1000 and seen[-1].rate > 0
    assert not sim.can_step_back
    with pytest.raises(ValueError, match="n: got -1"):
        sim.train(-1)


def test_nan_weights_roll_back_the_update_that_made_them():
    sim = Simulation(small(clip_norm=None))
    sim.train(3)
    good = weights(sim)  # after update 3
    sim.train(1)
    sim.net.params["Ws"][0, 0] = np.inf  # as if update 4 had made W_s infinite
    assert sim.train(5) == 0
    assert sim.diverged and sim.updates == 3
    assert_weights_equal(weights(sim), good)
    assert "diverged at update 4: the weights became NaN or Inf" in sim.message
    assert "gradient norm" in sim.message
    assert "clipping" in sim.message and "learning rate" in sim.message
    assert sim.history.frozen().update.tolist() == [1, 2, 3]
    assert sim.optimizer.t == 3
    assert sim.train(2) == 2 and sim.weights_finite() and not sim.diverged


def test_non_finite_loss_from_finite_weights_rolls_back_the_last_update(monkeypatch):
    sim = Simulation(small(clip_norm=None))
    sim.train(2)
    after_2 = weights(sim)
    sim.train(1)
    real_sample = sim.task.sample

    def overflowing_sample(batch, rng):
        X, D, mask = real_sample(batch, rng)
        return X, D * 1e308, mask  # −Σ d·log y overflows: the loss is Inf, weights finite

    monkeypatch.setattr(sim.task, "sample", overflowing_sample)
    assert sim.train(4) == 0
    assert "diverged at update 4: the loss became NaN or Inf" in sim.message
    assert sim.updates == 2 and sim.optimizer.t == 2
    assert_weights_equal(weights(sim), after_2)


def test_an_exploding_relu_network_stops_with_finite_weights():
    exp = small(
        activation="relu", init="identity", ws_scale=100.0, clip_norm=None, optimizer="sgd", lr=1.0
    ).with_values({"task.gap": "200"})
    sim = Simulation(exp)
    done = sim.train(50)
    assert sim.diverged and done < 50
    assert "diverged at update" in sim.message and "clip_norm" in sim.message
    assert sim.weights_finite()
    snap = sim.snapshot()  # the display still works
    assert snap.message == sim.message and np.isfinite(snap.sigma_max)


def test_non_finite_weights_after_a_step_roll_back_that_step():
    sim = Simulation(small())
    sim.train(2)
    good, opt_state = weights(sim), sim.optimizer.state_dict()
    real_step = sim.optimizer.step

    def exploding_step(params, grads):
        deltas = real_step(params, grads)
        params["Wy"][...] = np.nan
        return deltas

    sim.optimizer.step = exploding_step
    assert sim.train(3) == 0
    assert "diverged at update 3: the weights became NaN or Inf" in sim.message
    assert_weights_equal(weights(sim), good)
    assert sim.updates == 2 and sim.optimizer.t == 2
    for k, v in opt_state.items():
        assert np.array_equal(sim.optimizer.state_dict()[k], v)


def test_divergence_in_a_stepped_update_can_be_stepped_back():
    sim = Simulation(small(clip_norm=None))
    sim.train(1)
    after_1 = weights(sim)
    sim.train(1)
    while sim.cursor.phase != "update":
        sim.step()
    state = sim.accumulator.state_dict()
    state["sum/Wy"][0, 0] = np.nan  # a NaN gradient reaches the update
    sim.accumulator.load_state_dict(state)
    before = weights(sim)
    sim.step()
    assert sim.diverged and "diverged at update 3: the gradient" in sim.message
    assert sim.updates == 1 and "after update 1" in sim.message
    assert_weights_equal(weights(sim), after_1)
    assert sim.cursor.phase == "forward" and sim.accumulator.count == 0
    sim.step_back()
    assert sim.updates == 2 and sim.cursor.phase == "update" and not sim.message
    assert_weights_equal(weights(sim), before)


def test_apply_keeps_weights_when_shapes_allow_and_reinitialises_otherwise():
    sim = Simulation(small())
    sim.train(4)
    w = weights(sim)
    msg = sim.apply(sim.experiment.replace(lr=0.001, activation="sigmoid", seed=9))
    assert "weights kept" in msg and "seed" in msg
    assert_weights_equal(weights(sim), w)
    assert sim.updates == 4 and sim.net.activation == "sigmoid" and sim.optimizer.lr == 0.001
    assert sim.optimizer.t == 4  # Adam's moments carried over
    msg = sim.apply(sim.experiment.replace(n_hidden=7))
    assert "n_hidden" in msg and "re-initialised" in msg
    assert sim.net.params["Ws"].shape == (7, 7) and sim.updates == 0
    assert sim.apply(sim.experiment) == "No change."
    msg = sim.apply(sim.experiment.replace(optimizer="sgd"))
    assert "weights kept" in msg
    with pytest.raises(ValueError, match="experiment: got dict"):
        sim.apply({"lr": 1})


def test_train_scores_the_first_100_updates_and_every_10th_after():
    sim = Simulation(small(batch_size=2))
    sim.train(125)
    h = sim.snapshot().history
    scored = np.isfinite(h.metrics[sim.task.primary_metric])
    expected = (h.update <= 100) | (h.update % 10 == 0)
    assert np.array_equal(scored, expected)
    assert np.all(np.isfinite(h.loss)) and np.all(np.isfinite(h.global_norm))


@pytest.mark.parametrize("update_every", [1, 3])
def test_training_in_chunks_equals_one_call_bit_for_bit(update_every):
    exp = Experiment(n_hidden=8, batch_size=4, update_every=update_every, seed=5)
    whole, chunked = Simulation(exp), Simulation(exp)
    whole.step()
    chunked.step()
    assert whole.train(23) == 23
    session = chunked.begin_training(23)
    chunks = 0
    while not session.run(budget_s=0.0):  # one batch per chunk
        chunks += 1
    assert session.finish() == 23
    assert chunks >= 22
    for name, w in whole.net.params.items():
        assert np.array_equal(w, chunked.net.params[name]), name
    assert np.array_equal(whole.history.frozen().loss, chunked.history.frozen().loss)
    assert whole.cursor == chunked.cursor
    assert np.array_equal(whole.snapshot().s, chunked.snapshot().s)


def test_a_session_stops_when_asked_and_cannot_be_finished_twice():
    sim = Simulation(Experiment(n_hidden=4, batch_size=2))
    session = sim.begin_training(100)
    assert session.run(should_stop=lambda: session.done >= 7) is False
    assert session.done == 7 and not session.over
    assert session.finish() == 7 and sim.updates == 7
    with pytest.raises(RuntimeError, match="finished"):
        session.finish()
    with pytest.raises(RuntimeError, match="finished"):
        session.run()
