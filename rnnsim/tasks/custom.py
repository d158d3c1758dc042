"""The user's own sequences: typed tokens, a text file in the typed syntax, or a CSV file."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .base import (
    BLANK,
    Knob,
    Task,
    check_batch,
    check_scored,
    class_accuracy,
    masked_mean,
    mean_square,
    one_hot_name,
    unknown_word,
)
from .csv_layout import parse_csv
from .files import read_text
from .typed import parse_typed, syntax_error
from .wolf import AMBIGUOUS, FEATURES, MIDPOINT, NAMES, PROTOTYPES

OUTPUTS = {"softmax": "cross_entropy", "sigmoid": "binary_cross_entropy", "linear": "mse"}
MAX_TOKENS = 1000
MAX_VALUES = 20_000_000  # entries of the stored X and D together


class CustomTask(Task):
    """See ``description`` and docs/tasks.md for the syntax and the CSV layout."""

    name = "custom"
    title = "Your own sequences"
    description = (
        "Sequences you write yourself. Type them as tokens, e.g. 'bear tree squirrel -> wolf' "
        "(one unit per distinct token; targets after '->' belong to the last frames; without "
        "'->' the network predicts each next token; ';' or a new line starts another "
        "sequence), or give a text file in the same syntax, or a CSV file with one frame per "
        "row (columns x:<name>, d:<name>, seq). With vocabulary 'wolf' the tokens are the wolf "
        "story's feature vectors, so a network trained on the story can be probed."
    )
    knobs = (
        Knob(
            "sequences",
            "text",
            "bear tree squirrel wolf/dog -> wolf; cow flower cat wolf/dog -> dog",
            help="Typed sequences (used when path is empty).",
        ),
        Knob(
            "path",
            "path",
            "",
            help="A .csv file, or a text file in the typed syntax; "
            "when given, sequences is not used.",
        ),
        Knob(
            "vocabulary",
            "choice",
            "auto",
            choices=("auto", "wolf"),
            help="Typed tokens: one unit per token (auto), or the wolf story's features and names.",
        ),
        Knob(
            "output",
            "choice",
            "auto",
            choices=("auto", *OUTPUTS),
            help="Output function "
            "(auto: softmax for one-hot targets, sigmoid for 0/1, else linear).",
        ),
    )

    def _setup(self):
        self._in_vectors = None  # (tokens, n_in) vector of each typed input token
        path = self.values["path"]
        if path and Path(path).suffix.lower() == ".csv":
            self._from_csv(path)
        else:
            source = f"path: {path!r}" if path else "sequences"
            text = read_text("path", path) if path else self.values["sequences"]
            self._from_typed(text, source)
        self.loss = OUTPUTS[self.output]
        self.primary_metric = "mse" if self.output == "linear" else "accuracy"
        self.chance = self._chance()

    # ------------------------------------------------------------------ typed
    def _from_typed(self, text, source):
        if self.values["output"] not in ("auto", "softmax"):
            raise ValueError(
                f"output: got {self.values['output']!r}, expected 'auto' or "
                "'softmax' for typed sequences (targets are tokens)"
            )
        self.output = "softmax"
        wolf = self.values["vocabulary"] == "wolf"
        if wolf:
            self._wolf_vocabulary()
        seen: dict[str, None] = {}  # auto: every token once, in order of appearance
        size = {"count": 0, "longest": 0}

        def admit(seq) -> str:
            """Stop reading as soon as the vocabulary or the data grows too large."""
            size["count"] += 1
            size["longest"] = max(size["longest"], len(seq.inputs))
            if wolf:
                units = (self.n_in, self.n_out)
            else:
                seen.update(dict.fromkeys(seq.inputs))
                seen.update(dict.fromkeys(t for t in seq.targets if t is not None))
                if len(seen) > MAX_TOKENS:
                    return (
                        f"{len(seen)} distinct tokens, at most {MAX_TOKENS} "
                        "accepted (one input and one output unit each)"
                    )
                units = (len(seen), len(seen))
            return self._too_large(size["longest"], size["count"], *units)

        if wolf:
            self.n_in, self.n_out = len(self.input_names), len(self.output_names)
        seqs = parse_typed(text, source, admit)
        if not wolf:
            self.input_names = self.output_names = tuple(seen)
            self._in_vectors = np.eye(len(seen))
            self._in_index = self._out_index = {w: i for i, w in enumerate(seen)}
        self.n_in, self.n_out = len(self.input_names), len(self.output_names)
        self._store([self._encode(s, source) for s in seqs], source)

    def _wolf_vocabulary(self):
        self.input_names, self.output_names = FEATURES, NAMES
        self._in_vectors = np.vstack([PROTOTYPES, MIDPOINT])  # (10, 10) one row per token
        self._in_index = {n: i for i, n in enumerate((*NAMES, AMBIGUOUS))}
        self._out_index = {n: i for i, n in enumerate(NAMES)}

    def _encode(self, seq, source):
        inputs = self._indices(seq.inputs, self._in_index, seq.input_token, source)
        X = self._in_vectors[inputs]  # (T, n_in)
        D = np.zeros((len(seq.inputs), self.n_out))  # (T, n_out)
        given = [t for t, word in enumerate(seq.targets) if word is not None]
        words = [seq.targets[t] for t in given]
        D[
            given,
            self._indices(words, self._out_index, lambda i: seq.target_token(given[i]), source),
        ] = 1.0
        mask = np.zeros(len(seq.inputs))
        mask[given] = 1.0
        return X, D, mask

    @staticmethod
    def _indices(words, index, token, source) -> list[int]:
        """Each word's unit; an unknown word: ValueError at its line and column."""
        try:
            return [index[w] for w in words]
        except KeyError:
            tok = token(next(i for i, w in enumerate(words) if w not in index))
            raise syntax_error(
                source,
                tok.line,
                tok.column,
                f"unknown token {tok.text!r}; accepted: {', '.join(index)}",
            ) from None

    # ------------------------------------------------------------------ CSV
    def _from_csv(self, path):
        source = f"path: {str(path)!r}"
        data = parse_csv(read_text("path", path), source, MAX_VALUES)
        self.input_names, self.output_names = data.input_names, data.output_names
        self.n_in, self.n_out = len(data.input_names), len(data.output_names)
        self.output = self._csv_output(data, source)
        self._store([s[:3] for s in data.sequences], source)

    def _csv_output(self, data, source) -> str:
        wanted = self.values["output"]
        bad = {
            "softmax": lambda d: np.any(d < 0) or not np.isclose(d.sum(), 1.0),
            "sigmoid": lambda d: np.any((d < 0) | (d > 1)),
            "linear": lambda d: False,
        }
        if wanted == "auto":
            onehot = all(
                np.all(np.isin(d, (0.0, 1.0))) and d.sum() == 1
                for X, D, m, _ in data.sequences
                for d, k in zip(D, m, strict=True)
                if k
            )
            binary = all(np.all(np.isin(D[m > 0], (0.0, 1.0))) for X, D, m, _ in data.sequences)
            return "softmax" if onehot else "sigmoid" if binary else "linear"
        for _X, D, m, lines in data.sequences:
            for d, k, line in zip(D, m, lines, strict=True):
                if k and bad[wanted](d):
                    raise ValueError(
                        f"{source} line {line}: targets {d.tolist()} do not suit "
                        f"output {wanted!r} (softmax: a distribution summing to "
                        "1; sigmoid: values in [0, 1])"
                    )
        return wanted

    # ------------------------------------------------------------------ data
    @staticmethod
    def _too_large(T, N, n_in, n_out) -> str:
        """What is too large when N padded sequences of T frames exceed MAX_VALUES, or ""."""
        if T * N * (n_in + n_out) <= MAX_VALUES:
            return ""
        return (
            f"{N} sequences of up to {T} frames with {n_in} + {n_out} units are too "
            f"large; at most {MAX_VALUES} values accepted"
        )

    def _check_size(self, T, N, source):
        """Refuse data whose padded arrays would exceed MAX_VALUES, before storing it."""
        refused = self._too_large(T, N, self.n_in, self.n_out)
        if refused:
            raise ValueError(f"{source}: {refused}")

    def _store(self, seqs, source):
        T, N = max(len(s[0]) for s in seqs), len(seqs)
        self._check_size(T, N, source)
        self._X = np.zeros((T, N, self.n_in))  # every sequence, padded at the end
        self._D = np.zeros((T, N, self.n_out))
        self._mask = np.zeros((T, N))
        for j, (X, D, mask) in enumerate(seqs):
            self._X[: len(X), j], self._D[: len(X), j], self._mask[: len(X), j] = X, D, mask
        empty = np.flatnonzero(~self._mask.any(axis=0))
        if empty.size:  # a batch of such sequences would have nothing to learn or score
            raise ValueError(
                f"{source}: sequence {empty[0] + 1} has no frame with a target; "
                "expected at least one target in every sequence"
            )

    @property
    def count(self) -> int:
        """Number of sequences given."""
        return self._X.shape[1]

    def _chance(self) -> float:
        targets = self._D[self._mask > 0]  # (frames, n_out)
        if self.output == "linear":
            return float(np.mean(np.sum((targets - targets.mean(0)) ** 2, axis=1)))
        if self.output == "softmax":
            return float(np.bincount(np.argmax(targets, 1)).max() / len(targets))
        rows = np.packbits(targets > 0.5, axis=1)  # (frames, bytes): one row per on/off set
        return float(np.unique(rows, axis=0, return_counts=True)[1].max() / len(rows))

    def sample(self, batch, rng):
        """``batch`` sequences drawn from the given ones (with replacement): X (T, B, n_in),
        D (T, B, n_out), mask (T, B) zero on frames without a target and on padding."""
        pick = rng.integers(0, self.count, check_batch(batch))  # (B,)
        return self._X[:, pick].copy(), self._D[:, pick].copy(), self._mask[:, pick].copy()

    def score(self, y, D, mask):
        """softmax: accuracy and final_accuracy (last target of each sequence); sigmoid:
        accuracy (every unit on the right side of 0.5); linear: mse."""
        y, D, mask = check_scored(y, D, mask)
        if self.output == "linear":
            return {"mse": mean_square(y, D, mask)}
        if self.output == "sigmoid":
            return {"accuracy": masked_mean(np.all((y > 0.5) == (D > 0.5), -1), mask)}
        T, B = mask.shape
        last = T - 1 - np.argmax(mask[::-1] > 0, axis=0)  # (B,)
        hit = np.argmax(y, -1) == np.argmax(D, -1)  # (T, B)
        return {
            "accuracy": class_accuracy(y, D, mask),
            "final_accuracy": masked_mean(hit[last, np.arange(B)], mask[last, np.arange(B)] > 0),
        }

    def input_words(self):
        """The typed tokens (CSV frames are vectors: none)."""
        return tuple(self._in_index) if self._in_vectors is not None else ()

    def target_words(self):
        return tuple(self._out_index) if self._in_vectors is not None else ()

    def encode_input(self, word):
        """The vector of a typed token (ValueError for CSV data, whose frames are vectors)."""
        return self._in_vectors[self._word_index(word, self._in_index, "input")].copy()

    def encode_target(self, word):
        """The one-hot target of a typed token."""
        return np.eye(self.n_out)[self._word_index(word, self._out_index, "target")]

    def _word_index(self, word, index, role):
        if self._in_vectors is None:
            raise ValueError(
                f"unknown word {word!r}: this custom task's frames are vectors "
                "from a CSV file, not words"
            )
        if word not in index:
            raise unknown_word(word, role, self)
        return index[word]

    def input_token(self, x):
        """The token whose vector is x (typed), or the values of a CSV frame."""
        x = np.asarray(x, dtype=np.float64)
        if not np.any(x):
            return BLANK
        if self._in_vectors is not None:
            d = np.sum((self._in_vectors - x) ** 2, axis=1)
            return tuple(self._in_index)[int(np.argmin(d))]
        return " ".join(f"{v:.2g}" for v in x[:4]) + (" …" if len(x) > 4 else "")

    def output_token(self, d):
        """The target's name (softmax), the names of the units on (sigmoid), or its values."""
        if self.output == "softmax":
            return one_hot_name(d, self.output_names)
        if self.output == "sigmoid":
            on = [n for n, v in zip(self.output_names, d, strict=True) if v > 0.5]
            return "|".join(on) or BLANK
        return " ".join(f"{v:.2g}" for v in np.asarray(d)[:4])
