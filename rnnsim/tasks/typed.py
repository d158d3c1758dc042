"""The typed syntax of the custom task: ``bear tree squirrel -> wolf`` (docs/tasks.md).

One sequence per line, or several on a line separated by ``;``; ``#`` starts a comment.
``inputs -> targets``: the k targets belong to the last k frames (``_``: no target there).
Without ``->``, every token but the first is the target of the frame before it (next token).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ARROW = "->"
NO_TARGET = "_"
_TOKEN = re.compile(r"\S+")
#: Characters no token may hold (SVG, XML and the report cannot carry them): C0/C1 controls
#: other than tab, surrogates, U+FFFE and U+FFFF.
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
MAX_FRAMES = 10_000  # frames of one sequence
MAX_SEQUENCES = 100_000


@dataclass(frozen=True)
class Token:
    """A word of the typed text and where it starts (1-based line and column)."""

    text: str
    line: int
    column: int


@dataclass(frozen=True)
class TypedSequence:
    """One parsed sequence: input tokens (T) and the target of each frame (None: no target)."""

    inputs: tuple[Token, ...]
    targets: tuple[Token | None, ...]


def syntax_error(source: str, line: int, column: int, what: str) -> ValueError:
    """The ValueError for a typed-text problem at (line, column) of ``source``."""
    return ValueError(f"{source}: line {line}, column {column}: {what}")


def _tokens(text: str, line: int, offset: int, source: str = "sequences") -> list[Token]:
    """The tokens of ``text``; stops reading (ValueError) past ``MAX_FRAMES`` of them."""
    out: list[Token] = []
    for m in _TOKEN.finditer(text):
        if len(out) > MAX_FRAMES:
            raise syntax_error(
                source,
                line,
                offset + m.start() + 1,
                f"more than "
                f"{MAX_FRAMES} tokens in one sequence; at most {MAX_FRAMES} "
                "frames accepted (end a sequence with ';' or a new line)",
            )
        out.append(Token(m.group(), line, offset + m.start() + 1))
    return out


def _segments(line_text: str):
    """(start offset, text) of the ``;``-separated parts of a line, comment removed."""
    body = line_text.split("#", 1)[0]
    start = 0
    for part in body.split(";"):
        yield start, part
        start += len(part) + 1


def parse_typed(text: str, source: str = "sequences") -> list[TypedSequence]:
    """Parse the typed syntax; ValueError names ``source``, the line and the column."""
    out = []
    for number, line_text in enumerate(text.split("\n"), start=1):
        bad = CONTROL.search(line_text.rstrip("\r"))
        if bad:
            raise syntax_error(
                source,
                number,
                bad.start() + 1,
                f"control character {bad.group()!r}; expected printable tokens",
            )
        for start, part in _segments(line_text):
            if part.strip():
                out.append(_sequence(part, number, start, source))
                if len(out) > MAX_SEQUENCES:
                    raise syntax_error(
                        source,
                        number,
                        start + 1,
                        f"more than {MAX_SEQUENCES} sequences; at most {MAX_SEQUENCES} accepted",
                    )
    if not out:
        raise ValueError(
            f"{source}: got {text[:60]!r}, expected at least one sequence such as "
            "'bear tree squirrel -> wolf'"
        )
    return out


def _sequence(part: str, line: int, start: int, source: str) -> TypedSequence:
    arrow = part.find(ARROW)
    if arrow < 0:
        return _next_token(_tokens(part, line, start, source), line, start, source)
    again = part.find(ARROW, arrow + len(ARROW))
    if again >= 0:
        raise syntax_error(
            source,
            line,
            start + again + 1,
            f"a second '{ARROW}'; expected one '{ARROW}' per sequence (end a sequence with ';')",
        )
    inputs = _tokens(part[:arrow], line, start, source)
    targets = _tokens(part[arrow + len(ARROW) :], line, start + arrow + len(ARROW), source)
    where = start + arrow + 1
    if not inputs:
        raise syntax_error(source, line, where, f"no input tokens before '{ARROW}'")
    if not targets:
        raise syntax_error(source, line, where, f"no target tokens after '{ARROW}'")
    if len(targets) > len(inputs):
        raise syntax_error(
            source,
            line,
            targets[len(inputs)].column,
            f"{len(targets)} targets for {len(inputs)} inputs; expected at "
            "most one target per input frame",
        )
    if all(t.text == NO_TARGET for t in targets):
        raise syntax_error(
            source,
            line,
            targets[0].column,
            f"every target is '{NO_TARGET}'; expected at least one target per sequence",
        )
    _check_inputs(inputs, source)
    padded = [None] * (len(inputs) - len(targets)) + [
        None if t.text == NO_TARGET else t for t in targets
    ]
    return TypedSequence(tuple(inputs), tuple(padded))


def _next_token(tokens, line, start, source) -> TypedSequence:
    if len(tokens) < 2:
        raise syntax_error(
            source,
            line,
            start + 1,
            f"one token and no '{ARROW}'; expected "
            f"'inputs {ARROW} targets', or at least two tokens to predict "
            "each next one",
        )
    _check_inputs(tokens, source)
    return TypedSequence(tuple(tokens[:-1]), tuple(tokens[1:]))


def _check_inputs(tokens, source):
    for t in tokens:
        if t.text == NO_TARGET:
            raise syntax_error(
                source,
                t.line,
                t.column,
                f"'{NO_TARGET}' as an input; it may only stand for a missing target",
            )
