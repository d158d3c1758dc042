"""Weight updates (clipping, optimiser, divergence rollback) and the fast training loop."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from rnnsim.engine import clip_by_norm, clip_by_value, grad_norms

CALLBACK_INTERVAL = 0.03  # seconds between progress callbacks of train()
METRICS_ALWAYS = 100  # train() scores every update up to this update number, then …
METRICS_EVERY = 10  # … every METRICS_EVERY-th (the task's metrics cost as much as the rest)


@dataclass(frozen=True)
class Progress:
    """Where a ``train(n)`` call stands: ``done`` of ``total`` updates, at ``rate`` updates/s."""

    done: int
    total: int
    rate: float
    elapsed: float


class TrainingMixin:
    """Update and training operations of ``Simulation`` (see there for the attributes)."""

    # ----------------------------------------------------------------- one update
    def apply_pending(self, check_weights: bool = True) -> bool:
        """Apply the mean of the accumulated gradients; False if training diverged."""
        grads = self.accumulator.mean()
        losses = [s[0] for s in self._stats]
        names = {m for s in self._stats for m in s[1]}
        metrics = {m: float(np.mean([s[1][m] for s in self._stats if m in s[1]]))
                   for m in names}
        self.accumulator.reset()
        self._stats = []
        return self._apply_update(grads, float(np.mean(losses)) if losses else math.nan,
                                  metrics, check_weights)

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
            return self._diverged(what, total, self._good, self.updates + 1)
        clipped = False
        if exp.clip_value is not None:
            grads, clipped = clip_by_value(grads, exp.clip_value)
        if exp.clip_norm is not None and (clipped or total > exp.clip_norm):
            grads, _, by_norm = clip_by_norm(grads, exp.clip_norm)
            clipped = clipped or by_norm
        self._checkpoint()
        deltas = self.optimizer.step(params, grads)
        self.updates += 1
        self.delta_weights, self.grad_norms, self.clipped = deltas, norms, clipped
        self.history.append(self.updates, loss, metrics, norms, total, clipped)
        if check_weights and not self.weights_finite():
            return self._weights_diverged()
        return True

    def _checkpoint(self) -> None:
        """Keep the weights, optimiser state and update count as they are now in ``_good``:
        what a divergence rolls back to. The optimiser's slot arrays need no copy (its steps
        replace them, see ``Optimizer.state_dict``)."""
        self._good = ({k: p.copy() for k, p in self.net.params.items()},
                      self.optimizer.state_dict(copy=False), self.updates)

    def weights_finite(self) -> bool:
        """True when no weight is NaN or Inf."""
        return all(np.isfinite(p).all() for p in self.net.params.values())

    def _weights_diverged(self) -> bool:
        """The last update made a weight NaN or Inf: undo it."""
        norm = self.history.rows[-1][4] if len(self.history) else math.nan
        return self._diverged("the weights", norm, self._good, self.updates)

    def _diverged(self, what: str, norm: float, good, failed: int) -> bool:
        """Restore ``good`` (weights, optimiser state, update count), say what happened."""
        self.accumulator.reset()
        self._stats = []
        if good is None:
            where = "there are no earlier weights to go back to (the weights are as initialised)"
        else:
            weights, opt_state, updates = good
            for k, p in self.net.params.items():
                p[...] = weights[k]
            self.optimizer.load_state_dict(opt_state)
            self.updates = updates
            self.history.truncate(updates)
            self._good = None
            where = f"rolled back to the weights after update {updates}"
        self.delta_weights = {k: np.zeros_like(v) for k, v in self.net.params.items()}
        exp = self.experiment
        clip = ("turn on gradient clipping (clip_norm, e.g. 1)" if exp.clip_norm is None
                else f"clip harder (clip_norm is {exp.clip_norm:g})")
        self.message = (f"Training diverged at update {failed}: {what} became NaN or Inf "
                        f"(gradient norm {norm:.3g}); {where}. Try: {clip}, a lower learning "
                        f"rate (lr is {exp.lr:g}), or a smaller W_s scale.")
        self.diverged = True
        return False

    def _capture(self):
        """A closure that restores every update-related value to what it is now."""
        params = {k: p.copy() for k, p in self.net.params.items()}
        opt, acc = self.optimizer.state_dict(copy=False), self.accumulator.state_dict()
        values = (list(self._stats), self.delta_weights, self.grad_norms, self.clipped,
                  self.updates, list(self.history.rows), self._good, self.message)

        def restore():
            for k, p in self.net.params.items():
                p[...] = params[k]
            self.optimizer.load_state_dict(opt)
            self.accumulator.load_state_dict(acc)
            (stats, self.delta_weights, self.grad_norms, self.clipped, self.updates, rows,
             self._good, self.message) = values
            self._stats = list(stats)
            self.history.rows.clear()
            self.history.rows.extend(rows)

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
        if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 0:
            raise ValueError(f"n: got {n!r}, expected an integer >= 0")
        self._clear_undo()
        self.message, self.diverged = "", False
        start = time.perf_counter()
        first = self.updates
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            self._train_loop(n, callback, should_stop, start)
            if not self.diverged and not self.weights_finite():
                self._weights_diverged()
            self._unshown = None
            self._show_batch(None)
        done = max(0, self.updates - first)
        if callback is not None:
            elapsed = time.perf_counter() - start
            callback(Progress(done, n, done / elapsed if elapsed > 0 else 0.0, elapsed))
        return done

    def _train_loop(self, n, callback, should_stop, start) -> None:
        """Updates until n are done, ``should_stop()`` or divergence."""
        last = start
        done, batch, size = 0, None, self.experiment.batch_size
        while done < n and not (should_stop is not None and should_stop()):
            due = callback is not None and time.perf_counter() - last >= CALLBACK_INTERVAL
            if self.update_due:
                ok = self.apply_pending(check_weights=False)
            else:
                # a batch that may be shown keeps the generator's state before it (saved with
                # the run); the others need not pay for reading that state
                batch = self._sample() if due else (*self.task.sample(size, self.rng), None)
                ok = self._train_batch(batch)
                if ok is None:
                    continue
            if not ok:
                break
            done += 1
            if due and batch is not None and batch[3] is not None:  # not a held-over batch
                last = time.perf_counter()
                self._unshown = batch  # run forward only if a snapshot() asks for it
                callback(Progress(done, n, done / (last - start), last - start))

    def _train_batch(self, batch):
        """Forward + sweep over one batch; None while gradients are still being gathered,
        else whether the update succeeded."""
        net, dt = self.net, self.net.dtype
        X, D, mask, _ = batch
        X, D, mask = X.astype(dt, copy=False), D.astype(dt, copy=False), \
            mask.astype(dt, copy=False)
        bptt = self.experiment.bptt_steps
        if self._scored(self.updates + 1):
            loss, grads, y = net.loss_and_grads(X, D, mask, bptt_steps=bptt, return_y=True)
            metrics = self.task.score(y, D, mask)
        else:
            loss, grads = net.loss_and_grads(X, D, mask, bptt_steps=bptt)
            metrics = {}
        self.sequence += 1
        if self.accumulator.M == 1:
            return self._apply_update(grads, loss, metrics, check_weights=False)
        self._stats.append((loss, metrics))
        if not self.accumulator.add(grads):
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
