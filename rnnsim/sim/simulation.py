"""Simulation: a network, a task, an optimiser and a cursor that steps through BPTT.

One step is one of: a forward frame (s[t+1] from s[t] and X[t]); one step of the backward
sweep (∂E/∂s[j] revealed from s[T] back to s[0], T+1 steps, after which the batch's gradient
joins the accumulator); the weight update (when M = ``update_every`` gradients are in); or
starting the next sequence. ``step_back`` undoes one step exactly from a bounded stack of small
undo records. ``train(n)`` is the fast path: n updates without per-step records.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections import deque

import numpy as np

from rnnsim.engine import Network

from . import persistence
from .apply import apply_experiment
from .build_snapshot import FlowTimer, build_snapshot
from .experiment import Experiment
from .memory import UNDO_BYTES, UNDO_SEQUENCES
from .samples import SampleCache
from .sequence import SequenceRun
from .snapshot import Cursor
from .state_check import build_restore
from .training import TrainingMixin
from .training_state import TrainingState

UNDO_LIMIT = 5000  # undo records kept (UNDO_SEQUENCES, UNDO_BYTES: see memory.py)


class Simulation(TrainingMixin):
    """The simulator's state and every operation the user drives.

    Parameters
    ----------
    experiment : Experiment or None
        None takes ``Experiment()``, the wolf story (the preset ``wolf`` is the same).

    Attributes
    ----------
    experiment, task, net, rng
        The run's configuration and live objects.
    training : TrainingState
        Optimiser, accumulator, history, update count and the divergence checkpoint, one
        object (``optimizer``, ``accumulator``, ``history``, ``updates``, ... read it).
    run : SequenceRun
        The current batch and how far it has been stepped.
    sequence : int
        Sequences started since the last reset (1-based for the current one).
    updates : int
        Weight updates applied since the last reset.
    message : str
        The last notice for the user (divergence, re-initialisation, …), else "".
    """

    def __init__(self, experiment: Experiment | None = None) -> None:
        experiment = Experiment() if experiment is None else experiment
        if not isinstance(experiment, Experiment):
            raise ValueError(f"experiment: got {type(experiment).__name__}, expected an Experiment")
        self.message = ""
        self.flow_timer = FlowTimer()  # predicts the cost of the snapshot's gradient flow
        self.samples = SampleCache()  # text the network writes (tasks that generate)
        # (experiment, state arrays) that ``undo_task`` restores
        self._before_task: tuple[Experiment, dict] | None = None
        self.install(experiment)

    # ----------------------------------------------------------------- building
    def install(
        self,
        experiment: Experiment,
        *,
        net: Network | None = None,
        training: TrainingState | None = None,
        task=None,
        rng=None,
        run: SequenceRun | None = None,
        sequence: int = 1,
    ) -> None:
        """Replace what the simulation runs: the one way to swap its state whole.

        ``reset``, ``apply`` and ``load`` go through here. Each part left None is made fresh
        from ``experiment``: the task, the network (weights from the seed), the training state
        (``TrainingState.fresh``), the generator (seeded) and the shown sequence (drawn). The
        undo stack is cleared.
        """
        self.experiment = experiment
        self.task = task if task is not None else experiment.make_task()
        self.net = (
            net
            if net is not None
            else Network.create(
                n_in=self.task.n_in, n_out=self.task.n_out, **experiment.network_settings()
            )
        )
        self.training = (
            training if training is not None else TrainingState.fresh(experiment, self.net.params)
        )
        self.rng = rng if rng is not None else np.random.default_rng([experiment.seed, 1])
        self._unshown = None  # a batch of train() to show as ``run`` in the next snapshot()
        self.diverged = False  # the last train() or update stopped on NaN/Inf
        self.divergence: dict | None = None  # then: {"update", "rolled_back_to", "reason"}
        self._undo: deque = deque()
        self._undo_sequences = 0
        self.run = run if run is not None else self._new_run()
        self.sequence = sequence

    # the training state, read-only here (training.py changes it; install replaces it)
    optimizer = property(lambda self: self.training.optimizer, doc="The optimiser.")
    accumulator = property(
        lambda self: self.training.accumulator, doc="The mini-batch accumulator (M = update_every)."
    )
    history = property(lambda self: self.training.history, doc="One row per update.")
    updates = property(
        lambda self: self.training.updates, doc="Weight updates applied since the last reset."
    )
    delta_weights = property(
        lambda self: self.training.delta_weights,
        doc="ΔW of the last update (zeros before the first).",
    )
    grad_norms = property(
        lambda self: self.training.grad_norms, doc="‖∂E/∂W‖ of the last update, before clipping."
    )
    clipped = property(
        lambda self: self.training.clipped, doc="Whether clipping fired on the last update."
    )

    def _sample(self):
        """Draw the next batch; returns (X, D, mask, rng state before drawing)."""
        before = self.rng.bit_generator.state
        X, D, mask = self.task.sample(self.experiment.batch_size, self.rng)
        return X, D, mask, before

    def _new_run(self, batch=None) -> SequenceRun:
        X, D, mask, before = self._sample() if batch is None else batch
        run = SequenceRun(self.net, X, D, mask, self.experiment.bptt_steps)
        run.rng_before = before
        return run

    # ----------------------------------------------------------------- cursor
    @property
    def cursor(self) -> Cursor:
        """Where the simulation stands (see ``snapshot.Cursor``)."""
        r, seq = self.run, self.sequence
        if r.revealed == 0:
            return Cursor(seq, r.t, "forward", r.T - 1)
        if not r.swept:
            return Cursor(seq, r.T, "backward", r.k)
        if self.update_due:
            return Cursor(seq, r.T, "update", r.T - 1)
        return Cursor(seq, r.T, "backward", -1)

    @property
    def update_due(self) -> bool:
        """True when M gradients are accumulated and the next step applies them."""
        return self.accumulator.count >= self.accumulator.M

    # ----------------------------------------------------------------- stepping
    def step(self) -> Cursor:
        """Take one step (forward frame, sweep step, update, or the next sequence)."""
        self.diverged, self.divergence = False, None
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            self._step()
        return self.cursor

    def _step(self) -> None:
        r = self.run
        if r.t < r.T:
            r.forward_step()
            self._push("step", r.forward_back)
        elif not r.swept:
            self._sweep_step()
        elif self.update_due:
            self._step_update()
        else:
            self._next_sequence()

    def _sweep_step(self) -> None:
        r = self.run
        r.backward_step()
        if not r.swept or r.question:  # a question's gradient is shown, never learned from
            self._push("step", r.backward_back)
            return
        state = self.training
        acc_before = state.accumulator.state_dict()
        state.accumulator.add(r.grads())
        state.stats.append((r.loss(), self.task.score(r.y, r.D, r.mask)))

        def undo():
            state.stats.pop()
            state.accumulator.load_state_dict(acc_before)
            r.backward_back()

        self._push("step", undo)

    def _step_update(self) -> None:
        restore = self._capture()
        if self.apply_pending():
            self.message = self.loss_growth() or self.message
        undo_sequence = self._next_sequence(record=False)

        def undo():
            undo_sequence()
            restore()

        self._push("sequence", undo)

    def _next_sequence(self, record: bool = True):
        old_run, old_seq, old_rng = self.run, self.sequence, self.rng.bit_generator.state
        self.run = self._new_run()
        self.sequence = old_seq + 1

        def undo():
            self.run, self.sequence = old_run, old_seq
            self.rng.bit_generator.state = old_rng

        if record:
            self._push("sequence", undo)
        return undo

    def step_back(self) -> bool:
        """Undo the last step exactly; False when there is nothing to undo."""
        if not self._undo:
            return False
        kind, undo = self._undo.pop()
        if kind == "sequence":
            self._undo_sequences -= 1
        undo()
        self.message, self.diverged = "", False
        return True

    def run_to_end(self) -> Cursor:
        """Step to the next milestone: the end of the forward pass, else the end of the sweep
        (from there: the update or next sequence, then the end of its forward pass)."""
        r = self.run
        if r.swept:
            self.step()
            r = self.run
        if r.t < r.T:
            while self.run.t < self.run.T:
                self.step()
        else:
            while not self.run.swept:
                self.step()
        return self.cursor

    def new_sequence(self) -> Cursor:
        """Abandon the current sequence and draw the next batch (an update that is due is
        applied first, as a step would)."""
        if self.update_due:
            self._step_update()
        else:
            self._next_sequence()
        return self.cursor

    def seek(self, t: int) -> Cursor:
        """Step forward or back until the cursor is in the forward phase at frame ``t``."""
        T = self.run.T
        if isinstance(t, bool) or not isinstance(t, int | np.integer) or not 0 <= t <= T:
            raise ValueError(f"t: got {t!r}, expected an integer in [0, {T}]")
        while self.run.revealed or self.run.t > t:
            if not self.step_back():
                break
        while self.run.t < t and self.run.revealed == 0:
            self.step()
        return self.cursor

    # ----------------------------------------------------------------- questions
    def ask(self, question) -> str:
        """Show ``question`` (a ``probe.Question``) as the current sequence, run forward by the
        network as it is (each frame a step that ``step_back`` undoes): its predictions, E_t
        where it gives targets, and its BPTT sweep are shown, but its gradient never joins an
        update. The next sequence after it is the
        task's again; ``step_back`` returns to the sequence shown before."""
        old_run, old_seq = self.run, self.sequence
        run = SequenceRun(
            self.net, question.X, question.D, question.mask, self.experiment.bptt_steps
        )
        run.rng_before, run.words, run.question = old_run.rng_before, question.words, True
        run.before = old_run.before if old_run.question else old_run
        self.run, self.sequence = run, old_seq + 1

        def undo():
            self.run, self.sequence = old_run, old_seq

        self._push("sequence", undo)
        while run.t < run.T:  # every frame's prediction at once; Left steps back through them
            self.step()
        added = f" (the story's last frame {question.added} added)" if question.added else ""
        self.message = (
            f"Your sequence, {question.T} frames{added}, run by the network as it "
            "is (nothing is learned from it): Left and Right step through it."
        )
        return self.message

    @contextlib.contextmanager
    def _task_run(self):
        """The task's own sequence as ``run`` while the state is read (not a question's)."""
        run = self.run
        if run.question:
            self.run = run.before
        try:
            yield
        finally:
            self.run = run

    def remember_for_undo_task(self) -> None:
        """Keep the experiment and the whole training state for ``undo_task`` (before a
        change that re-initialises the weights, such as making a custom task)."""
        with self._task_run():
            arrays = persistence.state_arrays(self)
        self._before_task = (
            self.experiment,
            {k: np.array(v, copy=True) for k, v in arrays.items()},
        )

    @property
    def can_undo_task(self) -> bool:
        """True when ``undo_task`` has a remembered network to bring back."""
        return self._before_task is not None

    def undo_task(self) -> str:
        """Bring back the experiment, weights, optimiser state and history remembered by
        ``remember_for_undo_task`` (RuntimeError when nothing is remembered)."""
        if self._before_task is None:
            raise RuntimeError("Nothing to undo: no earlier network is remembered.")
        experiment, arrays = self._before_task
        build_restore(arrays, experiment)(self)
        self._before_task = None
        self._clear_undo()
        self.message = (
            f"Undone: back to {experiment.title!r} and its trained network "
            f"({self.updates} updates)."
        )
        return self.message

    # ----------------------------------------------------------------- undo stack
    def _push(self, kind: str, undo) -> None:
        self._undo.append((kind, undo))
        if kind == "sequence":
            self._undo_sequences += 1
        keep = max(1, min(UNDO_SEQUENCES, UNDO_BYTES // max(self.run.nbytes, 1)))
        while len(self._undo) > UNDO_LIMIT or self._undo_sequences > keep:
            old_kind, _ = self._undo.popleft()
            if old_kind == "sequence":
                self._undo_sequences -= 1

    def _clear_undo(self) -> None:
        self._undo.clear()
        self._undo_sequences = 0

    @property
    def can_step_back(self) -> bool:
        """True when ``step_back`` has something to undo."""
        return bool(self._undo)

    # ----------------------------------------------------------------- whole-run changes
    def reset(self) -> None:
        """Re-initialise the weights from the seed; forget updates, history and undo."""
        self.message = ""
        self.install(self.experiment)

    def apply(self, experiment: Experiment) -> str:
        """Switch to ``experiment``; returns (and stores in ``message``) what happened.

        When the parameter shapes and dtype stay the same (cell, n_hidden, dtype, the task's
        input and output sizes) the weights, update count and history are kept; init,
        ws_scale and seed then take effect at the next reset. Otherwise the network is
        re-initialised and the message says why. A new sequence starts either way.
        """
        if not isinstance(experiment, Experiment):
            raise ValueError(f"experiment: got {type(experiment).__name__}, expected an Experiment")
        self.message = apply_experiment(self, experiment)
        self._clear_undo()
        return self.message

    def snapshot(self, flow_budget: float | None = None):
        """A frozen ``Snapshot`` of everything the window draws.

        ``flow_budget`` (seconds): when the gradient flow of the shown batch is not computed
        yet and would take longer than this, the snapshot's ``grad_flow`` is None (the worker
        uses this while training). None: always computed (once per batch).

        For a task that generates text, ``extras["generated"]`` is a
        ``samples.GeneratedText`` of the current weights (rewritten at most once a second
        while training, i.e. when ``flow_budget`` is given).
        """
        if self._unshown is not None:  # the batch train() trained on when it called back
            batch, self._unshown = self._unshown, None
            self._show_batch(batch)
        snap = build_snapshot(self, flow_budget)
        generated = self.samples.get(self, throttle=flow_budget is not None)
        if generated is None:
            return snap
        return dataclasses.replace(snap, extras={**snap.extras, "generated": generated})

    def save(self, path) -> None:
        """Save experiment, weights and training state (see ``persistence.save``)."""
        with self._task_run():
            persistence.save(self, path)

    def load(self, path) -> str:
        """Load what ``save`` wrote; nothing changes if the file is refused (ValueError)."""
        return persistence.load(self, path)
