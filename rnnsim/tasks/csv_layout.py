"""The CSV layout of the custom task (docs/tasks.md).

A header row names the columns: ``x:<name>`` inputs, ``d:<name>`` targets, optionally ``seq``.
Every further row is one frame. Rows with the same ``seq`` value in a row form one sequence;
without a ``seq`` column, blank lines separate sequences. A row whose target cells are all
empty has no target (mask 0).
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass

import numpy as np

from .typed import CONTROL, MAX_FRAMES


@dataclass(frozen=True)
class CsvData:
    """Parsed CSV: names of the x and d columns, and per sequence X (T, n_in), D (T, n_out),
    mask (T,) plus the file line of each frame (for error messages)."""

    input_names: tuple[str, ...]
    output_names: tuple[str, ...]
    sequences: tuple[tuple[np.ndarray, np.ndarray, np.ndarray, tuple[int, ...]], ...]


def _where(source, line, column=None) -> str:
    return f"{source} line {line}" + ("" if column is None else f", column {column}")


def _header(row, source):
    kinds, names = [], []
    for col, cell in enumerate(row, start=1):
        name = cell.strip()
        if CONTROL.search(cell):
            raise ValueError(
                f"{_where(source, 1, col)}: column name {cell!r} has a control "
                "character; expected printable names"
            )
        if name == "seq" and "seq" not in kinds:
            kinds.append("seq")
        elif name[:2] in ("x:", "d:") and name[2:].strip():
            kinds.append(name[0])
        else:
            raise ValueError(
                f"{_where(source, 1, col)}: column name {cell!r}; expected "
                "'x:<name>' (input), 'd:<name>' (target) or one 'seq'"
            )
        names.append(name[2:].strip() if name != "seq" else name)
    for kind, word in (("x", "input"), ("d", "target")):
        if kind not in kinds:
            raise ValueError(
                f"{_where(source, 1)}: no {word} column; expected at least one "
                f"'{kind}:<name>' column"
            )
    return kinds, names


def _number(cell, source, line, col, column_name):
    try:
        value = float(cell)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise ValueError(
            f"{_where(source, line, col)} ({column_name}): got {cell!r}, expected a finite number"
        )
    return value


def _frame(row, kinds, names, source, line):
    x, d, seq = [], [], None
    for col, (kind, name, cell) in enumerate(zip(kinds, names, row, strict=True), start=1):
        cell = cell.strip()
        if kind == "seq":
            seq = cell
        elif kind == "d" and cell == "":
            d.append(None)
        else:
            (x if kind == "x" else d).append(_number(cell, source, line, col, f"{kind}:{name}"))
    given = [v is not None for v in d]
    if any(given) and not all(given):
        col = next(i for i, k in enumerate(kinds, start=1) if k == "d" and row[i - 1].strip() == "")
        raise ValueError(
            f"{_where(source, line, col)}: empty target cell; expected every "
            "target cell filled, or all empty for a frame without a target"
        )
    return seq, x, [v or 0.0 for v in d], float(all(given))


def _rows(reader, kinds, names, source, max_values):
    """The frames of every sequence: lists of (x, d, mask, line)."""
    groups: list[list] = []
    key, fresh, has_seq = None, True, "seq" in kinds
    n_in, n_out, longest = kinds.count("x"), kinds.count("d"), 0
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            fresh = True
            continue
        if len(row) != len(kinds):
            raise ValueError(
                f"{_where(source, line)}: got {len(row)} fields, expected "
                f"{len(kinds)} (as in the header on line 1)"
            )
        seq, x, d, m = _frame(row, kinds, names, source, line)
        if (has_seq and (not groups or seq != key)) or (not has_seq and fresh):
            groups.append([])
        key, fresh = seq, False
        groups[-1].append((x, d, m, line))
        if len(groups[-1]) > MAX_FRAMES:
            raise ValueError(
                f"{_where(source, line)}: more than {MAX_FRAMES} frames in one "
                f"sequence; at most {MAX_FRAMES} accepted"
            )
        longest = max(longest, len(groups[-1]))
        if max_values is not None and len(groups) * longest * (n_in + n_out) > max_values:
            raise ValueError(
                f"{_where(source, line)}: {len(groups)} sequences of up to {longest} frames "
                f"with {n_in} + {n_out} units are too large; at most {max_values} values "
                "accepted"
            )
    return groups


def parse_csv(text: str, source: str, max_values: int | None = None) -> CsvData:
    """Parse the custom task's CSV layout; ValueError names ``source``, the line and column.

    Rows are read one at a time; reading stops at the first row that makes a sequence longer
    than ``MAX_FRAMES`` or the padded data larger than ``max_values`` values.
    """
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader, [])
        if not any(cell.strip() for cell in header):
            raise ValueError(
                f"{_where(source, 1)}: no header; expected column names such as 'seq,x:a,x:b,d:y'"
            )
        kinds, names = _header(header, source)
        groups = _rows(reader, kinds, names, source, max_values)
    except csv.Error as exc:
        raise ValueError(f"{_where(source, reader.line_num)}: {exc}") from None
    if not groups:
        raise ValueError(
            f"{_where(source, 2)}: no data rows; expected one row per frame after the header"
        )
    pick = (
        [names[i] for i, k in enumerate(kinds) if k == "x"],
        [names[i] for i, k in enumerate(kinds) if k == "d"],
    )
    seqs = tuple(
        (
            np.array([f[0] for f in g]),
            np.array([f[1] for f in g]),
            np.array([f[2] for f in g]),
            tuple(f[3] for f in g),
        )
        for g in groups
    )
    return CsvData(tuple(pick[0]), tuple(pick[1]), seqs)
