"""Next-character prediction on a text file, and sampling text from a trained network."""

from __future__ import annotations

import numpy as np

from .base import Knob, Task, check_batch, check_scored, class_accuracy, masked_mean, one_hot
from .files import DEFAULT_CORPUS, read_text
from .typed import CONTROL

MAX_VOCABULARY = 256
SHOWN = {" ": "␣", "\n": "↵", "\t": "⇥"}


def shown(ch: str) -> str:
    """A character as drawn on the canvas (space, newline and tab made visible)."""
    return SHOWN.get(ch, ch)


def _refuse_controls(text: str, path) -> None:
    """ValueError at the line and column of the first control character other than newline
    and tab (they would be tokens that SVG, XML and the reports cannot carry)."""
    bad = CONTROL.search(text)
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        column = bad.start() - text.rfind("\n", 0, bad.start())
        raise ValueError(
            f"path: {str(path)!r} line {line}, column {column}: control character "
            f"{bad.group()!r}; expected printable text (newlines and tabs are fine)"
        )


class TextTask(Task):
    """See ``description``; ``generate`` samples text from a trained network."""

    name = "text"
    title = "Next character"
    description = (
        "Next-character prediction on a text (a short essay on recurrent networks and memory "
        "by default, or any UTF-8 text file). Each frame is one character (one-hot); the target "
        "is the next character (softmax). Sequences are random windows of `length` characters. "
        "Chance is the accuracy of always answering the most frequent character; "
        "bits_per_char is the cross-entropy in bits. A trained network can write text of its "
        "own, one sampled character at a time."
    )
    knobs = (
        Knob("path", "path", "", help="UTF-8 text file ('' = the corpus that ships with rnnsim)."),
        Knob("length", "int", 50, 2, 1000, help="Characters per sequence T."),
        Knob("lowercase", "bool", False, help="Lower-case the text (a smaller alphabet)."),
    )
    typed_as = "characters"

    def encode_input(self, word):
        """One typed character (space, newline, tab as typed or as drawn: ␣ ↵ ⇥)."""
        return super().encode_input(shown(word))

    def encode_target(self, word):
        """The next character, typed as ``encode_input`` takes it."""
        return super().encode_target(shown(word))

    def _setup(self):
        path = self.values["path"] or DEFAULT_CORPUS
        text = read_text("path", path)
        _refuse_controls(text, path)
        if self.values["lowercase"]:
            text = text.lower()
        T = self.values["length"]
        if len(text) < T + 1:
            raise ValueError(
                f"length: got {T}, expected at most {len(text) - 1} (the text has "
                f"{len(text)} characters)"
            )
        self.characters = tuple(sorted(set(text)))
        if len(self.characters) > MAX_VOCABULARY:
            raise ValueError(
                f"path: {str(path)!r} has {len(self.characters)} distinct "
                f"characters, at most {MAX_VOCABULARY} accepted"
            )
        self._index = {ch: i for i, ch in enumerate(self.characters)}
        self.codes = np.array([self._index[ch] for ch in text])  # (N,) character indices
        self.n_in = self.n_out = len(self.characters)
        self.input_names = self.output_names = tuple(shown(ch) for ch in self.characters)
        self.chance = float(np.bincount(self.codes).max() / len(self.codes))

    def sample(self, batch, rng):
        """X (T, B, V) one-hot characters of random windows, D (T, B, V) the next characters,
        mask (T, B) ones."""
        B, T = check_batch(batch), self.values["length"]
        starts = rng.integers(0, len(self.codes) - T, B)  # (B,)
        window = self.codes[starts[None, :] + np.arange(T + 1)[:, None]]  # (T + 1, B)
        return one_hot(window[:T], self.n_in), one_hot(window[1:], self.n_out), np.ones((T, B))

    def score(self, y, D, mask):
        """accuracy (argmax is the next character; chance: the most frequent character) and
        bits_per_char (−log₂ of the probability given to the next character)."""
        y, D, mask = check_scored(y, D, mask)
        p = np.sum(y * D, axis=-1)  # (T, B) probability of the right character
        return {
            "accuracy": class_accuracy(y, D, mask),
            "bits_per_char": masked_mean(-np.log2(np.maximum(p, 1e-12)), mask),
        }

    def encode(self, text: str, name: str = "text") -> np.ndarray:
        """(len(text), V) one-hot rows; a character not in the alphabet raises ValueError."""
        for i, ch in enumerate(text):
            if ch not in self._index:
                raise ValueError(
                    f"{name}: character {shown(ch)!r} at position {i + 1} is not in "
                    "the text's alphabet"
                )
        return one_hot([self._index[ch] for ch in text], self.n_in)

    def generate(
        self, net, seed_text: str, n: int, rng: np.random.Generator, temperature: float = 1.0
    ) -> str:
        """Sample ``n`` characters from ``net`` after it has read ``seed_text``.

        Parameters
        ----------
        net : rnnsim.engine.Network
            Trained on this task (n_in = n_out = alphabet size, softmax output).
        seed_text : str
            Non-empty text in the task's alphabet; the network reads it first.
        n : int >= 0
            Characters to generate.
        rng : numpy.random.Generator
        temperature : float > 0
            Divides the log-probabilities: below 1 sharper (more likely characters), above 1
            flatter.

        Returns
        -------
        str
            The generated characters (without the seed).
        """
        self._check_generator(net, seed_text, n, temperature)
        if self.values["lowercase"]:
            seed_text = seed_text.lower()
        X = self.encode(seed_text, "seed_text")[:, None, :].astype(net.dtype)  # (L, 1, V)
        trace = net.forward(X)
        out = []
        for _ in range(n):
            logp = np.log(np.maximum(trace.y[-1, 0].astype(np.float64), 1e-300)) / temperature
            p = np.exp(logp - logp.max())
            k = int(rng.choice(self.n_out, p=p / p.sum()))
            out.append(self.characters[k])
            c0 = None if trace.c is None else trace.c[-1].copy()
            x = one_hot([[k]], self.n_in).astype(net.dtype)  # (1, 1, V)
            trace = net.forward(x, trace.s[-1].copy(), c0=c0)
        return "".join(out)

    def _check_generator(self, net, seed_text, n, temperature):
        if (getattr(net, "n_in", None), getattr(net, "n_out", None)) != (
            self.n_in,
            self.n_out,
        ) or getattr(net, "output", None) != "softmax":
            raise ValueError(
                f"net: got {net!r}, expected a Network with n_in = n_out = "
                f"{self.n_in} and a softmax output"
            )
        if not isinstance(seed_text, str) or not seed_text:
            raise ValueError(f"seed_text: got {seed_text!r}, expected non-empty text")
        if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 0:
            raise ValueError(f"n: got {n!r}, expected an integer >= 0")
        if (
            isinstance(temperature, bool)
            or not isinstance(temperature, int | float)
            or not 0 < temperature < float("inf")
        ):
            raise ValueError(f"temperature: got {temperature!r}, expected a number > 0")
