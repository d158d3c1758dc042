"""Network: the loss, the stepped BackwardSweep, truncation, float32, and PyTorch (optional)."""

import numpy as np
import pytest

from rnnsim.engine import BackwardSweep, Network, Trace

from .cases import CELL_NAMES, make_data


def test_loss_is_the_masked_batch_mean_of_frame_losses():
    net = Network.create("elman", 3, 4, 2, output="linear", loss="mse", seed=0)
    X, D, mask, s0 = make_data(net, 5, 3, np.random.default_rng(0))
    tr = net.forward(X, s0)
    per_frame = ((tr.y - D) ** 2).sum(axis=-1)  # E_t,b = Σ_o (y − d)²
    np.testing.assert_allclose(net.losses(tr, D, mask), mask * per_frame, rtol=1e-15)
    assert net.loss(X, D, mask, s0) == pytest.approx((mask * per_frame).sum() / 3, rel=1e-14)
    assert net.loss_and_grads(X, D, mask, s0)[0] == net.loss(X, D, mask, s0)
    assert net.loss(X, D, None, s0) == pytest.approx(per_frame.sum() / 3, rel=1e-14)


def test_cross_entropy_loss_value():
    net = Network.create("gru", 2, 3, 4, seed=1)
    X, D, _, _ = make_data(net, 3, 2, np.random.default_rng(1))
    tr = net.forward(X)
    assert np.allclose(tr.y.sum(axis=-1), 1.0)
    expected = -(D * np.log(tr.y)).sum() / 2
    assert net.loss(X, D) == pytest.approx(expected, rel=1e-13)


@pytest.mark.parametrize("cell", CELL_NAMES)
@pytest.mark.parametrize("bptt", [None, 2])
def test_stepped_sweep_is_bit_identical(cell, bptt):
    net = Network.create(cell, 3, 4, 3, seed=2)
    X, D, mask, s0 = make_data(net, 5, 2, np.random.default_rng(2))
    loss, grads = net.loss_and_grads(X, D, mask, s0, bptt_steps=bptt)
    sweep = net.sweep(net.forward(X, s0), D, mask, bptt_steps=bptt)
    assert isinstance(sweep, BackwardSweep) and sweep.k == 4 and not sweep.done
    with pytest.raises(RuntimeError, match="grads: the sweep is not done"):
        sweep.grads()
    seen = []
    while not sweep.done:
        k = sweep.k
        assert sweep.step() == k
        assert np.any(sweep.dE_ds[k + 1] != 0)
        seen.append(k)
    assert seen == [4, 3, 2, 1, 0] and sweep.k == -1
    with pytest.raises(RuntimeError, match="step: the sweep is done"):
        sweep.step()
    assert sweep.loss == loss
    for name in net.params:
        np.testing.assert_array_equal(sweep.grads()[name], grads[name])


@pytest.mark.parametrize("cell", ["lstm", "gru"])
@pytest.mark.parametrize("bptt", [None, 4])
def test_stepped_sweep_is_bit_identical_where_coefficients_come_in_parts(cell, bptt):
    """B = 64, H = 32: the sweep forms its coefficients (256 KiB at a time) in parts."""
    net = Network.create(cell, 3, 32, 3, seed=3)
    X, D, mask, s0 = make_data(net, 11, 64, np.random.default_rng(3))
    loss, grads = net.loss_and_grads(X, D, mask, s0, bptt_steps=bptt)
    sweep = net.sweep(net.forward(X, s0), D, mask, bptt_steps=bptt)
    dE_ds = []
    while not sweep.done:
        k = sweep.step()
        dE_ds.append(sweep.dE_ds[k + 1].copy())  # final once frame k is processed
    whole = net.sweep(net.forward(X, s0), D, mask, bptt_steps=bptt).run()
    assert sweep.loss == loss
    np.testing.assert_array_equal(np.stack(dE_ds[::-1]), whole.dE_ds[1:])
    np.testing.assert_array_equal(sweep.dE_ds[0], whole.dE_ds[0])
    np.testing.assert_array_equal(sweep.dA, whole.dA)
    for name in net.params:
        np.testing.assert_array_equal(sweep.grads()[name], grads[name])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_lstm_sweep_in_coefficient_parts_matches_all_frames_at_once(dtype):
    """The sweep forms the LSTM's gate-major coefficients a few frames at a time into a small
    buffer (B = 64, H = 32: 8 frames of float32, 4 of float64; T = 11 ends on a partial part);
    ``backward_step`` on coefficients formed for every frame at once (the gradient flow's and
    the Jacobians' path) gives the same ∂E/∂a, value for value."""
    net = Network.create("lstm", 3, 32, 3, seed=5, dtype=dtype)
    X, D, mask, s0 = make_data(net, 11, 64, np.random.default_rng(5))
    trace = net.forward(X, s0)
    sweep = net.sweep(trace, D, mask).run()
    cell = net._cell
    prep = cell.prepare_backward(trace, net.params)
    assert prep["Q"].shape == (11, 4, 64, 32)
    dc = None
    for t in range(10, -1, -1):
        da, _, dc = cell.backward_step(t, sweep.dE_ds[t + 1], dc, prep)
        np.testing.assert_array_equal(da, sweep.dA[t])


