"""Memory the engine reuses between training steps (not part of the lecture's math).

Why it exists, and why blocks are aligned and padded the way they are: docs/internals.md,
section "The workspace". A student reading BPTT can skip this file: ``get_block(None, ...)``
is just ``np.empty`` for every array of a block.
"""

from __future__ import annotations

import math
import threading
from contextlib import contextmanager

import numpy as np

_PAD_FROM = 2**19  # blocks from 512 KiB on get huge-page treatment
_HUGE = 2**21  # the transparent huge page size on x86-64
_MADVISE_FROM = 2**22  # NumPy asks for transparent huge pages for allocations from 4 MiB on
_ALIGN = 64  # every array of a block starts on a cache line


def alloc_block(shapes: dict, dtype) -> dict:
    """Uninitialised arrays of the given shapes, carved from one allocation.

    One allocation per block, aligned and padded (docs/internals.md, "The workspace").

    Parameters
    ----------
    shapes : dict str → tuple of int
    dtype : numpy dtype

    Returns
    -------
    dict str → ndarray
        C-contiguous, non-overlapping views of one buffer, in the order of ``shapes``.
    """
    dtype = np.dtype(dtype)
    return carve(alloc_flat(block_size(shapes, dtype), dtype), shapes)


def _padded(size: int, dtype: np.dtype) -> int:
    """``size`` elements rounded up to whole 64-byte lines."""
    per_line = _ALIGN // dtype.itemsize
    return -(-size // per_line) * per_line


def block_size(shapes: dict, dtype) -> int:
    """Number of elements of a block holding arrays of ``shapes`` (name → shape), padded."""
    dtype = np.dtype(dtype)
    return sum(_padded(math.prod(shape), dtype) for shape in shapes.values())


def alloc_flat(total: int, dtype: np.dtype) -> np.ndarray:
    """An uninitialised 1-D array of ``total`` elements on a 64-byte boundary (from 512 KiB
    on: on a 2 MiB boundary, in a buffer of at least 4 MiB)."""
    nbytes = total * dtype.itemsize
    align, nbytes = (
        (_ALIGN, nbytes + _ALIGN)
        if nbytes < _PAD_FROM
        else (_HUGE, max(nbytes + _HUGE, _MADVISE_FROM))
    )
    raw = np.empty(nbytes // dtype.itemsize, dtype=dtype)
    skip = (-raw.ctypes.data % align) // dtype.itemsize
    return raw[skip : skip + total]


def carve(flat: np.ndarray, shapes: dict) -> dict:
    """Consecutive C-contiguous views of ``flat`` (1-D, 64-byte aligned) with the given
    shapes, in order, each starting on a 64-byte boundary."""
    views, start = {}, 0
    for name, shape in shapes.items():
        size = math.prod(shape)
        views[name] = flat[start : start + size].reshape(shape)
        start += _padded(size, flat.dtype)
    return views


class Workspace:
    """Memory blocks a network keeps between calls whose arrays never reach the caller.

    ``Network.loss_and_grads`` and ``Network.gradient_flow`` build a Trace and a sweep that
    die when the call returns; drawing their arrays from here instead of fresh allocations
    spares the page faults of re-mapping several MB on every training step. One user at a
    time: ``claim()`` yields the workspace, or None while another call (another thread, or
    a nested call) holds it; the caller then allocates fresh blocks. Copies and pickles of a
    workspace are new, empty workspaces.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._flat = {}  # role → 1-D ndarray, reused while large enough and of the same dtype
        self._views = {}  # role → (shapes, dtype, flat, views, memo) of the last block handed out

    def __reduce__(self):
        return (Workspace, ())

    @contextmanager
    def claim(self):
        """Context manager yielding this workspace, or None when it is in use."""
        if not self._lock.acquire(blocking=False):
            yield None
            return
        try:
            yield self
        finally:
            self._lock.release()

    def block(self, role: str, shapes: dict, dtype) -> dict:
        """Like ``alloc_block``, but views of the block kept for ``role`` (grown when too small).

        The arrays of an earlier ``block(role, ...)`` call are overwritten by the next one.
        """
        dtype = np.dtype(dtype)
        last = self._views.get(role)
        if last is not None and last[0] == shapes and last[1] == dtype:
            return dict(last[3])  # the same arrays as last time (carving them costs ~10 µs)
        total = block_size(shapes, dtype)
        flat = self._flat.get(role)
        if flat is None or flat.dtype != dtype or flat.size < total:
            flat = self._flat[role] = alloc_flat(total, dtype)
        views = carve(flat[:total], shapes)
        self._views[role] = (dict(shapes), dtype, flat, views, {})
        return dict(views)

    def memo(self, role: str, name: str, key: tuple, make):
        """``make()``, kept with the block of ``role`` for as long as that block and ``key``
        (objects compared by identity) stay the same: per-frame views of the block's arrays,
        which cost ~0.2 µs each to slice, are made once instead of on every call."""
        memo = self._views[role][4]
        kept = memo.get(name)
        if kept is not None and len(kept[0]) == len(key):
            if all(a is b for a, b in zip(kept[0], key, strict=True)):
                return kept[1]
        value = make()
        memo[name] = (key, value)
        return value

    def release(self) -> None:
        """Drop the kept blocks (their memory returns to the allocator)."""
        self._flat.clear()
        self._views.clear()


def get_memo(workspace, role: str, name: str, key: tuple, make):
    """``workspace.memo(role, ...)`` when a workspace is given, else ``make()``."""
    if workspace is None:
        return make()
    return workspace.memo(role, name, key, make)


def get_block(workspace, role: str, shapes: dict, dtype) -> dict:
    """``workspace.block(role, ...)`` when a workspace is given, else ``alloc_block``."""
    if workspace is None:
        return alloc_block(shapes, dtype)
    return workspace.block(role, shapes, dtype)
