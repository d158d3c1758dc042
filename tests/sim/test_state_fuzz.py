"""Fuzz: random and mutated state files and experiment JSON always load correctly or are
refused cleanly (ValueError, the simulation unchanged); no other exception, ever."""

import io
import json
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rnnsim.sim import Experiment, Simulation

from .conftest import small
from .helpers import assert_same, assert_weights_equal, weights

TALLY = {"state files": [0, 0], "experiment JSON": [0, 0]}  # [tried, refused]
FUZZ = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _valid_state():
    sim = Simulation(small(update_every=2))
    sim.train(3)
    sim.step()
    sim.step()
    buf = io.BytesIO()
    from rnnsim.sim.persistence import _npz_bytes, state_arrays

    buf.write(_npz_bytes(state_arrays(sim)))
    return buf.getvalue()


VALID = _valid_state()
with zipfile.ZipFile(io.BytesIO(VALID)) as _z:
    MEMBERS = {i.filename: _z.read(i) for i in _z.infolist()}
NAMES = sorted(MEMBERS)


def _npy(array):
    buf = io.BytesIO()
    np.lib.format.write_array(buf, array, allow_pickle=False)
    return buf.getvalue()


def _zip(members, compression=zipfile.ZIP_STORED):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


FILLS = {
    "<f8": [0.0, -1.0, 1e300, np.nan, np.inf],
    "<f4": [0.0, 1.0, np.nan],
    ">f8": [0.0, 2.0],
    "<c16": [0j, 1j],
    "<i8": [0, -1, 2**40],
    "|b1": [False, True],
    "<u2": [0, 7],
}
arrays = st.one_of(
    st.sampled_from(sorted(FILLS)).flatmap(
        lambda kind: st.builds(
            lambda shape, fill: np.full(shape, fill, dtype=kind),
            st.lists(st.integers(0, 6), max_size=3).map(tuple),
            st.sampled_from(FILLS[kind]),
        )
    ),
    st.text(max_size=40).map(np.array),
)


@st.composite
def mutated_states(draw):
    """A valid state file changed in one of the ways a broken disk or an attacker would."""
    how = draw(
        st.sampled_from(
            [
                "truncate",
                "flip",
                "insert",
                "replace_member",
                "drop_member",
                "add_member",
                "experiment",
                "garbage",
                "deflate",
                "nested",
                "header",
            ]
        )
    )
    data = bytearray(VALID)
    if how == "truncate":
        return bytes(data[: draw(st.integers(0, len(data) - 1))])
    if how == "flip":
        for _ in range(draw(st.integers(1, 8))):
            i = draw(st.integers(0, len(data) - 1))
            data[i] ^= draw(st.integers(1, 255))
        return bytes(data)
    if how == "insert":
        i = draw(st.integers(0, len(data)))
        return bytes(data[:i]) + draw(st.binary(min_size=1, max_size=64)) + bytes(data[i:])
    if how == "garbage":
        return draw(st.binary(max_size=2000))
    members = dict(MEMBERS)
    name = draw(st.sampled_from(NAMES))
    if how == "replace_member":
        members[name] = _npy(draw(arrays))
    elif how == "drop_member":
        del members[name]
    elif how == "add_member":
        new = draw(
            st.sampled_from(
                [
                    "junk",
                    "param/Wz",
                    "history/metric/x",
                    "optim/m/Ws",
                    "stats/metric/y",
                    "good/updates",
                    "../evil",
                    "a" * 300,
                ]
            )
        )
        members[f"{new}.npy"] = _npy(draw(arrays))
    elif how == "nested":  # JSON text members nested deep (RecursionError, once)
        depth = draw(st.sampled_from([1, 5, 33, 2_000, 5_000, 100_000]))
        opening = draw(st.sampled_from(["[", '{"a":']))
        text = opening * depth + ("0" + "}" * depth if opening != "[" else "]" * depth)
        members[draw(st.sampled_from(["rng.npy", "experiment.npy"]))] = _npy(np.array(text))
    elif how == "header":  # a header declaring any shape, with a few bytes of data
        header = io.BytesIO()
        shape = tuple(draw(st.lists(st.integers(0, 10**12), max_size=3)))
        descr = draw(st.sampled_from(sorted(FILLS)))
        np.lib.format.write_array_header_1_0(
            header, {"descr": descr, "fortran_order": False, "shape": shape}
        )
        members[name] = header.getvalue() + draw(st.binary(max_size=64))
    elif how == "experiment":
        text = Experiment.from_json(str(np.load(io.BytesIO(MEMBERS["experiment.npy"]))))
        members["experiment.npy"] = _npy(np.array(draw(mutated_json(text.to_json()))))
    return _zip(members, zipfile.ZIP_DEFLATED if how == "deflate" else zipfile.ZIP_STORED)


def mutated_json(text):
    """Experiment JSON with characters replaced, inserted or deleted, or values swapped."""
    data = json.loads(text)
    json_values = st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
        lambda inner: (
            st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
        ),
        max_leaves=12,
    )

    @st.composite
    def build(draw):
        how = draw(st.sampled_from(["value", "chars", "random", "delete_key"]))
        if how == "value":
            key = draw(st.sampled_from(sorted(data)))
            return json.dumps({**data, key: draw(json_values)})
        if how == "delete_key":
            key = draw(st.sampled_from(sorted(data)))
            return json.dumps({k: v for k, v in data.items() if k != key})
        if how == "random":
            return json.dumps(draw(json_values))
        chars = list(text)
        for _ in range(draw(st.integers(1, 6))):
            i = draw(st.integers(0, len(chars) - 1))
            chars[i] = draw(st.sampled_from(list('{}[]",:0123456789.-eE ntfalsru\\')))
        return "".join(chars)

    return build()


@pytest.fixture(scope="module")
def target():
    sim = Simulation(small(n_hidden=4))
    sim.train(1)
    return sim


@pytest.mark.slow
@FUZZ
@given(data=mutated_states())
def test_mutated_state_files_load_or_are_refused_cleanly(tmp_path_factory, target, data):
    path = tmp_path_factory.mktemp("fuzz") / "state.npz"
    path.write_bytes(data)
    before, snap = weights(target), target.snapshot()
    TALLY["state files"][0] += 1
    try:
        target.load(path)
    except ValueError:
        TALLY["state files"][1] += 1
        assert_weights_equal(weights(target), before)
        assert_same(target.snapshot(), snap)
        return
    target.snapshot()  # a correct load: the simulation works on
    target.step()
    target.train(1)


@FUZZ
@given(text=st.one_of(mutated_json(small().to_json()), st.text(max_size=200)))
def test_mutated_experiment_json_loads_or_is_refused_cleanly(text):
    TALLY["experiment JSON"][0] += 1
    try:
        exp = Experiment.from_json(text)
    except ValueError:
        TALLY["experiment JSON"][1] += 1
        return
    assert Experiment.from_json(exp.to_json()) == exp


def test_zz_report_the_fuzz_tally(capsys):
    """Printed with ``pytest -s``: inputs tried and refused (the rest loaded correctly)."""
    with capsys.disabled():
        for what, (tried, refused) in TALLY.items():
            print(
                f"\nfuzz {what}: {tried} tried, {refused} refused, {tried - refused} loaded, "
                "0 failures"
            )
