"""The per-network workspace of loss_and_grads / gradient_flow, and the parameter check."""

import copy
import pickle
import threading

import numpy as np
import pytest

from rnnsim.engine import Network

from .cases import CELL_NAMES, make_data


def _fresh_loss_and_grads(net, X, D, mask, s0, bptt=None):
    sweep = net.sweep(net.forward(X, s0), D, mask, bptt_steps=bptt).run()
    return sweep.loss, sweep.grads()


def _assert_same(result, expected):
    assert result[0] == expected[0]
    assert result[1].keys() == expected[1].keys()
    for name, g in expected[1].items():
        np.testing.assert_array_equal(result[1][name], g)


def _snapshot(trace):
    arrays = {k: getattr(trace, k).copy() for k in ("X", "s", "a", "z", "y")}
    if trace.c is not None:
        arrays["c"] = trace.c.copy()
    arrays.update({f"gate {k}": v.copy() for k, v in trace.gates.items()})
    arrays.update({f"cache {k}": v.copy() for k, v in trace.cache.items()})
    return arrays


def _assert_trace_is(trace, arrays):
    now = _snapshot(trace)
    assert now.keys() == arrays.keys()
    for k, v in arrays.items():
        np.testing.assert_array_equal(now[k], v, err_msg=k)


@pytest.mark.parametrize("cell", CELL_NAMES)
def test_a_kept_trace_and_sweep_survive_later_calls(cell):
    net = Network.create(cell, 3, 4, 2, seed=0)
    X, D, mask, s0 = make_data(net, 6, 3, np.random.default_rng(0))
    kept = net.forward(X, s0)
    arrays = _snapshot(kept)
    sweep = net.sweep(kept, D, mask).run()
    dE_ds, dA = sweep.dE_ds.copy(), sweep.dA.copy()
    X2, D2, mask2, s02 = make_data(net, 6, 3, np.random.default_rng(1))
    for _ in range(2):
        net.loss_and_grads(X2, D2, mask2, s02)
        net.gradient_flow(X2, D2, mask2, s02)
        net.forward(X2, s02)
    _assert_trace_is(kept, arrays)
    np.testing.assert_array_equal(sweep.dE_ds, dE_ds)
    np.testing.assert_array_equal(sweep.dA, dA)


@pytest.mark.parametrize("cell", CELL_NAMES)
def test_returned_gradients_are_not_overwritten_by_the_next_call(cell):
    net = Network.create(cell, 3, 5, 2, seed=1)
    X, D, mask, s0 = make_data(net, 7, 2, np.random.default_rng(2))
    loss, grads = net.loss_and_grads(X, D, mask, s0)
    kept = {k: v.copy() for k, v in grads.items()}
    net.loss_and_grads(X * -1.5, D, mask, -s0)
    net.gradient_flow(X * 2.0, D, mask, s0)
    _assert_same((loss, grads), (loss, kept))


@pytest.mark.parametrize("cell", CELL_NAMES)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_repeated_calls_stay_bit_identical_to_forward_and_sweep(cell, dtype):
    net = Network.create(cell, 3, 4, 3, seed=2, dtype=dtype)
    rng = np.random.default_rng(3)
    # T and B change from call to call: the workspace grows, then serves smaller calls
    for T, B, bptt in [(5, 2, None), (9, 3, 2), (4, 1, None), (9, 3, 4), (5, 2, 1)]:
        X, D, mask, s0 = make_data(net, T, B, rng)
        expected = _fresh_loss_and_grads(net, X, D, mask, s0, bptt)
        _assert_same(net.loss_and_grads(X, D, mask, s0, bptt_steps=bptt), expected)
        _assert_same(net.loss_and_grads(X, D, mask, s0, bptt_steps=bptt), expected)


