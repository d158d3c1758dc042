"""Asking a trained network your own question: one sequence typed in the task's own words.

    question = parse_question(task, "bear tree squirrel -> wolf")
    frames = ask(net, task, question)          # per frame: input, top predictions, target, E_t

The words are the task's (``task.input_words()``: the wolf story's names, a text's characters,
a waveform's numbers, ...). ``inputs -> targets``: the k targets belong to the last k frames
(``_``: no target on that frame); without ``->`` no frame has a target and the network only
answers. The text task takes characters, not words: every character is a frame and its
target is the next character. A task whose sequences always end with one input
(``task.question_word``, the wolf story's ambiguous animal ``wolf/dog``) gets it added to a
question with targets that does not already end with an animal of the question
(``bear tree squirrel -> wolf`` is the story bear, tree, squirrel, wolf/dog; the answer wolf).

Nothing here changes the network: ``ask`` only runs it forward.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

ARROW = "->"
NO_TARGET = "_"
TOP = 3  # predictions listed per frame
_WORD = re.compile(r"\S+")


@dataclass(frozen=True)
class Word:
    """A typed word: its text, where it starts in the typed text (0-based) and its role."""

    text: str
    start: int
    role: str  # "input" or "target"


@dataclass(frozen=True)
class Question:
    """A parsed question: the frames' input words and targets, and the arrays.

    Attributes
    ----------
    words : tuple of str
        (T,) the input word of each frame.
    targets : tuple of (str or None)
        (T,) the target word of each frame, None where the question gives none.
    X, D, mask : ndarray
        (T, 1, n_in), (T, 1, n_out), (T, 1): the batch of one sequence.
    added : str or None
        The input word added at the end (``task.question_word``), else None.
    """

    words: tuple[str, ...]
    targets: tuple[str | None, ...]
    X: np.ndarray
    D: np.ndarray
    mask: np.ndarray
    added: str | None = None

    @property
    def T(self) -> int:
        """Frames in the question."""
        return len(self.words)


def split_words(task, text: str) -> list[Word]:
    """The typed words with their roles (no checks against the vocabulary).

    Raises
    ------
    ValueError
        More than one sequence (``;`` or a new line), or a second ``->``.
    """
    if task.typed_as == "characters":
        return [Word(ch, i, "input") for i, ch in enumerate(text)]
    body = text.strip()
    if ";" in body or "\n" in body:
        raise ValueError("one sequence at a time: remove the ';' or the new line")
    arrow = text.find(ARROW)
    if arrow >= 0 and text.find(ARROW, arrow + len(ARROW)) >= 0:
        raise ValueError(f"a second '{ARROW}': expected 'inputs {ARROW} targets'")
    cut = len(text) if arrow < 0 else arrow
    words = [Word(m.group(), m.start(), "input") for m in _WORD.finditer(text[:cut])]
    if arrow >= 0:
        offset = arrow + len(ARROW)
        words += [
            Word(m.group(), offset + m.start(), "target") for m in _WORD.finditer(text[offset:])
        ]
    return words


def unknown_words(task, text: str) -> list[tuple[Word, str]]:
    """Every typed word the task does not know, with the reason (for validation as you type).

    A syntax problem is returned as one entry whose word is empty.
    """
    try:
        words = split_words(task, text)
    except ValueError as exc:
        return [(Word("", 0, "input"), str(exc))]
    out = []
    for w in words:
        if w.role == "target" and w.text == NO_TARGET:
            continue
        try:
            (task.encode_input if w.role == "input" else task.encode_target)(w.text)
        except ValueError as exc:
            out.append((w, str(exc)))
    return out


def completions(task, text: str, limit: int = 12) -> list[str]:
    """The task's words that complete the last word being typed in ``text`` (an input word
    before ``->``, a target after it); empty for tasks whose frames are numbers."""
    if task.typed_as == "characters" or ";" in text:
        return []
    partial = "" if not text or text[-1].isspace() else text.split()[-1]
    if partial.startswith(ARROW[0]) and ARROW.startswith(partial):
        return []
    role = "target" if ARROW in text[: len(text) - len(partial)] else "input"
    words = task.input_words() if role == "input" else task.target_words()
    return [w for w in words if w.startswith(partial) and w != partial][:limit]


def parse_question(task, text: str) -> Question:
    """The question typed in ``text`` for ``task``.

    Raises
    ------
    ValueError
        An empty text, a word outside the task's vocabulary (the message names the first
        such word and lists the vocabulary), more targets than frames, or bad syntax.
    """
    words = split_words(task, text)
    inputs = [w.text for w in words if w.role == "input"]
    targets = [w.text for w in words if w.role == "target"]
    if task.typed_as == "characters":
        if len(inputs) < 1:
            raise ValueError("sequence: got an empty text, expected characters of the text")
        targets_by_frame = [*inputs[1:], None]
        return _build(task, inputs, targets_by_frame, None)
    if not inputs:
        raise ValueError(
            "sequence: got no input words, expected e.g. "
            f"'{' '.join(task.input_words()[:3]) or '0.5 0.2'}'"
        )
    if ARROW in text and not targets:
        raise ValueError(
            f"no target after '{ARROW}': expected e.g. '... {ARROW} "
            f"{(task.target_words() or ('0.5',))[0]}'"
        )
    for w in words:  # the first unknown word, in the order typed
        if w.role == "target" and w.text == NO_TARGET:
            continue
        (task.encode_input if w.role == "input" else task.encode_target)(w.text)
    added = None
    q = task.question_word
    if q is not None and targets and inputs[-1] not in _question_family(q):
        inputs.append(q)
        added = q
    if len(targets) > len(inputs):
        raise ValueError(
            f"{len(targets)} targets for {len(inputs)} frames: at most one target per frame"
        )
    by_frame = [None] * (len(inputs) - len(targets)) + [
        None if t == NO_TARGET else t for t in targets
    ]
    return _build(task, inputs, by_frame, added)


def _question_family(word: str) -> tuple[str, ...]:
    """``wolf/dog`` and the animals it stands between."""
    return (word, *word.split("/"))


def _build(task, inputs, targets, added) -> Question:
    T = len(inputs)
    X = np.zeros((T, 1, task.n_in))
    D = np.zeros((T, 1, task.n_out))
    mask = np.zeros((T, 1))
    for t, (word, target) in enumerate(zip(inputs, targets, strict=True)):
        X[t, 0] = task.encode_input(word)
        if target is not None:
            D[t, 0] = task.encode_target(target)
            mask[t, 0] = 1.0
    return Question(tuple(inputs), tuple(targets), X, D, mask, added)


def ask(net, task, question: Question, top: int = TOP) -> list[dict]:
    """Run ``net`` (unchanged) on ``question``; one dict per frame.

    Keys: ``t`` (1-based), ``input`` (word), ``predictions`` (the ``top`` largest outputs,
    each ``{"name", "p"}`` for softmax and sigmoid outputs, ``{"name", "value"}`` for linear
    ones), ``target`` (word or None) and ``E`` (E_t, or None without a target).
    """
    trace = net.forward(question.X)
    E = net.losses(trace, question.D.astype(net.dtype), question.mask.astype(net.dtype))
    names = task.output_names
    frames = []
    for t in range(question.T):
        y = np.asarray(trace.y[t, 0], dtype=float)
        key = "value" if net.output == "linear" else "p"
        order = np.argsort(-y, kind="stable")[:top]
        frames.append(
            {
                "t": t + 1,
                "input": question.words[t],
                "predictions": [{"name": names[i], key: float(y[i])} for i in order],
                "target": question.targets[t],
                "E": float(E[t, 0]) if question.targets[t] is not None else None,
            }
        )
    return frames


def frame_line(frame: dict) -> str:
    """One frame as a line: ``t=4  wolf/dog  → wolf 0.91, dog 0.09  (target wolf, E_t 0.09)``."""
    preds = ", ".join(
        f"{p['name']} {p['p']:.2f}" if "p" in p else f"{p['name']} {p['value']:+.3f}"
        for p in frame["predictions"]
    )
    line = f"t={frame['t']:<3} {frame['input']:<10} → {preds}"
    if frame["target"] is not None:
        line += f"  (target {frame['target']}, E_t {frame['E']:.3g})"
    return line
