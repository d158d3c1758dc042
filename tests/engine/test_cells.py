"""Cells: a 2-step Elman example worked by hand, LSTM/GRU against their equations written out."""

import numpy as np
import pytest

from rnnsim.engine import CELLS, ElmanCell, FeedForwardCell, GRUCell, LSTMCell, Network

from .cases import ACTIVATION_NAMES, CELL_NAMES


def test_two_step_elman_by_hand():
    # a[0] = x0·Wx + s0·Ws + bs = [0.5, -0.25] + 0 + [0.1, -0.1] = [0.6, -0.35]
    # s[1] = tanh(a[0])
    # a[1] = x1·Wx + s[1]·Ws + bs
    #      = [0.1 + 0.3·s1₀ − 0.2·s1₁ + 0.1, 0.2 + 0.4·s1₁ − 0.1]
    # y[t] = s[t+1]·Wy + by (linear), E = Σ_t Σ_o (y − d)²
    net = Network.create("elman", 2, 2, 2, activation="tanh", output="linear", loss="mse")
    net.params["Wx"][:] = [[0.5, -0.25], [0.1, 0.2]]
    net.params["Ws"][:] = [[0.3, 0.0], [-0.2, 0.4]]
    net.params["bs"][:] = [0.1, -0.1]
    net.params["Wy"][:] = [[1.0, -1.0], [0.5, 0.5]]
    net.params["by"][:] = [0.0, 0.2]
    X = np.array([[[1.0, 0.0]], [[0.0, 1.0]]])  # (T=2, B=1, n_in=2)
    D = np.array([[[1.0, 0.0]], [[0.0, 1.0]]])

    tr = net.forward(X)

    np.testing.assert_allclose(tr.a[0, 0], [0.6, -0.35], rtol=0, atol=1e-15)
    np.testing.assert_allclose(tr.s[1, 0], [0.5370495669980353, -0.3363755443363322], rtol=1e-14)
    np.testing.assert_allclose(tr.a[1, 0], [0.4283899789666771, -0.03455021773453287], rtol=1e-14)
    np.testing.assert_allclose(tr.s[2, 0], [0.4039749130846128, -0.03453647656202351], rtol=1e-14)
    np.testing.assert_allclose(
        tr.y[:, 0],
        [[0.3688617948298692, -0.5052373391662015], [0.38670667480360105, -0.22124315136562456]],
        rtol=1e-14,
    )
    np.testing.assert_array_equal(tr.s[0], 0.0)
    assert net.loss(X, D) == pytest.approx(2.294577090008217, rel=1e-14)


def _sig(a):
    return 1.0 / (1.0 + np.exp(-a))


PHI = {
    "tanh": np.tanh,
    "sigmoid": _sig,
    "relu": lambda a: np.maximum(a, 0.0),
    "identity": lambda a: a,
}


def _lstm_reference(p, X, s0, phi):
    """The LSTM equations, one sample and one gate at a time."""
    T, B, _ = X.shape
    H = s0.shape[1]
    W = {
        n: (
            p["Wx"][:, j * H : (j + 1) * H],
            p["Ws"][:, j * H : (j + 1) * H],
            p["bs"][j * H : (j + 1) * H],
        )
        for j, n in enumerate("ifog")
    }
    s, c = [s0], [np.zeros_like(s0)]
    for t in range(T):
        s_new, c_new = np.empty_like(s0), np.empty_like(s0)
        for b in range(B):
            pre = {n: X[t, b] @ wx + s[t][b] @ ws + bb for n, (wx, ws, bb) in W.items()}
            i, f, o, g = _sig(pre["i"]), _sig(pre["f"]), _sig(pre["o"]), phi(pre["g"])
            c_new[b] = f * c[t][b] + i * g
            s_new[b] = o * phi(c_new[b])
        s.append(s_new)
        c.append(c_new)
    return np.array(s), np.array(c)


def _gru_reference(p, X, s0, phi):
    """The GRU equations (Cho et al. 2014), one sample at a time."""
    T, B, _ = X.shape
    H = s0.shape[1]
    Wx, Ws, bs = p["Wx"], p["Ws"], p["bs"]
    blk = [slice(j * H, (j + 1) * H) for j in range(3)]
    s = [s0]
    for t in range(T):
        s_new = np.empty_like(s0)
        for b in range(B):
            x, h = X[t, b], s[t][b]
            z = _sig(x @ Wx[:, blk[0]] + h @ Ws[:, blk[0]] + bs[blk[0]])
            r = _sig(x @ Wx[:, blk[1]] + h @ Ws[:, blk[1]] + bs[blk[1]])
            n = phi(x @ Wx[:, blk[2]] + (r * h) @ Ws[:, blk[2]] + bs[blk[2]])
            s_new[b] = (1 - z) * n + z * h
        s.append(s_new)
    return np.array(s)


