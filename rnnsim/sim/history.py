"""Bounded per-update histories: loss, task metrics, gradient norms, clipping.

The rows live in a deque (``HistoryBuffer.rows``, cheap to append, copy and restore) and are
mirrored in NumPy columns, so that ``frozen()`` is a few array copies rather than a pass over
every row in Python: the worker freezes the history for every snapshot (~30 per second). The
columns catch up with the rows appended since the last ``frozen()`` in one vectorised step,
so training (thousands of appends a second) does not pay for them row by row.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from .snapshot import History

LIMIT = 5000  # entries kept; the oldest are dropped first


class _Rows(deque):
    """The rows of a HistoryBuffer; a change made directly (not by ``HistoryBuffer.append``)
    tells the buffer that its columns must be rebuilt."""

    def __init__(self, changed) -> None:
        super().__init__()
        self._changed = changed


def _mutator(name):
    base = getattr(deque, name)

    def method(self, *args):
        self._changed()
        return base(self, *args)

    method.__name__ = name
    method.__doc__ = base.__doc__
    return method


for _name in (
    "append",
    "appendleft",
    "pop",
    "popleft",
    "clear",
    "extend",
    "extendleft",
    "insert",
    "remove",
    "rotate",
    "reverse",
    "__setitem__",
    "__delitem__",
    "__iadd__",
):
    setattr(_Rows, _name, _mutator(_name))


class _Columns:
    """The rows as columns in arrays of twice ``limit`` entries; the live window is
    ``[start, end)`` and moves to the front when it reaches the end (amortised O(1))."""

    def __init__(self, limit: int) -> None:
        cap = 2 * limit + 1
        self.start = self.end = 0
        self.update = np.zeros(cap, dtype=np.int64)  # (cap,) update numbers
        self.loss = np.zeros(cap)  # (cap,)
        self.global_norm = np.zeros(cap)  # (cap,)
        self.clipped = np.zeros(cap, dtype=bool)  # (cap,)
        self.metrics: dict[str, np.ndarray] = {}  # name → (cap,), NaN where a row lacks it
        self.grad_norms: dict[str, np.ndarray] = {}  # param → (cap,)
        # rows in the window that have each metric / param
        self.counts: tuple[dict, dict] = ({}, {})

    def fixed(self):
        return self.update, self.loss, self.global_norm, self.clipped

    def push(self, entries) -> None:
        """Append the rows of ``entries``, a list of ``(row, dropped)`` in the order of the
        appends (``dropped``: the oldest row, which left the window with it, or None)."""
        rows = [e[0] for e in entries]
        k = len(rows)
        if self.end + k > len(self.update):
            self._compact()
        i, j = self.end, self.end + k
        for col, pos, dtype in zip(
            self.fixed(), (0, 1, 4, 5), (np.int64, float, float, bool), strict=True
        ):
            col[i:j] = np.fromiter((r[pos] for r in rows), dtype=dtype, count=k)
        for cols, counts, pos in zip(
            (self.metrics, self.grad_norms), self.counts, (2, 3), strict=True
        ):
            values = [r[pos] for r in rows]
            for col in cols.values():
                col[i:j] = np.nan
            for key in _keys(values):
                if key not in cols:
                    cols[key] = np.full(len(self.update), np.nan)
                    counts[key] = 0
                cols[key][i:j] = [v.get(key, np.nan) for v in values]
                counts[key] += sum(key in v for v in values)
        self.end = j
        for _, dropped in entries:
            if dropped is None:
                continue
            self.start += 1
            for cols, counts, values in zip(
                (self.metrics, self.grad_norms), self.counts, (dropped[2], dropped[3]), strict=True
            ):
                for key in values:
                    counts[key] -= 1
                    if counts[key] == 0:
                        del counts[key], cols[key]

    @classmethod
    def from_rows(cls, rows, limit: int) -> _Columns:
        """Columns holding ``rows`` (at most ``limit`` of them), built column by column."""
        cols = cls(limit)
        n = cols.end = len(rows)
        cols.update[:n] = np.fromiter((r[0] for r in rows), dtype=np.int64, count=n)
        cols.loss[:n] = np.fromiter((r[1] for r in rows), dtype=float, count=n)
        cols.global_norm[:n] = np.fromiter((r[4] for r in rows), dtype=float, count=n)
        cols.clipped[:n] = np.fromiter((r[5] for r in rows), dtype=bool, count=n)
        for j, (columns, counts) in enumerate(
            zip((cols.metrics, cols.grad_norms), cols.counts, strict=True)
        ):
            for k in _keys(r[2 + j] for r in rows):
                columns[k] = np.full(len(cols.update), np.nan)
                columns[k][:n] = [r[2 + j].get(k, np.nan) for r in rows]
                counts[k] = sum(k in r[2 + j] for r in rows)
        return cols

    def _compact(self) -> None:
        n = self.end - self.start
        for col in (*self.fixed(), *self.metrics.values(), *self.grad_norms.values()):
            col[:n] = col[self.start : self.end]
        self.start, self.end = 0, n

    def history(self) -> History:
        """A read-only History of copies of the window."""
        w = slice(self.start, self.end)
        return History(
            update=_ro(self.update[w].copy()),
            loss=_ro(self.loss[w].copy()),
            metrics={k: _ro(v[w].copy()) for k, v in self.metrics.items()},
            grad_norms={k: _ro(v[w].copy()) for k, v in self.grad_norms.items()},
            global_norm=_ro(self.global_norm[w].copy()),
            clipped=_ro(self.clipped[w].copy()),
        )


class HistoryBuffer:
    """Rows of per-update records, at most ``limit`` of them.

    A row is ``(update, loss, metrics, grad_norms, global_norm, clipped)``. ``append`` returns
    the row it dropped (or None) so that an undo can put it back with ``pop``. ``rows`` may
    be changed directly (an undo restores a saved list of rows); the columns behind
    ``frozen()`` are then rebuilt once, on the next call.
    """

    def __init__(self, limit: int = LIMIT) -> None:
        self.limit = int(limit)
        self.rows: deque[tuple] = _Rows(self._changed)
        self._columns: _Columns | None = _Columns(self.limit)
        self._pending: list[tuple] = []  # (row, dropped) of appends not yet in the columns
        self._version = 0
        self._frozen: tuple[int, History] | None = None

    def __len__(self) -> int:
        return len(self.rows)

    def append(
        self,
        update: int,
        loss: float,
        metrics: dict[str, float],
        grad_norms: dict[str, float],
        global_norm: float,
        clipped: bool,
    ):
        """Add a row; return the oldest row if it had to be dropped, else None."""
        row = (
            int(update),
            float(loss),
            dict(metrics),
            dict(grad_norms),
            float(global_norm),
            bool(clipped),
        )
        deque.append(self.rows, row)
        dropped = deque.popleft(self.rows) if len(self.rows) > self.limit else None
        self._version += 1
        if self._columns is not None:  # the columns catch up in frozen(), many rows at once
            if len(self._pending) < self.limit:
                self._pending.append((row, dropped))
            else:  # rebuilding them from the rows is as cheap by now
                self._columns, self._pending = None, []
        return dropped

    def pop(self, dropped=None) -> None:
        """Undo the last ``append`` (``dropped``: the row it returned)."""
        self.rows.pop()
        if dropped is not None:
            self.rows.appendleft(dropped)

    def truncate(self, last_update: int) -> None:
        """Drop rows whose update number is greater than ``last_update``."""
        while self.rows and self.rows[-1][0] > last_update:
            self.rows.pop()

    def clear(self) -> None:
        """Drop every row."""
        self.rows.clear()

    def _changed(self) -> None:
        self._version += 1
        self._columns, self._pending = None, []

    def frozen(self) -> History:
        """The rows as a read-only ``History`` of arrays (the same object until a change)."""
        if self._frozen is not None and self._frozen[0] == self._version:
            return self._frozen[1]
        if self._columns is None:
            self._columns = _Columns.from_rows(self.rows, max(self.limit, len(self.rows)))
        elif self._pending:
            self._columns.push(self._pending)
        self._pending = []
        self._frozen = (self._version, self._columns.history())
        return self._frozen[1]

    def to_arrays(self) -> dict[str, np.ndarray]:
        """Flat dict of arrays for NPZ: ``update``, ``loss``, ``global_norm``, ``clipped``,
        ``metric/<name>``, ``grad_norm/<param>``."""
        h = self.frozen()
        out = {
            "update": h.update,
            "loss": h.loss,
            "global_norm": h.global_norm,
            "clipped": h.clipped,
        }
        out.update({f"metric/{k}": v for k, v in h.metrics.items()})
        out.update({f"grad_norm/{k}": v for k, v in h.grad_norms.items()})
        return out

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], limit: int = LIMIT) -> HistoryBuffer:
        """Rebuild from ``to_arrays()`` output; ValueError if lengths or keys disagree."""
        base = ("update", "loss", "global_norm", "clipped")
        missing = [k for k in base if k not in arrays]
        if missing:
            raise ValueError(f"history: missing {', '.join(missing)}")
        n = len(arrays["update"])
        bad = [k for k, v in arrays.items() if np.ndim(v) != 1 or len(v) != n]
        unknown = [
            k for k in arrays if k not in base and not k.startswith(("metric/", "grad_norm/"))
        ]
        if bad or unknown:
            raise ValueError(
                f"history: arrays {bad or unknown} do not match "
                f"{n} entries of update, loss, global_norm, clipped"
            )
        buf = cls(limit)
        metrics = {k[7:]: v for k, v in arrays.items() if k.startswith("metric/")}
        norms = {k[10:]: v for k, v in arrays.items() if k.startswith("grad_norm/")}
        for i in range(max(0, n - limit), n):
            buf.rows.append(
                (
                    int(arrays["update"][i]),
                    float(arrays["loss"][i]),
                    {k: float(v[i]) for k, v in metrics.items()},
                    {k: float(v[i]) for k, v in norms.items()},
                    float(arrays["global_norm"][i]),
                    bool(arrays["clipped"][i]),
                )
            )
        return buf


def _keys(dicts) -> list[str]:
    seen: dict[str, None] = {}
    for d in dicts:
        seen.update(dict.fromkeys(d))
    return list(seen)


def _ro(a: np.ndarray) -> np.ndarray:
    a.setflags(write=False)
    return a
