"""Time one full training step of the engine, and the same step in PyTorch when installed.

A step is what training does once per batch: ``net.loss_and_grads(X, D)`` (the forward pass
and full BPTT) followed by an SGD update of every parameter. The PyTorch step is the same
model: ``torch.nn.RNN`` (tanh) / ``LSTM`` / ``GRU`` + ``Linear`` readout, softmax
cross-entropy summed over time and averaged over the batch, ``loss.backward()`` and
``torch.optim.SGD.step()``, on the CPU with as many threads as NumPy's BLAS has at start
(torch's default: every core). Ours runs as training runs it: with the BLAS threads that
``rnnsim.engine.threads.threads_for`` gives its shapes (column ``thr``: 1, or all). Ours and
torch's run in alternating blocks, each after a pause and an untimed warm-up call (see
``_util.alternate``: call-by-call alternation measures each library slowed down by the
other's spinning worker threads); the table shows medians in milliseconds, the ratio
ours/torch and the issue's target ratio (Elman: 0.5 / 0.7 / 1.0 by size; LSTM, GRU: 1.0).

Each row also shows the step's matrix products: their floating-point operations (``GFLOP``,
2·m·k·n per product, elementwise work not counted), what our step achieves (``GF/s``), and a
roofline: the same products run alone as NumPy matmuls of the step's own shapes, dtype and
operand layouts (transposed, or blocks of wider rows), on the same threads, timed as a third
function in the same alternating rounds (``roof GF/s``, ``bare_products``); ``/roof`` is our
step's time over the products' time (target at H = 512: <= 1.2).

    python benchmarks/bench_engine.py            # every cell, size and dtype
    python benchmarks/bench_engine.py --quick    # fewer repeats
    python benchmarks/bench_engine.py --cells elman --dtypes float64
    python benchmarks/bench_engine.py --tune-malloc   # glibc keeps freed memory mapped
    python benchmarks/bench_engine.py --threads 1 --cpu-time   # on a busy machine
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _util import alternate, set_blas_threads, tune_malloc, use_cpu_time

from rnnsim.engine import Network
from rnnsim.engine.optim import SGD
from rnnsim.engine.threads import blas_threads, current_blas_threads, threads_for

SIZES = [(1, 50, 4, 16), (1, 100, 8, 64), (32, 50, 8, 128), (64, 100, 32, 512)]  # (B, T, n_in, H)
CELLS = ("elman", "lstm", "gru")
DTYPES = ("float32", "float64")
LR = 0.01
# Timed calls per block at most: a block lasts about 0.3 s, so a 1 ms step gets ~300 calls in
# a row, as training runs them (at most 20, the steps of the small sizes were timed mostly
# in the first milliseconds after each block's pause, with cold caches: 1.3-2x slower).
MAX_BLOCK = 400


BLOCKS = {"elman": 1, "lstm": 4, "gru": 3}


def target(cell: str, H: int) -> float:
    """The issues' target ratio ours/torch: Elman by hidden size H, LSTM and GRU 1.0."""
    if cell != "elman":
        return 1.0
    return 0.5 if H <= 64 else 0.7 if H <= 128 else 1.0


