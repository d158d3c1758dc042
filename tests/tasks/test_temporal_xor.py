"""temporal_xor: the target is x_t XOR x_{t-lag}; neither bit alone predicts it."""

import numpy as np
import pytest

from rnnsim.tasks import make_task


@pytest.mark.parametrize("lag", [1, 2, 7])
def test_target_is_xor_with_the_bit_lag_frames_back(lag):
    task = make_task("temporal_xor", lag=lag, length=30)
    X, D, mask = task.sample(200, np.random.default_rng(lag))
    bits = X[:, :, 0].astype(int)
    np.testing.assert_array_equal(D[lag:, :, 0], bits[lag:] ^ bits[:-lag])
    assert np.all(mask[:lag] == 0) and np.all(mask[lag:] == 1) and np.all(D[:lag] == 0)


def test_neither_bit_alone_tells_the_target():
    task = make_task("temporal_xor", lag=3, length=50)
    X, D, mask = task.sample(2000, np.random.default_rng(0))
    bits, target = X[3:, :, 0], D[3:, :, 0]
    for b in (0, 1):
        assert np.mean(target[bits == b]) == pytest.approx(0.5, abs=0.02)
        assert np.mean(target[X[:-3, :, 0] == b]) == pytest.approx(0.5, abs=0.02)
    assert task.score(np.full_like(D, 0.9), D, mask)["accuracy"] == pytest.approx(
        task.chance, abs=0.02
    )


def test_tokens():
    task = make_task("temporal_xor")
    assert task.input_token(np.array([1.0])) == "1" and task.output_token(np.array([0.0])) == "0"
    assert (task.output, task.loss) == ("sigmoid", "binary_cross_entropy")
