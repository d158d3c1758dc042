"""Every task: the interface of docs/internals.md, shapes, dtypes, determinism, knob checks."""

import math

import numpy as np
import pytest

from rnnsim.engine import check_output_loss
from rnnsim.tasks import TASKS, Knob, make_task
from rnnsim.tasks.base import KINDS

NAMES = tuple(TASKS)


def test_registry_lists_the_eight_tasks_with_wolf_first():
    assert NAMES == (
        "wolf",
        "copy",
        "adding",
        "temporal_xor",
        "waveform",
        "reber",
        "text",
        "custom",
    )
    assert make_task().name == "wolf"


@pytest.mark.parametrize("name", NAMES)
def test_interface(name):
    task = make_task(name)
    assert task.name == name and task.title and len(task.description) > 80
    assert all(isinstance(k, Knob) and k.kind in KINDS for k in task.knobs)
    assert set(task.values) == {k.name for k in task.knobs}
    assert task.values == {k.name: k.default for k in task.knobs}
    check_output_loss(task.output, task.loss)
    assert len(task.input_names) == task.n_in and len(task.output_names) == task.n_out
    assert math.isfinite(task.chance) and task.chance >= 0
    assert isinstance(task.primary_metric, str)


@pytest.mark.parametrize("name", NAMES)
def test_sample_shapes_dtypes_and_score(name):
    task = make_task(name)
    X, D, mask = task.sample(5, np.random.default_rng(0))
    T = X.shape[0]
    assert X.shape == (T, 5, task.n_in) and D.shape == (T, 5, task.n_out)
    assert mask.shape == (T, 5)
    assert X.dtype == D.dtype == mask.dtype == np.float64
    assert np.all(np.isfinite(X)) and np.all(np.isfinite(D))
    assert set(np.unique(mask)) <= {0.0, 1.0} and mask.sum() > 0
    perfect = task.score(D, D, mask)
    assert task.primary_metric in perfect
    if task.primary_metric == "mse":
        assert perfect["mse"] == 0.0
    else:
        assert perfect[task.primary_metric] == 1.0
    assert all(isinstance(v, float) for v in perfect.values())


@pytest.mark.parametrize("name", NAMES)
def test_same_seed_same_sequences(name):
    task = make_task(name)
    a = task.sample(8, np.random.default_rng(42))
    b = make_task(name).sample(8, np.random.default_rng(42))
    c = task.sample(8, np.random.default_rng(43))
    for u, v in zip(a, b, strict=True):
        np.testing.assert_array_equal(u, v)
    if name != "custom":  # custom's default has two sequences: a draw may repeat
        assert not np.array_equal(a[0], c[0])


@pytest.mark.parametrize("name", NAMES)
def test_tokens_are_words(name):
    task = make_task(name)
    X, D, _ = task.sample(2, np.random.default_rng(1))
    for t in range(X.shape[0]):
        assert isinstance(task.input_token(X[t, 0]), str) and task.input_token(X[t, 0])
        assert isinstance(task.output_token(D[t, 0]), str) and task.output_token(D[t, 0])


def test_unknown_task():
    with pytest.raises(ValueError, match=r"task: got 'wolves', expected one of 'wolf'"):
        make_task("wolves")


@pytest.mark.parametrize("name", NAMES)
def test_unknown_knob_names_it_and_the_accepted_ones(name):
    with pytest.raises(ValueError, match=rf"^colour: unknown knob of task '{name}'; accepted"):
        make_task(name, colour=3)


@pytest.mark.parametrize(
    ("name", "knob", "value", "message"),
    [
        ("wolf", "gap", 201, r"gap: got 201, expected an integer in \[0, 200\]"),
        ("wolf", "gap", -1, r"gap: got -1, expected an integer in \[0, 200\]"),
        ("wolf", "gap", 2.5, r"gap: got 2.5, expected an integer"),
        ("wolf", "gap", True, r"gap: got True, expected an integer"),
        ("wolf", "gap", "3", r"gap: got '3', expected an integer"),
        ("wolf", "noise", -0.1, r"noise: got -0.1, expected a number in \[0.0, 2.0\]"),
        ("wolf", "noise", float("nan"), r"noise: got nan, expected a number"),
        ("wolf", "ambiguity", 1.5, r"ambiguity: got 1.5, expected a number in \[0.0, 1.0\]"),
        ("copy", "symbols", 1, r"symbols: got 1, expected an integer in \[2, 26\]"),
        ("copy", "delay", 500, r"delay: got 500, expected an integer in \[0, 200\]"),
        ("adding", "length", 1, r"length: got 1, expected an integer in \[2, 1000\]"),
        ("temporal_xor", "lag", 20, r"lag: got 20, expected an integer in \[1, 19\]"),
        ("waveform", "shape", "triangle", r"shape: got 'triangle', expected one of 'sine'"),
        ("waveform", "period", 1.0, r"period: got 1.0, expected a number in \[2.0, 200.0\]"),
        ("reber", "embedded", "yes", r"embedded: got 'yes', expected true or false"),
        ("text", "length", 0, r"length: got 0, expected an integer in \[2, 1000\]"),
        ("text", "path", 3, r"path: got 3, expected a file path"),
        ("custom", "vocabulary", "zoo", r"vocabulary: got 'zoo', expected one of 'auto', 'wolf'"),
    ],
)
def test_bad_knob_values_name_knob_value_and_range(name, knob, value, message):
    with pytest.raises(ValueError, match=message):
        make_task(name, **{knob: value})


def test_knob_values_are_normalised():
    task = make_task("wolf", gap=np.int64(4), noise=1)
    assert task.values == {"gap": 4, "noise": 1.0, "ambiguity": 1.0}
    assert type(task.values["gap"]) is int and type(task.values["noise"]) is float
    assert repr(task) == "make_task('wolf', gap=4, noise=1.0, ambiguity=1.0)"


@pytest.mark.parametrize("batch", [0, -3, 2.0, True])
def test_bad_batch(batch):
    with pytest.raises(ValueError, match=r"batch: got .*, expected an integer >= 1"):
        make_task("copy").sample(batch, np.random.default_rng(0))


def test_score_checks_shapes():
    task = make_task("copy")
    _X, D, mask = task.sample(3, np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"y: got shape"):
        task.score(D[:, :2], D, mask)
    with pytest.raises(ValueError, match=r"mask: got shape"):
        task.score(D, D, mask[:-1])


@pytest.mark.parametrize("name", NAMES)
def test_all_masked_out_scores_nan_without_warnings(name):
    task = make_task(name)
    _X, D, mask = task.sample(2, np.random.default_rng(0))
    scores = task.score(D, D, np.zeros_like(mask))
    assert math.isnan(scores[task.primary_metric])
