"""Time training through ``Simulation.train`` against a bare engine loop doing the same work.

The bare loop is what training costs without the simulator: per update, draw a batch from the
task, ``net.loss_and_grads``, ``clip_by_norm``, ``optimizer.step``. ``Simulation.train`` does
that plus its bookkeeping: task metrics (updates 1..100, then every 10th), per-matrix
gradient norms, the divergence checks and rollback checkpoint, the bounded history, and at the end
a fresh sequence run forward for the display. Both run in alternating blocks
(``_util.alternate``); the table shows the median time per update, the ratio
Simulation / bare loop of the medians (target: overhead <= 10 %) and of the fastest calls
(less sensitive to other processes on a shared machine). First, from the same start, both are run
side by side and their weights compared.

    python benchmarks/bench_sim.py            # every configuration
    python benchmarks/bench_sim.py --quick    # fewer rounds
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _util import alternate, blas_threads, set_blas_threads

from rnnsim.engine import Network, clip_by_norm, make_optimizer
from rnnsim.sim import Experiment, Simulation

UPDATES = 100  # updates per timed call

CONFIGS = {  # name → experiment changes (the wolf task; its default gap 2 gives T = 4)
    "wolf default (elman H16 B32 T4)": {},
    "wolf gap 20 (elman H16 B32 T22)": {"knobs": {"gap": 20}},
    "wolf gap 20 (elman H64 B32 T22)": {"knobs": {"gap": 20}, "n_hidden": 64},
    "wolf gap 20 (lstm H32 B32 T22)": {"knobs": {"gap": 20}, "cell": "lstm", "n_hidden": 32},
    "wolf gap 50 (gru H128 B64 T52)": {
        "knobs": {"gap": 50},
        "cell": "gru",
        "n_hidden": 128,
        "batch_size": 64,
    },
}


class BareLoop:
    """The engine alone: the same network, optimiser, clipping and batches as ``sim``."""

    def __init__(self, sim: Simulation) -> None:
        exp = sim.experiment
        self.exp, self.task = exp, sim.task
        self.net = Network.create(
            n_in=sim.task.n_in, n_out=sim.task.n_out, **exp.network_settings()
        )
        self.opt = make_optimizer(exp.optimizer, exp.lr, **exp.optimizer_hyper())
        self.rng = np.random.default_rng()
        self.rng.bit_generator.state = sim.rng.bit_generator.state

    def train(self, n: int) -> None:
        exp, net = self.exp, self.net
        for _ in range(n):
            X, D, mask = self.task.sample(exp.batch_size, self.rng)
            _, grads = net.loss_and_grads(X, D, mask, bptt_steps=exp.bptt_steps)
            if exp.clip_norm is not None:
                grads, _, _ = clip_by_norm(grads, exp.clip_norm)
            self.opt.step(net.params, grads)


def same_weights(experiment: Experiment, n: int = 50) -> bool:
    """Train ``n`` updates both ways from the same start; True if the weights are identical."""
    sim = Simulation(experiment)
    bare = BareLoop(sim)
    sim.train(n)
    bare.train(n)
    return all(np.array_equal(sim.net.params[k], bare.net.params[k]) for k in bare.net.params)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="BLAS threads (default 1: less noise on a shared machine)",
    )
    args = parser.parse_args(argv)
    set_blas_threads(args.threads)
    rounds = 3 if args.quick else 7
    print(
        f"BLAS threads: {blas_threads()}; {UPDATES} updates per timed call; "
        f"{rounds} alternating rounds"
    )
    print(
        f"{'configuration':34s} {'identical':>9s} {'bare ms/upd':>11s} {'sim ms/upd':>10s} "
        f"{'ratio':>6s} {'overhead':>8s} {'min ratio':>9s}"
    )
    for name, changes in CONFIGS.items():
        experiment = Experiment().replace(**changes)
        identical = same_weights(experiment)
        sim = Simulation(experiment)
        bare = BareLoop(sim)
        result = alternate(
            {"bare": lambda b=bare: b.train(UPDATES), "sim": lambda s=sim: s.train(UPDATES)}, rounds
        )
        t_bare, t_sim = result["bare"][0] / UPDATES, result["sim"][0] / UPDATES
        ratio, min_ratio = t_sim / t_bare, result["sim"][1] / result["bare"][1]
        print(
            f"{name:34s} {identical!s:>9s} {t_bare:11.3f} {t_sim:10.3f} {ratio:6.3f} "
            f"{100 * (ratio - 1):7.1f}% {min_ratio:9.3f}"
        )


if __name__ == "__main__":
    main()
