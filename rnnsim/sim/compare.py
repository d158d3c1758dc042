"""Comparison: two or more experiments on the same sequences, trained or stepped in lockstep.

    cmp = Comparison([lstm_exp, elman_exp], labels=["LSTM", "Elman RNN"])
    cmp.train(1000)                 # 1000 batches (gradients) for each, in lockstep
    cmp.loss_curves()               # per experiment: batches seen, loss
    cmp.gradient_flows()            # per experiment: ‖∂E_T/∂s_k‖ against the lag T − k
    cmp.scores()                    # the task's metrics on one shared fresh batch

"The same sequences": every experiment has the same task, knobs, batch size and seed, so each
simulation draws the same batches in the same order. Lockstep counts batches (gradients), not
updates: with M = 1 and M = 20 both see the same 20 sequences per chunk, the first applies 20
updates and the second one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .experiment import Experiment
from .simulation import Simulation

SAME = ("task", "knobs", "batch_size", "seed")
EVAL_SEED = 3  # the shared batch of gradient flows and scores: default_rng([seed, EVAL_SEED])


@dataclass(frozen=True)
class LossCurve:
    """One experiment's training loss against the batches (gradients) it has seen."""

    label: str
    batches: np.ndarray  # (n,) batches seen when each update was applied (update · M)
    loss: np.ndarray  # (n,) training loss of each update (mean over its M batches)


@dataclass(frozen=True)
class FlowCurve:
    """One experiment's vanishing-gradient curve on the shared batch."""

    label: str
    lag: np.ndarray  # (T+1,) T − k for k = T..0
    norm: np.ndarray  # (T+1,) ‖∂E[T−1]/∂s[k]‖ at that lag (Frobenius over batch and units)


def _lcm(values) -> int:
    out = 1
    for v in values:
        out = out * v // math.gcd(out, v)
    return out


