"""Weight updates (clipping, optimiser, divergence rollback) and the fast training loop."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from rnnsim.engine import Network, clip_by_norm, clip_by_value, grad_norms
from rnnsim.engine.threads import blas_threads, threads_for

if TYPE_CHECKING:
    from .experiment import Experiment
    from .training_state import TrainingState

CALLBACK_INTERVAL = 0.03  # seconds between progress callbacks of train()
METRICS_ALWAYS = 100  # train() scores every update up to this update number, then …
METRICS_EVERY = 10  # … every METRICS_EVERY-th (the task's metrics cost as much as the rest)
GROWTH_FACTOR = 10.0  # a loss this many times its lowest (and above its first) is warned of


@dataclass(frozen=True)
class Progress:
    """Where a ``train(n)`` call stands: ``done`` of ``total`` updates, at ``rate`` updates/s."""

    done: int
    total: int
    rate: float
    elapsed: float


class TrainingMixin:
    """Update and training operations of ``Simulation`` (see there for the attributes).

    They change ``self.training`` (a ``TrainingState``) and the weights in place.
    """

    # provided by Simulation
    experiment: Experiment
    net: Network
    task: Any
    rng: np.random.Generator
    training: TrainingState
    run: Any
    sequence: int
    message: str
    diverged: bool
    divergence: dict | None
    _unshown: tuple | None

    if TYPE_CHECKING:

        @property
        def update_due(self) -> bool: ...

        def _clear_undo(self) -> None: ...

        def _sample(self) -> tuple: ...

        def _new_run(self, batch=None) -> Any: ...

    # ----------------------------------------------------------------- one update
    def apply_pending(self, check_weights: bool = True) -> bool:
        """Apply the mean of the accumulated gradients; False if training diverged."""
        state = self.training
        grads = state.accumulator.mean()
        losses = [s[0] for s in state.stats]
        names = {m for s in state.stats for m in s[1]}
        metrics = {m: float(np.mean([s[1][m] for s in state.stats if m in s[1]])) for m in names}
        state.accumulator.reset()
        state.stats = []
        return self._apply_update(
            grads, float(np.mean(losses)) if losses else math.nan, metrics, check_weights
        )

    def _apply_update(self, grads, loss: float, metrics: dict, check_weights=True) -> bool:
        """Clip ``grads``, take an optimiser step and record it; roll back on divergence.

        With ``check_weights`` False (the training loop) the new weights are not scanned:
        a NaN or Inf weight makes the next batch's loss NaN (0·Inf and 0·NaN are NaN), which
        is caught here, and ``train`` scans the weights once at its end.
        """
        exp, params = self.experiment, self.net.params
        norms = grad_norms(grads)
        total = math.hypot(*norms.values())  # = engine.global_norm(grads), bit for bit
        if not (math.isfinite(loss) and math.isfinite(total)):
            if not self.weights_finite():
                return self._weights_diverged()
            what = "the gradient" if math.isfinite(loss) else "the loss"
            return self._diverged(what, total, self.training.good, self.training.updates + 1)
        clipped = False
        if exp.clip_value is not None:
            grads, clipped = clip_by_value(grads, exp.clip_value)
        if exp.clip_norm is not None and (clipped or total > exp.clip_norm):
            grads, _, by_norm = clip_by_norm(grads, exp.clip_norm)
            clipped = clipped or by_norm
        self._checkpoint()
        state = self.training
        deltas = state.optimizer.step(params, grads)
        state.updates += 1
        state.delta_weights, state.grad_norms, state.clipped = deltas, norms, clipped
        state.history.append(state.updates, loss, metrics, norms, total, clipped)
        if check_weights and not self.weights_finite():
            return self._weights_diverged()
        return True

    def _checkpoint(self) -> None:
        """Keep the weights, optimiser state and update count as they are now in ``training.good``:
        what a divergence rolls back to. The optimiser's slot arrays need no copy (its steps
        replace them, see ``Optimizer.state_dict``)."""
        self.training.good = (
            {k: p.copy() for k, p in self.net.params.items()},
            self.training.optimizer.state_dict(copy=False),
            self.training.updates,
        )

    def weights_finite(self) -> bool:
        """True when no weight is NaN or Inf."""
        return all(np.isfinite(p).all() for p in self.net.params.values())

    def _weights_diverged(self) -> bool:
        """The last update made a weight NaN or Inf: undo it."""
        norm = self.training.history.rows[-1][4] if len(self.training.history) else math.nan
        return self._diverged("the weights", norm, self.training.good, self.training.updates)

    def _diverged(self, what: str, norm: float, good, failed: int) -> bool:
        """Restore ``good`` (weights, optimiser state, update count), say what happened."""
        state = self.training
        state.accumulator.reset()
        state.stats = []
        if good is None:  # the update was not applied: a NaN loss or gradient is caught first
            kept = (
                "the weights are as initialised"
                if state.updates == 0
                else f"the weights stay those after update {state.updates}"
            )
            where = f"there are no earlier weights to go back to ({kept})"
        else:
            weights, opt_state, updates = good
            for k, p in self.net.params.items():
                p[...] = weights[k]
            state.optimizer.load_state_dict(opt_state)
            state.updates = updates
            state.history.truncate(updates)
            state.good = None
            where = f"rolled back to the weights after update {updates}"
        state.delta_weights = {k: np.zeros_like(v) for k, v in self.net.params.items()}
        exp = self.experiment
        clip = (
            "turn on gradient clipping (clip_norm, e.g. 1)"
            if exp.clip_norm is None
            else f"clip harder (clip_norm is {exp.clip_norm:g})"
        )
        reason = f"{what} became NaN or Inf (gradient norm {norm:.3g})"
        self.message = (
            f"Training diverged at update {failed}: {reason}; {where}. Try: "
            f"{clip}, a lower learning rate (lr is {exp.lr:g}), or a smaller W_s "
            "scale."
        )
        self.diverged = True
        self.divergence = {
            "update": int(failed),
            "rolled_back_to": None if good is None else int(good[2]),
            "reason": reason,
        }
        return False

    def loss_growth(self) -> str:
        """A warning when the loss (median of the last 5 updates) is ``GROWTH_FACTOR`` times
        the lowest it has been and above its first value: unstable training that has not
        reached NaN (yet); else "".
        """
        rows = self.training.history.rows
        if len(rows) < 6:
            return ""
        losses = np.array([r[1] for r in rows])  # (updates,) at most the history's limit
        finite = np.isfinite(losses)
        if finite[-5:].sum() < 3 or not finite[:-5].any():
            return ""
        now = float(np.median(losses[-5:][finite[-5:]]))
        low = int(np.argmin(np.where(finite[:-5], losses[:-5], np.inf)))
        best, first = float(losses[low]), float(losses[0])
        if not (best > 0 and now > GROWTH_FACTOR * best and now > first):
            return ""
        exp = self.experiment
        clip = (
            "turn on gradient clipping (clip_norm, e.g. 1)"
            if exp.clip_norm is None
            else "clip harder"
        )
        return (
            f"Warning: the loss grew from {best:.3g} (update {rows[low][0]}) to {now:.3g} "
            f"(update {rows[-1][0]}): training is unstable. Try: a lower learning rate "
            f"(lr is {exp.lr:g}), {clip}, or a smaller W_s scale."
        )

    def _capture(self):
        """A closure that restores every update-related value to what it is now."""
        state = self.training
        params = {k: p.copy() for k, p in self.net.params.items()}
        opt, acc = state.optimizer.state_dict(copy=False), state.accumulator.state_dict()
        values = (
            list(state.stats),
            state.delta_weights,
            state.grad_norms,
            state.clipped,
            state.updates,
            list(state.history.rows),
            state.good,
        )
        message = self.message

        def restore():
            for k, p in self.net.params.items():
                p[...] = params[k]
            state.optimizer.load_state_dict(opt)
            state.accumulator.load_state_dict(acc)
            (
                stats,
                state.delta_weights,
                state.grad_norms,
                state.clipped,
                state.updates,
                rows,
                state.good,
            ) = values
            state.stats = list(stats)
            state.history.rows.clear()
            state.history.rows.extend(rows)
            self.message = message

        return restore

    # ----------------------------------------------------------------- fast path
    def train(self, n: int, callback=None, should_stop=None) -> int:
        """Apply ``n`` updates as fast as possible (no per-step records; clears the undo stack).

        Each update takes M = ``update_every`` fresh batches, each through forward + full sweep
        (= ``net.loss_and_grads``). The sequence being stepped is abandoned; an update that is
        due is applied first. Afterwards the display shows a new sequence run forward. The
        loss and gradient norms of every update enter the history; the task's metrics those of
        updates 1..100 and every 10th after (NaN for the others; see ``_scored``).

        Parameters
        ----------
        n : int
            Updates to apply (>= 0).
        callback : callable or None
            ``callback(Progress)``, at most every ~30 ms and once at the end. A
            ``snapshot()`` taken in it shows the batch just trained on, run forward.
        should_stop : callable or None
            Checked before every batch; training stops when it returns True.

        Returns
        -------
        int
            Updates applied (fewer than n when stopped or diverged; see ``message``).
        """
        session = self.begin_training(n, callback)
        session.run(should_stop=should_stop)
        return session.finish()

    def begin_training(self, n: int, callback=None) -> TrainingSession:
        """Start ``train(n, callback)`` as a session to run in chunks (see TrainingSession).

        ``train`` is ``begin_training`` + one ``run()`` + ``finish()``; running the session in
        chunks of any length gives the same weights, history and display, bit for bit.
        """
        if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 0:
            raise ValueError(f"n: got {n!r}, expected an integer >= 0")
        self._clear_undo()
        self.message, self.diverged, self.divergence = "", False, None
        return TrainingSession(self, int(n), callback)

    def _train_step(self, keep_batch: bool):
        """One step of ``train``: the due update, or one more batch through forward + sweep.

        Returns (ok, shown): ok is None while gradients are still being gathered, else whether
        the update succeeded; shown is True when the batch becomes the one the next
        ``snapshot()`` shows (only with ``keep_batch``: such a batch keeps the generator's
        state before it, saved with the run; the others need not pay for reading it).
        """
        if self.update_due:
            return self.apply_pending(check_weights=False), False
        if keep_batch:
            batch = self._sample()
        else:
            batch = (*self.task.sample(self.experiment.batch_size, self.rng), None)
        ok = self._train_batch(batch)
        if ok and keep_batch:
            self._unshown = batch  # run forward only if a snapshot() asks for it
        return ok, bool(ok and keep_batch)

    def _end_training(self) -> None:
        """After ``train``: scan the weights once, show a fresh sequence, warn of growth."""
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            if not self.diverged and not self.weights_finite():
                self._weights_diverged()
            self._unshown = None
            self._show_batch(None)
        if not self.diverged:
            self.message = self.loss_growth()

    def _train_batch(self, batch):
        """Forward + sweep over one batch; None while gradients are still being gathered,
        else whether the update succeeded."""
        net, dt = self.net, self.net.dtype
        X, D, mask, _ = batch
        X, D, mask = X.astype(dt, copy=False), D.astype(dt, copy=False), mask.astype(dt, copy=False)
        bptt = self.experiment.bptt_steps
        if self._scored(self.training.updates + 1):
            loss, grads, y = net.loss_and_grads(X, D, mask, bptt_steps=bptt, return_y=True)
            metrics = self.task.score(y, D, mask)
        else:
            loss, grads = net.loss_and_grads(X, D, mask, bptt_steps=bptt)
            metrics = {}
        self.sequence += 1
        if self.training.accumulator.M == 1:
            return self._apply_update(grads, loss, metrics, check_weights=False)
        self.training.stats.append((loss, metrics))
        if not self.training.accumulator.add(grads):
            return None
        return self.apply_pending(check_weights=False)

    @staticmethod
    def _scored(update: int) -> bool:
        """Whether the task's metrics of the batch going into ``update`` are computed.

        Updates 1..METRICS_ALWAYS and every METRICS_EVERY-th after are scored; the others'
        metrics are NaN in the history. The schedule depends on the update number only, so
        histories are reproducible.
        """
        return update <= METRICS_ALWAYS or update % METRICS_EVERY == 0

    def _show_batch(self, batch) -> None:
        """Make ``batch`` (None: a fresh one) the displayed sequence, run forward."""
        if batch is None:
            self.sequence += 1
        run = self._new_run(batch)
        run.run_forward()
        self.run = run


class TrainingSession:
    """One ``train(n)`` cut into chunks: ``run(budget_s)`` until it returns True, ``finish()``.

    A worker thread runs one chunk, handles the commands that arrived meanwhile, and runs the
    next: no command waits longer than a chunk, and nothing but this object holds the state
    of the training in between. Created by ``Simulation.begin_training``.

    Each chunk runs with the BLAS threads sized to the network's shapes (``threads``, from
    ``rnnsim.engine.threads.threads_for``, decided once here: one thread for small products),
    and gives the caller's setting back when it returns.
    """

    def __init__(self, sim, n: int, callback=None) -> None:
        self.sim, self.total, self.callback = sim, n, callback
        self.threads = threads_for(sim.net, sim.experiment.batch_size, sim.run.T)
        self.done = 0
        self.start = time.perf_counter()
        self._first = sim.updates
        self._last_callback = self.start
        self.finished = False

    @property
    def over(self) -> bool:
        """True when every update is done or training diverged (``finish()`` is next)."""
        return self.done >= self.total or self.sim.diverged

    def run(self, budget_s: float | None = None, should_stop=None) -> bool:
        """Apply updates until ``budget_s`` seconds have passed (None: no limit; at least one
        batch per call), all are done, ``should_stop()`` (checked before every batch) or
        divergence; True when ``over``."""
        if self.finished:
            raise RuntimeError("run: the session is finished; begin a new one")
        sim = self.sim
        end = None if budget_s is None else time.perf_counter() + budget_s
        with (
            np.errstate(over="ignore", invalid="ignore", divide="ignore"),
            blas_threads(self.threads),
        ):
            while not self.over and not (should_stop is not None and should_stop()):
                if not self._one_update(sim):
                    break
                if end is not None and time.perf_counter() >= end:
                    break
        return self.over

    def _one_update(self, sim) -> bool:
        """One update (or one more gathered batch); False when training diverged."""
        due = (
            self.callback is not None
            and time.perf_counter() - self._last_callback >= CALLBACK_INTERVAL
        )
        ok, shown = sim._train_step(keep_batch=due)
        if ok is None:
            return True
        if not ok:
            return False
        self.done += 1
        if shown:
            now = self._last_callback = time.perf_counter()
            self.callback(
                Progress(self.done, self.total, self.done / (now - self.start), now - self.start)
            )
        return True

    def finish(self) -> int:
        """End the session: scan the weights, show a fresh sequence; the updates applied."""
        if self.finished:
            raise RuntimeError("finish: the session is finished already")
        self.finished = True
        sim = self.sim
        sim._end_training()
        done = max(0, sim.updates - self._first)
        if self.callback is not None:
            elapsed = time.perf_counter() - self.start
            self.callback(
                Progress(done, self.total, done / elapsed if elapsed > 0 else 0.0, elapsed)
            )
        return done
