"""waveform: the target is the clean wave one frame ahead."""

import numpy as np
import pytest

from rnnsim.tasks import make_task
from rnnsim.tasks.waveform import POWER


@pytest.mark.parametrize("shape", ["sine", "square", "sawtooth"])
def test_target_is_the_next_input_without_noise(shape):
    task = make_task("waveform", shape=shape, period=8.0, length=33)
    X, D, mask = task.sample(50, np.random.default_rng(0))
    np.testing.assert_allclose(D[:-1, :, 0], X[1:, :, 0], atol=1e-12)
    np.testing.assert_allclose(X[8:, :, 0], X[:-8, :, 0], atol=1e-9)  # period 8
    assert np.all(np.abs(X) <= 1) and np.all(mask == 1)
    if shape == "square":
        assert set(np.unique(X)) == {-1.0, 1.0}


@pytest.mark.parametrize("shape", ["sine", "square", "sawtooth", "mixed"])
def test_chance_is_the_mse_of_predicting_zero(shape):
    task = make_task("waveform", shape=shape, period=13.0)
    _X, D, mask = task.sample(4000, np.random.default_rng(1))
    s = task.score(np.zeros_like(D), D, mask)
    assert s["mse"] == pytest.approx(task.chance, rel=0.03) == s["baseline_mse"]
    assert s["persistence_mse"] < s["mse"]


def test_mixed_draws_every_shape_and_noise_is_added():
    X, _, _ = make_task("waveform", shape="mixed", period=4.0).sample(300, np.random.default_rng(2))
    square = np.all(np.isin(X[:, :, 0], (-1.0, 1.0)), axis=0)
    assert 0.2 < square.mean() < 0.45
    assert np.mean(list(POWER.values())) == make_task("waveform", shape="mixed").chance
    clean = make_task("waveform").sample(500, np.random.default_rng(3))
    noisy = make_task("waveform", noise=0.3).sample(500, np.random.default_rng(3))
    np.testing.assert_array_equal(clean[1], noisy[1])
    assert np.std(noisy[0] - clean[0]) == pytest.approx(0.3, rel=0.03)
