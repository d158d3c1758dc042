"""Optimisers, clipping and the mini-batch accumulator against numbers computed by hand."""

import io
import math

import numpy as np
import pytest

from rnnsim.engine.optim import (
    OPTIMIZERS,
    SGD,
    Adam,
    GradientAccumulator,
    Momentum,
    clip_by_norm,
    clip_by_value,
    global_norm,
    grad_norms,
    make_optimizer,
)

W0 = [1.0, -2.0]
G1 = [0.5, -1.0]
G2 = [0.25, 2.0]
LR = 0.1

# Expected (Δ1, Δ2) per optimiser, written out from each formula with W0, G1, G2 and LR = 0.1.
HAND = {
    # Δ_t = −η·g_t
    ("sgd", ()): ([-0.05, 0.1], [-0.025, -0.2]),
    # Δ_1 = −η·g_1;  Δ_2 = −η·g_2 + β·Δ_1 with β = 0.5
    ("momentum", (("beta", 0.5),)): ([-0.05, 0.1], [-0.025 - 0.025, -0.2 + 0.05]),
    # v_1 = −η·g_1 = [−.05, .1];  Δ_1 = β·v_1 − η·g_1
    # v_2 = β·v_1 − η·g_2 = [−.05, −.15];  Δ_2 = β·v_2 − η·g_2
    ("nesterov", (("beta", 0.5),)): ([-0.025 - 0.05, 0.05 + 0.1], [-0.025 - 0.025, -0.075 - 0.2]),
    # G_1 = g_1² = [.25, 1];  G_2 = G_1 + g_2² = [.3125, 5];  Δ = −η·g/(√G + ε), ε = 0.5
    ("adagrad", (("eps", 0.5),)): (
        [-0.1 * 0.5 / (0.5 + 0.5), 0.1 * 1.0 / (1.0 + 0.5)],
        [-0.1 * 0.25 / (math.sqrt(0.3125) + 0.5), -0.1 * 2.0 / (math.sqrt(5.0) + 0.5)],
    ),
    # r_1 = (1−ρ)·g_1² = [.125, .5];  r_2 = ρ·r_1 + (1−ρ)·g_2² = [.09375, 2.25];  ρ = ε = 0.5
    ("rmsprop", (("rho", 0.5), ("eps", 0.5))): (
        [-0.1 * 0.5 / (math.sqrt(0.125) + 0.5), 0.1 * 1.0 / (math.sqrt(0.5) + 0.5)],
        [-0.1 * 0.25 / (math.sqrt(0.09375) + 0.5), -0.1 * 2.0 / (1.5 + 0.5)],
    ),
    # β1 = .5, β2 = .75, ε = .5.  m_1 = [.25, −.5], v_1 = [.0625, .25], m̂_1 = g_1, v̂_1 = g_1²;
    # m_2 = [.25, .75], v_2 = [.0625, 1.1875], m̂_2 = m_2/.75, v̂_2 = v_2/.4375
    ("adam", (("beta1", 0.5), ("beta2", 0.75), ("eps", 0.5))): (
        [-0.1 * 0.5 / (0.5 + 0.5), 0.1 * 1.0 / (1.0 + 0.5)],
        [
            -0.1 * (0.25 / 0.75) / (math.sqrt(0.0625 / 0.4375) + 0.5),
            -0.1 * (0.75 / 0.75) / (math.sqrt(1.1875 / 0.4375) + 0.5),
        ],
    ),
}


@pytest.mark.parametrize("dtype,rtol", [(np.float64, 1e-14), (np.float32, 2e-6)])
@pytest.mark.parametrize("key", list(HAND), ids=[k[0] for k in HAND])
def test_first_two_updates_match_hand_computation(key, dtype, rtol):
    name, hyper = key
    d1, d2 = HAND[key]
    opt = make_optimizer(name, LR, **dict(hyper))
    w = np.array(W0, dtype=dtype)
    params = {"W": w}
    got1 = opt.step(params, {"W": np.array(G1, dtype=dtype)})["W"]
    np.testing.assert_allclose(got1, d1, rtol=rtol)
    np.testing.assert_allclose(w, np.add(W0, d1), rtol=rtol)
    got2 = opt.step(params, {"W": np.array(G2, dtype=dtype)})["W"]
    np.testing.assert_allclose(got2, d2, rtol=rtol)
    np.testing.assert_allclose(w, np.add(np.add(W0, d1), d2), rtol=rtol)
    assert params["W"] is w and w.dtype == dtype and got2.dtype == dtype
    assert opt.t == 2


