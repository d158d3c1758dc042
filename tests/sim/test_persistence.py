"""Save and load: exact continuation, atomic writes, refusal of mismatched or corrupt files."""

import io
import json
import os
import struct
import zipfile

import numpy as np
import pytest

from rnnsim.sim import Experiment, Simulation, load_experiment, save_experiment

from .conftest import small
from .helpers import assert_same, assert_weights_equal, weights


@pytest.mark.parametrize("suffix", [".json", ".npz"])
@pytest.mark.parametrize(
    "changes", [{}, {"cell": "lstm", "update_every": 3, "optimizer": "momentum"}]
)
def test_save_load_and_continue_equals_never_saving(tmp_path, suffix, changes):
    """One state file; an old JSON + NPZ pair (same experiment) opens as well."""
    a = Simulation(small(**changes))
    a.train(5)
    for _ in range(3):  # mid-way through a sequence, with gradients pending for M = 3
        a.run_to_end()
    a.save(tmp_path / "run.npz")
    if suffix == ".json":
        save_experiment(a.experiment, tmp_path / "run.json")
    path = tmp_path / f"run{suffix}"
    b = Simulation(small(n_hidden=2, task=a.experiment.task))
    msg = b.load(path)
    assert "Loaded" in msg
    assert b.experiment == a.experiment
    assert_same(b.snapshot(), a.snapshot())
    for sim in (a, b):
        sim.run_to_end()
        sim.step()
        sim.train(4)
    assert_weights_equal(weights(b), weights(a))
    assert_same(b.snapshot().history, a.snapshot().history)
    assert sorted(os.listdir(tmp_path)) == sorted(
        {"run.json", "run.npz"} if suffix == ".json" else {"run.npz"}
    )


def test_experiment_json_round_trip_through_a_file(tmp_path):
    exp = small(title="mine", bptt_steps=2)
    save_experiment(exp, tmp_path / "e.json")
    assert load_experiment(tmp_path / "e.json") == exp
    (tmp_path / "bad.json").write_text('{"schema": 1, "n_hiden": 3}')
    with pytest.raises(ValueError, match=r"bad\.json: unknown experiment keys: n_hiden"):
        load_experiment(tmp_path / "bad.json")
    with pytest.raises(ValueError, match=r"missing\.json: cannot read"):
        load_experiment(tmp_path / "missing.json")


def test_json_without_weights_beside_it_initialises(tmp_path):
    save_experiment(small(n_hidden=4), tmp_path / "e.json")
    sim = Simulation(small())
    sim.train(2)
    assert "no saved weights" in sim.load(tmp_path / "e.json")
    assert sim.net.n_hidden == 4 and sim.updates == 0


def _assert_refused(sim, path, match):
    before, snap = weights(sim), sim.snapshot()
    with pytest.raises(ValueError, match=match):
        sim.load(path)
    assert_weights_equal(weights(sim), before)
    assert_same(sim.snapshot(), snap)


