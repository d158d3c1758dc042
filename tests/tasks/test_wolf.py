"""The wolf story: the context frame decides the last label; the last frame alone cannot."""

import math

import numpy as np
import pytest

from rnnsim.tasks import make_task
from rnnsim.tasks.wolf import BEAR, COW, DOG, FILLERS, NAMES, PROTOTYPES, WOLF, final_prototypes


def labels_of(D):
    return np.argmax(D, axis=-1)  # (T, B)


def fit_logistic(X, y, steps=300, lr=0.5):
    """Logistic regression by gradient descent on standardised features; returns a predictor."""
    mu, sd = X.mean(0), X.std(0) + 1e-12
    Z = np.hstack([(X - mu) / sd, np.ones((len(X), 1))])
    w = np.zeros(Z.shape[1])
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-Z @ w))
        w -= lr * Z.T @ (p - y) / len(y)
    return lambda Xn: np.hstack([(Xn - mu) / sd, np.ones((len(Xn), 1))]) @ w > 0


def fit_centroids(X, y):
    """Nearest class mean (the Bayes rule for two Gaussians with equal isotropic noise)."""
    c0, c1 = X[y == 0].mean(0), X[y == 1].mean(0)
    return lambda Xn: np.sum((Xn - c1) ** 2, 1) < np.sum((Xn - c0) ** 2, 1)


def final_frames(task, n, seed):
    X, D, _ = task.sample(n, np.random.default_rng(seed))
    return X[-1], (labels_of(D)[-1] == WOLF).astype(float), X[0]


def test_length_and_frames():
    for gap in (0, 3, 200):
        X, D, mask = make_task("wolf", gap=gap).sample(50, np.random.default_rng(gap))
        assert X.shape == (gap + 2, 50, 10) and D.shape == (gap + 2, 50, 9)
        lab = labels_of(D)
        assert set(lab[0]) <= {BEAR, COW} and set(lab[-1]) <= {WOLF, DOG}
        assert set(lab[1:-1].ravel()) <= set(FILLERS)
        assert np.all(mask == 1.0)


def test_context_alone_determines_the_final_label():
    task = make_task("wolf", gap=5)
    X, D, _ = task.sample(4000, np.random.default_rng(0))
    lab = labels_of(D)
    np.testing.assert_array_equal(lab[-1] == WOLF, lab[0] == BEAR)
    # and the noisy context features tell bear from cow: nearest prototype is right
    near_bear = np.sum((X[0] - PROTOTYPES[BEAR]) ** 2, 1) < np.sum((X[0] - PROTOTYPES[COW]) ** 2, 1)
    assert np.mean(near_bear == (lab[-1] == WOLF)) > 0.999


def test_gap_frames_carry_no_clue():
    X, D, _ = make_task("wolf", gap=20).sample(6000, np.random.default_rng(1))
    lab = labels_of(D)
    forest = lab[0] == BEAR
    for filler in FILLERS:
        share_forest = np.mean(lab[1:-1, forest] == filler)
        share_farm = np.mean(lab[1:-1, ~forest] == filler)
        assert abs(share_forest - share_farm) < 0.01  # both 1/5 up to sampling error
    assert abs(np.mean(X[1:-1, forest]) - np.mean(X[1:-1, ~forest])) < 0.01


def test_final_frame_is_identical_in_distribution_by_construction():
    dog, wolf = final_prototypes(1.0)
    np.testing.assert_array_equal(dog, wolf)


@pytest.mark.parametrize("fit", [fit_logistic, fit_centroids])
def test_best_classifier_on_the_final_frame_alone_is_at_chance(fit):
    """At ambiguity 1 the last frame is N(midpoint, noise²·I) for wolf and for dog alike, so
    p(x | wolf) = p(x | dog) and the Bayes-optimal rule on x alone scores max(P(wolf),
    P(dog)) = 0.5: no classifier can do better. Logistic regression and nearest centroid,
    fitted on 20 000 sequences, score <= 0.55 on 20 000 fresh ones."""
    task = make_task("wolf", gap=2)
    Xtr, ytr, _ = final_frames(task, 20000, 0)
    Xte, yte, _ = final_frames(task, 20000, 1)
    assert np.mean(fit(Xtr, ytr)(Xte) == yte) <= 0.55