def test_every_registered_optimizer_is_covered_by_hand_values():
    assert {k[0] for k in HAND} == set(OPTIMIZERS)


def test_returned_delta_is_a_new_array_not_the_state():
    opt = Momentum(0.1, beta=0.5)
    params = {"W": np.array(W0)}
    d1 = opt.step(params, {"W": np.array(G1)})["W"]
    d1[:] = 1e6
    d2 = opt.step(params, {"W": np.array(G2)})["W"]
    np.testing.assert_allclose(d2, [-0.05, -0.15], rtol=1e-14)


def test_step_casts_gradients_to_the_parameter_dtype():
    params = {"W": np.array(W0, dtype=np.float32)}
    delta = SGD(0.1).step(params, {"W": np.array(G1, dtype=np.float64)})["W"]
    assert params["W"].dtype == np.float32 and delta.dtype == np.float32


def _run(opt, params, grads_seq):
    return [opt.step(params, g) for g in grads_seq]


def _grads_seq(rng, n):
    return [{"Ws": rng.normal(size=(3, 3)), "bs": rng.normal(size=3)} for _ in range(n)]


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_state_dict_round_trip_through_npz_continues_bit_identically(name):
    rng = np.random.default_rng(0)
    seq = _grads_seq(rng, 6)
    start = {"Ws": rng.normal(size=(3, 3)), "bs": rng.normal(size=3)}
    ref = make_optimizer(name, 0.05)
    ref_params = {k: v.copy() for k, v in start.items()}
    _run(ref, ref_params, seq)

    first = make_optimizer(name, 0.05)
    params = {k: v.copy() for k, v in start.items()}
    _run(first, params, seq[:3])
    buf = io.BytesIO()
    np.savez(buf, **first.state_dict())
    buf.seek(0)
    with np.load(buf, allow_pickle=False) as npz:
        loaded = {k: npz[k] for k in npz.files}
    second = make_optimizer(name, 0.05)
    second.load_state_dict(loaded)
    assert second.t == 3 and second.hyper == first.hyper and second.lr == first.lr
    _run(second, params, seq[3:])
    for k in start:
        assert np.array_equal(params[k], ref_params[k])


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_an_uncopied_state_dict_stays_the_state_it_was_taken_at(name):
    """state_dict(copy=False) shares the slot arrays; later steps replace them, never write
    into them, so the dict is a checkpoint that load_state_dict rolls back to exactly."""
    rng = np.random.default_rng(1)
    seq = _grads_seq(rng, 5)
    opt = make_optimizer(name, 0.05)
    params = {"Ws": rng.normal(size=(3, 3)), "bs": rng.normal(size=3)}
    _run(opt, params, seq[:2])
    shared, copied = opt.state_dict(copy=False), opt.state_dict()
    before = {k: v.copy() for k, v in params.items()}
    _run(opt, params, seq[2:])
    assert set(shared) == set(copied)
    for k, v in copied.items():
        assert np.array_equal(shared[k], v), k
    opt.load_state_dict(shared)  # roll back, then the same steps again: the same weights
    after = {k: v.copy() for k, v in params.items()}
    _run(opt, before, seq[2:])
    for k in params:
        assert np.array_equal(before[k], after[k])


def test_grad_norms_make_up_the_global_norm_bit_for_bit():
    rng = np.random.default_rng(2)
    for dtype in ("float64", "float32"):
        grads = {
            "a": rng.normal(size=(7, 5)).astype(dtype),
            "b": rng.normal(size=9).astype(dtype)[::2],
        }  # a strided view too
        norms = grad_norms(grads)
        assert list(norms) == ["a", "b"]
        for k, g in grads.items():
            assert math.isclose(norms[k], np.linalg.norm(g.astype(np.float64)), rel_tol=1e-14)
        assert math.hypot(*norms.values()) == global_norm(grads)


def test_state_dict_is_flat_and_holds_step_and_hyper_parameters():
    opt = Adam(0.01, beta1=0.8)
    opt.step({"W": np.zeros(2)}, {"W": np.ones(2)})
    state = opt.state_dict()
    assert state["step"] == 1.0 and state["lr"] == 0.01 and state["beta1"] == 0.8
    assert set(state) == {"step", "lr", "beta1", "beta2", "eps", "m/W", "v/W"}
    assert all(isinstance(v, float | np.ndarray) for v in state.values())


