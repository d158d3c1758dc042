"""Copy: remember a string of symbols, wait through a delay, recall it."""

from __future__ import annotations

import string

import numpy as np

from .base import Knob, Task, check_batch, check_scored, class_accuracy, one_hot

GO = "go"


class CopyTask(Task):
    """See ``description``. Frames: ``length`` symbols, ``delay`` blanks, then the recall."""

    name = "copy"
    title = "Copy after a delay"
    description = (
        "The network sees a string of `length` random symbols, then `delay` blank frames, then "
        "a 'go' signal, and must write the string back, one symbol per frame, starting at the "
        "'go' frame. Only the recall frames are scored (accuracy, chance 1/symbols). The "
        "longer the delay, the longer the state must hold the string."
    )
    knobs = (
        Knob("symbols", "int", 4, 2, 26, help="Size of the alphabet (A, B, C, ...)."),
        Knob("length", "int", 3, 1, 50, help="Symbols to remember."),
        Knob("delay", "int", 5, 0, 200, help="Blank frames between the string and 'go'."),
    )

    def _setup(self):
        k = self.values["symbols"]
        letters = tuple(string.ascii_uppercase[:k])
        self.n_in, self.n_out = k + 1, k
        self.input_names, self.output_names = (*letters, GO), letters
        self.chance = 1.0 / k

    @property
    def length(self) -> int:
        """T = 2·length + delay frames."""
        return 2 * self.values["length"] + self.values["delay"]

    def sample(self, batch, rng):
        """X (T, B, symbols + 1): one-hot symbols, blanks (zeros) and the 'go' unit;
        D (T, B, symbols): the string again over the last ``length`` frames (mask 1 there)."""
        B, T = check_batch(batch), self.length
        L, k = self.values["length"], self.values["symbols"]
        text = rng.integers(0, k, (L, B))  # (L, B) symbol indices
        X = np.zeros((T, B, self.n_in))
        X[:L] = one_hot(text, self.n_in)
        X[T - L, :, k] = 1.0
        D = np.zeros((T, B, self.n_out))
        D[T - L :] = one_hot(text, k)
        mask = np.zeros((T, B))
        mask[T - L :] = 1.0
        return X, D, mask

    def score(self, y, D, mask):
        """accuracy (recalled symbols right; chance 1/symbols) and sequence_accuracy (whole
        string right)."""
        y, D, mask = check_scored(y, D, mask)
        wrong = (np.argmax(y, -1) != np.argmax(D, -1)) & (mask > 0)  # (T, B)
        return {
            "accuracy": class_accuracy(y, D, mask),
            "sequence_accuracy": float(np.mean(~np.any(wrong, axis=0))),
        }
