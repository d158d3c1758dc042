"""The lecture-time reference (``rnnsim.engine.reference``) equals the engine to 1e-12."""

import numpy as np
import pytest

from rnnsim.engine import Network, make_optimizer
from rnnsim.engine import reference as ref
from rnnsim.engine.gradients import GradientAccumulator

TOL = 1e-12


def _case(seed, cell="elman", activation="tanh", output="softmax", T=6, B=3, n_in=4, H=5, n_out=3):
    rng = np.random.default_rng(seed)
    loss = "cross_entropy" if output == "softmax" else "mse"
    net = Network.create(
        cell=cell,
        n_in=n_in,
        n_hidden=H,
        n_out=n_out,
        activation=activation,
        output=output,
        loss=loss,
        seed=seed,
        ws_scale=1.2,
    )
    net.params["bs"] += rng.normal(0, 0.1, net.params["bs"].shape)
    net.params["by"] += rng.normal(0, 0.1, n_out)
    X = rng.normal(size=(T, B, n_in))
    if output == "softmax":
        D = np.eye(n_out)[rng.integers(0, n_out, size=(T, B))]
    else:
        D = rng.normal(size=(T, B, n_out))
    s0 = rng.normal(0, 0.5, size=(B, H))
    return net, X, D, s0, rng


def _assert_close(E_ref, g_ref, E, g):
    assert abs(E_ref - E) <= TOL * max(1.0, abs(E))
    assert g_ref.keys() == g.keys()
    for name in g:
        scale = max(1.0, np.abs(g[name]).max())
        np.testing.assert_allclose(g_ref[name], g[name], rtol=0, atol=TOL * scale, err_msg=name)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu"])
@pytest.mark.parametrize("output", ["softmax", "linear"])
def test_elman_bptt_equals_loss_and_grads(seed, activation, output):
    net, X, D, s0, _ = _case(seed, activation=activation, output=output)
    E, g = net.loss_and_grads(X, D, s0=s0)
    E_ref, g_ref = ref.elman_bptt(
        net.params, ref.lecture_time(X), ref.lecture_time(D), s0, activation, output
    )
    _assert_close(E_ref, g_ref, E, g)


@pytest.mark.parametrize("bptt_steps", [1, 2, 3, 4])
def test_truncated_bptt_with_a_mask_equals_the_engine(bptt_steps):
    net, X, D, s0, rng = _case(10 + bptt_steps, T=7)
    mask = (rng.random((7, 3)) < 0.7).astype(float)
    E, g = net.loss_and_grads(X, D, mask=mask, s0=s0, bptt_steps=bptt_steps)
    E_ref, g_ref = ref.elman_bptt(
        net.params,
        ref.lecture_time(X),
        ref.lecture_time(D),
        s0,
        "tanh",
        "softmax",
        mask=ref.lecture_time(mask),
        bptt_steps=bptt_steps,
    )
    _assert_close(E_ref, g_ref, E, g)


def test_truncation_changes_the_gradient_but_not_the_loss():
    net, X, D, s0, _ = _case(3, T=8)
    x, d = ref.lecture_time(X), ref.lecture_time(D)
    E_full, g_full = ref.elman_bptt(net.params, x, d, s0)
    E_cut, g_cut = ref.elman_bptt(net.params, x, d, s0, bptt_steps=2)
    assert E_full == pytest.approx(E_cut, abs=0)
    assert not np.allclose(g_full["Ws"], g_cut["Ws"])
    np.testing.assert_allclose(g_full["Wy"], g_cut["Wy"], rtol=0, atol=1e-15)


@pytest.mark.parametrize("seed", range(3))
def test_lstm_bptt_equals_loss_and_grads(seed):
    net, X, D, s0, rng = _case(seed, cell="lstm")
    c0 = rng.normal(0, 0.5, size=s0.shape)
    E, g = net.loss_and_grads(X, D, s0=s0, c0=c0)
    E_ref, g_ref = ref.lstm_bptt(net.params, ref.lecture_time(X), ref.lecture_time(D), s0, c0)
    _assert_close(E_ref, g_ref, E, g)


def test_lstm_step_equals_the_engine_forward():
    net, X, _, s0, rng = _case(5, cell="lstm", T=3)
    c0 = rng.normal(size=s0.shape)
    trace = net.forward(X, s0, c0=c0)
    s, c = s0, c0
    for t, x_t in ref.lecture_time(X).items():
        s, c, (_, f, _, _) = ref.lstm_step(net.params, x_t, s, c)
        np.testing.assert_allclose(s, trace.s[t], rtol=0, atol=TOL)
        np.testing.assert_allclose(c, trace.c[t], rtol=0, atol=TOL)
        np.testing.assert_allclose(f, trace.gates["f"][t - 1], rtol=0, atol=TOL)


def test_minibatch_updates_equal_the_accumulator_and_sgd():
    net, _, _, _, rng = _case(7, T=5)
    batches = []
    for _ in range(7):
        X = rng.normal(size=(5, 3, 4))
        D = np.eye(3)[rng.integers(0, 3, size=(5, 3))]
        batches.append((X, D, np.zeros((3, 5))))
    M, lr = 3, 0.1
    p_ref, _ = ref.sgd_minibatch(
        net.params, [(ref.lecture_time(X), ref.lecture_time(D), s0) for X, D, s0 in batches], M, lr
    )
    acc, opt = GradientAccumulator(M), make_optimizer("sgd", lr=lr)
    for X, D, _ in batches:
        _, g = net.loss_and_grads(X, D)
        if acc.add(g):
            opt.step(net.params, acc.mean())
            acc.reset()
    for name in net.params:
        np.testing.assert_allclose(p_ref[name], net.params[name], rtol=0, atol=TOL, err_msg=name)
    assert not np.array_equal(p_ref["Ws"], _case(7, T=5)[0].params["Ws"])


@pytest.mark.parametrize("activation", ["tanh", "sigmoid"])
def test_the_lectures_product_gives_the_gradient_flow(activation):
    net, X, D, s0, _ = _case(2, activation=activation, T=6, B=1)
    s, a, y = ref.elman_forward(net.params, ref.lecture_time(X), s0, activation)
    G = net.gradient_flow(X, D, s0=s0)
    N = 6
    dE_ds_N = ((y[N] - D[N - 1]) @ net.params["Wy"].T)[0]  # ∂E_N/∂s_N, one sequence
    for i in range(N + 1):
        grad = ref.gradient_through_time(
            net.params, {j: a[j][0] for j in a}, {j: s[j][0] for j in s}, dE_ds_N, N, i, activation
        )
        assert np.linalg.norm(grad) == pytest.approx(G[N - 1, i], rel=1e-12, abs=1e-300)