@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
def test_lstm_matches_its_equations(activation):
    net = Network.create("lstm", 3, 4, 2, activation=activation, seed=1)
    rng = np.random.default_rng(0)
    X, s0 = rng.normal(size=(5, 2, 3)), rng.normal(size=(2, 4))
    tr = net.forward(X, s0)
    s_ref, c_ref = _lstm_reference(net.params, X, s0, PHI[activation])
    np.testing.assert_allclose(tr.s, s_ref, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(tr.c, c_ref, rtol=1e-12, atol=1e-14)
    H = 4
    np.testing.assert_allclose(tr.gates["f"], _sig(tr.a[:, :, H : 2 * H]), rtol=1e-12)
    np.testing.assert_allclose(tr.gates["g"], PHI[activation](tr.a[:, :, 3 * H :]), rtol=1e-12)
    np.testing.assert_allclose(
        tr.c[1:], tr.gates["f"] * tr.c[:-1] + tr.gates["i"] * tr.gates["g"], rtol=1e-12
    )


def _forward_run(cell, activation, dtype):
    """(net, X, trace, tolerance) of a small forward pass of ``cell`` from a random s0."""
    net = Network.create(cell, 3, 4, 2, activation=activation, seed=2, dtype=dtype)
    rng = np.random.default_rng(1)
    X, s0 = rng.normal(size=(6, 3, 3)).astype(dtype), rng.normal(size=(3, 4)).astype(dtype)
    return net, X, net.forward(X, s0), 1e-5 if dtype == "float32" else 1e-13


@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_lstm_trace_holds_whole_preactivations(activation, dtype):
    # the forward multiplies with σ blocks halved and doubles them back afterwards
    net, X, tr, tol = _forward_run("lstm", activation, dtype)
    p = net.params
    a_ref = X @ p["Wx"] + tr.s[:-1] @ p["Ws"] + p["bs"]
    np.testing.assert_allclose(tr.a, a_ref, rtol=tol, atol=tol)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_cells_follow_weights_edited_in_place(cell):
    # the copies of the weights the frames multiply with (the LSTM's with its σ columns
    # halved, the GRU's [W_s; W_x; b] and [W_x; b; W_s]) are made anew on every pass
    net = Network.create(cell, 3, 4, 2, seed=3)
    rng = np.random.default_rng(2)
    X, D = rng.normal(size=(5, 2, 3)), np.eye(2)[rng.integers(0, 2, size=(5, 2))]
    net.loss_and_grads(X, D)
    for name in ("Wx", "Ws", "bs"):
        net.params[name] *= 1.5
        fresh = net.copy()
        np.testing.assert_array_equal(net.forward(X).s, fresh.forward(X).s)
        loss, grads = net.loss_and_grads(X, D)
        loss_f, grads_f = fresh.loss_and_grads(X, D)
        assert loss == loss_f
        for k in grads:
            np.testing.assert_array_equal(grads[k], grads_f[k])


def test_lstm_weight_gradients_as_one_product_match_the_stacked_ones():
    # LSTMCell.weight_grads: [X, 1, s]ᵀ·∂E/∂a in one product; Cell.weight_grads: three
    from rnnsim.engine.cells.base import Cell

    net = Network.create("lstm", 3, 4, 2, seed=4)
    rng = np.random.default_rng(3)
    X, D = rng.normal(size=(5, 2, 3)), np.eye(2)[rng.integers(0, 2, size=(5, 2))]
    sweep = net.sweep(net.forward(X), D).run()
    ours = net._cell.weight_grads(sweep.trace, sweep.dA, sweep._prep)
    stacked = Cell.weight_grads(net._cell, sweep.trace, sweep.dA, sweep._prep)
    for k in ("Wx", "Ws", "bs"):
        assert ours[k].shape == stacked[k].shape
        np.testing.assert_allclose(ours[k], stacked[k], rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
def test_gru_matches_its_equations(activation):
    net = Network.create("gru", 3, 4, 2, activation=activation, seed=1)
    rng = np.random.default_rng(0)
    X, s0 = rng.normal(size=(5, 2, 3)), rng.normal(size=(2, 4))
    tr = net.forward(X, s0)
    np.testing.assert_allclose(
        tr.s, _gru_reference(net.params, X, s0, PHI[activation]), rtol=1e-12, atol=1e-14
    )
    z, n = tr.gates["z"], tr.gates["n"]
    np.testing.assert_allclose(tr.s[1:], (1 - z) * n + z * tr.s[:-1], rtol=1e-12, atol=1e-14)
    assert tr.c is None


@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_gru_trace_holds_whole_preactivations(activation, dtype):
    # each frame's products write a_z, a_r and a_n into a[t] (rows [s, X, 1] and [X, 1, r ⊙ s])
    net, X, tr, tol = _forward_run("gru", activation, dtype)
    p, H = net.params, 4
    r = tr.gates["r"]
    a_ref = X @ p["Wx"] + tr.s[:-1] @ p["Ws"] + p["bs"]
    a_ref[..., 2 * H :] = (
        X @ p["Wx"][:, 2 * H :] + (r * tr.s[:-1]) @ p["Ws"][:, 2 * H :] + p["bs"][2 * H :]
    )
    np.testing.assert_allclose(tr.a, a_ref, rtol=tol, atol=tol)
    np.testing.assert_allclose(tr.gates["z"], _sig(tr.a[..., :H]), rtol=tol, atol=tol)
    np.testing.assert_allclose(tr.gates["n"], PHI[activation](tr.a[..., 2 * H :]), rtol=tol)


def test_gru_weight_gradients_as_two_products_match_the_stacked_ones():
    # GRUCell.weight_grads: [s, X, 1]ᵀ·∂E/∂a_zr and [X, 1, r ⊙ s]ᵀ·∂E/∂a_n
    net = Network.create("gru", 3, 4, 2, seed=4)
    rng = np.random.default_rng(3)
    X, D = rng.normal(size=(5, 2, 3)), np.eye(2)[rng.integers(0, 2, size=(5, 2))]
    sweep = net.sweep(net.forward(X), D).run()
    tr, dA, H = sweep.trace, sweep.dA, 4
    ours = net._cell.weight_grads(tr, dA, sweep._prep)
    rs = tr.gates["r"] * tr.s[:-1]
    ref = {
        "Wx": np.einsum("tbi,tbg->ig", X, dA),
        "Ws": np.concatenate(
            [
                np.einsum("tbi,tbg->ig", tr.s[:-1], dA[..., : 2 * H]),
                np.einsum("tbi,tbg->ig", rs, dA[..., 2 * H :]),
            ],
            axis=1,
        ),
        "bs": dA.sum(axis=(0, 1)),
    }
    for k in ("Wx", "Ws", "bs"):
        assert ours[k].shape == ref[k].shape
        np.testing.assert_allclose(ours[k], ref[k], rtol=1e-12, atol=1e-15)


def test_lstm_continues_from_c0():
    net = Network.create("lstm", 2, 3, 2, seed=4)
    rng = np.random.default_rng(1)
    X = rng.normal(size=(6, 2, 2))
    whole = net.forward(X)
    first = net.forward(X[:2])
    rest = net.forward(X[2:], first.s[-1], c0=first.c[-1])
    np.testing.assert_allclose(rest.s, whole.s[2:], rtol=1e-14)
    np.testing.assert_allclose(rest.c, whole.c[2:], rtol=1e-14)


@pytest.mark.parametrize(
    "cell,G,gates",
    [("elman", 5, ()), ("lstm", 20, ("i", "f", "o", "g")), ("gru", 15, ("z", "r", "n"))],
)
def test_parameter_and_trace_shapes(cell, G, gates):
    net = Network.create(cell, 3, 5, 2, seed=0)
    assert list(net.params) == ["Wx", "Ws", "Wy", "bs", "by"]
    shapes = {k: v.shape for k, v in net.params.items()}
    assert shapes == {"Wx": (3, G), "Ws": (5, G), "Wy": (5, 2), "bs": (G,), "by": (2,)}
    tr = net.forward(np.zeros((4, 2, 3)))
    assert tr.a.shape == (4, 2, G) and tr.s.shape == (5, 2, 5)
    assert tr.z.shape == tr.y.shape == (4, 2, 2)
    assert tuple(tr.gates) == gates
    assert all(v.shape == (4, 2, 5) for v in tr.gates.values())
    assert (tr.c is not None) == (cell == "lstm")


def test_lstm_forget_bias_starts_at_one():
    net = Network.create("lstm", 2, 3, 2, seed=0)
    np.testing.assert_array_equal(net.params["bs"], [0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0])
    assert not np.any(Network.create("gru", 2, 3, 2).params["bs"])
    assert not np.any(Network.create("elman", 2, 3, 2).params["bs"])


def test_registry_and_docstrings():
    assert CELLS == {
        "elman": ElmanCell,
        "lstm": LSTMCell,
        "gru": GRUCell,
        "feedforward": FeedForwardCell,
    }
    assert set(CELL_NAMES) == set(CELLS)
    assert "Φ(a[t])" in ElmanCell.__doc__ and "s[t]·W_s" in ElmanCell.__doc__
    assert "c[t+1] = f ⊙ c[t] + i ⊙ g" in LSTMCell.__doc__
    assert "Cho et al. 2014" in GRUCell.__doc__
    for cls in CELLS.values():
        assert callable(cls.forward_step) and callable(cls.backward_step)
