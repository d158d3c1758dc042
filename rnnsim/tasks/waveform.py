"""Next-value prediction of sine, square and sawtooth waves."""

from __future__ import annotations

import numpy as np

from .base import Knob, Task, check_batch, check_scored, mean_square, number_word

SHAPES = ("sine", "square", "sawtooth")
#: Mean of the squared wave over a period: the mse of always predicting 0 (the wave's mean).
POWER = {"sine": 0.5, "square": 1.0, "sawtooth": 1.0 / 3.0}


def wave(shape: str, phase):
    """The unit-amplitude wave at ``phase`` (in periods; any shape), values in [−1, 1]."""
    frac = np.mod(phase, 1.0)
    if shape == "sine":
        return np.sin(2.0 * np.pi * frac)
    if shape == "square":
        return np.where(frac < 0.5, 1.0, -1.0)
    return 2.0 * frac - 1.0


class WaveformTask(Task):
    """See ``description``."""

    name = "waveform"
    title = "Waveform prediction"
    description = (
        "Next-value prediction: the input x_t is a sine, square or sawtooth wave (random phase, "
        "plus Gaussian noise), and the target is the wave's clean value at the next frame "
        "(linear output, squared error). 'mixed' draws the shape per sequence, so the state "
        "must also work out which wave it is. Always predicting 0, the wave's mean, gives the "
        "chance mse; score also reports the mse of repeating the current input (persistence)."
    )
    knobs = (
        Knob("shape", "choice", "sine", choices=(*SHAPES, "mixed"), help="Which wave."),
        Knob("period", "float", 16.0, 2.0, 200.0, help="Frames per period."),
        Knob("noise", "float", 0.0, 0.0, 1.0, help="Standard deviation of the input noise."),
        Knob("length", "int", 40, 2, 1000, help="Frames per sequence T."),
    )
    output = "linear"
    loss = "mse"
    primary_metric = "mse"

    def _setup(self):
        self.n_in, self.n_out = 1, 1
        self.input_names, self.output_names = ("x",), ("next x",)
        shape = self.values["shape"]
        self.chance = float(np.mean(list(POWER.values())) if shape == "mixed" else POWER[shape])

    def sample(self, batch, rng):
        """X (T, B, 1) noisy wave, D (T, B, 1) clean wave one frame later, mask (T, B) ones."""
        B, T = check_batch(batch), self.values["length"]
        shape = self.values["shape"]
        kinds = (
            rng.integers(0, len(SHAPES), B) if shape == "mixed" else np.full(B, SHAPES.index(shape))
        )  # (B,) index into SHAPES
        phase = rng.random(B)[None, :] + np.arange(T + 1)[:, None] / self.values["period"]
        clean = np.empty((T + 1, B))  # (T + 1, B) the wave at frames 0..T
        for k, name in enumerate(SHAPES):
            cols = kinds == k
            clean[:, cols] = wave(name, phase[:, cols])
        X = clean[:T] + self.values["noise"] * rng.standard_normal((T, B))
        return X[:, :, None], clean[1:, :, None], np.ones((T, B))

    def score(self, y, D, mask):
        """mse (chance: predicting 0), baseline_mse (predicting 0, on this batch) and
        persistence_mse (predicting that the clean wave stays where it is: D[t] from D[t − 1])."""
        y, D, mask = check_scored(y, D, mask)
        zero = mean_square(np.zeros_like(D), D, mask)
        still = mean_square(D[:-1], D[1:], mask[1:]) if D.shape[0] > 1 else float("nan")
        return {"mse": mean_square(y, D, mask), "baseline_mse": zero, "persistence_mse": still}

    def input_words(self):
        """Numbers (the wave's values)."""
        return ()

    def target_words(self):
        return ()

    def encode_input(self, word):
        """The value x_t, a number."""
        return np.array([number_word(word, "input", self)])

    def encode_target(self, word):
        """The next value, a number."""
        return np.array([number_word(word, "target", self)])

    def input_token(self, x):
        """The value with two decimals."""
        return f"{x[0]:+.2f}"

    def output_token(self, d):
        """The target value with two decimals."""
        return f"{d[0]:+.2f}"
