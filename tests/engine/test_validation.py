"""Every bad input raises a ValueError naming the argument, what was given and what is accepted."""

import numpy as np
import pytest

from rnnsim.engine import Network, gradcheck

T, B, N_IN, H, N_OUT = 4, 2, 3, 5, 2


@pytest.fixture
def net():
    return Network.create("elman", N_IN, H, N_OUT, seed=0)


@pytest.fixture
def lstm():
    return Network.create("lstm", N_IN, H, N_OUT, seed=0)


def good():
    rng = np.random.default_rng(0)
    return (
        rng.normal(size=(T, B, N_IN)),
        np.eye(N_OUT)[rng.integers(0, N_OUT, size=(T, B))],
        np.ones((T, B)),
        np.zeros((B, H)),
    )


def with_nan(a, value=np.nan):
    a = a.copy()
    a.flat[1] = value
    return a


X, D, MASK, S0 = good()

BAD_CALLS = [
    # (argument, bad value, pattern of the message)
    ("X", X[0], r"X: got an array with 2 dimensions, shape \(2, 3\); expected 3 dimensions"),
    ("X", X[..., :2], r"X: got shape \(4, 2, 2\), expected \(·, ·, 3\)"),
    ("X", X[:0], r"X: got shape \(0, 2, 3\), expected .* no empty axis"),
    ("X", X.tolist(), "X: got list, expected a numpy ndarray"),
    ("X", X.astype(np.int64), "X: got dtype int64, expected float64"),
    ("X", X.astype(np.float32), "X: got dtype float32, expected float64"),
    ("X", with_nan(X), "X: contains NaN or Inf"),
    ("X", with_nan(X, np.inf), "X: contains NaN or Inf"),
    ("D", D[:3], r"D: got shape \(3, 2, 2\), expected \(4, 2, 2\)"),
    ("D", D[..., :1], r"D: got shape \(4, 2, 1\), expected \(4, 2, 2\)"),
    ("D", D[:, 0], "D: got an array with 2 dimensions"),
    ("D", D.astype(np.float32), "D: got dtype float32, expected float64"),
    ("D", with_nan(D), "D: contains NaN or Inf"),
    ("mask", MASK[:, :, None], "mask: got an array with 3 dimensions"),
    ("mask", MASK[:, :1], r"mask: got shape \(4, 1\), expected \(4, 2\)"),
    ("mask", MASK[0], "mask: got an array with 1 dimensions"),
    ("mask", MASK.astype(np.int64), "mask: got dtype int64, expected float64 or bool"),
    ("mask", with_nan(MASK), "mask: contains NaN or Inf"),
    ("mask", -MASK, "mask: got negative values"),
    ("s0", S0[0], r"s0: got an array with 1 dimensions, shape \(5,\)"),
    ("s0", S0[:, :4], r"s0: got shape \(2, 4\), expected \(2, 5\)"),
    ("s0", S0[:1], r"s0: got shape \(1, 5\), expected \(2, 5\)"),
    ("s0", S0.astype(np.float32), "s0: got dtype float32, expected float64"),
    ("s0", with_nan(S0, -np.inf), "s0: contains NaN or Inf"),
]


@pytest.mark.parametrize("arg,value,match", BAD_CALLS)
def test_bad_arrays_in_loss_and_grads(net, arg, value, match):
    kwargs = {"X": X, "D": D, "mask": MASK, "s0": S0, arg: value}
    with pytest.raises(ValueError, match=match):
        net.loss_and_grads(**kwargs)


@pytest.mark.parametrize("arg,value,match", BAD_CALLS)
def test_bad_arrays_in_gradient_flow(net, arg, value, match):
    kwargs = {"X": X, "D": D, "mask": MASK, "s0": S0, arg: value}
    with pytest.raises(ValueError, match=match):
        net.gradient_flow(**kwargs)


@pytest.mark.parametrize("arg,value,match", [b for b in BAD_CALLS if b[0] in ("X", "s0")])
def test_bad_arrays_in_forward(net, arg, value, match):
    kwargs = {"X": X, "s0": S0, arg: value}
    with pytest.raises(ValueError, match=match):
        net.forward(**kwargs)


