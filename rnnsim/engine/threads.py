"""How many BLAS threads a training step should use, and a way to use that many.

A recurrent network multiplies small matrices once per frame: split across two BLAS threads,
such a product spends more time handing work over (and, on a busy machine, waiting for the
other thread to be scheduled) than computing. Large products gain from every core. So:

    n = threads_for(net, B, T)            # 1 below the crossover, else all (decided once)
    with blas_threads(n):                 # around many steps (a training chunk), not one
        for batch in batches:
            net.loss_and_grads(...)

``threads_for`` depends on the shapes only (memoised per network shape). ``blas_threads``
sets NumPy's BLAS to ``n`` threads, never more than the caller had (a sweep's worker
processes keep their one thread), and restores the caller's setting when the last user
leaves. BLAS's thread count is a process-wide setting, so this module keeps the one piece
of process-wide state of the engine: who is inside ``blas_threads`` (several threads may
train at once, e.g. the window's worker and a comparison's). Setting it costs a few µs
(through threadpoolctl's controller, made once), so it belongs around chunks of steps.

The crossover, measured with ``benchmarks/bench_threads.py`` (table in benchmarks/README.md):
below ~2–4 million operations per frame one thread was at least as fast even on a quiet
machine; above ~4–8 million two threads won by up to 1.6× when quiet (and lost 2–70× when
another process wanted a core). ``CROSSOVER_FLOPS`` below.
"""

from __future__ import annotations

import functools
import threading
from contextlib import contextmanager
from typing import Any

__all__ = ["CROSSOVER_FLOPS", "blas_threads", "current_blas_threads", "threads_for"]

# A step's recurrent product per frame, s[t]·W_s: 2·B·H·G floating-point operations. Below
# this many, one BLAS thread is faster than two on the 2 cores measured (idle, and much more
# so under load); from it on, all of the caller's threads.
CROSSOVER_FLOPS = 4_000_000

_lock = threading.Lock()
_users: dict[int, int] = {}  # id of a blas_threads context → threads it asked for
_original: list[tuple[Any, int]] = []  # (library controller, its threads before the first)
_controller: list[Any] | None = None  # threadpoolctl's BLAS libraries, found once
_next_id = 0


def threads_for(net, B: int, T: int) -> int:
    """BLAS threads for a training step of ``net`` on batches of B sequences of T frames:
    1 when the per-frame product is below ``CROSSOVER_FLOPS``, else 0 (meaning all the
    caller's threads). Decided once per shape."""
    return _decide(net._cell.width, net.n_hidden, int(B), int(T))


@functools.lru_cache(maxsize=256)
def _decide(G: int, H: int, B: int, T: int) -> int:
    return 1 if 2 * B * H * G < CROSSOVER_FLOPS else 0


def _libraries() -> list:
    """threadpoolctl's controllers of the BLAS libraries loaded (NumPy's), found once."""
    global _controller
    if _controller is None:
        import numpy  # noqa: F401  (NumPy loads its BLAS)

        try:
            # imported on first use: it may be missing (see below)
            from threadpoolctl import ThreadpoolController
        except ImportError:  # a dependency; an environment not reinstalled yet runs unsized
            _controller = []
        else:
            _controller = ThreadpoolController().select(user_api="blas").lib_controllers
    return _controller


def current_blas_threads() -> int | None:
    """The threads NumPy's BLAS uses now (None when threadpoolctl finds no BLAS)."""
    libs = _libraries()
    return max(lib.get_num_threads() for lib in libs) if libs else None


@contextmanager
def blas_threads(n: int | None):
    """Run the block with NumPy's BLAS on ``n`` threads (0 or None: the caller's setting).

    Never raises the count above what the caller had; restores it when the last block
    running ``blas_threads`` (in any thread) ends. Blocks running at the same time in
    several threads get the largest count any of them asked for.
    """
    global _next_id
    with _lock:
        if not _users:
            _original[:] = [(lib, lib.get_num_threads()) for lib in _libraries()]
        key = _next_id = _next_id + 1
        _users[key] = int(n) if n else 0
        _apply()
    try:
        yield
    finally:
        with _lock:
            del _users[key]
            _apply()


def _apply() -> None:
    """Set every BLAS library to what the users ask for (or back to its original count)."""
    wanted = list(_users.values())
    for lib, before in _original:
        n = before if not wanted or 0 in wanted else min(before, max(wanted))
        if lib.get_num_threads() != n:
            _set(lib, n)


def _set(lib, n: int) -> None:
    """Set ``lib``'s threads from whichever thread we are in.

    threadpoolctl's OpenBLAS controller lets only the first Python thread that sets a
    limit change the (process-wide) pool and silently ignores the others; it also asks for
    ``threading.current_thread()``, which registers a dummy Thread for every QThread. Our
    own lock already serialises every change, so the library's setter is called directly
    when the controller has one (recent threadpoolctl versions), its public one otherwise.
    """
    getattr(lib, "_real_set_num_threads", lib.set_num_threads)(n)
