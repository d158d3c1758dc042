"""``rnnsim train``: train headless, evaluate, and export what File ▸ Export all writes."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time

import numpy as np

from rnnsim.cli.common import (
    EXIT_DIVERGED,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    UsageError,
    add_start_arguments,
    check_out,
    error_line,
    headless_qt,
    load_start,
    parse_settings,
    print_result,
)
from rnnsim.sim import Simulation
from rnnsim.sim.memory import check
from rnnsim.sim.resume import is_state_file, load_run

NAME = "train"
EVAL_SEED = 2  # the evaluation batch is drawn from default_rng([seed, EVAL_SEED])
STATE_FILE = "run.npz"  # the whole state: File ▸ Open loads it, --experiment continues it


def add_parser(sub):
    """Add ``train`` to ``rnnsim``'s sub-parsers ``sub``."""
    train = sub.add_parser(
        NAME,
        help="train headless and write every figure, the data and a report",
        description="Train without a window, then write into DIR the state (run.npz: open "
        "it in the window with `rnnsim gui DIR/run.npz`, continue it with `rnnsim train "
        "--experiment DIR/run.npz --updates N`), experiment.json, metrics.json, every plot "
        "(PNG, SVG, CSV), the network (PNG, SVG), report.md, report.html and report.pdf. "
        'Progress goes to stderr; the last line on stdout is {"updates": N, "metrics": {...}}. '
        "Ctrl-C stops at the next update and writes everything trained so far (exit 130).",
    )
    add_start_arguments(
        train,
        "change a field (cell=lstm, lr=0.003, clip_norm=none) or a "
        "task knob (task.gap=30); repeatable",
    )
    train.add_argument(
        "--updates",
        type=int,
        default=200,
        metavar="N",
        help="weight updates to apply (default 200; from a run.npz: N more)",
    )
    train.add_argument(
        "--out",
        required=True,
        metavar="DIR",
        help="folder to write into (created if missing; its parent must exist)",
    )
    train.add_argument(
        "--scale",
        type=float,
        default=2.0,
        metavar="S",
        help="PNG resolution: pixels per screen pixel (default 2; a figure too "
        "large at S is drawn at the largest scale that fits)",
    )
    train.add_argument(
        "--eval-batch",
        type=int,
        default=512,
        metavar="B",
        help="sequences in the evaluation batch of the final metrics (default 512)",
    )
    train.add_argument("--quiet", action="store_true", help="no progress on stderr")
    return train


def run(args) -> int:
    """Run ``rnnsim train`` with parsed ``args``; return the exit status."""
    _check_numbers(args)
    check_out(args.out, create=False)  # first: a bad --out costs nothing
    sim = start_simulation(args)
    _check_memory(sim.experiment, args.eval_batch)
    out = check_out(args.out)  # now made (a usage error above leaves no folder behind)
    headless_qt()
    say = _Reporter(args.quiet)
    with StopOnInterrupt(say) as stop:
        _train(sim, args.updates, say, stop)
        diverged = sim.divergence  # kept: the display sweep of the export steps on
        saved = save_state(sim, out)  # first: whatever fails later, the training is kept
        results = _results(sim, args.eval_batch, say, stop.requested)
        code = write_outputs(sim, out, args.scale, results, say) if saved == EXIT_OK else saved
    extra = {"interrupted": True} if stop.requested else {}
    if diverged:
        extra["diverged"] = dict(diverged)
    print_result(sim.updates, results["metrics"], **extra)
    if code != EXIT_OK:
        return code
    if stop.requested:
        return EXIT_INTERRUPTED
    return EXIT_DIVERGED if diverged else EXIT_OK


def _check_memory(experiment, eval_batch):
    """The run with its evaluation batch must fit the memory ceiling (exit 2 before training)."""
    try:
        check(experiment, eval_batch=eval_batch)
    except ValueError as exc:
        raise UsageError(f"--eval-batch: {exc}" if "evaluation" in str(exc) else str(exc)) from None


def _training_notices(sim, results):
    """Divergence and a growing loss: on stderr (even with --quiet), in metrics.json and the
    report (``results["diverged"]``, ``results["warning"]``)."""
    if sim.divergence:
        results["diverged"] = dict(sim.divergence)
    elif sim.message:
        results["warning"] = sim.message
    if sim.message:
        print(f"rnnsim train: {sim.message}", file=sys.stderr, flush=True)


def start_simulation(args):
    """The Simulation to train: a preset or experiment, or a saved state continued."""
    if not (args.experiment and is_state_file(args.experiment)):
        return Simulation(load_start(args))
    try:
        sim = load_run(args.experiment)
    except ValueError as exc:
        raise UsageError(f"--experiment: {exc}") from None
    settings = parse_settings(args.settings)
    if settings:
        try:
            experiment = sim.experiment.with_values(settings)
        except ValueError as exc:
            raise UsageError(f"--set {exc}") from None
        sim.apply(experiment)
    return sim


