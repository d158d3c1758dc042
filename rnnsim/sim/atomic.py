"""Atomic file writes: a temporary file beside the target, then ``os.replace``.

The one place where rnnsim writes a file that must never be seen half-written (saved states,
experiments, exports, the files of ``rnnsim train``). A reader sees either the old file or the
new one; a failure at any point (an exception, a full disk, Ctrl-C) removes the temporary file
and leaves the old file as it was. The new file gets the mode any other file would get under
the process's umask (``mkstemp`` alone would make it 0600).
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Iterator

#: Temporary files are named ``.<name>.<random><TEMP_SUFFIX>`` in the target's folder.
TEMP_SUFFIX = ".tmp"
_TEMP = re.compile(r"^\.(?P<target>.+)\.[a-z0-9_]+\.tmp$")


def umask_mode(base: int = 0o666) -> int:
    """The mode a new file gets from ``open()`` under the current umask."""
    mask = os.umask(0)
    os.umask(mask)
    return base & ~mask


@contextlib.contextmanager
def atomic_path(path, *, fsync: bool = True) -> Iterator[str]:
    """Yield a temporary path beside ``path``; move it onto ``path`` if the block succeeds.

    The block writes the temporary file by name (``np.savez``, ``QImage.save``, ...). On any
    exception the temporary file is removed and the exception propagates; an ``OSError`` that
    names no file, or the temporary one, is made to name ``path`` (a full disk or a file-size
    limit would otherwise say "File too large" without saying which file).
    """
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(
            prefix=f".{os.path.basename(path)}.", suffix=TEMP_SUFFIX, dir=folder
        )
    except OSError as exc:
        exc.filename = path
        raise
    os.close(fd)
    try:
        yield tmp
        if fsync:
            _fsync(tmp)
        os.chmod(tmp, umask_mode())
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.remove(tmp)
        if isinstance(exc, OSError) and exc.strerror and exc.filename in (None, tmp):
            exc.filename = path
        raise


def remove_stale(path, older_than: float, others: tuple[str, ...] = ()) -> list[str]:
    """Remove temporary files that killed writes left beside ``path``.

    Those of ``path`` itself go when last modified before ``older_than`` (``time.time()``;
    a newer one is a write still under way). With ``others`` (file name endings such as
    ``(".npz",)``), those of any other file of the folder with such an ending go too, when
    that file is newer than them: a later write of it has finished since. Returns the names
    removed.
    """
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    mine = os.path.basename(path)
    removed: list[str] = []
    try:
        names = os.listdir(folder)
    except OSError:
        return removed
    for name in names:
        m = _TEMP.match(name)
        if m is None or not (m["target"] == mine or (others and m["target"].endswith(others))):
            continue
        full = os.path.join(folder, name)
        with contextlib.suppress(OSError):
            when = os.stat(full).st_mtime
            if m["target"] == mine:
                stale = when < older_than
            else:
                stale = when < os.stat(os.path.join(folder, m["target"])).st_mtime
            if stale:
                os.remove(full)
                removed.append(name)
    return removed


def write_bytes(path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        f.write(data)


def write_text(path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    write_bytes(path, text.encode("utf-8"))


def _fsync(path: str) -> None:
    with open(path, "rb+") as f:
        os.fsync(f.fileno())