@pytest.mark.parametrize("cell", CELL_NAMES)
def test_dE_ds0_is_the_gradient_with_respect_to_s0(cell):
    net = Network.create(cell, 2, 3, 2, output="sigmoid", loss="binary_cross_entropy", seed=3)
    X, D, mask, s0 = make_data(net, 4, 2, np.random.default_rng(3))
    sweep = net.sweep(net.forward(X, s0), D, mask).run()
    numeric, h = np.empty_like(s0), 1e-3

    def at(idx, step):
        moved = s0.copy()
        moved[idx] += step
        return net.loss(X, D, mask, moved)

    for idx in np.ndindex(s0.shape):  # four-point central differences, O(h⁴)
        numeric[idx] = (8 * (at(idx, h) - at(idx, -h)) - (at(idx, 2 * h) - at(idx, -2 * h))) / (
            12 * h
        )
    np.testing.assert_allclose(sweep.dE_ds[0], numeric, rtol=1e-7, atol=1e-12)


@pytest.mark.parametrize("cell", CELL_NAMES)
@pytest.mark.parametrize("k", [1, 2, 3])
def test_truncation_equals_separate_chunks_from_the_carried_state(cell, k):
    net = Network.create(cell, 3, 4, 2, seed=4)
    X, D, mask, s0 = make_data(net, 7, 2, np.random.default_rng(4))
    _, cut = net.loss_and_grads(X, D, mask, s0, bptt_steps=k)
    tr = net.forward(X, s0)
    total = {name: np.zeros_like(v) for name, v in net.params.items()}
    for a in range(0, 7, k):
        c0 = None if tr.c is None else tr.c[a]
        _, g = net.loss_and_grads(X[a : a + k], D[a : a + k], mask[a : a + k], tr.s[a], c0=c0)
        for name in total:
            total[name] += g[name]
    for name in total:
        np.testing.assert_allclose(cut[name], total[name], rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("cell", CELL_NAMES)
def test_bptt_steps_at_least_T_is_full_bptt(cell):
    net = Network.create(cell, 3, 4, 2, seed=5)
    X, D, mask, s0 = make_data(net, 6, 2, np.random.default_rng(5))
    _, full = net.loss_and_grads(X, D, mask, s0)
    for k in (6, 7, 100):
        _, g = net.loss_and_grads(X, D, mask, s0, bptt_steps=k)
        for name in full:
            np.testing.assert_array_equal(g[name], full[name])


def test_all_masked_gives_zero_loss_and_gradients():
    net = Network.create("lstm", 2, 3, 2, seed=0)
    X, D, _, _ = make_data(net, 3, 2, np.random.default_rng(0))
    loss, grads = net.loss_and_grads(X, D, np.zeros((3, 2)))
    assert loss == 0.0
    assert all(not np.any(g) for g in grads.values())


def test_bool_mask_equals_float_mask():
    net = Network.create("elman", 2, 3, 2, seed=0)
    X, D, mask, s0 = make_data(net, 4, 2, np.random.default_rng(0))
    lf, gf = net.loss_and_grads(X, D, mask, s0)
    lb, gb = net.loss_and_grads(X, D, mask.astype(bool), s0)
    assert lf == lb
    for name in gf:
        np.testing.assert_array_equal(gf[name], gb[name])


@pytest.mark.parametrize("cell", CELL_NAMES)
def test_float32_network_stays_float32(cell):
    net = Network.create(cell, 3, 4, 2, dtype="float32", seed=0)
    X, D, mask, s0 = (v.astype(np.float32) for v in make_data(net, 4, 2, np.random.default_rng(0)))
    tr = net.forward(X, s0)
    assert isinstance(tr, Trace)
    arrays = [tr.s, tr.a, tr.z, tr.y, *tr.gates.values()] + ([tr.c] if tr.c is not None else [])
    assert all(a.dtype == np.float32 for a in arrays)
    loss, grads = net.loss_and_grads(X, D, mask, s0)
    assert isinstance(loss, float)
    assert all(g.dtype == np.float32 for g in grads.values())
    assert net.dtype == np.float32


def test_attributes_copy_and_repr():
    net = Network.create("gru", 3, 4, 2, activation="sigmoid", output="linear", loss="mse")
    assert (net.cell, net.activation, net.output, net.loss_name) == (
        "gru",
        "sigmoid",
        "linear",
        "mse",
    )
    assert (net.n_in, net.n_hidden, net.n_out, net.dtype) == (3, 4, 2, np.float64)
    twin = net.copy()
    twin.params["Ws"] += 1.0
    assert not np.array_equal(twin.params["Ws"], net.params["Ws"])
    assert "cell='gru'" in repr(net)


def test_params_are_live():
    net = Network.create("elman", 2, 3, 2, seed=0)
    X, D, _, _ = make_data(net, 4, 1, np.random.default_rng(0))
    before = net.loss(X, D)
    _, grads = net.loss_and_grads(X, D)
    for name, g in grads.items():
        net.params[name] -= 0.01 * g
    assert net.loss(X, D) < before


def test_matches_torch_autograd_for_elman_tanh():
    torch = pytest.importorskip("torch")
    net = Network.create(
        "elman", 3, 5, 4, activation="tanh", output="softmax", loss="cross_entropy", seed=6
    )
    X, D, mask, s0 = make_data(net, 7, 3, np.random.default_rng(6))
    loss, grads = net.loss_and_grads(X, D, mask, s0)

    rnn = torch.nn.RNN(3, 5, nonlinearity="tanh", dtype=torch.float64)
    lin = torch.nn.Linear(5, 4, dtype=torch.float64)
    p = net.params
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(torch.from_numpy(p["Wx"].T.copy()))
        rnn.weight_hh_l0.copy_(torch.from_numpy(p["Ws"].T.copy()))
        rnn.bias_ih_l0.copy_(torch.from_numpy(p["bs"]))
        rnn.bias_hh_l0.zero_()
        lin.weight.copy_(torch.from_numpy(p["Wy"].T.copy()))
        lin.bias.copy_(torch.from_numpy(p["by"]))
    out, _ = rnn(torch.from_numpy(X), torch.from_numpy(s0)[None])
    logp = torch.log_softmax(lin(out), dim=-1)
    t_loss = -(torch.from_numpy(mask)[:, :, None] * torch.from_numpy(D) * logp).sum() / 3
    t_loss.backward()
    ref = {
        "Wx": rnn.weight_ih_l0.grad.T,
        "Ws": rnn.weight_hh_l0.grad.T,
        "bs": rnn.bias_ih_l0.grad,
        "Wy": lin.weight.grad.T,
        "by": lin.bias.grad,
    }
    assert loss == pytest.approx(t_loss.item(), rel=1e-12)
    for name, g in ref.items():
        np.testing.assert_allclose(grads[name], g.numpy(), rtol=1e-8, atol=1e-12)


@pytest.mark.torch
@pytest.mark.parametrize("B", [3, 32])
def test_matches_torch_autograd_for_lstm(B):
    """B = 32 at H = 40: the sweep forms its coefficients a few frames at a time."""
    torch = pytest.importorskip("torch")
    H, T = 40, 9
    net = Network.create("lstm", 3, H, 4, output="softmax", loss="cross_entropy", seed=7)
    X, D, mask, s0 = make_data(net, T, B, np.random.default_rng(7))
    loss, grads = net.loss_and_grads(X, D, mask, s0)

    rnn = torch.nn.LSTM(3, H, dtype=torch.float64)
    lin = torch.nn.Linear(H, 4, dtype=torch.float64)
    order = np.r_[0 : 2 * H, 3 * H : 4 * H, 2 * H : 3 * H]  # ours i, f, o, g; torch's i, f, g, o
    p = net.params
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(torch.from_numpy(p["Wx"][:, order].T.copy()))
        rnn.weight_hh_l0.copy_(torch.from_numpy(p["Ws"][:, order].T.copy()))
        rnn.bias_ih_l0.copy_(torch.from_numpy(p["bs"][order]))
        rnn.bias_hh_l0.zero_()
        lin.weight.copy_(torch.from_numpy(p["Wy"].T.copy()))
        lin.bias.copy_(torch.from_numpy(p["by"]))
    c0 = torch.zeros(1, B, H, dtype=torch.float64)
    out, _ = rnn(torch.from_numpy(X), (torch.from_numpy(s0)[None], c0))
    logp = torch.log_softmax(lin(out), dim=-1)
    t_loss = -(torch.from_numpy(mask)[:, :, None] * torch.from_numpy(D) * logp).sum() / B
    t_loss.backward()
    back = np.argsort(order)
    ref = {
        "Wx": rnn.weight_ih_l0.grad.T.numpy()[:, back],
        "Ws": rnn.weight_hh_l0.grad.T.numpy()[:, back],
        "bs": rnn.bias_ih_l0.grad.numpy()[back],
        "Wy": lin.weight.grad.T.numpy(),
        "by": lin.bias.grad.numpy(),
    }
    assert loss == pytest.approx(t_loss.item(), rel=1e-12)
    for name, g in ref.items():
        np.testing.assert_allclose(grads[name], g, rtol=1e-8, atol=1e-12, err_msg=name)


@pytest.mark.torch
@pytest.mark.parametrize("B", [3, 32])
def test_matches_torch_autograd_for_gru(B):
    """Our GRU (Cho et al. 2014: r applied before the product, unlike torch.nn.GRU) written
    in torch operations; B = 32 at H = 40: the sweep forms its coefficients a few frames at a
    time."""
    torch = pytest.importorskip("torch")
    H, T = 40, 9
    net = Network.create("gru", 3, H, 4, output="softmax", loss="cross_entropy", seed=8)
    X, D, mask, s0 = make_data(net, T, B, np.random.default_rng(8))
    loss, grads = net.loss_and_grads(X, D, mask, s0)

    p = {k: torch.from_numpy(v.copy()).requires_grad_() for k, v in net.params.items()}
    Wx, Ws, bs = p["Wx"], p["Ws"], p["bs"]
    s, total = torch.from_numpy(s0), 0.0
    for t in range(T):
        x = torch.from_numpy(X[t])
        z = torch.sigmoid(x @ Wx[:, :H] + s @ Ws[:, :H] + bs[:H])
        r = torch.sigmoid(x @ Wx[:, H : 2 * H] + s @ Ws[:, H : 2 * H] + bs[H : 2 * H])
        n = torch.tanh(x @ Wx[:, 2 * H :] + (r * s) @ Ws[:, 2 * H :] + bs[2 * H :])
        s = (1 - z) * n + z * s
        logp = torch.log_softmax(s @ p["Wy"] + p["by"], dim=-1)
        total = total - (torch.from_numpy(mask[t])[:, None] * torch.from_numpy(D[t]) * logp).sum()
    t_loss = total / B
    t_loss.backward()
    assert loss == pytest.approx(t_loss.item(), rel=1e-12)
    for name, v in p.items():
        np.testing.assert_allclose(grads[name], v.grad.numpy(), rtol=1e-8, atol=1e-12, err_msg=name)


def test_each_forward_and_sweep_owns_its_arrays():
    net = Network.create("lstm", 3, 4, 2, seed=0)
    X, D, mask, s0 = make_data(net, 5, 2, np.random.default_rng(0))
    first = net.forward(X, s0)
    kept = {k: getattr(first, k).copy() for k in ("s", "a", "z", "y", "c")}
    gates = {k: v.copy() for k, v in first.gates.items()}
    sweep = net.sweep(first, D, mask).run()
    dE_ds = sweep.dE_ds.copy()
    net.forward(X * 2.0, -s0)
    net.sweep(net.forward(X[::-1].copy()), D, mask).run()
    for k, v in kept.items():
        np.testing.assert_array_equal(getattr(first, k), v)
    for k, v in gates.items():
        np.testing.assert_array_equal(first.gates[k], v)
    np.testing.assert_array_equal(sweep.dE_ds, dE_ds)


def test_alloc_block_gives_separate_contiguous_views():
    from rnnsim.engine.workspace import alloc_block

    for size in (3, 200_000):  # below and above the padding threshold
        bufs = alloc_block({"a": (size, 2), "b": (4,), "c": (2, 3, 5)}, np.float32)
        assert [v.shape for v in bufs.values()] == [(size, 2), (4,), (2, 3, 5)]
        assert all(v.flags.c_contiguous and v.dtype == np.float32 for v in bufs.values())
        for i, v in enumerate(bufs.values()):
            v[...] = i
        assert [float(v.mean()) for v in bufs.values()] == [0.0, 1.0, 2.0]


@pytest.mark.parametrize("cell", CELL_NAMES)
def test_an_exploding_network_gives_inf_or_nan_without_warnings(cell):
    import warnings

    net = Network.create(
        cell, 2, 8, 2, activation="relu", output="linear", loss="mse", ws_scale=60.0, seed=0
    )
    X = np.abs(np.random.default_rng(0).normal(size=(400, 1, 2))) + 1.0
    D = np.zeros((400, 1, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss, grads = net.loss_and_grads(X, D)
        sweep = net.sweep(net.forward(X), D)
        sweep.step()
        sweep.run()
        G = net.gradient_flow(X, D)
    if cell == "elman":  # the gated cells' convex updates keep these states finite
        assert not np.isfinite(loss)
    assert G.shape == (400, 401)
    assert set(grads) == set(net.params)
