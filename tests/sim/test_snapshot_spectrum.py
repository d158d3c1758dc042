"""The snapshot's spectrum of W_s is reused between updates and always that of the weights."""

import numpy as np

from rnnsim.engine import eigenvalues, singular_values
from rnnsim.sim import Experiment, Simulation
from rnnsim.sim.build_snapshot import recurrent_block


def fresh(sim):
    W = recurrent_block(sim.net).astype(np.float64)
    return singular_values(W), eigenvalues(W)


def check(snap, sim):
    sv, eig = fresh(sim)
    np.testing.assert_array_equal(snap.singular_values, sv)
    np.testing.assert_array_equal(snap.eigenvalues, eig)
    assert snap.sigma_max == sv[0]
    assert not snap.singular_values.flags.writeable


def test_spectrum_follows_updates_reset_and_new_shapes():
    sim = Simulation(Experiment(n_hidden=8))
    first = sim.snapshot()
    check(first, sim)
    check(sim.snapshot(), sim)  # reused: same weights
    sim.train(2)
    after = sim.snapshot()
    check(after, sim)
    assert not np.array_equal(after.singular_values, first.singular_values)
    sim.reset()
    check(sim.snapshot(), sim)
    sim.apply(Experiment(n_hidden=5))
    snap = sim.snapshot()
    check(snap, sim)
    assert snap.eigenvalues.shape == (5,)
