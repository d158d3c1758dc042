"""The feed-forward cell: the Elman network with its recurrence cut (W_s fixed at zero)."""

import numpy as np
import pytest

from rnnsim.engine import Network, gradcheck, make_optimizer
from rnnsim.engine.reference import elman_bptt, lecture_time


def case(seed=0, T=5, B=3, n_in=4, H=6, n_out=3):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((T, B, n_in))
    D = np.eye(n_out)[rng.integers(0, n_out, (T, B))]
    return X, D, np.ones((T, B))


def test_it_is_the_elman_network_with_w_s_zero_and_its_gradient_exactly_zero():
    X, D, mask = case()
    net = Network.create("feedforward", 4, 6, 3, activation="tanh", seed=1)
    assert not net.params["Ws"].any()
    E, grads = net.loss_and_grads(X, D, mask)
    p = {k: v.copy() for k, v in net.params.items()}
    E_ref, g_ref = elman_bptt(p, lecture_time(X), lecture_time(D), np.zeros((3, 6)))
    assert E == pytest.approx(E_ref, rel=1e-12)
    for name in ("Wx", "Wy", "bs", "by"):  # the same function as Elman with W_s = 0 …
        np.testing.assert_allclose(grads[name], g_ref[name], rtol=1e-10, atol=1e-14)
    # … but W_s is not a weight of it: its gradient is zero, where Elman's is not
    assert not grads["Ws"].any() and np.abs(g_ref["Ws"]).max() > 1e-3
    assert gradcheck(net, X, D, mask).max_rel_error < 1e-6


def test_each_frame_on_its_own_no_gradient_flows_back():
    X, D, mask = case(T=6)
    net = Network.create("feedforward", 4, 6, 3, seed=2)
    G = net.gradient_flow(X, D, mask)  # (T, T+1): ‖∂E_t/∂s_k‖
    T = X.shape[0]
    for t in range(T):
        assert G[t, t + 1] > 0 and not G[t, : t + 1].any()
    # the output at frame t depends on x_t alone
    Y = net.forward(X).y
    X2 = X.copy()
    X2[0] += 5.0
    np.testing.assert_array_equal(net.forward(X2).y[1:], Y[1:])


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam", "rmsprop", "adagrad"])
def test_no_optimiser_moves_w_s_and_ws_scale_does_not_apply(optimizer):
    X, D, mask = case()
    net = Network.create("feedforward", 4, 6, 3, init="identity", ws_scale=2.0, seed=0)
    assert not net.params["Ws"].any()
    opt = make_optimizer(optimizer, lr=0.1)
    for _ in range(3):
        _, grads = net.loss_and_grads(X, D, mask)
        opt.step(net.params, grads)
    assert not net.params["Ws"].any()