def test_c0(net, lstm):
    with pytest.raises(ValueError, match=r"c0: got an array, expected None .*'elman'"):
        net.forward(X, S0, c0=S0)
    with pytest.raises(ValueError, match=r"c0: got shape \(2, 4\), expected \(2, 5\)"):
        lstm.forward(X, S0, c0=S0[:, :4])
    with pytest.raises(ValueError, match="c0: contains NaN"):
        lstm.forward(X, S0, c0=with_nan(S0))


@pytest.mark.parametrize(
    "bad,match",
    [
        (0, "bptt_steps: got 0, expected None"),
        (-2, "bptt_steps: got -2"),
        (2.5, "bptt_steps: got 2.5"),
        (True, "bptt_steps: got True"),
        ("3", "bptt_steps: got '3'"),
        (2.0, "bptt_steps: got 2.0"),
    ],
)
def test_bad_bptt_steps(net, bad, match):
    with pytest.raises(ValueError, match=match + ".*integer >= 1"):
        net.loss_and_grads(X, D, bptt_steps=bad)
    with pytest.raises(ValueError, match=match):
        net.sweep(net.forward(X), D, bptt_steps=bad)
    with pytest.raises(ValueError, match=match):
        gradcheck(net, X, D, bptt_steps=bad)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"cell": "rnn"}, r"cell: got 'rnn', expected one of 'elman', 'lstm', 'gru'"),
        ({"cell": None}, "cell: got None"),
        ({"activation": "softsign"}, r"activation: got 'softsign', expected one of 'sigmoid'"),
        ({"output": "tanh"}, r"output: got 'tanh', expected one of 'linear', 'sigmoid', 'softmax'"),
        ({"loss": "hinge"}, r"loss: got 'hinge', expected one of 'mse', 'cross_entropy'"),
        ({"output": "linear"}, "loss: 'cross_entropy' cannot follow output 'linear'"),
        ({"output": "softmax", "loss": "binary_cross_entropy"}, "must be 'sigmoid'"),
        ({"init": "he"}, r"init: got 'he', expected one of 'uniform', 'normal', 'orthogonal'"),
        ({"n_in": 0}, "n_in: got 0, expected a positive integer"),
        ({"n_hidden": -3}, "n_hidden: got -3, expected a positive integer"),
        ({"n_out": 2.0}, "n_out: got 2.0, expected a positive integer"),
        ({"n_in": True}, "n_in: got True"),
        ({"n_hidden": None}, "n_hidden: got None"),
        ({"dtype": "float16"}, r"dtype: got 'float16', expected one of 'float64', 'float32'"),
        ({"dtype": "int32"}, "dtype: got 'int32'"),
        ({"dtype": None}, "dtype: got None"),
        ({"dtype": "banana"}, "dtype: got 'banana'"),
        ({"ws_scale": -1.0}, "ws_scale: got -1.0, expected a positive finite number"),
        ({"seed": -1}, "seed: got -1, expected a non-negative integer"),
        ({"seed": 1.5}, "seed: got 1.5"),
    ],
)
def test_bad_create_arguments(kwargs, match):
    args = {"cell": "elman", "n_in": 2, "n_hidden": 3, "n_out": 2, **kwargs}
    with pytest.raises(ValueError, match=match):
        Network.create(**args)


def test_float32_network_rejects_float64_inputs():
    net = Network.create("gru", N_IN, H, N_OUT, dtype="float32")
    with pytest.raises(ValueError, match="X: got dtype float64, expected float32"):
        net.forward(X)
    with pytest.raises(ValueError, match="D: got dtype float64, expected float32"):
        net.loss(X.astype(np.float32), D)


def test_sweep_rejects_a_foreign_trace(net, lstm):
    with pytest.raises(ValueError, match="trace: got dict, expected a Trace"):
        net.sweep({}, D)
    other = Network.create("elman", N_IN, H + 1, N_OUT)
    with pytest.raises(ValueError, match=r"trace: got states \(5, 2, 6\)"):
        net.sweep(other.forward(X), D)
    with pytest.raises(ValueError, match="trace: got"):
        net.losses(lstm.forward(X), D)