@pytest.mark.parametrize("cell", CELL_NAMES)
def test_return_y_gives_the_forward_outputs_and_the_same_gradients(cell):
    net = Network.create(cell, 3, 4, 3, seed=4)
    X, D, mask, s0 = make_data(net, 6, 2, np.random.default_rng(5))
    loss, grads, y = net.loss_and_grads(X, D, mask, s0, return_y=True)
    _assert_same((loss, grads), _fresh_loss_and_grads(net, X, D, mask, s0, None))
    assert np.array_equal(y, net.forward(X, s0).y)
    net.loss_and_grads(X * 3.0, D, mask, s0, return_y=True)  # y is not the workspace's array
    assert np.array_equal(y, net.forward(X, s0).y)


@pytest.mark.parametrize("cell", CELL_NAMES)
def test_gradient_flow_is_the_same_with_and_without_the_workspace(cell):
    net = Network.create(cell, 2, 4, 2, seed=4)
    X, D, mask, s0 = make_data(net, 6, 2, np.random.default_rng(4))
    with net._workspace.claim() as ws:
        assert ws is net._workspace
        fresh = net.gradient_flow(X, D, mask, s0)  # workspace busy: fresh arrays
        assert net._workspace._flat == {}
    np.testing.assert_array_equal(net.gradient_flow(X, D, mask, s0), fresh)
    np.testing.assert_array_equal(net.gradient_flow(X, D, mask, s0), fresh)


def test_the_workspace_is_reused_and_grown_only_when_too_small():
    net = Network.create("elman", 2, 8, 2, seed=5)
    rng = np.random.default_rng(5)
    net.loss_and_grads(*make_data(net, 10, 4, rng))
    flats = dict(net._workspace._flat)
    assert set(flats) == {"forward", "sweep"}
    net.loss_and_grads(*make_data(net, 10, 4, rng))
    net.loss_and_grads(*make_data(net, 3, 2, rng))
    assert all(net._workspace._flat[k] is v for k, v in flats.items())
    net.loss_and_grads(*make_data(net, 11, 4, rng))
    assert all(net._workspace._flat[k].size > v.size for k, v in flats.items())


def test_a_busy_workspace_falls_back_to_fresh_arrays():
    net = Network.create("gru", 3, 4, 2, seed=6)
    X, D, mask, s0 = make_data(net, 5, 2, np.random.default_rng(6))
    expected = _fresh_loss_and_grads(net, X, D, mask, s0)
    net.loss_and_grads(X, D, mask, s0)
    held = {k: v.copy() for k, v in net._workspace._flat.items()}
    with net._workspace.claim() as ws:
        with net._workspace.claim() as inner:
            assert ws is net._workspace and inner is None
        _assert_same(
            net.loss_and_grads(X * 3.0, D, mask, s0),
            _fresh_loss_and_grads(net, X * 3.0, D, mask, s0),
        )
        for k, v in held.items():
            np.testing.assert_array_equal(net._workspace._flat[k], v)
    _assert_same(net.loss_and_grads(X, D, mask, s0), expected)


def test_concurrent_calls_from_two_threads_are_each_correct():
    net = Network.create("lstm", 3, 6, 3, seed=7)
    rng = np.random.default_rng(7)
    batches = [make_data(net, 8, 4, rng) for _ in range(2)]
    expected = [_fresh_loss_and_grads(net, *b) for b in batches]
    results, errors = [[], []], []

    def work(i):
        try:
            for _ in range(30):
                results[i].append(net.loss_and_grads(*batches[i]))
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors
    for i in range(2):
        assert len(results[i]) == 30
        for r in results[i]:
            _assert_same(r, expected[i])


@pytest.mark.parametrize("clone", [copy.deepcopy, lambda n: pickle.loads(pickle.dumps(n))])
def test_copies_and_pickles_get_their_own_empty_workspace(clone):
    net = Network.create("elman", 2, 3, 2, seed=8)
    X, D, mask, s0 = make_data(net, 4, 2, np.random.default_rng(8))
    expected = net.loss_and_grads(X, D, mask, s0)
    twin = clone(net)
    assert twin._workspace is not net._workspace and twin._workspace._flat == {}
    _assert_same(twin.loss_and_grads(X, D, mask, s0), expected)
    assert net.copy()._workspace._flat == {}


