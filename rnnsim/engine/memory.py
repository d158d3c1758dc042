"""The memory ceiling: what a network, a batch or a loaded file may ask for before it is spent.

A request larger than the ceiling is a ValueError naming the sizes that ask for it, raised
before anything is allocated (never a ``MemoryError`` halfway, never the machine's
out-of-memory killer). The ceiling is half of the memory the machine has available (or of what
the process may still take under its own limit, ``ulimit -v`` or a container's cgroup, when
that is less), or ``$RNNSIM_MEMORY_LIMIT`` (bytes, or with a unit: ``512M``, ``4G``,
``1.5GiB``).
"""

from __future__ import annotations

import math
import os
import re

ENV = "RNNSIM_MEMORY_LIMIT"
SHARE = 0.5  # of the available memory
FALLBACK = 4 * 2**30  # when the available memory cannot be read
CHEAP = 64 * 2**20  # requests below this are not checked (reading the ceiling costs time)
_UNITS = {"": 1, "k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40}
_SIZE = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:e[+-]?[0-9]+)?)\s*([kmgt]?)(?:i?b)?\s*$", re.I)


def parse_size(text: str) -> int:
    """``"4G"`` → 4·2³⁰ bytes; ValueError naming ``$RNNSIM_MEMORY_LIMIT`` otherwise."""
    m = _SIZE.match(str(text))
    value = float(m.group(1)) * _UNITS[m.group(2).lower()] if m else math.nan
    if not (math.isfinite(value) and value >= 2**20):
        raise ValueError(
            f"{ENV}: got {text!r}, expected a size of at least 1M such as "
            "'512M', '4G' or a number of bytes"
        )
    return int(value)


def available_bytes() -> int | None:
    """Memory the machine has available now (Linux: MemAvailable), or None if unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def process_headroom() -> tuple[int, str] | None:
    """What this process may still allocate under a limit of its own, and which limit: the
    address-space limit (``ulimit -v``) less what it maps now, or a cgroup's memory limit
    less its usage (containers); None when neither is set."""
    found = []
    soft = _address_space_limit()
    if soft is not None:
        mapped = _status_kib("VmSize")
        if mapped is not None:
            found.append((max(0, soft - mapped * 1024), "the address-space limit (ulimit -v)"))
    for limit_file, usage_file in _CGROUP_FILES:
        limit, usage = _read_int(limit_file), _read_int(usage_file)
        if limit is not None and usage is not None and limit < 2**60:
            found.append((max(0, limit - usage), "the cgroup's memory limit"))
            break
    return min(found) if found else None


_CGROUP_FILES = (
    ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),  # cgroup v2
    ("/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory/memory.usage_in_bytes"),
)


def _address_space_limit() -> int | None:
    try:
        import resource  # POSIX only
    except ImportError:
        return None
    soft = resource.getrlimit(resource.RLIMIT_AS)[0]
    return None if soft == resource.RLIM_INFINITY or soft < 0 else int(soft)


def _status_kib(field: str) -> int | None:
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return None


def _read_int(path: str) -> int | None:
    try:
        with open(path, encoding="ascii") as f:
            return int(f.read().strip())
    except (OSError, ValueError):  # missing, or "max" (no limit)
        return None


def ceiling() -> tuple[int, str]:
    """The ceiling in bytes and where it comes from (for messages)."""
    override = os.environ.get(ENV, "").strip()
    if override:
        return parse_size(override), f"${ENV}"
    free = available_bytes()
    own = process_headroom()
    if own is not None and (free is None or own[0] < free):
        return int(SHARE * own[0]), (
            f"half of the {format_bytes(own[0])} left under {own[1]}; set ${ENV} to change it"
        )
    if free is None:
        return FALLBACK, f"no figure of available memory; set ${ENV} to change it"
    return int(SHARE * free), (
        f"half of the {format_bytes(free)} available; set ${ENV} to change it"
    )


def format_bytes(n: float) -> str:
    """``31.3 GiB``, ``12 MiB``, ``512 bytes``."""
    for unit, size in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= size:
            value = n / size
            return f"{value:.3g} {unit}" if value < 1000 else f"{value:.0f} {unit}"
    return f"{int(n)} bytes"


def check_memory(what: str, nbytes: float, sizes: str) -> None:
    """ValueError when ``nbytes`` is above the ceiling: ``what`` with ``sizes`` needs …"""
    if nbytes < CHEAP:
        return
    limit, source = ceiling()
    if nbytes > limit:
        raise ValueError(
            f"{what}: {sizes} needs about {format_bytes(nbytes)}, more than the "
            f"memory ceiling of {format_bytes(limit)} ({source})"
        )
