"""Small helpers shared by the benchmark scripts: BLAS thread count and timing."""

from __future__ import annotations

import ctypes
import os
import statistics
import time
from collections.abc import Callable

_OPENBLAS = (
    "scipy_openblas_{}_num_threads64_",
    "scipy_openblas_{}_num_threads",
    "openblas_{}_num_threads64_",
    "openblas_{}_num_threads",
)


def _blas_function(verb: str):
    """The OpenBLAS ``*_{verb}_num_threads`` function NumPy loaded, or None.

    Finds the library through /proc/self/maps, as threadpoolctl does.
    """
    import numpy  # noqa: F401  (loads the BLAS library)

    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if "blas" in line.lower()}
    except OSError:
        return None
    for path in sorted(p for p in paths if os.path.exists(p)):
        lib = ctypes.CDLL(path)
        for pattern in _OPENBLAS:
            fn = getattr(lib, pattern.format(verb), None)
            if fn is not None:
                return fn
    return None


def blas_threads() -> int | None:
    """Return the number of threads NumPy's BLAS uses, or None when it cannot be asked."""
    getter = _blas_function("get")
    return None if getter is None else int(getter())


def set_blas_threads(n: int) -> bool:
    """Set the number of threads of NumPy's BLAS (OpenBLAS only); False if not possible."""
    setter = _blas_function("set")
    if setter is None:
        return False
    setter(int(n))
    return blas_threads() == n


# The clock of time_once (and of the scripts that ask for it): wall time unless a script
# switched to the process's CPU time (``use_cpu_time``).
clock = time.perf_counter


def use_cpu_time() -> None:
    """Time with the CPU time of this process (all its threads) instead of wall time.

    On a busy machine a single-threaded step waits for a core; wall time counts that wait
    (medians jump 2-5x, unevenly between two libraries), CPU time does not. It still counts
    what the other processes cost through shared caches. Meant for ``--threads 1``: with more
    threads, CPU time adds up every thread's time (and their spinning).
    """
    global clock
    clock = time.process_time


def time_once(fn: Callable[[], object]) -> float:
    """Return the time of one call of ``fn`` in milliseconds (wall, or CPU: ``clock``)."""
    start = clock()
    fn()
    return (clock() - start) * 1e3


def alternate(
    fns: dict[str, Callable[[], object]],
    rounds: int,
    block_s: float = 0.3,
    settle_s: float = 0.25,
    budget_s: float | None = None,
    max_block: int = 20,
) -> dict[str, tuple[float, float, int]]:
    """Time several functions in alternating blocks; return (median ms, min ms, runs) each.

    Each round runs every function in turn: a pause of ``settle_s`` seconds, one untimed
    warm-up call, then a block of timed calls lasting about ``block_s`` seconds (at least 1,
    at most ``max_block`` calls). The pause lets the other library's worker threads, which
    spin for a while after their last task (OpenBLAS, OpenMP), go to sleep before timing:
    runs alternated call by call measured each library slowed down by the other's spinning
    threads (up to 2x on 2 cores). Alternating rounds still spreads slow drifts of the
    machine over all functions alike. ``budget_s`` stops after the first round in which the
    elapsed time exceeds it (at least 2 rounds are run).
    """
    estimate = {}
    for key, fn in fns.items():
        fn()
        estimate[key] = max(min(time_once(fn), time_once(fn)), 1e-3)
    times: dict[str, list[float]] = {k: [] for k in fns}
    start = time.perf_counter()
    for r in range(rounds):
        for key, fn in fns.items():
            time.sleep(settle_s)
            estimate[key] = max(min(estimate[key], time_once(fn)), 1e-3)
            n = max(1, min(max_block, int(block_s * 1e3 / estimate[key])))
            times[key].extend(time_once(fn) for _ in range(n))
        if budget_s is not None and r >= 1 and time.perf_counter() - start > budget_s:
            break
    return {k: (statistics.median(v), min(v), len(v)) for k, v in times.items()}


def tune_malloc(limit: int = 32 * 2**20) -> bool:
    """Stop glibc from returning freed heap memory to the kernel (process-wide).

    Sets ``M_MMAP_THRESHOLD`` to ``limit`` (32 MiB is glibc's maximum) and
    ``M_TRIM_THRESHOLD`` to 1 GiB, so that the arrays a training step frees are reused by the
    next step instead of being unmapped and page-faulted in again. Returns False when the C
    library has no ``mallopt`` (not glibc).
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    m_trim_threshold, m_mmap_threshold = -1, -3
    return bool(mallopt(m_mmap_threshold, limit)) and bool(mallopt(m_trim_threshold, 2**30))
