"""Text written by the current network, for tasks that can generate (``text``).

The simulation adds a ``GeneratedText`` to every snapshot of such a task
(``Snapshot.extras["generated"]``). Sampling costs a forward step per character, so a
``SampleCache`` writes a new sample only when the weights changed, and at most once per
``min_interval`` seconds while training::

    cache = SampleCache()
    generated = cache.get(sim, throttle=True)   # GeneratedText, or None for other tasks
    generated.seed_text, generated.temperature, generated.text, generated.updates
"""

from __future__ import annotations

import time
import zlib
from dataclasses import dataclass

import numpy as np

SEED_TEXT = "the "
TEMPERATURE = 0.5
LENGTH = 80
SAMPLE_SEED = 4  # the sampling stream: default_rng([experiment seed, SAMPLE_SEED])
MIN_INTERVAL = 1.0  # seconds between samples while training


@dataclass(frozen=True)
class GeneratedText:
    """One sample of the network's writing.

    Attributes
    ----------
    seed_text : str
        What the network read first.
    temperature : float
        Divides the log-probabilities before sampling (< 1: sharper).
    text : str
        The generated characters, without the seed ("" when ``error`` is set).
    updates : int
        Weight updates applied when the sample was written.
    error : str
        Why there is no text (a diverged network), else "".
    """

    seed_text: str
    temperature: float
    text: str
    updates: int
    error: str = ""


def seed_text_for(task, preferred: str = SEED_TEXT) -> str:
    """``preferred`` when the task's alphabet has its characters, else the text's first
    ``len(preferred)`` characters."""
    try:
        task.encode(preferred, "seed_text")
    except ValueError:
        return "".join(task.characters[int(c)] for c in task.codes[: len(preferred)])
    return preferred


def generate_sample(sim, n: int = LENGTH, temperature: float = TEMPERATURE) -> GeneratedText:
    """Text ``sim``'s network writes now (the same random stream every time, so two samples
    differ only because the weights did).

    Raises
    ------
    ValueError
        The task cannot generate text (names the task).
    """
    task = sim.task
    if not hasattr(task, "generate"):
        raise ValueError(f"task: got {task.name!r}, expected a task that generates text (text)")
    seed = seed_text_for(task)
    if not all(np.isfinite(p).all() for p in sim.net.params.values()):
        return GeneratedText(
            seed,
            temperature,
            "",
            sim.updates,
            error="the weights are not finite (the network diverged)",
        )
    rng = np.random.default_rng([sim.experiment.seed, SAMPLE_SEED])
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        text = task.generate(sim.net, seed, n, rng, temperature)
    return GeneratedText(seed, temperature, text, sim.updates)


def weights_key(sim) -> tuple:
    """Identifies the network's weights and the task they are sampled for (a CRC of every
    parameter's bytes, so undo, reset and loading are all seen)."""
    crc = 0
    for name in sorted(sim.net.params):
        crc = zlib.crc32(np.ascontiguousarray(sim.net.params[name]).data, crc)
    exp = sim.experiment
    return crc, exp.task, tuple(sorted((k, repr(v)) for k, v in exp.knobs.items())), exp.seed


class SampleCache:
    """The last sample, rewritten when the weights change.

    Parameters
    ----------
    min_interval : float
        Seconds a sample is kept while throttled, even when the weights changed.
    """

    def __init__(self, min_interval: float = MIN_INTERVAL) -> None:
        if not min_interval >= 0:
            raise ValueError(f"min_interval: got {min_interval!r}, expected a number >= 0")
        self.min_interval = min_interval
        self.key: tuple | None = None
        self.sample: GeneratedText | None = None
        self.written_at = -float("inf")
        self.count = 0  # samples written (for tests and benchmarks)

    def get(self, sim, throttle: bool = False) -> GeneratedText | None:
        """The sample for ``sim``'s current weights; None when its task cannot generate.

        With ``throttle`` (training), a sample younger than ``min_interval`` is returned
        even if the weights changed since.
        """
        if not hasattr(sim.task, "generate"):
            self.key = self.sample = None
            return None
        key = weights_key(sim)
        now = time.monotonic()
        fresh = (
            throttle
            and self.sample is not None
            and self.key is not None
            and key[1:] == self.key[1:]
            and now - self.written_at < self.min_interval
        )
        if key != self.key and not fresh:
            self.sample = generate_sample(sim)
            self.key, self.written_at = key, now
            self.count += 1
        return self.sample
