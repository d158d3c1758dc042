"""Applying a changed Experiment to a running Simulation: keep what still fits."""

from __future__ import annotations

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
    changed += [f"the task's {what} ({a} → {b})" for what, a, b in
                (("inputs", sim.task.n_in, task.n_in), ("outputs", sim.task.n_out, task.n_out))
                if a != b]
    if changed:
        sim._build(new, net=None)
        return (f"Changed {', '.join(changed)}: the shapes of the weights changed, so they were "
                f"re-initialised (seed {new.seed}, init {new.init!r}).")
    notes = _keep_weights(sim, new, task)
    later = [f for f in LATER_FIELDS if getattr(new, f) != getattr(old, f)]
    if later:
        notes.append(f"{', '.join(later)} take effect at the next reset")
    return "Applied; weights kept" + "".join(f"; {n}" for n in notes) + "."


def _keep_weights(sim, new, task) -> list[str]:
    """Rebuild network, optimiser and accumulator around the current weights."""
    old, notes = sim.experiment, []
    net = Network.create(n_in=task.n_in, n_out=task.n_out, **new.network_settings())
    for name, p in net.params.items():
        p[...] = sim.net.params[name]
    optimizer = make_optimizer(new.optimizer, new.lr, **new.optimizer_hyper())
    if new.optimizer == old.optimizer:
        state = sim.optimizer.state_dict()
        state.update(lr=new.lr, **new.optimizer_hyper())
        optimizer.load_state_dict(state)
    elif sim.optimizer.t:
        notes.append(f"optimizer state reset ({old.optimizer} → {new.optimizer})")
    count = sim.accumulator.count
    same_gradients = (new.update_every == old.update_every and new.task == old.task
                      and new.knobs == old.knobs and new.loss == old.loss
                      and new.activation == old.activation and new.bptt_steps == old.bptt_steps)
    if not same_gradients:
        sim.accumulator = GradientAccumulator(new.update_every)
        sim._stats = []
        if count:
            notes.append(f"{count} accumulated gradient(s) dropped")
    sim.experiment, sim.task, sim.net, sim.optimizer = new, task, net, optimizer
    sim._good = None
    sim.run = sim._new_run()
    sim.sequence += 1
    return notes
