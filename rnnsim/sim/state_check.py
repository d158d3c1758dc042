"""Checking a saved state against an experiment before anything of it is applied."""

from __future__ import annotations

import numpy as np

from rnnsim.engine import GradientAccumulator, Network, make_optimizer

from . import json_text
from .history import HistoryBuffer
from .sequence import SequenceRun
from .state_file import MAX_RNG_CHARS
from .training_state import TrainingState

FORMAT, SCHEMA = "rnnsim-state", 1
SECOND_MOMENTS = ("v", "sum_sq", "mean_sq")  # optimiser slots that hold sums of g² (>= 0)


def build_restore(arrays: dict[str, np.ndarray], experiment):
    """Validate every part of ``arrays``; return ``restore(sim)`` that applies them.

    Raises
    ------
    ValueError, KeyError
        On a wrong format, a parameter whose name, shape or dtype does not fit
        ``experiment``, an optimiser or accumulator state that does not fit, bad counts.
    """
    if str(arrays.get("format", "")) != FORMAT or int(arrays.get("schema", -1)) != SCHEMA:
        raise ValueError(f"not an rnnsim state file (format {FORMAT!r}, schema {SCHEMA})")
    task = experiment.make_task()
    net = Network.create(n_in=task.n_in, n_out=task.n_out, **experiment.network_settings())
    _load_params(net, _group(arrays, "param/"))
    optimizer = make_optimizer(experiment.optimizer, experiment.lr, **experiment.optimizer_hyper())
    optim = _group(arrays, "optim/")
    _check_slots(optim, net.params, optimizer.slot_names)
    optimizer.load_state_dict(optim)
    accumulator = GradientAccumulator(experiment.update_every)
    accum = _group(arrays, "accum/")
    if int(accum.get("M", 0)) != experiment.update_every:
        raise ValueError(
            f"accumulator: saved with M = {accum.get('M')}, the experiment has "
            f"update_every = {experiment.update_every}"
        )
    _check_slots(accum, net.params, ("sum",), skip=("M", "count"), where="accum/")
    accumulator.load_state_dict(accum)
    history = HistoryBuffer.from_arrays(_group(arrays, "history/"))
    stats = _stats(_group(arrays, "stats/"), accumulator.count)
    updates, sequence = _count(arrays, "updates", 0), _count(arrays, "sequence", 1)
    rng_state = _rng_state(arrays)
    last = _last(_group(arrays, "last/"), net.params)
    good = _good(_group(arrays, "good/"), experiment, net)
    t, phase, revealed = (int(v) for v in arrays["cursor"])
    _check_cursor(t, phase, revealed, accumulator)
    rng = np.random.default_rng()
    rng.bit_generator.state = rng_state
    X, D, mask = task.sample(experiment.batch_size, rng)
    run = SequenceRun(net, X, D, mask, experiment.bptt_steps)
    run.rng_before = rng_state
    _replay(run, t, revealed)

    delta_weights, grad_norms, clipped = last
    training = TrainingState(
        optimizer=optimizer,
        accumulator=accumulator,
        history=history,
        delta_weights=delta_weights,
        grad_norms=grad_norms,
        updates=updates,
        clipped=clipped,
        stats=stats,
        good=good,
    )

    def restore(sim):
        sim.message = ""
        sim.install(
            experiment, net=net, training=training, task=task, rng=rng, run=run, sequence=sequence
        )

    return restore


def _group(arrays, prefix):
    return {k[len(prefix) :]: v for k, v in arrays.items() if k.startswith(prefix)}


def _load_params(net, params):
    if set(params) != set(net.params):
        raise ValueError(
            f"weights: the file has {sorted(params)}, the experiment needs {sorted(net.params)}"
        )
    for name, p in net.params.items():
        got = params[name]
        if got.shape != p.shape or got.dtype != p.dtype:
            raise ValueError(
                f"weights {name}: the file has {got.dtype} {got.shape}, the "
                f"experiment needs {p.dtype} {p.shape}"
            )
        if not np.all(np.isfinite(got)):
            raise ValueError(f"weights {name}: contain NaN or Inf")
        p[...] = got