def _train(sim, updates, say, stop):
    exp = sim.experiment
    more = f"{updates} more updates after {sim.updates}" if sim.updates else f"{updates} updates"
    say.line(f"training {exp.title!r}: task={exp.task} cell={exp.cell} H={exp.n_hidden}, {more}")
    sim.train(updates, callback=say.progress, should_stop=lambda: stop.requested)
    say.finish()
    if stop.requested:
        say.line(f"interrupted after update {sim.updates}; writing what is trained")


def _results(sim, eval_batch, say, interrupted):
    results = evaluate(sim, eval_batch)
    _training_notices(sim, results)
    results["training_seconds"] = say.elapsed
    if interrupted:
        results["interrupted"] = True
    say.line(
        f"metrics on a fresh batch of {eval_batch}: "
        + ", ".join(f"{k}={v:.4g}" for k, v in results["metrics"].items())
    )
    return results


class StopOnInterrupt:
    """While active, the first Ctrl-C (SIGINT) only sets ``requested`` (training stops at the
    next update and everything is written); a second one raises KeyboardInterrupt."""

    def __init__(self, say):
        self.say, self.requested, self._previous = say, False, None

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._on_sigint)
        return self

    def __exit__(self, *exc):
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
        return False

    def _on_sigint(self, signum, frame):
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True
        self.say.finish()
        print(
            "rnnsim train: Ctrl-C: stopping at the next update and writing what is trained "
            "(Ctrl-C again to abort)",
            file=sys.stderr,
            flush=True,
        )


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
    dt = sim.net.dtype  # tasks draw float64; a float32 network takes float32 (as training)
    X, D, mask = (a.astype(dt, copy=False) for a in sim.task.sample(batch, rng))
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        trace = sim.net.forward(X)
        metrics = sim.task.score(trace.y, D, mask)
        loss = sim.net.loss(X, D, mask)
    return {
        "updates": int(sim.updates),
        "metrics": {k: float(v) for k, v in metrics.items()},
        "loss": float(loss),
        "eval_batch": int(batch),
        "metrics_of": f"a fresh batch of {batch} sequences after training",
        "primary_metric": sim.task.primary_metric,
        "chance": float(sim.task.chance),
    }


def save_state(sim, out) -> int:
    """Write the trained state as ``out/run.npz`` (atomically); return the exit status."""
    try:
        sim.save(os.path.join(out, STATE_FILE))
    except (OSError, ValueError) as exc:
        print(error_line(NAME, exc), file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def write_outputs(sim, out, scale, results, say) -> int:
    """Write the data, the figures and the report into ``out`` (the state is there already).

    ``metrics.json`` is written whatever happens to the figures: a figure that cannot be
    drawn is skipped with a warning line. Returns the exit status.
    """
    try:
        show_one_sequence(sim)
        written = _render(sim, out, scale, results, say)
    except (OSError, ValueError) as exc:
        print(error_line(NAME, exc), file=sys.stderr)
        return EXIT_FAILED
    say.line(
        f"wrote {len(written) + 1} files into {out}; open the run with: rnnsim gui "
        f"{os.path.join(out, STATE_FILE)}"
    )
    return EXIT_OK


def show_one_sequence(sim, sweeps: int = 3) -> None:
    """Step the shown sequence forward and through its backward sweep (for the figures)."""
    for _ in range(sweeps):
        if sim.run.swept:
            break
        sim.run_to_end()


def _render(sim, out, scale, results, say):
    # Qt loads only when figures are drawn (training runs without it)
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
        return export_all(
            out,
            plots=docks,
            canvas=canvas,
            experiment=sim.experiment,
            snapshot=snapshot,
            results=results,
            scale=scale,
            weights=False,
            data_files=[STATE_FILE],
            warn=say.warning,
            progress=lambda done, total, what: say.step(done, total, what),
        )
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
        self._open = False  # a progress line without its newline yet (terminal)

    def line(self, text):
        if not self.quiet:
            print(text, file=sys.stderr, flush=True)

    def warning(self, text):
        """A warning line (shown even with --quiet)."""
        self.finish()
        print(f"rnnsim train: warning: {text}", file=sys.stderr, flush=True)

    def progress(self, p):
        self.elapsed = p.elapsed
        text = (
            f"update {p.done}/{p.total} ({100 * p.done / max(p.total, 1):.0f} %), "
            f"{p.rate:.0f} updates/s, {p.elapsed:.1f} s"
        )
        tenth = int(10 * p.done / max(p.total, 1))
        if self.quiet:
            return
        if self.tty:
            self._open = True
            print(f"\r{text}  ", end="", file=sys.stderr, flush=True)
        elif tenth != self._tenth:
            self._tenth = tenth
            print(text, file=sys.stderr, flush=True)

    def finish(self):
        if self.tty and not self.quiet and self._open:
            print(file=sys.stderr)
        self._open = False

    def step(self, done, total, what):
        if self.quiet:
            return
        if self.tty:
            self._open = done != total
            print(f"\rexporting {done}/{total}: {what:<28}", end="", file=sys.stderr, flush=True)
            if done == total:
                print(file=sys.stderr)
        elif done == total or done % 10 == 0:
            print(f"exporting {done}/{total}: {what}", file=sys.stderr, flush=True)