def products(cell, size, n_out):
    """The matrix products of one training step: a list of ((m, k, n), count, layout).

    Forward: the LSTM and the GRU do one product per frame whose rows hold the frame's input,
    a 1 and the state, so that X[t]·W_x + b_s + s[t]·W_s is one product (LSTM
    [X[t], 1, s[t]]; the GRU does two: [s[t], X[t], 1] for the z, r blocks and
    [X[t], 1, r ⊙ s[t]] for the candidate, blocks of one row [s, X, 1, r ⊙ s]); the Elman
    cell projects every frame's [X[t], 1] in one product, then s[t]·W_s per frame. Then the
    readout. Backward: ∂E/∂z·W_yᵀ, one product per frame through W_sᵀ (GRU: two), the weight
    gradients (LSTM: one product of the kept rows with ∂E/∂a, GRU: two, Elman: Xᵀ·∂E/∂a and
    sᵀ·∂E/∂a), those of W_y, and b_y's (a sum over rows as a product with ones).

    ``layout`` (A, B, out) says how our step hands each operand to BLAS: "" a C-contiguous
    array, "T" the transpose of one (the weight gradients' (T·B, ·)ᵀ, W_yᵀ), an int w a block
    of columns of a C-contiguous array w columns wide (the GRU's blocks of rows), ("T", w)
    the transpose of such a block.
    """
    B, T, n_in, H = size
    G, TB = BLOCKS[cell] * H, T * B
    plain, a_t = ("", "", ""), ("T", "", "")
    if cell == "gru":
        S = 2 * H + n_in + 1  # [s, X, 1, r ⊙ s]
        forward = [((B, H + n_in + 1, 2 * H), T, (S, "", G)), ((B, n_in + 1 + H, H), T, (S, "", G))]
        back = [((B, H, H), T, (G, "", "")), ((B, 2 * H, H), T, (G, "", ""))]
        dws = [
            ((H + n_in + 1, TB, 2 * H), 1, (("T", S), G, "")),
            ((n_in + 1 + H, TB, H), 1, (("T", S), G, "")),
        ]
    elif cell == "lstm":
        rows = n_in + 1 + H  # [X, 1, s]
        forward, back = [((B, rows, G), T, plain)], [((B, G, H), T, plain)]
        dws = [((rows, TB, G), 1, a_t)]
    else:  # Elman: [X, 1]·[W_x; b_s] over all frames, then s[t]·W_s per frame
        forward = [((TB, n_in + 1, G), 1, plain), ((B, H, G), T, plain)]
        back = [((B, G, H), T, plain)]
        dws = [((n_in, TB, G), 1, a_t), ((H, TB, G), 1, a_t)]
    return [
        *forward,
        ((TB, H, n_out), 1, plain),
        ((TB, n_out, H), 1, ("", "T", "")),
        *back,
        *dws,
        ((H, TB, n_out), 1, a_t),
        ((1, TB, n_out), 1, plain),
    ]


def step_flops(cell, size, n_out) -> float:
    """Floating-point operations of the step's matrix products (2·m·k·n each)."""
    return float(sum(2 * m * k * n * count for (m, k, n), count, _ in products(cell, size, n_out)))


def operand(rows, cols, how, dtype, rng):
    """A (rows, cols) operand laid out as ``how`` says (see ``products``)."""
    if how == "T":
        return rng.normal(size=(cols, rows)).astype(dtype).T
    if isinstance(how, tuple):  # ("T", w): the transpose of a block of rows w wide
        return rng.normal(size=(cols, how[1])).astype(dtype)[:, :rows].T
    return rng.normal(size=(rows, cols if how == "" else how)).astype(dtype)[:, :cols]


def bare_products(cell, size, n_out, dtype):
    """The roofline as a step: a function that runs the step's matrix products once, as bare
    NumPy matmuls of the step's own shapes, dtype, operand layouts and calls (``np.dot``;
    ``np.matmul`` for a block of columns, which it hands BLAS as it is, where ``np.dot``
    would copy it first), each as many times as the step runs it, on operands made once.

    It is timed in the same alternating rounds as our step and torch's (``_util.alternate``),
    so that a drift of the machine's speed falls on all three alike: timed on its own after
    the others (as it once was), the roofline's GF/s moved by a third between two runs."""
    rng = np.random.default_rng(1)
    calls = []
    for (m, k, n), count, layout in products(cell, size, n_out):
        a, b = operand(m, k, layout[0], dtype, rng), operand(k, n, layout[1], dtype, rng)
        out = operand(m, n, layout[2], dtype, rng)
        product = np.matmul if any(not isinstance(how, str) for how in layout) else np.dot
        calls.append((product, a, b, out, count))

    def step():
        for product, a, b, out, count in calls:
            for _ in range(count):
                product(a, b, out=out)

    return step