def _calls(net, X, D):
    return {
        "forward": lambda: net.forward(X),
        "loss": lambda: net.loss(X, D),
        "loss_and_grads": lambda: net.loss_and_grads(X, D),
        "gradient_flow": lambda: net.gradient_flow(X, D),
    }


@pytest.mark.parametrize("call", ["forward", "loss", "loss_and_grads", "gradient_flow", "sweep"])
@pytest.mark.parametrize(
    "name, bad, got",
    [
        ("Ws", lambda p: p["Ws"].astype(np.float64), r"shape \(3, 12\) dtype float64"),
        ("Wx", lambda p: p["Wx"][:, :-1].copy(), r"shape \(3, 11\) dtype float32"),
        ("bs", lambda p: p["bs"][None], r"shape \(1, 12\)"),
        ("by", lambda p: p["by"].tolist(), r"list"),
    ],
)
def test_a_replaced_parameter_of_the_wrong_dtype_or_shape_is_named(call, name, bad, got):
    net = Network.create("lstm", 3, 3, 2, seed=9, dtype="float32")
    X, D, _, _ = make_data(net, 4, 2, np.random.default_rng(9))
    trace = net.forward(X)
    net.params[name] = bad(net.params)
    run = (lambda: net.sweep(trace, D)) if call == "sweep" else _calls(net, X, D)[call]
    with pytest.raises(
        ValueError,
        match=rf"params\['{name}'\]: got {got}.*expected an ndarray "
        rf"of shape .* and dtype float32",
    ):
        run()


def test_missing_or_extra_parameters_are_named():
    net = Network.create("elman", 2, 3, 2, seed=10)
    X, D, _, _ = make_data(net, 3, 1, np.random.default_rng(10))
    good = dict(net.params)
    del net.params["Wy"]
    with pytest.raises(
        ValueError,
        match=r"params: got \['Ws', 'Wx', 'bs', 'by'\], expected "
        r"a dict with the keys \['Ws', 'Wx', 'Wy', 'bs', 'by'\]",
    ):
        net.loss_and_grads(X, D)
    net.params = {**good, "extra": np.zeros(2)}
    with pytest.raises(ValueError, match=r"params: got .*'extra'"):
        net.forward(X)
    net.params = None
    with pytest.raises(ValueError, match=r"params: got NoneType"):
        net.gradient_flow(X, D)


def test_parameters_replaced_correctly_are_used():
    net = Network.create("elman", 2, 3, 2, seed=11)
    X, D, mask, s0 = make_data(net, 4, 2, np.random.default_rng(11))
    before = net.loss_and_grads(X, D, mask, s0)
    other = Network.create("elman", 2, 3, 2, seed=12)
    net.params = {k: v.copy() for k, v in other.params.items()}
    _assert_same(net.loss_and_grads(X, D, mask, s0), other.loss_and_grads(X, D, mask, s0))
    assert net.loss_and_grads(X, D, mask, s0)[0] != before[0]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_blocks_fresh_or_kept_start_every_array_on_a_cache_line(dtype):
    from rnnsim.engine.workspace import Workspace, alloc_block

    shapes = {"a": (3, 5), "b": (7,), "c": (2, 3, 1), "d": (300_000,)}
    ws = Workspace()
    for bufs in (
        alloc_block(shapes, dtype),
        ws.block("r", shapes, dtype),
        ws.block("r", {k: shapes[k] for k in "cab"}, dtype),
    ):
        assert all(v.ctypes.data % 64 == 0 and v.flags.c_contiguous for v in bufs.values())
        for i, v in enumerate(bufs.values()):
            v[...] = i
        assert [float(v.mean()) for v in bufs.values()] == list(range(len(bufs)))
    assert ws._flat["r"].ctypes.data % 2**21 == 0  # a large block: on a huge page
