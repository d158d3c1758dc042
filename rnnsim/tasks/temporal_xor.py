"""Elman's temporal XOR: the target is the XOR of the current bit and the bit `lag` frames ago."""

from __future__ import annotations

import numpy as np

from .base import Knob, Task, check_batch, check_scored, masked_mean


class TemporalXorTask(Task):
    """See ``description``."""

    name = "temporal_xor"
    title = "Temporal XOR"
    description = (
        "Elman's classic (1990). The input is a stream of random bits x_t; the target at every "
        "frame is x_t XOR x_{t-lag}. Neither bit alone says anything about the answer, so the "
        "state must hold the last `lag` bits. Frames before the first full lag are not "
        "scored. accuracy (output above 0.5 means 1) has chance 0.5."
    )
    knobs = (
        Knob("lag", "int", 2, 1, 50, help="How many frames back the second bit is."),
        Knob("length", "int", 20, 2, 1000, help="Frames per sequence T (more than lag)."),
    )
    output = "sigmoid"
    loss = "binary_cross_entropy"

    def _setup(self):
        lag, T = self.values["lag"], self.values["length"]
        if lag >= T:
            raise ValueError(
                f"lag: got {lag}, expected an integer in [1, {T - 1}] (less than length = {T})"
            )
        self.n_in, self.n_out = 1, 1
        self.input_names, self.output_names = ("x",), (f"x XOR x-{lag}",)
        self.chance = 0.5

    def sample(self, batch, rng):
        """X (T, B, 1) bits, D (T, B, 1) X[t] XOR X[t − lag], mask (T, B) zero before ``lag``."""
        B, T, lag = check_batch(batch), self.values["length"], self.values["lag"]
        bits = rng.integers(0, 2, (T, B))  # (T, B)
        D = np.zeros((T, B, 1))
        D[lag:, :, 0] = bits[lag:] ^ bits[:-lag]
        mask = np.zeros((T, B))
        mask[lag:] = 1.0
        return bits[:, :, None].astype(np.float64), D, mask

    def score(self, y, D, mask):
        """accuracy: output above 0.5 equals the target bit (chance 0.5)."""
        y, D, mask = check_scored(y, D, mask)
        return {"accuracy": masked_mean(np.all((y > 0.5) == (D > 0.5), axis=-1), mask)}

    def input_words(self):
        """The bits ``0`` and ``1``."""
        return ("0", "1")

    def target_words(self):
        return ("0", "1")

    def encode_input(self, word):
        """``0`` or ``1``, the bit x_t."""
        return np.array([float(self._word_at(word, ("0", "1"), "input"))])

    def encode_target(self, word):
        """``0`` or ``1``, the target bit."""
        return np.array([float(self._word_at(word, ("0", "1"), "target"))])

    def input_token(self, x):
        """The bit, ``0`` or ``1``."""
        return "1" if x[0] > 0.5 else "0"

    def output_token(self, d):
        """The target bit, ``0`` or ``1``."""
        return "1" if d[0] > 0.5 else "0"
