"""``rnnsim train``: train headless, evaluate, and export what File ▸ Export all writes."""

from __future__ import annotations

import os
import sys
import tempfile
import time

import numpy as np

from rnnsim.cli.common import (
    UsageError,
    add_start_arguments,
    headless_qt,
    load_start,
    print_result,
)

NAME = "train"
EVAL_SEED = 2  # the evaluation batch is drawn from default_rng([seed, EVAL_SEED])



def add_parser(sub):
    """Add ``train`` to ``rnnsim``'s sub-parsers ``sub``."""
    train = sub.add_parser(
        NAME, help="train headless and write every figure, the data and a report",
        description="Train without a window, then write into DIR what File ▸ Export all "
        "writes: every plot (PNG, SVG, CSV), the network (PNG, SVG), experiment.json, "
        "weights.npz, metrics.json, report.md and report.html. Progress goes to stderr; the "
        "last line on stdout is {\"updates\": N, \"metrics\": {...}}.")
    add_start_arguments(train, "change a field (cell=lstm, lr=0.003, clip_norm=none) or a "
                        "task knob (task.gap=30); repeatable")
    train.add_argument("--updates", type=int, default=200, metavar="N",
                       help="weight updates to apply (default 200)")
    train.add_argument("--out", required=True, metavar="DIR", help="folder to write into")
    train.add_argument("--scale", type=float, default=2.0, metavar="S",
                       help="PNG resolution: pixels per screen pixel (default 2)")
    train.add_argument("--eval-batch", type=int, default=512, metavar="B",
                       help="sequences in the evaluation batch of the final metrics "
                       "(default 512)")
    train.add_argument("--quiet", action="store_true", help="no progress on stderr")
    return train


def run(args) -> int:
    """Run ``rnnsim train`` with parsed ``args``; return the exit status."""
    _check_numbers(args)
    experiment = load_start(args)
    headless_qt()
    from rnnsim.sim import Simulation

    sim = Simulation(experiment)
    say = _Reporter(args.quiet)
    say.line(f"training {experiment.title!r}: task={experiment.task} cell={experiment.cell} "
             f"H={experiment.n_hidden}, {args.updates} updates")
    sim.train(args.updates, callback=say.progress)
    say.finish()
    if sim.message:
        say.line(sim.message)
    results = evaluate(sim, args.eval_batch)
    results["training_seconds"] = say.elapsed
    say.line("metrics on a fresh batch of "
             f"{args.eval_batch}: " + ", ".join(f"{k}={v:.4g}" for k, v in
                                                results["metrics"].items()))
    code = _export(sim, args, results, say)
    if code == 0:
        print_result(sim.updates, results["metrics"])
    return code


def _check_numbers(args):
    if args.updates < 0:
        raise UsageError(f"--updates: got {args.updates}, expected a whole number >= 0")
    if args.eval_batch < 1:
        raise UsageError(f"--eval-batch: got {args.eval_batch}, expected a whole number >= 1")
    if not 0 < args.scale <= 8:
        raise UsageError(f"--scale: got {args.scale:g}, expected a number in (0, 8]")


def evaluate(sim, batch: int) -> dict:
    """The task's scores and the loss of the trained network on a fresh batch.

    The batch comes from its own generator (seeded by the experiment's seed), so the
    training sequence is untouched and the same run always gives the same numbers.
    """
    rng = np.random.default_rng([sim.experiment.seed, EVAL_SEED])
    X, D, mask = sim.task.sample(batch, rng)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        trace = sim.net.forward(X)
        metrics = sim.task.score(trace.y, D, mask)
        loss = sim.net.loss(X, D, mask)
    return {"updates": int(sim.updates), "metrics": {k: float(v) for k, v in metrics.items()},
            "loss": float(loss), "eval_batch": int(batch),
            "metrics_of": f"a fresh batch of {batch} sequences after training",
            "primary_metric": sim.task.primary_metric, "chance": float(sim.task.chance)}


def _export(sim, args, results, say) -> int:
    """Show one sequence forward and backward, then export everything into ``args.out``."""
    from rnnsim.gui.export import ExportError

    out = os.path.abspath(args.out)
    try:
        os.makedirs(out, exist_ok=True)
        fd, weights_tmp = tempfile.mkstemp(prefix=".weights.", suffix=".npz", dir=out)
        os.close(fd)
    except OSError as exc:
        print(f"rnnsim train: error: cannot write into {out}: {exc.strerror or exc}",
              file=sys.stderr)
        return 1
    try:
        sim.save(weights_tmp)  # the trained state, before the display sweep adds a gradient
        for _ in range(3):
            if sim.run.swept:
                break
            sim.run_to_end()
        written = _render(sim, out, args.scale, results, weights_tmp, say)
    except (ExportError, OSError, ValueError) as exc:
        print(f"rnnsim train: error: {exc}", file=sys.stderr)
        return 1
    finally:
        if os.path.exists(weights_tmp):
            os.remove(weights_tmp)
    say.line(f"wrote {len(written)} files into {out}")
    return 0


def _render(sim, out, scale, results, weights_tmp, say):
    from PySide6.QtWidgets import QApplication

    from rnnsim.gui.canvas import NetworkCanvas
    from rnnsim.gui.export import export_all
    from rnnsim.gui.plots import PlotDocks

    app = QApplication.instance() or QApplication(["rnnsim"])
    snapshot = sim.snapshot()
    canvas = NetworkCanvas()
    docks = PlotDocks(None)
    try:
        canvas.resize(1400, 700)
        canvas.show_snapshot(snapshot)
        docks.plots["gradient_flow"].show_matrix.setChecked(True)
        docks.update(snapshot)
        return export_all(out, plots=docks, canvas=canvas, experiment=sim.experiment,
                          snapshot=snapshot, results=results, scale=scale,
                          save_weights=lambda path: os.replace(weights_tmp, path),
                          progress=lambda done, total, what: say.step(done, total, what))
    finally:
        for widget in [canvas, *docks.docks]:
            widget.close()
            widget.deleteLater()
        docks.deleteLater()
        app.processEvents()


class _Reporter:
    """Progress on stderr: one updating line on a terminal, a line per 10 % otherwise."""

    def __init__(self, quiet: bool):
        self.quiet = quiet
        self.tty = sys.stderr.isatty()
        self.start = time.perf_counter()
        self.elapsed = 0.0
        self._tenth = -1

    def line(self, text):
        if not self.quiet:
            print(text, file=sys.stderr, flush=True)

    def progress(self, p):
        self.elapsed = p.elapsed
        text = (f"update {p.done}/{p.total} ({100 * p.done / max(p.total, 1):.0f} %), "
                f"{p.rate:.0f} updates/s, {p.elapsed:.1f} s")
        tenth = int(10 * p.done / max(p.total, 1))
        if self.quiet:
            return
        if self.tty:
            print(f"\r{text}  ", end="", file=sys.stderr, flush=True)
        elif tenth != self._tenth:
            self._tenth = tenth
            print(text, file=sys.stderr, flush=True)

    def finish(self):
        if self.tty and not self.quiet:
            print(file=sys.stderr)

    def step(self, done, total, what):
        if self.quiet:
            return
        if self.tty:
            print(f"\rexporting {done}/{total}: {what:<28}", end="", file=sys.stderr,
                  flush=True)
            if done == total:
                print(file=sys.stderr)
        elif done == total or done % 10 == 0:
            print(f"exporting {done}/{total}: {what}", file=sys.stderr, flush=True)
