"""The typed syntax of the custom task: ``bear tree squirrel -> wolf`` (docs/tasks.md).

One sequence per line, or several on a line separated by ``;``; ``#`` starts a comment.
``inputs -> targets``: the k targets belong to the last k frames (``_``: no target there).
Without ``->``, every token but the first is the target of the frame before it (next token).
"""

from __future__ import annotations

import re
from collections.abc import Callable
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
    """One parsed sequence: input words (T) and the target word of each frame (None: no
    target). Positions are worked out only when a message needs one (``input_token``,
    ``target_token``): a 20 MB file parses in seconds."""

    inputs: tuple[str, ...]
    targets: tuple[str | None, ...]
    line: int
    start: int  # where the sequence's text starts in its line (0-based)
    text: str  # the sequence's text (one ';'-separated part of the line)

    def input_token(self, t: int) -> Token:
        """Input frame ``t`` with its line and column."""
        arrow = self.text.find(ARROW)
        return _token_at(self.text if arrow < 0 else self.text[:arrow], t, self.line, self.start)

    def target_token(self, t: int) -> Token:
        """The target of frame ``t`` (not None) with its line and column."""
        arrow = self.text.find(ARROW)
        if arrow < 0:  # next-token mode: frame t's target is the text's token t + 1
            return _token_at(self.text, t + 1, self.line, self.start)
        given = sum(1 for _ in _TOKEN.finditer(self.text, arrow + len(ARROW)))
        k = t - (len(self.targets) - given)
        return _token_at(self.text[arrow + len(ARROW) :], k, self.line, self.start + arrow + 2)


def _token_at(text: str, k: int, line: int, offset: int) -> Token:
    """Token ``k`` (0-based) of ``text``, which starts at ``offset`` of ``line``."""
    m = next(m for i, m in enumerate(_TOKEN.finditer(text)) if i == k)
    return Token(m.group(), line, offset + m.start() + 1)


def syntax_error(source: str, line: int, column: int, what: str) -> ValueError:
    """The ValueError for a typed-text problem at (line, column) of ``source``."""
    return ValueError(f"{source}: line {line}, column {column}: {what}")


def _words(text: str, line: int, offset: int, source: str) -> list[str]:
    """The tokens of ``text``; ValueError past ``MAX_FRAMES`` + 1 of them."""
    words = text.split()
    if len(words) > MAX_FRAMES + 1:
        column = _token_at(text, MAX_FRAMES + 1, line, offset).column
        raise syntax_error(
            source,
            line,
            column,
            f"more than {MAX_FRAMES} tokens in one sequence; at most {MAX_FRAMES} "
            "frames accepted (end a sequence with ';' or a new line)",
        )
    return words


def _segments(line_text: str):
    """(start offset, text) of the ``;``-separated parts of a line, comment removed."""
    body = line_text.split("#", 1)[0]
    start = 0
    for part in body.split(";"):
        yield start, part
        start += len(part) + 1


def parse_typed(
    text: str, source: str = "sequences", admit: Callable[[TypedSequence], str] | None = None
) -> list[TypedSequence]:
    """Parse the typed syntax; ValueError names ``source``, the line and the column.

    ``admit(sequence)`` is called after each sequence is read: a non-empty answer (what is
    too much, e.g. the data's size) stops reading there with an error at that sequence.
    """
    out: list[TypedSequence] = []
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
            if not part.strip():
                continue
            if len(out) == MAX_SEQUENCES:
                raise syntax_error(
                    source,
                    number,
                    start + 1,
                    f"more than {MAX_SEQUENCES} sequences; at most {MAX_SEQUENCES} accepted",
                )
            out.append(_sequence(part, number, start, source))
            refused = admit(out[-1]) if admit is not None else ""
            if refused:
                raise syntax_error(source, number, start + 1, refused)
    if not out:
        raise ValueError(
            f"{source}: got {text[:60]!r}, expected at least one sequence such as "
            "'bear tree squirrel -> wolf'"
        )
    return out


def _sequence(part: str, line: int, start: int, source: str) -> TypedSequence:
    arrow = part.find(ARROW)
    if arrow < 0:
        return _next_token(_words(part, line, start, source), part, line, start, source)
    again = part.find(ARROW, arrow + len(ARROW))
    if again >= 0:
        raise syntax_error(
            source,
            line,
            start + again + 1,
            f"a second '{ARROW}'; expected one '{ARROW}' per sequence (end a sequence with ';')",
        )
    after = start + arrow + len(ARROW)
    inputs = _words(part[:arrow], line, start, source)
    targets = _words(part[arrow + len(ARROW) :], line, after, source)
    where = start + arrow + 1
    if not inputs:
        raise syntax_error(source, line, where, f"no input tokens before '{ARROW}'")
    if not targets:
        raise syntax_error(source, line, where, f"no target tokens after '{ARROW}'")
    if len(targets) > len(inputs):
        column = _token_at(part[arrow + len(ARROW) :], len(inputs), line, after).column
        raise syntax_error(
            source,
            line,
            column,
            f"{len(targets)} targets for {len(inputs)} inputs; expected at "
            "most one target per input frame",
        )
    if all(t == NO_TARGET for t in targets):
        column = _token_at(part[arrow + len(ARROW) :], 0, line, after).column
        raise syntax_error(
            source,
            line,
            column,
            f"every target is '{NO_TARGET}'; expected at least one target per sequence",
        )
    _check_inputs(inputs, part[:arrow], line, start, source)
    padded = [None] * (len(inputs) - len(targets)) + [
        None if t == NO_TARGET else t for t in targets
    ]
    return TypedSequence(tuple(inputs), tuple(padded), line, start, part)


def _next_token(words, part, line, start, source) -> TypedSequence:
    if len(words) < 2:
        raise syntax_error(
            source,
            line,
            start + 1,
            f"one token and no '{ARROW}'; expected "
            f"'inputs {ARROW} targets', or at least two tokens to predict "
            "each next one",
        )
    _check_inputs(words, part, line, start, source)
    return TypedSequence(tuple(words[:-1]), tuple(words[1:]), line, start, part)


def _check_inputs(words, text, line, start, source):
    if NO_TARGET in words:
        column = _token_at(text, words.index(NO_TARGET), line, start).column
        raise syntax_error(
            source,
            line,
            column,
            f"'{NO_TARGET}' as an input; it may only stand for a missing target",
        )
