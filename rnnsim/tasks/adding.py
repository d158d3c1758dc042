"""Hochreiter and Schmidhuber's adding problem: sum the two marked values of a long sequence."""

from __future__ import annotations

import numpy as np

from .base import Knob, Task, check_batch, check_scored, masked_mean, mean_square, number_word

#: Mean square error of always answering 1 (the expected sum): Var(u1 + u2) = 2/12.
BASELINE_MSE = 1.0 / 6.0
TOLERANCE = 0.04


class AddingTask(Task):
    """See ``description``."""

    name = "adding"
    title = "Adding problem"
    description = (
        "Hochreiter and Schmidhuber's adding problem. Each frame has two channels: a random "
        "value in [0, 1] and a marker. Exactly two frames are marked, one in each half of the "
        "sequence; at the last frame the network must output the sum of the two marked values "
        "(linear output, squared error). Always answering 1, the expected sum, scores a mean "
        "square error of 1/6: that is the baseline to beat (chance). accuracy counts answers "
        f"within {TOLERANCE} of the sum."
    )
    knobs = (Knob("length", "int", 30, 2, 1000, help="Frames per sequence T."),)
    output = "linear"
    loss = "mse"
    primary_metric = "mse"

    def _setup(self):
        self.n_in, self.n_out = 2, 1
        self.input_names, self.output_names = ("value", "marker"), ("sum",)
        self.chance = BASELINE_MSE

    def sample(self, batch, rng):
        """X (T, B, 2) value and marker, D (T, B, 1) the sum at the last frame, mask (T, B)
        one at the last frame only."""
        B, T = check_batch(batch), self.values["length"]
        half = T // 2
        X = np.zeros((T, B, 2))
        X[:, :, 0] = rng.random((T, B))
        cols = np.arange(B)
        first = rng.integers(0, half, B)  # (B,) marked frame in the first half
        second = rng.integers(half, T, B)  # (B,) marked frame in the second half
        X[first, cols, 1] = 1.0
        X[second, cols, 1] = 1.0
        D = np.zeros((T, B, 1))
        D[T - 1, :, 0] = X[first, cols, 0] + X[second, cols, 0]
        mask = np.zeros((T, B))
        mask[T - 1] = 1.0
        return X, D, mask

    def score(self, y, D, mask):
        """mse (chance: 1/6), accuracy (|error| < 0.04), and on this batch the
        constant-prediction baseline: baseline_mse and baseline_accuracy of always saying 1."""
        y, D, mask = check_scored(y, D, mask)
        err = np.abs(y[..., 0] - D[..., 0])  # (T, B)
        base = np.abs(1.0 - D[..., 0])  # (T, B) error of always answering 1
        return {
            "mse": mean_square(y, D, mask),
            "accuracy": masked_mean(err < TOLERANCE, mask),
            "baseline_mse": masked_mean(base**2, mask),
            "baseline_accuracy": masked_mean(base < TOLERANCE, mask),
        }

    def input_words(self):
        """Numbers: a value, starred when marked (``0.42*``)."""
        return ()

    def target_words(self):
        return ()

    def encode_input(self, word):
        """``0.42`` → (0.42, 0); ``0.42*`` → (0.42, 1): a marked value."""
        marked = word.endswith("*")
        return np.array(
            [number_word(word[:-1] if marked else word, "input", self), 1.0 if marked else 0.0]
        )

    def encode_target(self, word):
        """The sum, a number."""
        return np.array([number_word(word, "target", self)])

    def input_token(self, x):
        """The value with two decimals, starred when marked (``0.42*``)."""
        return f"{x[0]:.2f}{'*' if x[1] > 0.5 else ''}"

    def output_token(self, d):
        """The target sum with two decimals."""
        return f"{d[0]:.2f}"
