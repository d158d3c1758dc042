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
import tempfile
from collections.abc import Iterator

#: Temporary files are named ``.<name>.<random><TEMP_SUFFIX>`` in the target's folder.
TEMP_SUFFIX = ".tmp"


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
        if isinstance(exc, OSError) and exc.filename in (None, tmp):
            exc.filename = path
        raise


def remove_stale(path, older_than: float) -> list[str]:
    """Remove temporary files of earlier writes to ``path`` (a process killed during a write
    leaves its temporary file behind) last modified before ``older_than`` (``time.time()``).

    Returns the names removed. Temporary files of writes still under way (newer) are kept.
    """
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    prefix = f".{os.path.basename(path)}."
    removed: list[str] = []
    try:
        names = os.listdir(folder)
    except OSError:
        return removed
    for name in names:
        if not (name.startswith(prefix) and name.endswith(TEMP_SUFFIX)):
            continue
        full = os.path.join(folder, name)
        with contextlib.suppress(OSError):
            if os.stat(full).st_mtime < older_than:
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
