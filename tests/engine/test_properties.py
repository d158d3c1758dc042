"""Property tests over small random networks: shapes, float32 vs float64, determinism."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnsim.engine import Network

from .cases import ACTIVATION_NAMES, CELL_NAMES, OUTPUT_LOSSES, make_data

GATES = {"elman": (), "feedforward": (), "lstm": ("i", "f", "o", "g"), "gru": ("z", "r", "n")}
BLOCKS = {"elman": 1, "lstm": 4, "gru": 3, "feedforward": 1}

cases = st.fixed_dictionaries(
    {
        "cell": st.sampled_from(CELL_NAMES),
        "activation": st.sampled_from(ACTIVATION_NAMES),
        "output_loss": st.sampled_from(OUTPUT_LOSSES),
        "T": st.integers(1, 6),
        "B": st.integers(1, 3),
        "n_in": st.integers(1, 4),
        "H": st.integers(1, 5),
        "n_out": st.integers(1, 3),
        "bptt": st.one_of(st.none(), st.integers(1, 8)),
        "seed": st.integers(0, 2**16),
    }
)


def build(c, dtype="float64"):
    output, loss = c["output_loss"]
    net = Network.create(
        c["cell"],
        c["n_in"],
        c["H"],
        c["n_out"],
        activation=c["activation"],
        output=output,
        loss=loss,
        seed=c["seed"],
        dtype=dtype,
    )
    data = make_data(net, c["T"], c["B"], np.random.default_rng(c["seed"]))
    return net, data


@settings(max_examples=150, deadline=None)
@given(cases)
def test_shapes_of_everything(c):
    net, (X, D, mask, s0) = build(c)
    T, B, H, n_out = c["T"], c["B"], c["H"], c["n_out"]
    G = BLOCKS[c["cell"]] * H
    tr = net.forward(X, s0)
    assert tr.X.shape == (T, B, c["n_in"]) and tr.s.shape == (T + 1, B, H)
    assert tr.a.shape == (T, B, G)
    assert tr.z.shape == tr.y.shape == (T, B, n_out)
    assert tuple(tr.gates) == GATES[c["cell"]]
    assert all(g.shape == (T, B, H) for g in tr.gates.values())
    assert (tr.c.shape == (T + 1, B, H)) if c["cell"] == "lstm" else tr.c is None
    assert net.losses(tr, D, mask).shape == (T, B)
    sweep = net.sweep(tr, D, mask, bptt_steps=c["bptt"]).run()
    assert sweep.dE_ds.shape == (T + 1, B, H) and sweep.dA.shape == (T, B, G)
    loss, grads = net.loss_and_grads(X, D, mask, s0, bptt_steps=c["bptt"])
    assert isinstance(loss, float) and np.isfinite(loss)
    assert list(grads) == list(net.params)
    assert all(
        grads[k].shape == v.shape and grads[k].dtype == v.dtype for k, v in net.params.items()
    )
    flow = net.gradient_flow(X, D, mask, s0)
    assert flow.shape == (T, T + 1)
    assert np.all(flow[np.triu_indices(T, k=2, m=T + 1)] == 0.0)


@settings(max_examples=150, deadline=None)
@given(cases)
def test_float32_agrees_with_float64(c):
    n64, data = build(c)
    n32, _ = build(c, "float32")
    for k in n64.params:
        np.testing.assert_array_equal(n32.params[k], n64.params[k].astype(np.float32))
    data32 = [v.astype(np.float32) for v in data]
    tr64, tr32 = n64.forward(data[0], data[3]), n32.forward(data32[0], data32[3])
    np.testing.assert_allclose(tr32.s, tr64.s, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(tr32.y, tr64.y, rtol=1e-4, atol=1e-5)
    l64, g64 = n64.loss_and_grads(*data, bptt_steps=c["bptt"])
    l32, g32 = n32.loss_and_grads(*data32, bptt_steps=c["bptt"])
    assert abs(l32 - l64) <= 1e-4 * max(1.0, abs(l64))
    for k in g64:
        scale = max(1.0, np.abs(g64[k]).max())
        np.testing.assert_allclose(g32[k], g64[k], rtol=1e-3, atol=1e-4 * scale)


@settings(max_examples=80, deadline=None)
@given(cases)
def test_same_seed_gives_the_same_numbers(c):
    net_a, (X, D, mask, s0) = build(c)
    net_b, data_b = build(c)
    for a, b in zip((X, D, mask, s0), data_b, strict=True):
        np.testing.assert_array_equal(a, b)
    for k in net_a.params:
        np.testing.assert_array_equal(net_a.params[k], net_b.params[k])
    la, ga = net_a.loss_and_grads(X, D, mask, s0, bptt_steps=c["bptt"])
    lb, gb = net_b.loss_and_grads(X, D, mask, s0, bptt_steps=c["bptt"])
    lc, gc = net_a.loss_and_grads(X, D, mask, s0, bptt_steps=c["bptt"])
    assert la == lb == lc
    for k in ga:
        np.testing.assert_array_equal(ga[k], gb[k])
        np.testing.assert_array_equal(ga[k], gc[k])
    np.testing.assert_array_equal(
        net_a.gradient_flow(X, D, mask, s0), net_b.gradient_flow(X, D, mask, s0)
    )