def make_batch(B, T, n_in, n_out, dtype, seed=0):
    """Return X (T, B, n_in), one-hot targets D (T, B, n_out) and their class ids (T, B)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(T, B, n_in)).astype(dtype)  # (T, B, n_in) inputs
    ids = rng.integers(0, n_out, size=(T, B))  # (T, B) target classes
    D = np.eye(n_out, dtype=dtype)[ids]  # (T, B, n_out) one-hot targets
    return X, D, ids


def ours(cell, size, dtype):
    """Return (step function, network, X, D) for our engine."""
    B, T, n_in, H = size
    net = Network.create(cell=cell, n_in=n_in, n_hidden=H, n_out=n_in, seed=0, dtype=dtype)
    X, D, _ = make_batch(B, T, n_in, n_in, dtype)
    opt = SGD(LR)

    def step():
        _, grads = net.loss_and_grads(X, D)
        opt.step(net.params, grads)

    return step, net, X, D


def theirs(cell, size, dtype):
    """Return (step function, rnn module, readout, loss function) for PyTorch."""
    import torch

    B, T, n_in, H = size
    tdtype = getattr(torch, dtype)
    torch.manual_seed(0)
    kind = {"elman": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[cell]
    rnn = kind(n_in, H).to(tdtype)
    readout = torch.nn.Linear(H, n_in).to(tdtype)
    opt = torch.optim.SGD([*rnn.parameters(), *readout.parameters()], lr=LR)
    X, _, ids = make_batch(B, T, n_in, n_in, dtype)
    Xt, target = torch.from_numpy(X), torch.from_numpy(ids.reshape(-1))

    def loss_fn():
        out, _ = rnn(Xt)  # (T, B, H)
        logits = readout(out).reshape(T * B, n_in)
        return torch.nn.functional.cross_entropy(logits, target, reduction="sum") / B

    def step():
        opt.zero_grad(set_to_none=True)
        loss_fn().backward()
        opt.step()

    return step, rnn, readout, loss_fn


def same_loss_check(size=(3, 7, 4, 5)) -> float:
    """Copy an Elman net's weights into torch and return |our loss − torch's loss| (float64)."""
    import torch

    _, net, X, D = ours("elman", size, "float64")
    _, rnn, readout, loss_fn = theirs("elman", size, "float64")
    p = net.params
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(torch.from_numpy(p["Wx"].T))
        rnn.weight_hh_l0.copy_(torch.from_numpy(p["Ws"].T))
        rnn.bias_ih_l0.copy_(torch.from_numpy(np.ravel(p["bs"])))
        rnn.bias_hh_l0.zero_()
        readout.weight.copy_(torch.from_numpy(p["Wy"].T))
        readout.bias.copy_(torch.from_numpy(np.ravel(p["by"])))
        return abs(net.loss(X, D) - float(loss_fn()))


def torch_available() -> bool:
    """Whether PyTorch can be imported."""
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def _row(cell, size, dtype, res, use_torch, threads, roof_ms):
    """One table line: medians, ratios, target mark, FLOPs, GFLOP/s and the roofline."""
    line = f"{cell:6} {dtype:8} {size[0]:>3} {size[1]:>4} {size[2]:>4} {size[3]:>4} {threads:>3}"
    line += f" {res['ours'][0]:9.3f}"
    if use_torch:
        ratio = res["ours"][0] / res["torch"][0]
        ratio_min = res["ours"][1] / res["torch"][1]
        goal = target(cell, size[3])
        mark = "ok" if ratio <= goal else "MISS"
        line += f" {res['torch'][0]:9.3f} {ratio:6.2f} {ratio_min:6.2f} {goal:6.1f} {mark:4}"
    flops = step_flops(cell, size, size[2])
    achieved = flops / (res["ours"][0] * 1e6)
    line += f" {flops / 1e9:7.3f} {achieved:6.1f} {flops / (roof_ms * 1e6):8.1f}"
    line += f" {res['ours'][0] / roof_ms:6.2f}"
    runs = "/".join(str(v[2]) for v in res.values())
    return f"{line} {runs:>14} {os.getloadavg()[0]:5.1f}"


def run(cells, dtypes, sizes, rounds, budget_s, use_torch):
    """Time every combination and print one table row per combination."""
    head = (
        f"{'cell':6} {'dtype':8} {'B':>3} {'T':>4} {'n_in':>4} {'H':>4} {'thr':>3} {'ours ms':>9}"
    )
    if use_torch:
        head += f" {'torch ms':>9} {'ratio':>6} {'r(min)':>6} {'target':>6}     "
    head += f" {'GFLOP':>7} {'GF/s':>6} {'roofGF/s':>8} {'/roof':>6}"
    print(f"{head} {'runs':>14} {'load':>5}")
    for cell in cells:
        for size in sizes:
            for dtype in dtypes:
                step, net = ours(cell, size, dtype)[:2]
                fns = {"ours": step}
                if use_torch:
                    fns["torch"] = theirs(cell, size, dtype)[0]
                fns["roof"] = bare_products(cell, size, size[2], dtype)
                with blas_threads(threads_for(net, size[0], size[1])):
                    threads = current_blas_threads() or 0
                    # a step of H = 512 takes up to a second: more time for more than 2 rounds
                    row_budget = budget_s * (2.5 if size[3] >= 512 else 1)
                    res = alternate(fns, rounds, budget_s=row_budget, max_block=MAX_BLOCK)
                print(_row(cell, size, dtype, res, use_torch, threads, res["roof"][0]), flush=True)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few repeats (a rough figure)")
    parser.add_argument("--cells", nargs="+", choices=CELLS, default=list(CELLS))
    parser.add_argument("--dtypes", nargs="+", choices=DTYPES, default=list(DTYPES))
    parser.add_argument(
        "--sizes",
        nargs="+",
        type=int,
        choices=range(len(SIZES)),
        default=list(range(len(SIZES))),
        help="indices into SIZES",
    )
    parser.add_argument("--no-torch", action="store_true", help="time our engine only")
    parser.add_argument(
        "--tune-malloc",
        action="store_true",
        help="keep freed heap memory mapped (glibc mallopt; affects both engines)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="threads for NumPy's BLAS and for torch (default: BLAS's own)",
    )
    parser.add_argument(
        "--cpu-time",
        action="store_true",
        help="time the process's CPU time, not wall time (with --threads 1 on a busy machine)",
    )
    args = parser.parse_args(argv)
    if args.cpu_time:
        if args.threads != 1:
            parser.error("--cpu-time: needs --threads 1 (CPU time adds up every thread's)")
        use_cpu_time()
    if args.threads is not None and (args.threads < 1 or not set_blas_threads(args.threads)):
        parser.error(f"--threads: got {args.threads}, expected >= 1 with OpenBLAS")
    if args.tune_malloc and not tune_malloc():
        parser.error("--tune-malloc: this C library has no mallopt (glibc only)")
    rounds, budget = (2, 1.0) if args.quick else (6, 8.0)
    use_torch = torch_available() and not args.no_torch
    threads = current_blas_threads()
    print(
        f"numpy {np.__version__}, BLAS threads {threads}, cpus {os.cpu_count()}, "
        f"malloc {'tuned' if args.tune_malloc else 'default'}, "
        f"{'CPU' if args.cpu_time else 'wall'} time, load {os.getloadavg()[0]:.1f}"
    )
    if use_torch:
        import torch

        torch.set_num_threads(threads or os.cpu_count() or 1)
        print(
            f"torch {torch.__version__}, threads {torch.get_num_threads()}; "
            f"same-loss check |ours - torch| = {same_loss_check():.2e}"
        )
    else:
        print("torch not installed (or --no-torch): timing our engine only")
    print(
        f"medians over up to {rounds} alternating rounds of blocks (about {budget:g} s per "
        f"row at most, {2.5 * budget:g} s at H = 512); ratio = ours/torch of the medians, "
        "r(min) of the fastest runs; "
        "thr = our BLAS threads; GFLOP of the step's matrix products, GF/s ours, roofGF/s "
        "the same products as bare matmuls (timed in the same rounds), /roof = our time / "
        "theirs; runs = timed calls ours/torch/roof; load = 1-minute load average after the row"
    )
    run(args.cells, args.dtypes, [SIZES[i] for i in args.sizes], rounds, budget, use_torch)


if __name__ == "__main__":
    main()
