"""Stepping through a sequence: exact BPTT gradients, exact step back, M-averaged updates."""

import numpy as np
import pytest

from rnnsim.engine import make_optimizer
from rnnsim.sim import Simulation

from .conftest import small
from .helpers import assert_same, assert_weights_equal, weights


def step_until(sim, phase, k=None):
    for _ in range(10_000):
        c = sim.cursor
        if c.phase == phase and (k is None or c.k == k):
            return c
        sim.step()
    raise AssertionError(f"never reached {phase} {k}")


@pytest.mark.parametrize("cell", ["elman", "lstm", "gru"])
@pytest.mark.parametrize(
    ("bptt_steps", "dtype"), [(None, "float64"), (2, "float64"), (None, "float32")]
)
def test_stepped_sweep_gives_exactly_the_gradients_of_loss_and_grads(cell, bptt_steps, dtype):
    sim = Simulation(small(cell=cell, bptt_steps=bptt_steps, update_every=2, dtype=dtype))
    run = sim.run
    T = run.T
    for t in range(T):
        assert sim.cursor == sim.cursor.__class__(1, t, "forward", T - 1)
        sim.step()
    assert sim.cursor.phase == "forward" and sim.cursor.t == T
    for k in range(T - 1, -2, -1):
        sim.step()
        assert (sim.cursor.phase, sim.cursor.k) == ("backward", k)
    loss, grads = sim.net.loss_and_grads(run.X, run.D, run.mask, bptt_steps=bptt_steps)
    stepped = run.grads()
    assert set(stepped) == set(grads)
    for name in grads:  # bit-identical, not merely close
        assert np.array_equal(stepped[name], grads[name]), name
    assert run.loss() == loss
    assert sim.accumulator.count == 1
    snap = sim.snapshot()
    assert np.all(np.isfinite(snap.dE_ds))
    trace = sim.net.forward(run.X)
    sweep = sim.net.sweep(trace, run.D, run.mask, bptt_steps).run()
    assert np.array_equal(snap.dE_ds, sweep.dE_ds[:, 0])


def test_forward_steps_show_the_states_of_the_full_forward_pass():
    sim = Simulation(small(cell="lstm"))
    trace = sim.net.forward(sim.run.X)
    for t in range(sim.run.T):
        sim.step()
        snap = sim.snapshot()
        assert snap.s.shape == (t + 2, 5) and snap.y.shape == (t + 1, sim.task.n_out)
        np.testing.assert_allclose(snap.s, trace.s[: t + 2, 0], rtol=0, atol=1e-13)
        np.testing.assert_allclose(snap.c, trace.c[: t + 2, 0], rtol=0, atol=1e-13)
        np.testing.assert_allclose(snap.gates["f"], trace.gates["f"][: t + 1, 0], atol=1e-13)
    assert np.isfinite(snap.loss)


def test_backward_reveals_one_state_per_step_from_the_last():
    sim = Simulation(small(update_every=2))
    T = sim.run.T
    step_until(sim, "backward", T - 1)
    for k in range(T - 1, -2, -1):
        assert sim.cursor.k == k
        known = np.isfinite(sim.snapshot().dE_ds).all(axis=1)
        assert known.tolist() == [j > k for j in range(T + 1)]
        if k >= 0:
            sim.step()


@pytest.mark.parametrize("cell", ["elman", "gru", "lstm"])
def test_step_back_restores_the_previous_snapshot_exactly(cell):
    sim = Simulation(small(cell=cell, update_every=2, bptt_steps=3))
    snaps = [sim.snapshot()]
    n = 3 * (2 * sim.run.T + 2) + 2  # three sequences, one update, into a fourth
    for _ in range(n):
        sim.step()
        snaps.append(sim.snapshot())
    assert sim.updates == 1
    for expected in reversed(snaps[:-1]):
        assert sim.step_back()
        assert_same(sim.snapshot(), expected)
    assert not sim.step_back()
    for expected in snaps[1:]:  # and forward again: the same states
        sim.step()
        assert_same(sim.snapshot(), expected)


