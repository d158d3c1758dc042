"""copy: the recall frames repeat the string; only they are scored."""

import numpy as np
import pytest

from rnnsim.tasks import make_task


def test_layout_and_targets():
    task = make_task("copy", symbols=5, length=4, delay=7)
    X, D, mask = task.sample(300, np.random.default_rng(0))
    L, T = 4, 2 * 4 + 7
    assert X.shape == (T, 300, 6) and D.shape == (T, 300, 5) and task.length == T
    np.testing.assert_array_equal(D[T - L :], X[:L, :, :5])  # the string comes back
    assert np.all(X[:L].sum(-1) == 1) and np.all(
        X[L:].sum(-1) == (np.arange(L, T) == T - L)[:, None]
    )
    np.testing.assert_array_equal(mask, np.repeat((np.arange(T) >= T - L)[:, None], 300, 1))
    assert np.all(D[: T - L] == 0)
    assert task.input_names == ("A", "B", "C", "D", "E", "go") and task.chance == 0.2


def test_each_recalled_symbol_depends_on_its_own_input_only():
    task = make_task("copy", symbols=3, length=3, delay=2)
    X, D, _ = task.sample(1, np.random.default_rng(1))
    T = task.length
    for i in range(3):
        assert task.output_token(D[T - 3 + i, 0]) == task.input_token(X[i, 0])
    assert [task.input_token(x) for x in X[3:, 0]] == ["·", "·", "go", "·", "·"]


def test_chance_and_sequence_accuracy():
    task = make_task("copy", symbols=4, length=5, delay=0)
    _X, D, mask = task.sample(4000, np.random.default_rng(2))
    guess = np.zeros_like(D)
    guess[..., 0] = 1.0
    s = task.score(guess, D, mask)
    assert s["accuracy"] == pytest.approx(task.chance, abs=0.02)
    assert s["sequence_accuracy"] == pytest.approx(0.25**5, abs=0.01)
    wrong_once = D.copy()
    wrong_once[-1] = np.roll(D[-1], 1, axis=-1)
    s = task.score(wrong_once, D, mask)
    assert s["accuracy"] == pytest.approx(0.8) and s["sequence_accuracy"] == 0.0
