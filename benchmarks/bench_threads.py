"""Where two BLAS threads start to beat one: the crossover behind ``rnnsim.engine.threads``.

For each cell and hidden size H, one training step (``loss_and_grads`` + SGD, as in
``bench_engine.py``) is timed with NumPy's BLAS on one thread and on all of the process's
threads, in alternating blocks (``_util.alternate``). The table shows the per-frame recurrent
product's floating-point operations, 2·B·H·G (what ``threads_for`` compares with
``CROSSOVER_FLOPS``), both medians, their ratio, and what ``threads_for`` picks.

    python benchmarks/bench_threads.py            # ~2 min
    python benchmarks/bench_threads.py --quick
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _util import alternate
from bench_engine import ours

from rnnsim.engine.threads import CROSSOVER_FLOPS, blas_threads, current_blas_threads, threads_for

# (B, T, n_in, H): the batch of the teaching presets (32) and the benchmark's large one (64)
SIZES = [
    (32, 22, 8, 64),
    (32, 50, 8, 128),
    (32, 50, 8, 192),
    (32, 50, 8, 256),
    (64, 50, 32, 256),
    (64, 30, 32, 384),
    (64, 20, 32, 512),
]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    parser.add_argument("--cells", nargs="+", default=["elman", "lstm", "gru"])
    parser.add_argument("--dtypes", nargs="+", default=["float32", "float64"])
    args = parser.parse_args(argv)
    rounds, budget = (2, 0.6) if args.quick else (4, 3.0)
    every = current_blas_threads()
    print(f"BLAS threads of the process: {every}; CROSSOVER_FLOPS = {CROSSOVER_FLOPS:,}")
    print(
        f"{'cell':6} {'dtype':8} {'B':>3} {'T':>3} {'H':>4} {'flops/frame':>12} "
        f"{'1 thr ms':>9} {f'{every} thr ms':>9} {'all/1':>6} {'faster':>6} {'picks':>5}"
    )
    for cell in args.cells:
        for dtype in args.dtypes:
            for B, T, n_in, H in SIZES:
                step, net = ours(cell, (B, T, n_in, H), dtype)[:2]

                def one(step=step):
                    with blas_threads(1):
                        step()

                res = alternate({"one": one, "all": step}, rounds, budget_s=budget)
                ratio = res["all"][0] / res["one"][0]
                flops = 2 * B * H * net._cell.width
                pick = threads_for(net, B, T) or every
                print(
                    f"{cell:6} {dtype:8} {B:>3} {T:>3} {H:>4} {flops:>12,} "
                    f"{res['one'][0]:9.3f} {res['all'][0]:9.3f} {ratio:6.2f} "
                    f"{'all' if ratio < 1 else '1':>6} {pick:>5}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