class Comparison:
    """Simulations of several experiments that see the same sequences.

    Parameters
    ----------
    experiments : sequence of Experiment
        At least two; they must agree on task, knobs, batch_size and seed.
    labels : sequence of str or None
        One per experiment (default: each experiment's title).
    eval_batch : int
        Sequences in the shared batch of ``gradient_flows`` and ``scores``.

    Attributes
    ----------
    sims : list of Simulation
    stopped : list of str
        Per simulation: "" while it trains, else why it stopped (the divergence message).
    batches : int
        Batches each simulation has trained on through ``train``.
    """

    def __init__(self, experiments, labels=None, eval_batch: int = 256) -> None:
        experiments = list(experiments)
        _check(experiments)
        labels = [e.title for e in experiments] if labels is None else [str(s) for s in labels]
        if len(labels) != len(experiments):
            raise ValueError(
                f"labels: got {len(labels)}, expected one per experiment ({len(experiments)})"
            )
        if isinstance(eval_batch, bool) or not isinstance(eval_batch, int) or eval_batch < 1:
            raise ValueError(f"eval_batch: got {eval_batch!r}, expected an integer >= 1")
        self.labels = labels
        self.sims = [Simulation(e) for e in experiments]
        self.stopped = [""] * len(self.sims)
        self.batches = 0
        self.chunk = _lcm(e.update_every for e in experiments)
        rng = np.random.default_rng([experiments[0].seed, EVAL_SEED])
        self.eval_data = self.sims[0].task.sample(eval_batch, rng)  # X, D, mask (T, B, ·)

    @classmethod
    def from_preset(cls, preset, eval_batch: int = 256) -> Comparison:
        """The comparison a preset's guide lists (ValueError when it lists none)."""
        if len(preset.variants) < 2:
            raise ValueError(f"preset: {preset.name!r} lists no experiments to compare")
        return cls(
            [v.experiment for v in preset.variants], [v.label for v in preset.variants], eval_batch
        )

    @property
    def experiments(self) -> list[Experiment]:
        return [s.experiment for s in self.sims]

    # ----------------------------------------------------------------- driving
    def step(self) -> None:
        """One step of every simulation (see ``Simulation.step``)."""
        for sim in self.sims:
            sim.step()

    def train_chunk(self, should_stop=None, chunks: int = 1) -> int:
        """Train every running simulation on the next ``chunks`` · ``chunk`` batches (``chunk``
        is the least common multiple of the M's); returns the batches done (0 when stopped)."""
        if isinstance(chunks, bool) or not isinstance(chunks, int) or chunks < 1:
            raise ValueError(f"chunks: got {chunks!r}, expected an integer >= 1")
        batches = chunks * self.chunk
        for i, sim in enumerate(self.sims):
            if self.stopped[i]:
                continue
            sim.train(batches // sim.experiment.update_every, should_stop=should_stop)
            if sim.diverged:
                self.stopped[i] = sim.message
        if should_stop is not None and should_stop():
            return 0
        self.batches += batches
        return batches

    def train(self, batches: int, callback=None, should_stop=None) -> int:
        """Train every simulation on ``batches`` more batches, rounded up to whole chunks.

        ``callback(done, total)`` after each chunk; ``should_stop()`` is checked before each
        batch. Returns the batches done.
        """
        if isinstance(batches, bool) or not isinstance(batches, int) or batches < 0:
            raise ValueError(f"batches: got {batches!r}, expected an integer >= 0")
        total = -(-batches // self.chunk) * self.chunk
        done = 0
        while done < total:
            step = self.train_chunk(should_stop)
            if step == 0:
                break
            done += step
            if callback is not None:
                callback(done, total)
        return done

    # ----------------------------------------------------------------- results
    def loss_curves(self) -> list[LossCurve]:
        """Training loss of each simulation against batches seen."""
        out = []
        for label, sim in zip(self.labels, self.sims, strict=True):
            h = sim.history.frozen()
            out.append(LossCurve(label, h.update * sim.experiment.update_every, h.loss))
        return out

    def gradient_flows(self) -> list[FlowCurve]:
        """Row T−1 of each network's gradient flow on the shared batch, against the lag."""
        X, D, mask = self.eval_data
        out = []
        for label, sim in zip(self.labels, self.sims, strict=True):
            dt = sim.net.dtype
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                G = sim.net.gradient_flow(X.astype(dt), D.astype(dt), mask.astype(dt))
            T = G.shape[0]
            out.append(FlowCurve(label, np.arange(T + 1), G[T - 1, ::-1].astype(float)))
        return out

    def scores(self) -> list[dict[str, float]]:
        """The task's metrics and the loss of each network on the shared batch."""
        X, D, mask = self.eval_data
        out = []
        for sim in self.sims:
            dt = sim.net.dtype
            Xd, Dd, md = X.astype(dt), D.astype(dt), mask.astype(dt)
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                scores = sim.task.score(sim.net.forward(Xd).y, Dd, md)
                scores["loss"] = float(sim.net.loss(Xd, Dd, md))
            out.append({k: float(v) for k, v in scores.items()})
        return out

    def samples(self, n: int = 60, seed_text: str = "the ", temperature: float = 0.5):
        """Text each network writes after reading ``seed_text`` (tasks that can generate,
        such as ``text``; None for the others). The same random stream for every network."""
        task = self.sims[0].task
        if not hasattr(task, "generate"):
            return None
        seed = self.experiments[0].seed
        return [
            task.generate(
                sim.net, seed_text, n, np.random.default_rng([seed, EVAL_SEED]), temperature
            )
            for sim in self.sims
        ]

    def snapshots(self) -> list:
        """A frozen Snapshot of every simulation."""
        return [sim.snapshot() for sim in self.sims]


def _check(experiments: list) -> None:
    if len(experiments) < 2:
        raise ValueError(f"experiments: got {len(experiments)}, expected at least 2")
    for i, e in enumerate(experiments):
        if not isinstance(e, Experiment):
            raise ValueError(f"experiments[{i}]: got {type(e).__name__}, expected an Experiment")
    first = experiments[0]
    for i, e in enumerate(experiments[1:], start=1):
        for name in SAME:
            if getattr(e, name) != getattr(first, name):
                raise ValueError(
                    f"experiments[{i}].{name}: got {getattr(e, name)!r}, expected "
                    f"{getattr(first, name)!r} as in experiments[0] (a comparison runs every "
                    "experiment on the same sequences)"
                )