def test_load_state_dict_rejects_a_foreign_state():
    state = Adam(0.01).state_dict()
    with pytest.raises(ValueError, match="beta"):
        Momentum(0.1).load_state_dict(state)
    mom = Momentum(0.1)
    mom.step({"W": np.zeros(2)}, {"W": np.ones(2)})
    bad = mom.state_dict() | {"velocity/W": np.zeros(2)}
    with pytest.raises(ValueError, match="velocity/W"):
        Momentum(0.1).load_state_dict(bad)


def test_reset_forgets_the_state():
    opt = Momentum(0.1, beta=0.5)
    params = {"W": np.array(W0)}
    opt.step(params, {"W": np.array(G1)})
    opt.reset()
    assert opt.t == 0 and opt.state_dict() == {"step": 0.0, "lr": 0.1, "beta": 0.5}
    d = opt.step(params, {"W": np.array(G2)})["W"]
    np.testing.assert_allclose(d, [-0.025, -0.2], rtol=1e-14)


def test_step_rejects_mismatched_gradients_and_a_changed_network():
    opt = SGD(0.1)
    with pytest.raises(ValueError, match="grads"):
        opt.step({"W": np.zeros(2)}, {"V": np.zeros(2)})
    with pytest.raises(ValueError, match=r"grads\['W'\].*\(3,\)"):
        opt.step({"W": np.zeros(2)}, {"W": np.zeros(3)})
    with pytest.raises(ValueError, match=r"params\['W'\]"):
        opt.step({"W": np.zeros(2, dtype=int)}, {"W": np.zeros(2)})
    adam = Adam(0.1)
    adam.step({"W": np.zeros(2)}, {"W": np.ones(2)})
    with pytest.raises(ValueError, match="reset"):
        adam.step({"W": np.zeros(3)}, {"W": np.ones(3)})


@pytest.mark.parametrize(
    "name,lr,hyper,needle",
    [
        ("adamw", 0.1, {}, "optimizer: got 'adamw'"),
        ("sgd", 0.0, {}, "lr: got 0.0"),
        ("sgd", -1.0, {}, "lr: got -1.0"),
        ("sgd", math.nan, {}, "lr: got nan"),
        ("sgd", math.inf, {}, "lr: got inf"),
        ("sgd", True, {}, "lr: got True"),
        ("sgd", "0.1", {}, "lr: got '0.1'"),
        ("sgd", 0.1, {"beta": 0.9}, "beta: unknown hyper-parameter for 'sgd'"),
        ("momentum", 0.1, {"beta": 1.0}, r"beta: got 1.0, expected in \[0, 1\)"),
        ("nesterov", 0.1, {"beta": -0.1}, "beta: got -0.1"),
        ("momentum", 0.1, {"momentum": 0.9}, "momentum: unknown.*accepted: beta"),
        ("adagrad", 0.1, {"eps": 0.0}, "eps: got 0.0"),
        ("rmsprop", 0.1, {"rho": 1.5}, "rho: got 1.5"),
        ("adam", 0.1, {"beta1": 1.0}, "beta1: got 1.0"),
        ("adam", 0.1, {"beta2": math.nan}, "beta2: got nan"),
        ("adam", 0.1, {"eps": -1e-8}, "eps: got -1e-08"),
    ],
)
def test_bad_hyper_parameters_raise_naming_them(name, lr, hyper, needle):
    with pytest.raises(ValueError, match=needle):
        make_optimizer(name, lr, **hyper)


def test_lr_can_be_changed_between_steps_and_is_validated():
    opt = SGD(0.1)
    opt.lr = 0.5
    params = {"W": np.array(W0)}
    np.testing.assert_allclose(opt.step(params, {"W": np.array(G1)})["W"], [-0.25, 0.5])
    with pytest.raises(ValueError, match="lr"):
        opt.lr = 0


# --- clipping -----------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype,rtol", [(np.float64, 1e-15), (np.float32, 1e-6)])
def test_clip_by_norm_rescales_to_exactly_the_threshold(dtype, rtol):
    grads = {"a": np.array([3.0, 4.0], dtype=dtype), "b": np.array([[12.0]], dtype=dtype)}
    assert global_norm(grads) == 13.0
    new, norm, clipped = clip_by_norm(grads, 6.5)
    assert clipped and norm == 13.0
    assert math.isclose(global_norm(new), 6.5, rel_tol=rtol)
    np.testing.assert_allclose(new["a"], [1.5, 2.0], rtol=rtol)
    np.testing.assert_allclose(new["b"], [[6.0]], rtol=rtol)
    assert new["a"].dtype == dtype
    np.testing.assert_array_equal(grads["a"], [3.0, 4.0])


