"""Bounded per-update histories: loss, task metrics, gradient norms, clipping."""

from __future__ import annotations

from collections import deque

import numpy as np

from .snapshot import History

LIMIT = 5000  # entries kept; the oldest are dropped first


class HistoryBuffer:
    """Rows of per-update records, at most ``limit`` of them.

    A row is ``(update, loss, metrics, grad_norms, global_norm, clipped)``. ``append`` returns
    the row it dropped (or None) so that an undo can put it back with ``pop``.
    """

    def __init__(self, limit: int = LIMIT) -> None:
        self.limit = int(limit)
        self.rows: deque[tuple] = deque()

    def __len__(self) -> int:
        return len(self.rows)

    def append(self, update: int, loss: float, metrics: dict[str, float],
               grad_norms: dict[str, float], global_norm: float, clipped: bool):
        """Add a row; return the oldest row if it had to be dropped, else None."""
        self.rows.append((int(update), float(loss), dict(metrics), dict(grad_norms),
                          float(global_norm), bool(clipped)))
        return self.rows.popleft() if len(self.rows) > self.limit else None

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

    def frozen(self) -> History:
        """The rows as a read-only ``History`` of arrays."""
        rows = self.rows
        metric_names = _keys(r[2] for r in rows)
        param_names = _keys(r[3] for r in rows)
        return History(
            update=_ro(np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))),
            loss=_ro(np.fromiter((r[1] for r in rows), dtype=float, count=len(rows))),
            metrics={m: _ro(np.array([r[2].get(m, np.nan) for r in rows], dtype=float))
                     for m in metric_names},
            grad_norms={p: _ro(np.array([r[3].get(p, np.nan) for r in rows], dtype=float))
                        for p in param_names},
            global_norm=_ro(np.fromiter((r[4] for r in rows), dtype=float, count=len(rows))),
            clipped=_ro(np.fromiter((r[5] for r in rows), dtype=bool, count=len(rows))),
        )

    def to_arrays(self) -> dict[str, np.ndarray]:
        """Flat dict of arrays for NPZ: ``update``, ``loss``, ``global_norm``, ``clipped``,
        ``metric/<name>``, ``grad_norm/<param>``."""
        h = self.frozen()
        out = {"update": h.update, "loss": h.loss, "global_norm": h.global_norm,
               "clipped": h.clipped}
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
        unknown = [k for k in arrays if k not in base
                   and not k.startswith(("metric/", "grad_norm/"))]
        if bad or unknown:
            raise ValueError(f"history: arrays {bad or unknown} do not match "
                             f"{n} entries of update, loss, global_norm, clipped")
        buf = cls(limit)
        metrics = {k[7:]: v for k, v in arrays.items() if k.startswith("metric/")}
        norms = {k[10:]: v for k, v in arrays.items() if k.startswith("grad_norm/")}
        for i in range(max(0, n - limit), n):
            buf.rows.append((int(arrays["update"][i]), float(arrays["loss"][i]),
                             {k: float(v[i]) for k, v in metrics.items()},
                             {k: float(v[i]) for k, v in norms.items()},
                             float(arrays["global_norm"][i]), bool(arrays["clipped"][i])))
        return buf


def _keys(dicts) -> list[str]:
    seen: dict[str, None] = {}
    for d in dicts:
        seen.update(dict.fromkeys(d))
    return list(seen)


def _ro(a: np.ndarray) -> np.ndarray:
    a.setflags(write=False)
    return a
