"""JSON read within bounds: its length and nesting are checked before it is parsed.

Python's ``json`` recurses once per level, so a text nested 200,000 deep ends in a
``RecursionError`` instead of a refusal; every JSON rnnsim reads from a file (experiments,
presets' guides, a sweep's plan, the generator state inside a state file) goes through here.

    data = loads(text, "guide.json", max_chars=100_000)      # ValueError naming the file
"""

from __future__ import annotations

import json
import re
from typing import Any

MAX_DEPTH = 32  # levels of objects and arrays
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")


def check_text(text, what: str, max_chars: int, max_depth: int = MAX_DEPTH) -> None:
    """ValueError naming ``what`` when ``text`` is not a string, is longer than ``max_chars``
    or nests objects and arrays more than ``max_depth`` levels deep."""
    if not isinstance(text, str):
        raise ValueError(f"{what}: got {type(text).__name__}, expected text")
    if len(text) > max_chars:
        raise ValueError(f"{what}: {len(text)} characters, at most {max_chars} accepted")
    depth = deepest = 0
    for ch in _NOT_BRACKET.sub("", _STRING.sub("", text)):
        depth += 1 if ch in "[{" else -1
        deepest = max(deepest, depth)
        if deepest > max_depth:
            raise ValueError(
                f"{what}: nested more than {max_depth} levels deep, expected an object of fields"
            )


def loads(text, what: str, max_chars: int, max_depth: int = MAX_DEPTH) -> Any:
    """``json.loads(text)`` after ``check_text``; ValueError naming ``what`` otherwise."""
    check_text(text, what, max_chars, max_depth)
    try:
        return json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise ValueError(f"{what}: cannot parse ({exc})") from None