def test_m_gradients_are_averaged_into_one_update():
    M = 3
    sim = Simulation(small(update_every=M, optimizer="sgd", lr=0.5, clip_norm=None))
    before = weights(sim)
    grads = []
    for i in range(M):
        c = step_until(sim, "backward", -1) if i < M - 1 else step_until(sim, "update")
        assert sim.snapshot().pending == i + 1
        grads.append({k: v.copy() for k, v in sim.run.grads().items()})
        assert sim.updates == 0 and np.array_equal(sim.net.params["Ws"], before["Ws"])
        if i < M - 1:
            sim.step()  # next sequence
    assert c.phase == "update"
    sim.step()
    assert sim.updates == 1 and sim.cursor == sim.cursor.__class__(
        M + 1, 0, "forward", sim.run.T - 1
    )
    expected = {k: v.copy() for k, v in before.items()}
    mean = {k: sum(g[k] for g in grads) / M for k in before}
    make_optimizer("sgd", 0.5).step(expected, mean)
    for k in before:
        np.testing.assert_allclose(sim.net.params[k], expected[k], rtol=0, atol=1e-15)
    snap = sim.snapshot()
    assert snap.pending == 0 and snap.updates == 1 and len(snap.history.loss) == 1
    np.testing.assert_allclose(snap.delta_weights["Ws"], expected["Ws"] - before["Ws"], atol=1e-15)


def test_run_to_end_new_sequence_and_seek():
    sim = Simulation(small(update_every=2))
    T = sim.run.T
    assert sim.run_to_end() == sim.cursor.__class__(1, T, "forward", T - 1)
    assert sim.run_to_end() == sim.cursor.__class__(1, T, "backward", -1)
    c = sim.run_to_end()  # next sequence and its forward pass
    assert (c.sequence, c.t, c.phase) == (2, T, "forward")
    assert sim.seek(1).t == 1 and sim.cursor.phase == "forward"
    X_before = sim.run.X.copy()
    assert sim.new_sequence().sequence == 3 and sim.cursor.t == 0
    assert sim.step_back() and np.array_equal(sim.run.X, X_before)
    with pytest.raises(ValueError, match="t: got"):
        sim.seek(T + 1)


def test_snapshot_arrays_are_read_only_copies():
    sim = Simulation(small())
    sim.step()
    snap = sim.snapshot()
    for arr in (snap.s, snap.X, snap.weights["Ws"], snap.history.loss, snap.dE_ds):
        assert not arr.flags.writeable
    assert not np.shares_memory(snap.weights["Ws"], sim.net.params["Ws"])
    s1 = snap.s.copy()
    sim.run_to_end()
    assert np.array_equal(snap.s, s1)
    assert snap.input_tokens and len(snap.input_tokens) == snap.T
    assert snap.eigenvalues.shape == (5,) and snap.singular_values[0] == snap.sigma_max


def test_update_with_weights_kept_equals_fresh_weights_through_a_reset():
    sim = Simulation(small())
    w0 = weights(sim)
    sim.train(3)
    sim.reset()
    assert_weights_equal(weights(sim), w0)
    assert sim.updates == 0 and sim.cursor.sequence == 1


def test_stepping_an_overflowing_network_shows_nan_and_the_update_diverges():
    exp = small(activation="relu", init="identity", ws_scale=100.0, clip_norm=None)
    sim = Simulation(exp.with_values({"task.gap": "200"}))
    sim.run_to_end()
    snap = sim.snapshot()
    assert np.isnan(snap.s[-1]).all() and np.isfinite(snap.s[1]).all()
    assert not np.isfinite(snap.loss)
    sim.run_to_end()
    assert sim.cursor.phase == "update"
    sim.step()
    assert sim.diverged and "diverged at update 1: the loss" in sim.message
    assert "no earlier weights" in sim.message and sim.weights_finite()
    assert sim.snapshot().message == sim.message


def test_a_divergence_right_after_a_rollback_says_which_weights_stay():
    from rnnsim.catalog import preset_experiment

    sim = Simulation(preset_experiment("exploding"))
    sim.train(200)  # diverges within a few updates and rolls back: the checkpoint is spent
    assert sim.diverged and sim.training.good is None
    updates = sim.updates
    assert updates > 0
    sim.net.params["Wy"][...] *= 1e200  # finite weights whose next loss overflows
    before = {k: p.copy() for k, p in sim.net.params.items()}
    sim.train(1)
    assert sim.diverged and sim.updates == updates
    assert f"no earlier weights to go back to (the weights stay those after update {updates})" in (
        sim.message
    )
    assert all(np.array_equal(before[k], p) for k, p in sim.net.params.items())


def test_the_undo_stack_keeps_at_most_20_earlier_sequences():
    sim = Simulation(small(update_every=2))
    for _ in range(25):
        sim.run_to_end()
        sim.run_to_end()
        sim.new_sequence()
    assert sim.cursor.sequence == 26
    backs = 0
    while sim.step_back():
        backs += 1
    assert sim.cursor.sequence == 6 and sim.cursor.t == 0  # 20 sequences back, no further
    assert backs == 20 * (sim.run.T + (sim.run.T + 1) + 1)
