"""Reading the user's text files: errors name the file, and the line and column of bad bytes."""

from __future__ import annotations

from pathlib import Path

from rnnsim import package_data

#: The corpus written for this project; the text task's default.
DEFAULT_CORPUS = package_data.path("corpora", "memory.txt")
MAX_BYTES = 20_000_000


def position(data: bytes, offset: int) -> tuple[int, int]:
    """1-based (line, column) of byte ``offset`` in ``data``; columns count characters."""
    line_start = data.rfind(b"\n", 0, offset) + 1
    prefix = data[line_start:offset].decode("utf-8", errors="replace")
    return data.count(b"\n", 0, offset) + 1, len(prefix) + 1


def read_text(knob: str, path: str | Path) -> str:
    """The UTF-8 text of file ``path`` (newlines normalised to ``\\n``).

    Raises
    ------
    ValueError
        Naming ``knob`` and the path: no such file, empty, too large, or binary (a NUL byte
        or bytes that are not UTF-8, with the line and column where they start).
    """
    p = Path(path).expanduser()
    if not p.is_file():
        raise ValueError(f"{knob}: got {str(path)!r}, expected an existing text file")
    size = p.stat().st_size
    if size > MAX_BYTES:
        raise ValueError(f"{knob}: {str(path)!r} has {size} bytes, at most {MAX_BYTES} accepted")
    data = p.read_bytes()
    if not data.strip():
        raise ValueError(f"{knob}: {str(path)!r} is empty, expected text")
    nul = data.find(b"\x00")
    if nul >= 0:
        line, col = position(data, nul)
        raise ValueError(
            f"{knob}: {str(path)!r} line {line}, column {col}: a NUL byte; "
            "expected a text file, not a binary one"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = position(data, exc.start)
        raise ValueError(
            f"{knob}: {str(path)!r} line {line}, column {col}: byte "
            f"0x{data[exc.start]:02x} is not UTF-8 text"
        ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n").removeprefix("\ufeff")
