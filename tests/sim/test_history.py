"""HistoryBuffer: the NumPy columns behind frozen() always match its rows."""

import numpy as np
import pytest

from rnnsim.sim.history import HistoryBuffer


def reference(rows):
    """What frozen() must give: every row's values, NaN where a row lacks a key."""
    metric_names = list(dict.fromkeys(k for r in rows for k in r[2]))
    param_names = list(dict.fromkeys(k for r in rows for k in r[3]))
    return {
        "update": [r[0] for r in rows],
        "loss": [r[1] for r in rows],
        "global_norm": [r[4] for r in rows],
        "clipped": [r[5] for r in rows],
        **{f"m/{k}": [r[2].get(k, np.nan) for r in rows] for k in metric_names},
        **{f"g/{k}": [r[3].get(k, np.nan) for r in rows] for k in param_names},
    }


def check(buf):
    h = buf.frozen()
    got = {
        "update": h.update,
        "loss": h.loss,
        "global_norm": h.global_norm,
        "clipped": h.clipped,
        **{f"m/{k}": v for k, v in h.metrics.items()},
        **{f"g/{k}": v for k, v in h.grad_norms.items()},
    }
    want = reference(list(buf.rows))
    assert sorted(got) == sorted(want)
    for k, v in want.items():
        np.testing.assert_array_equal(got[k], np.array(v, dtype=got[k].dtype), err_msg=k)
        assert not got[k].flags.writeable


def random_row(rng, update):
    metrics = {k: float(rng.normal()) for k in ("acc", "bits") if rng.random() < 0.6}
    norms = {k: float(rng.random()) for k in ("Wx", "Ws") if rng.random() < 0.9}
    return (
        update,
        float(rng.normal()),
        metrics,
        norms,
        float(rng.random()),
        bool(rng.random() < 0.3),
    )


@pytest.mark.parametrize("limit", [0, 1, 3, 7])
def test_frozen_matches_rows_through_appends_drops_undo_and_restores(limit):
    rng = np.random.default_rng(limit)
    buf, update = HistoryBuffer(limit), 0
    for _ in range(300):
        op = rng.random()
        if op < 0.7:
            update += 1
            dropped = buf.append(*random_row(rng, update))
            if len(buf) and rng.random() < 0.1:
                buf.pop(dropped)
                update -= 1
        elif op < 0.8 and len(buf):
            update = buf.rows[-1][0] - int(rng.integers(0, 3))
            buf.truncate(update)
        elif op < 0.9:
            saved = list(buf.rows)  # as Simulation's undo does
            buf.rows.clear()
            buf.rows.extend(saved)
        elif op < 0.93:
            buf.clear()
        check(buf)


@pytest.mark.parametrize(("limit", "seed"), [(1, 0), (5, 1), (20, 2), (64, 3)])
def test_columns_catch_up_with_many_appends_between_freezes(limit, seed):
    """Training appends thousands of rows between two snapshots: the columns take them (and
    the rows they pushed out) in one step, or are rebuilt when more than ``limit`` waited."""
    rng = np.random.default_rng(seed)
    buf, update = HistoryBuffer(limit), 0
    for _ in range(60):
        for _ in range(int(rng.integers(0, 3 * limit + 2))):
            update += 1
            buf.append(*random_row(rng, update))
        if rng.random() < 0.1 and len(buf):
            buf.truncate(buf.rows[-1][0] - 1)
        check(buf)


def test_frozen_is_reused_until_a_change_and_copies_are_independent():
    buf = HistoryBuffer(4)
    buf.append(1, 0.5, {"acc": 1.0}, {"Ws": 2.0}, 2.0, False)
    first = buf.frozen()
    assert buf.frozen() is first
    for u in range(2, 12):
        buf.append(u, 0.1 * u, {}, {"Ws": float(u)}, 1.0, True)
    later = buf.frozen()
    assert first.update.tolist() == [1] and first.metrics["acc"].tolist() == [1.0]
    assert later.update.tolist() == [8, 9, 10, 11]
    assert "acc" not in later.metrics  # its only row was dropped
    assert later.grad_norms["Ws"].tolist() == [8.0, 9.0, 10.0, 11.0]


def test_round_trip_through_arrays():
    rng = np.random.default_rng(5)
    buf = HistoryBuffer(50)
    for u in range(1, 80):
        buf.append(*random_row(rng, u))
    again = HistoryBuffer.from_arrays(buf.to_arrays(), limit=50)
    check(again)
    np.testing.assert_array_equal(again.frozen().loss, buf.frozen().loss)
