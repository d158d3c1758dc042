"""One file, one state; bounded, validated loads (issue 12: one test per defect)."""

import io
import json
import os
import subprocess
import sys
import time
import zipfile

import numpy as np
import pytest

from rnnsim.sim import Simulation, save_experiment
from rnnsim.sim.persistence import read_state

from .conftest import small
from .helpers import assert_same, assert_weights_equal, weights


def _refused(sim, path, match):
    before, snap = weights(sim), sim.snapshot()
    with pytest.raises(ValueError, match=match):
        sim.load(path)
    assert_weights_equal(weights(sim), before)
    assert_same(sim.snapshot(), snap)


def _arrays(path):
    with np.load(path) as data:
        return {k: data[k] for k in data.files}


def _npy(array):
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.asanyarray(array), allow_pickle=False)
    return buf.getvalue()


@pytest.fixture
def saved(tmp_path):
    sim = Simulation(small())
    sim.train(2)
    sim.save(tmp_path / "run.npz")
    return tmp_path / "run.npz"


def test_an_old_pair_with_only_lr_changed_is_refused_not_mixed(tmp_path, saved):
    """The silent mix of the report: new experiment (lr), old weights and update count."""
    save_experiment(small(lr=0.5), tmp_path / "run.json")
    sim = Simulation(small())
    _refused(
        sim,
        tmp_path / "run.json",
        r"run.json and run.npz do not belong together.*"
        r"lr is 0.5 in run.json but 0.01 in run.npz",
    )
    save_experiment(small(), tmp_path / "run.json")  # the matching pair opens
    assert sim.load(tmp_path / "run.json") == "Loaded run.json: 2 updates."


def test_an_old_pair_with_n_hidden_changed_names_the_field(tmp_path, saved):
    """The other half of the report: a pair that Open refused without saying why."""
    save_experiment(small(n_hidden=7), tmp_path / "run.json")
    _refused(
        Simulation(small()),
        tmp_path / "run.json",
        r"do not belong together.*n_hidden is 7 in run.json but 5 in run.npz",
    )