def _check_slots(state, params, slots, skip=("step", "lr"), where="optim/"):
    """Every ``slot/param`` array must name a parameter, have its shape and dtype, and be
    finite; second-moment slots (Adam's v, RMSprop's and Adagrad's sums of g²) >= 0."""
    for key, value in state.items():
        slot, _, name = key.partition("/")
        if key in skip or slot not in slots:
            continue
        p = params.get(name)
        if p is None or value.shape != p.shape or value.dtype != p.dtype:
            want = "no such parameter" if p is None else f"{p.dtype} {p.shape}"
            raise ValueError(
                f"state {where}{key}: the file has {value.dtype} {value.shape}, expected {want}"
            )
        if not np.all(np.isfinite(value)):
            raise ValueError(f"state {where}{key}: contains NaN or Inf, expected finite values")
        if slot in SECOND_MOMENTS and np.any(value < 0):
            raise ValueError(
                f"state {where}{key}: has negative entries (min {value.min():.3g}), "
                "expected a running sum of squares >= 0"
            )


def _stats(stats, count):
    losses = stats.get("loss", np.zeros(0))
    metrics = {k[7:]: v for k, v in stats.items() if k.startswith("metric/")}
    if len(losses) != count or any(len(v) != count for v in metrics.values()):
        raise ValueError(
            f"pending statistics: {len(losses)} entries for {count} accumulated gradients"
        )
    return [
        (
            float(losses[i]),
            {k: float(v[i]) for k, v in metrics.items() if not np.isnan(v[i])},
        )  # NaN: not computed for that batch
        for i in range(count)
    ]


def _count(arrays, key, low):
    value = arrays[key]
    if value.shape != () or value.dtype.kind not in "iu" or int(value) < low:
        raise ValueError(f"{key}: got {value!r}, expected an integer >= {low}")
    return int(value)


def _rng_state(arrays):
    state = json_text.loads(str(arrays["rng"][()]), "rng", MAX_RNG_CHARS, max_depth=4)
    probe = np.random.default_rng()
    probe.bit_generator.state = state  # raises on a malformed state
    return state


def _check_cursor(t, phase, revealed, accumulator):
    if not (0 <= phase <= 2 and t >= 0 and revealed >= 0 and (revealed == 0 or phase)):
        raise ValueError(f"cursor: got t={t}, phase={phase}, revealed={revealed}")
    if phase == 2 and accumulator.count != accumulator.M:
        raise ValueError("cursor: the update phase needs M accumulated gradients")


def _replay(run, t, revealed):
    """Step ``run`` forward to frame t and reveal ``revealed`` states of the sweep."""
    if t > run.T or revealed > run.T + 1 or (revealed and t != run.T):
        raise ValueError(f"cursor: t={t}, revealed={revealed} do not fit T={run.T}")
    for _ in range(t):
        run.forward_step()
    for _ in range(revealed):
        run.backward_step()


def _last(last, params):
    """ΔW, gradient norms and clipping of the last update."""
    deltas = {k[6:]: v for k, v in last.items() if k.startswith("delta/")}
    norms = {k[10:]: float(v) for k, v in last.items() if k.startswith("grad_norm/")}
    if set(deltas) != set(params) or set(norms) != set(params):
        raise ValueError(
            f"last update: got ΔW for {sorted(deltas)} and norms for "
            f"{sorted(norms)}, expected {sorted(params)}"
        )
    for k, p in params.items():
        if deltas[k].shape != p.shape or deltas[k].dtype != p.dtype:
            raise ValueError(
                f"last update ΔW {k}: got {deltas[k].dtype} {deltas[k].shape}, "
                f"expected {p.dtype} {p.shape}"
            )
    return deltas, norms, bool(last["clipped"])


def _good(good, experiment, net):
    """The rollback state (weights, optimiser state, update count) or None."""
    if not good:
        return None
    copy = Network.create(n_in=net.n_in, n_out=net.n_out, **experiment.network_settings())
    _load_params(copy, _group(good, "param/"))
    optim = _group(good, "optim/")
    optimizer = make_optimizer(experiment.optimizer, experiment.lr, **experiment.optimizer_hyper())
    _check_slots(optim, net.params, optimizer.slot_names, where="good/optim/")
    optimizer.load_state_dict(optim)
    return copy.params, optimizer.state_dict(), _count(good, "updates", 0)
