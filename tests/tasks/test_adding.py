"""adding: the target is the sum of the two marked values; the constant baseline is 1/6."""

import numpy as np
import pytest

from rnnsim.tasks import make_task


def test_markers_targets_and_mask():
    task = make_task("adding", length=40)
    X, D, mask = task.sample(500, np.random.default_rng(0))
    marks = X[:, :, 1]
    assert np.all(marks.sum(0) == 2)
    assert np.all(marks[:20].sum(0) == 1) and np.all(marks[20:].sum(0) == 1)
    np.testing.assert_allclose(D[-1, :, 0], np.sum(X[:, :, 0] * marks, 0))
    assert np.all(D[:-1] == 0) and np.all(mask[-1] == 1) and mask[:-1].sum() == 0
    assert np.all((X[:, :, 0] >= 0) & (X[:, :, 0] < 1))


def test_target_depends_on_the_marked_values_only():
    task = make_task("adding", length=10)
    X, D, _ = task.sample(1, np.random.default_rng(3))
    marked = np.flatnonzero(X[:, 0, 1])
    unmarked = np.setdiff1d(np.arange(10), marked)
    assert D[-1, 0, 0] == pytest.approx(X[marked, 0, 0].sum())
    assert D[-1, 0, 0] != pytest.approx(X[unmarked[:2], 0, 0].sum())
    assert task.input_token(X[marked[0], 0]).endswith("*")
    assert not task.input_token(X[unmarked[0], 0]).endswith("*")


def test_constant_prediction_baseline_is_one_sixth():
    task = make_task("adding", length=30)
    _X, D, mask = task.sample(20000, np.random.default_rng(1))
    s = task.score(np.ones_like(D), D, mask)
    assert task.chance == pytest.approx(1 / 6)
    assert s["mse"] == pytest.approx(1 / 6, rel=0.03)
    assert s["mse"] == s["baseline_mse"] and s["accuracy"] == s["baseline_accuracy"]
    assert task.primary_metric == "mse" and (task.output, task.loss) == ("linear", "mse")
    exact = task.score(D, D, mask)
    assert exact["mse"] == 0.0 and exact["accuracy"] == 1.0