@pytest.mark.parametrize("ambiguity", [0.0, 0.5])
@pytest.mark.parametrize("fit", [fit_logistic, fit_centroids])
def test_same_classifiers_reach_the_bayes_rate_when_there_is_a_difference(fit, ambiguity):
    """The classifiers above are as good as any: when ambiguity < 1 the two last-frame
    Gaussians differ only in 'wild', by 1 − ambiguity, so the Bayes rate is
    Φ((1 − ambiguity) / (2·noise)); both reach it. The context frame alone always suffices."""
    task = make_task("wolf", ambiguity=ambiguity)
    Xtr, ytr, Ctr = final_frames(task, 8000, 0)
    Xte, yte, Cte = final_frames(task, 8000, 1)
    noise = task.values["noise"]
    bayes = 0.5 * (1 + math.erf((1 - ambiguity) / (2 * noise) / math.sqrt(2)))
    assert np.mean(fit(Xtr, ytr)(Xte) == yte) == pytest.approx(bayes, abs=0.015)
    assert np.mean(fit(Ctr, ytr)(Cte) == yte) > 0.99


def test_noise_and_ambiguity_knobs():
    X, D, _ = make_task("wolf", noise=0.0, ambiguity=0.0).sample(20, np.random.default_rng(0))
    np.testing.assert_array_equal(X, PROTOTYPES[labels_of(D)])
    X, D, _ = make_task("wolf", noise=0.0).sample(20, np.random.default_rng(0))
    np.testing.assert_array_equal(X[-1], np.broadcast_to(final_prototypes(1.0)[0], (20, 10)))
    X, _, _ = make_task("wolf", noise=0.5).sample(4000, np.random.default_rng(0))
    clean = make_task("wolf", noise=0.0).sample(4000, np.random.default_rng(0))[0]
    assert np.std(X - clean) == pytest.approx(0.5, rel=0.02)


def test_score_chance_and_tokens():
    task = make_task("wolf", gap=2)
    _X, D, mask = task.sample(2000, np.random.default_rng(3))
    always_wolf = np.zeros_like(D)
    always_wolf[..., WOLF] = 1.0
    s = task.score(always_wolf, D, mask)
    assert s["final_accuracy"] == pytest.approx(task.chance, abs=0.03)
    assert s["context_accuracy"] == 0.0
    assert task.primary_metric == "final_accuracy" and task.chance == 0.5
    quiet = make_task("wolf", noise=0.0)
    for name, vec in zip(NAMES, PROTOTYPES, strict=True):
        assert quiet.input_token(vec) == name
        assert quiet.output_token(np.eye(9)[NAMES.index(name)]) == name
    assert quiet.input_token(final_prototypes(1.0)[0]) == "wolf/dog"
    assert make_task("wolf", ambiguity=0.0).input_token(PROTOTYPES[WOLF]) == "wolf"


def test_score_is_the_masked_means_bit_for_bit():
    """The metrics as masked means (the plain formulation), for masks of ones, of 0/1, of
    weights and of zeros; NaN where no frame counts."""
    from rnnsim.tasks.base import masked_mean

    task = make_task("wolf", gap=5)
    rng = np.random.default_rng(4)
    _X, D, ones = task.sample(16, rng)
    T, B = ones.shape
    for mask in (
        ones,
        (rng.random((T, B)) < 0.5).astype(float),
        rng.random((T, B)) * (rng.random((T, B)) < 0.5),
        np.zeros((T, B)),
    ):
        y = rng.random(D.shape)
        hit = np.argmax(y, -1) == np.argmax(D, -1)
        last = T - 1 - np.argmax(mask[::-1] > 0, axis=0)
        cols = np.arange(B)
        want = {
            "accuracy": masked_mean(hit, mask),
            "final_accuracy": masked_mean(hit[last, cols], mask[last, cols] > 0),
            "context_accuracy": masked_mean(hit[0], mask[0] > 0),
        }
        got = task.score(y, D, mask)
        assert got.keys() == want.keys()
        for k, v in want.items():
            assert type(got[k]) is float
            assert got[k] == v or (math.isnan(got[k]) and math.isnan(v)), k