def test_a_header_declaring_a_huge_shape_is_refused_before_reading(tmp_path, saved):
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "<f8", "fortran_order": False, "shape": (10**6, 10**6)}
    )
    with zipfile.ZipFile(saved) as z:
        members = {i.filename: z.read(i) for i in z.infolist()}
    members["param/Ws.npy"] = header.getvalue() + b"\0" * 64
    with zipfile.ZipFile(tmp_path / "huge.npz", "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    sim = Simulation(small())
    _refused(
        sim,
        tmp_path / "huge.npz",
        r"huge.npz: refused.*'param/Ws': shape "
        r"\(1000000, 1000000\), expected \(5, 5\)",
    )


def test_an_unknown_member_is_refused_without_being_decompressed(tmp_path, saved, monkeypatch):
    big = np.zeros(20 * 2**20 // 8)  # 20 MiB of zeros, about 20 KiB compressed
    with zipfile.ZipFile(saved) as z:
        members = {i.filename: z.read(i) for i in z.infolist()}
    with zipfile.ZipFile(tmp_path / "extra.npz", "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
        z.writestr("junk.npy", _npy(big))
    assert (tmp_path / "extra.npz").stat().st_size < 2**20
    read = []
    original = np.lib.format.read_array
    monkeypatch.setattr(
        np.lib.format, "read_array", lambda f, **kw: read.append(1) or original(f, **kw)
    )
    sim = Simulation(small())
    _refused(sim, tmp_path / "extra.npz", r"extra.npz: refused.*unknown member 'junk'")
    assert len(read) == 3  # format, schema and the experiment: nothing else


def test_a_member_longer_than_its_header_says_is_refused(tmp_path, saved):
    with zipfile.ZipFile(saved) as z:
        members = {i.filename: z.read(i) for i in z.infolist()}
    members["param/Ws.npy"] += b"\0" * 4096
    with zipfile.ZipFile(tmp_path / "long.npz", "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    _refused(Simulation(small()), tmp_path / "long.npz", r"'param/Ws': \d+ bytes stored")


def test_json_nested_200000_deep_is_a_clean_refusal(tmp_path):
    (tmp_path / "deep.json").write_text("[" * 200_000 + "]" * 200_000)
    _refused(Simulation(small()), tmp_path / "deep.json", "nested more than 32 levels")
    (tmp_path / "big.json").write_bytes(b" " * (17 * 2**20))
    _refused(Simulation(small()), tmp_path / "big.json", "bytes, at most")


@pytest.mark.parametrize(
    ("rng", "match"),
    [
        ("[" * 100_000 + "]" * 100_000, "member 'rng': 200000 characters, at most 10000"),
        ("[" * 4000 + "]" * 4000, "rng: nested more than 4 levels deep"),
        ('{"bit_generator": "PCG64", "state": 5}', "refused"),
    ],
)
def test_a_generator_state_nested_deep_is_a_clean_refusal(tmp_path, saved, rng, match):
    """It ended in RecursionError: JSON inside the state file is read within bounds too."""
    arrays = _arrays(saved)
    arrays["rng"] = np.array(rng)
    np.savez(tmp_path / "bad.npz", **arrays)
    _refused(Simulation(small()), tmp_path / "bad.npz", match)


@pytest.mark.parametrize(
    ("key", "value", "match"),
    [
        ("optim/m/Ws", np.nan, "optim/m/Ws: contains NaN or Inf"),
        ("optim/v/Wx", -1e-3, "optim/v/Wx: has negative entries"),
        ("good/optim/v/Wy", -1.0, "v/Wy: has negative entries"),
        ("accum/M", np.inf, "refused"),
    ],
)
def test_nan_or_negative_optimiser_slots_are_refused(tmp_path, saved, key, value, match):
    arrays = _arrays(saved)
    if key.startswith("good/") and key not in arrays:
        pytest.fail("the saved state has a rollback checkpoint after 2 updates")
    arrays[key] = np.full_like(arrays[key], value)
    np.savez(tmp_path / "bad.npz", **arrays)
    _refused(Simulation(small()), tmp_path / "bad.npz", match)


def test_wrong_dtypes_and_pickled_objects_are_refused(tmp_path, saved):
    arrays = _arrays(saved)
    arrays["param/Ws"] = arrays["param/Ws"].astype(np.float32)
    np.savez(tmp_path / "f32.npz", **arrays)
    _refused(
        Simulation(small()), tmp_path / "f32.npz", "'param/Ws': dtype float32, expected float64"
    )
    arrays = _arrays(saved)
    with zipfile.ZipFile(tmp_path / "obj.npz", "w") as z:
        for name, value in arrays.items():
            z.writestr(f"{name}.npy", _npy(value))
        buf = io.BytesIO()
        np.lib.format.write_array(buf, np.array([{"x": 1}], dtype=object), allow_pickle=True)
        z.writestr("history/metric/other.npy", buf.getvalue())
    _refused(Simulation(small()), tmp_path / "obj.npz", "dtype object, expected float")


def test_stale_temporary_files_are_removed_by_the_next_save(tmp_path, saved):
    old = tmp_path / ".run.npz.k1ll3d.tmp"
    old.write_bytes(b"x" * 1000)
    os.utime(old, (time.time() - 60, time.time() - 60))
    newer = tmp_path / ".run.npz.wr1t1ng.tmp"  # another save still under way
    newer.write_bytes(b"y")
    os.utime(newer, (time.time() + 60, time.time() + 60))
    other = tmp_path / ".other.npz.k1ll3d.tmp"  # another state file's, never saved since
    other.write_bytes(b"z")
    os.utime(other, (time.time() - 60, time.time() - 60))
    (tmp_path / "done.npz").write_bytes(b"saved after the kill")
    done = tmp_path / ".done.npz.k1ll3d.tmp"  # done.npz has been saved since: stale
    done.write_bytes(b"z")
    os.utime(done, (time.time() - 60, time.time() - 60))
    (tmp_path / "export.png").write_bytes(b"not a state file")
    png = tmp_path / ".export.png.k1ll3d.tmp"  # not a state save's: left to its writer
    png.write_bytes(b"z")
    os.utime(png, (time.time() - 60, time.time() - 60))
    Simulation(small()).save(saved)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [
            ".export.png.k1ll3d.tmp",
            ".other.npz.k1ll3d.tmp",
            ".run.npz.wr1t1ng.tmp",
            "done.npz",
            "export.png",
            "run.npz",
        ]
    )


def test_state_files_get_the_umask_mode(tmp_path):
    old = os.umask(0o022)
    try:
        Simulation(small()).save(tmp_path / "a.npz")
    finally:
        os.umask(old)
    assert (tmp_path / "a.npz").stat().st_mode & 0o777 == 0o644


SAVE_UNDER_LIMIT = """
import resource, signal, sys
from rnnsim.sim import Experiment, Simulation
sim = Simulation(Experiment(n_hidden=64, batch_size=4))
sim.train(1)
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))
try:
    sim.save(sys.argv[1])
except OSError as exc:
    print("failed:", exc.strerror, exc.filename)
"""


def test_a_save_that_fails_midway_keeps_the_old_file_and_no_temporary(tmp_path, saved):
    """The file-size limit of the report: the write fails halfway through."""
    before = saved.read_bytes()
    out = subprocess.run(
        [sys.executable, "-c", SAVE_UNDER_LIMIT, str(saved)],
        text=True,
        capture_output=True,
        timeout=60,
        check=True,
    ).stdout
    assert out == f"failed: File too large {saved}\n"  # the target named, not a temporary
    assert saved.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["run.npz"]


def test_read_state_returns_the_stored_experiment(saved):
    experiment, arrays = read_state(saved)
    assert experiment == small()
    assert int(arrays["updates"]) == 2
    assert json.loads(str(arrays["rng"][()]))["bit_generator"] == "PCG64"
