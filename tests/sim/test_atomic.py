"""``rnnsim.sim.atomic``: the one atomic-write helper."""

import os

import pytest

from rnnsim.sim import atomic


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "state.npz"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic.atomic_path(target) as tmp:
        with open(tmp, "wb") as f:
            f.write(b"half")
        raise RuntimeError("disk full")
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.npz"]


def test_a_write_replaces_the_file_with_the_umask_mode(tmp_path):
    target = tmp_path / "state.npz"
    old = os.umask(0o027)
    try:
        atomic.write_bytes(target, b"new")
    finally:
        os.umask(old)
    assert target.read_bytes() == b"new"
    assert target.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.npz"]


def test_write_text_is_utf8(tmp_path):
    atomic.write_text(tmp_path / "a.txt", "s_t = Φ(x_t·W_x)")
    assert (tmp_path / "a.txt").read_text(encoding="utf-8") == "s_t = Φ(x_t·W_x)"


def test_a_failed_write_names_the_target_not_the_temporary(tmp_path):
    """ "File too large" or "Read-only file system: .a.gif.x1y2.tmp" said which file badly."""
    target = tmp_path / "state.npz"
    with pytest.raises(OSError) as failed, atomic.atomic_path(target):
        raise OSError(27, "File too large")  # os.write under RLIMIT_FSIZE names no file
    assert failed.value.filename == str(target)
    with pytest.raises(OSError) as failed, atomic.atomic_path(tmp_path / "no" / "a.gif"):
        pass
    assert failed.value.filename == str(tmp_path / "no" / "a.gif")
    assert sorted(p.name for p in tmp_path.iterdir()) == []
