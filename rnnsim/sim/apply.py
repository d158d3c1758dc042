"""Applying a changed Experiment to a running Simulation: keep what still fits."""

from __future__ import annotations

import dataclasses

from rnnsim.engine import GradientAccumulator, Network, make_optimizer

SHAPE_FIELDS = ("cell", "n_hidden", "dtype")
LATER_FIELDS = ("init", "ws_scale", "seed")


def apply_experiment(sim, new) -> str:
    """Switch ``sim`` to experiment ``new`` and return a message saying what was kept."""
    old = sim.experiment
    if new == old:
        return "No change."
    task = new.make_task()
    changed = [f for f in SHAPE_FIELDS if getattr(new, f) != getattr(old, f)]
    changed += [
        f"the task's {what} ({a} → {b})"
        for what, a, b in (
            ("inputs", sim.task.n_in, task.n_in),
            ("outputs", sim.task.n_out, task.n_out),
        )
        if a != b
    ]
    if changed:
        sim.install(new)
        return (
            f"Changed {', '.join(changed)}: the shapes of the weights changed, so they were "
            f"re-initialised (seed {new.seed}, init {new.init!r})."
        )
    notes = _keep_weights(sim, new, task)
    later = [f for f in LATER_FIELDS if getattr(new, f) != getattr(old, f)]
    if later:
        notes.append(f"{', '.join(later)} take effect at the next reset")
    return "Applied; weights kept" + "".join(f"; {n}" for n in notes) + "."


def _keep_weights(sim, new, task) -> list[str]:
    """Rebuild network, optimiser and accumulator around the current weights."""
    old, notes, state = sim.experiment, [], sim.training
    net = Network.create(n_in=task.n_in, n_out=task.n_out, **new.network_settings())
    for name, p in net.params.items():
        p[...] = sim.net.params[name]
    optimizer = make_optimizer(new.optimizer, new.lr, **new.optimizer_hyper())
    if new.optimizer == old.optimizer:
        saved = state.optimizer.state_dict()
        saved.update(lr=new.lr, **new.optimizer_hyper())
        optimizer.load_state_dict(saved)
    elif state.optimizer.t:
        notes.append(f"optimizer state reset ({old.optimizer} → {new.optimizer})")
    accumulator, stats = state.accumulator, state.stats
    same_gradients = (
        new.update_every == old.update_every
        and new.task == old.task
        and new.knobs == old.knobs
        and new.loss == old.loss
        and new.activation == old.activation
        and new.bptt_steps == old.bptt_steps
    )
    if not same_gradients:
        if accumulator.count:
            notes.append(f"{accumulator.count} accumulated gradient(s) dropped")
        accumulator, stats = GradientAccumulator(new.update_every), []
    training = dataclasses.replace(
        state, optimizer=optimizer, accumulator=accumulator, stats=stats, good=None
    )
    sim.install(new, net=net, training=training, task=task, rng=sim.rng, sequence=sim.sequence + 1)
    return notes