def test_mismatched_files_are_refused_and_change_nothing(tmp_path):
    a = Simulation(small(n_hidden=4))
    a.train(2)
    a.save(tmp_path / "a.npz")
    sim = Simulation(small())
    sim.train(1)
    sim.step()
    # an old pair: the experiment beside the weights says 6 hidden units, the weights have 4
    save_experiment(small(n_hidden=6), tmp_path / "a.json")
    _assert_refused(
        sim,
        tmp_path / "a.json",
        "a.json and a.npz do not belong together.*n_hidden is 6 in a.json but 4 in a.npz",
    )
    # another optimiser, another M, another knob: each named
    save_experiment(small(n_hidden=4, optimizer="rmsprop"), tmp_path / "a.json")
    _assert_refused(sim, tmp_path / "a.json", "optimizer is 'rmsprop' in a.json but 'adam'")
    save_experiment(small(n_hidden=4, update_every=2), tmp_path / "a.json")
    _assert_refused(sim, tmp_path / "a.json", "update_every is 2 in a.json but 1")
    save_experiment(small(n_hidden=4, knobs={"gap": 5}), tmp_path / "a.json")
    _assert_refused(sim, tmp_path / "a.json", "task.gap is 5 in a.json but")
    # weights that do not fit the experiment stored with them
    arrays = dict(np.load(tmp_path / "a.npz"))
    arrays["experiment"] = np.array(small(n_hidden=6).to_json(indent=None))
    np.savez(tmp_path / "six.npz", **arrays)
    n_in = sim.task.n_in
    _assert_refused(
        sim, tmp_path / "six.npz", rf"six.npz: refused.*param/Wx.*\({n_in}, 4\).*\({n_in}, 6\)"
    )
    # a weight array renamed
    arrays = dict(np.load(tmp_path / "a.npz"))
    arrays["param/Wz"] = arrays.pop("param/Wx")
    np.savez(tmp_path / "renamed.npz", **arrays)
    _assert_refused(sim, tmp_path / "renamed.npz", "unknown member 'param/Wz'")
    # a NaN weight
    arrays = dict(np.load(tmp_path / "a.npz"))
    arrays["param/Ws"] = arrays["param/Ws"].copy()
    arrays["param/Ws"][0, 0] = np.nan
    np.savez(tmp_path / "nan.npz", **arrays)
    _assert_refused(sim, tmp_path / "nan.npz", "Ws: contain NaN")
    # not an rnnsim file at all
    np.savez(tmp_path / "other.npz", x=np.zeros(3))
    _assert_refused(sim, tmp_path / "other.npz", "not an rnnsim state file")


def test_corrupt_and_truncated_files_are_refused_and_change_nothing(tmp_path):
    a = Simulation(small())
    a.train(2)
    a.save(tmp_path / "a.npz")
    data = (tmp_path / "a.npz").read_bytes()
    sim = Simulation(small())
    sim.step()
    (tmp_path / "trunc.npz").write_bytes(data[: len(data) // 2])
    _assert_refused(sim, tmp_path / "trunc.npz", "trunc.npz: not a readable")
    flipped = bytearray(data)
    flipped[_payload_offset(data, "param/Ws.npy") + 140] ^= 0xFF  # a byte of W_s itself
    (tmp_path / "flip.npz").write_bytes(bytes(flipped))
    _assert_refused(sim, tmp_path / "flip.npz", "flip.npz: not a readable.*CRC")
    (tmp_path / "empty.npz").write_bytes(b"")
    _assert_refused(sim, tmp_path / "empty.npz", "not a readable")
    (tmp_path / "broken.json").write_text("{not json")
    _assert_refused(sim, tmp_path / "broken.json", "cannot parse")
    arrays = dict(np.load(tmp_path / "a.npz"))
    arrays["experiment"] = np.array(json.dumps({"schema": 2}))
    np.savez(tmp_path / "schema.npz", **arrays)
    _assert_refused(sim, tmp_path / "schema.npz", "schema: got 2")


def _payload_offset(data, member):
    """Offset in the NPZ bytes where ``member``'s stored data begins."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        offset = z.getinfo(member).header_offset
    name_len, extra_len = struct.unpack("<HH", data[offset + 26 : offset + 30])
    return offset + 30 + name_len + extra_len


def test_saving_is_atomic_and_never_pickles(tmp_path, monkeypatch):
    sim = Simulation(small())
    sim.save(tmp_path / "s.npz")
    good = (tmp_path / "s.npz").read_bytes()

    def failing_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", failing_replace)
    sim.train(1)
    with pytest.raises(OSError, match="disk full"):
        sim.save(tmp_path / "s.npz")
    assert (tmp_path / "s.npz").read_bytes() == good
    assert os.listdir(tmp_path) == ["s.npz"]
    with np.load(tmp_path / "s.npz", allow_pickle=False) as data:
        assert all(data[k].dtype != object for k in data.files)
    with pytest.raises(ValueError, match="path: got"):
        sim.save(tmp_path / "s.txt")
    with pytest.raises(ValueError, match=r"ending in \.npz.*Export experiment"):
        sim.save(tmp_path / "s.json")


def test_loaded_experiment_is_validated():
    with pytest.raises(ValueError, match="experiment JSON: cannot parse"):
        Experiment.from_json("{")