def test_clip_by_norm_leaves_small_gradients_untouched():
    grads = {"a": np.array([3.0, 4.0]), "b": np.array([[12.0]])}
    new, norm, clipped = clip_by_norm(grads, 13.0)
    assert not clipped and norm == 13.0
    assert new is not grads and all(new[k] is grads[k] for k in grads)


def test_clip_by_norm_rejects_bad_threshold_and_non_finite_gradients():
    grads = {"a": np.array([3.0, 4.0])}
    for bad in (0.0, -1.0, math.nan, math.inf, None):
        with pytest.raises(ValueError, match="threshold"):
            clip_by_norm(grads, bad)
    with pytest.raises(ValueError, match=r"\['b'\]"):
        clip_by_norm(grads | {"b": np.array([np.inf])}, 1.0)


def test_clip_by_value():
    grads = {"a": np.array([-3.0, 0.5, 2.0]), "b": np.array([[0.25]])}
    new, clipped = clip_by_value(grads, 1.0)
    assert clipped
    np.testing.assert_array_equal(new["a"], [-1.0, 0.5, 1.0])
    np.testing.assert_array_equal(new["b"], [[0.25]])
    np.testing.assert_array_equal(grads["a"], [-3.0, 0.5, 2.0])
    same, clipped = clip_by_value(grads, 3.0)
    assert not clipped
    np.testing.assert_array_equal(same["a"], grads["a"])
    with pytest.raises(ValueError, match="limit: got -1"):
        clip_by_value(grads, -1)


# --- mini-batch accumulator ---------------------------------------------------------------------


def test_accumulating_m_gradients_applies_their_mean():
    rng = np.random.default_rng(1)
    seq = _grads_seq(rng, 3)
    params = {"Ws": rng.normal(size=(3, 3)), "bs": rng.normal(size=3)}
    before = {k: v.copy() for k, v in params.items()}
    acc, opt = GradientAccumulator(3), SGD(0.1)
    ready = [acc.add(g) for g in seq]
    assert ready == [False, False, True] and acc.count == 3
    opt.step(params, acc.mean())
    for k in params:
        mean = (seq[0][k] + seq[1][k] + seq[2][k]) / 3
        np.testing.assert_allclose(params[k], before[k] - 0.1 * mean, rtol=1e-14)
    acc.reset()
    assert acc.count == 0


def test_accumulator_does_not_alias_the_first_gradient():
    g = {"W": np.array([1.0, 2.0])}
    acc = GradientAccumulator(2)
    acc.add(g)
    acc.add({"W": np.array([3.0, 4.0])})
    np.testing.assert_array_equal(g["W"], [1.0, 2.0])
    np.testing.assert_array_equal(acc.mean()["W"], [2.0, 3.0])


def test_accumulator_errors():
    for bad in (0, -2, 1.5, True, "3"):
        with pytest.raises(ValueError, match="M: got"):
            GradientAccumulator(bad)
    acc = GradientAccumulator(2)
    with pytest.raises(RuntimeError, match="empty"):
        acc.mean()
    with pytest.raises(ValueError, match=r"grads\['W'\]: got ndarray int"):
        acc.add({"W": np.zeros(2, dtype=int)})
    with pytest.raises(ValueError, match=r"grads\['W'\]: got list"):
        acc.add({"W": [0.0, 1.0]})
    assert acc.count == 0
    acc.add({"W": np.zeros(2)})
    with pytest.raises(ValueError, match="grads"):
        acc.add({"V": np.zeros(2)})
    acc.add({"W": np.zeros(2)})
    with pytest.raises(RuntimeError, match="M=2"):
        acc.add({"W": np.zeros(2)})


def test_accumulator_state_round_trip():
    acc = GradientAccumulator(3)
    acc.add({"W": np.array([1.0, 2.0])})
    acc.add({"W": np.array([2.0, 2.0])})
    other = GradientAccumulator(1)
    other.load_state_dict(acc.state_dict())
    assert other.M == 3 and other.count == 2
    assert other.add({"W": np.array([3.0, 5.0])}) is True
    np.testing.assert_array_equal(other.mean()["W"], [2.0, 3.0])
    with pytest.raises(ValueError, match="count"):
        other.load_state_dict({"M": 2.0, "count": 3.0})
    with pytest.raises(ValueError, match="unknown key 'W'"):
        other.load_state_dict({"M": 2.0, "count": 1.0, "W": np.zeros(2)})


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_non_finite_gradients_propagate_without_warnings(name):
    params = {"W": np.array([1.0, 2.0])}
    make_optimizer(name, 0.1).step(params, {"W": np.array([np.inf, np.nan])})
    assert not np.isfinite(params["W"]).any()
