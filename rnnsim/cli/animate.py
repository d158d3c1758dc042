"""``rnnsim animate``: record one sequence's step-through as GIF, WebP, APNG, MP4 or frames.

Progress goes to stderr. With ``--progress lines`` (what File ▸ Export animation… reads from
its child process) it is one line per step, in a stable format::

    train 40/200        while the --train updates run (at most every ~30 ms, and at the end)
    frame 12/67         after each frame is written

Other stderr lines are free text; a failure's last stderr line is its one-line error
(``rnnsim animate: error: ...``). SIGTERM stops like Ctrl-C: nothing is written, exit 130.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import threading
import time

from rnnsim.cli.common import (
    EXIT_DIVERGED,
    EXIT_FAILED,
    EXIT_OK,
    UsageError,
    add_start_arguments,
    check_out_file,
    headless_qt,
    load_start,
    parse_settings,
)
from rnnsim.gui.animation.options import (
    CONTENTS,
    FORMATS,
    GRAD_OF,
    VIEWS,
    AnimationOptions,
    format_of,
)
from rnnsim.gui.projector import DEFAULT_ZOOM, ZOOMS
from rnnsim.sim.recording import rewind, simulation_for_recording
from rnnsim.usage import EXIT_INTERRUPTED

NAME = "animate"


def add_parser(sub):
    """Add ``animate`` to ``rnnsim``'s sub-parsers ``sub``."""
    formats = ", ".join(f"{ext} ({what})" for ext, what in FORMATS.items())
    p = sub.add_parser(
        NAME,
        help="record the step-through of one sequence as GIF, WebP, APNG, MP4 or frames",
        description="Train N updates (or open a saved run.npz), then record one sequence the "
        "way the window's Step button shows it: every forward step, every step of the "
        "backward sweep, the weight update. The file name's extension picks the format: "
        f"{formats}. Frame sequences are numbered: --out frames/f.png writes f_0001.png, …. "
        "MP4 needs the optional extra rnnsim[video]. Progress goes to stderr; the last line "
        'on stdout is {"frames": N, "files": [...]}.',
    )
    add_start_arguments(p, "change a field (cell=lstm) or a task knob (task.gap=30); repeatable")
    p.add_argument(
        "--train",
        type=int,
        default=0,
        metavar="N",
        help="weight updates to train before recording (default 0)",
    )
    p.add_argument("--out", required=True, metavar="FILE", help="the file to write")
    p.add_argument(
        "--content",
        choices=CONTENTS,
        default="canvas",
        help="the canvas alone, or with the activations and gradient-flow plots "
        "beside it (default canvas)",
    )
    p.add_argument(
        "--view",
        choices=VIEWS,
        default="both",
        help="folded and unfolded network side by side, or one of them (default both)",
    )
    p.add_argument(
        "--grad-of",
        choices=GRAD_OF,
        default="E",
        help="backward arrows: ‖∂E/∂s_k‖ of the whole loss E, or of the last "
        "frame's loss E_T (default E)",
    )
    p.add_argument(
        "--parts",
        default="forward,backward,update",
        metavar="LIST",
        help="steps to record: forward, backward, update, comma-separated (default all three)",
    )
    p.add_argument("--fps", type=float, default=4.0, help="steps per second (default 4)")
    p.add_argument(
        "--hold-first",
        type=float,
        default=1.5,
        metavar="S",
        help="seconds the first frame stays (default 1.5)",
    )
    p.add_argument(
        "--hold-last",
        type=float,
        default=2.5,
        metavar="S",
        help="seconds the last frame stays (default 2.5)",
    )
    p.add_argument(
        "--width",
        type=int,
        default=1280,
        metavar="PX",
        help="frame width in pixels, 320..1920 (default 1280)",
    )
    p.add_argument(
        "--height",
        type=int,
        default=0,
        metavar="PX",
        help="frame height in pixels, 180..1440 (default width·9/16)",
    )
    p.add_argument(
        "--projector",
        type=float,
        nargs="?",
        const=DEFAULT_ZOOM,
        default=1.0,
        metavar="ZOOM",
        help="projector-mode fonts: text, lines, plots and the canvas ZOOM times larger, as "
        f"the window's View ▸ Projector mode draws them (default zoom {DEFAULT_ZOOM:g}; the "
        f"window offers {', '.join(f'{z:g}' for z in ZOOMS)}); as there, the unfolded "
        "network then follows the current step and is cut where it does not fit",
    )
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    p.add_argument(
        "--progress",
        choices=("auto", "lines"),
        default="auto",
        help="auto: one line rewritten in place on a terminal, every 10 %% "
        "otherwise; lines: one machine-readable line per step ('train D/N', "
        "'frame D/N') for programs that read stderr (default auto)",
    )
    return p


def run(args) -> int:
    """Run ``rnnsim animate`` with parsed ``args``; return the exit status."""
    try:
        format_of(args.out)
        options = AnimationOptions(
            content=args.content,
            view=args.view,
            grad_of=args.grad_of,
            parts=args.parts,
            fps=args.fps,
            hold_first=args.hold_first,
            hold_last=args.hold_last,
            width=args.width,
            height=args.height,
            projector=args.projector,
        )
    except ValueError as exc:
        raise UsageError(f"--{str(exc).replace('_', '-')}") from None
    if args.train < 0:
        raise UsageError(f"--train: got {args.train}, expected a whole number >= 0")
    check_out_file(args.out, makes_folders=format_of(args.out) in (".png", ".svg"))
    say = _Progress(args.quiet, every=args.progress == "lines")
    with _sigterm_as_interrupt():
        try:
            sim, diverged = _simulation(args, say)
        except KeyboardInterrupt:
            say.finish()
            print("rnnsim animate: interrupted; nothing was written", file=sys.stderr)
            return EXIT_INTERRUPTED
        return _record(args, options, sim, say, diverged)


def _record(args, options, sim, say, diverged=None) -> int:
    """Record ``sim``; exit status 3 when its --train updates diverged (the file is written,
    and the JSON line says ``"diverged": {...}``)."""
    headless_qt()
    # Qt loads only when a recording is drawn (rnnsim's other commands run without it)
    from PySide6.QtWidgets import QApplication

    from rnnsim.gui.animation import Cancelled, MissingExtra, record

    app = QApplication.instance() or QApplication(["rnnsim"])
    say.line(f"recording {sim.experiment.title!r} ({', '.join(options.parts)}) into {args.out}")
    try:
        written = record(
            sim, options, args.out, progress=lambda done, total: say.step("frame", done, total)
        )
    except MissingExtra as exc:
        print(f"rnnsim animate: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        say.finish()
        print("rnnsim animate: interrupted; nothing was written", file=sys.stderr)
        return EXIT_INTERRUPTED
    except (Cancelled, OSError, ValueError) as exc:
        say.finish()
        print(f"rnnsim animate: error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    finally:
        app.processEvents()
    say.finish()
    say.line(f"wrote {len(written)} file(s), {say.frames} frames in {say.elapsed():.1f} s")
    result = {"frames": say.frames, "files": written}
    if diverged:
        result["diverged"] = diverged
    print(json.dumps(result), flush=True)
    return EXIT_DIVERGED if diverged else EXIT_OK


def _simulation(args, say):
    """The recording's own simulation: a preset/experiment trained --train updates, or a
    saved state (``run.npz``) with --set applied; and the divergence of that training
    (``{"update", "rolled_back_to", "reason"}``) or None."""
    if args.experiment and os.path.splitext(args.experiment)[1].lower() == ".npz":
        try:
            sim = simulation_for_recording(state=args.experiment)
            settings = parse_settings(args.settings)
            if settings:
                sim.apply(sim.experiment.with_values(settings))
        except ValueError as exc:
            raise UsageError(f"--experiment: {exc}") from None
    else:
        sim = simulation_for_recording(load_start(args))
    if args.train:
        say.line(f"training {args.train} updates first")
        sim.train(args.train, callback=lambda p: say.step("train", p.done, p.total))
        say.finish()
        if sim.message:  # a divergence or a growing loss: said even with --quiet
            print(f"rnnsim animate: {sim.message}", file=sys.stderr, flush=True)
    diverged = dict(sim.divergence) if sim.divergence else None  # before rewind() steps on
    rewind(sim)
    return sim, diverged


@contextlib.contextmanager
def _sigterm_as_interrupt():
    """SIGTERM raises KeyboardInterrupt while the block runs (in the main thread), so a
    terminated recording cleans up as Ctrl-C does; the previous handler is restored."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


class _Progress:
    """Progress on stderr: rewritten in place on a terminal, every 10 % otherwise, or one
    ``train D/N`` / ``frame D/N`` line per step (``every``)."""

    def __init__(self, quiet, every=False):
        self.quiet, self.tty, self.every = quiet, sys.stderr.isatty(), every
        self.start = time.perf_counter()
        self.frames, self._tenth, self._open = 0, -1, False
        self._kind = None

    def elapsed(self):
        return time.perf_counter() - self.start

    def line(self, text):
        self.finish()
        if not self.quiet:
            print(text, file=sys.stderr, flush=True)

    def step(self, kind, done, total):
        """``done`` of ``total`` trained updates (``kind`` "train") or written frames
        ("frame")."""
        if kind == "frame":
            self.frames = done
        if self.quiet:
            return
        if self.every:
            print(f"{kind} {done}/{total}", file=sys.stderr, flush=True)
            return
        if kind != self._kind:
            self.finish()
            self._kind, self._tenth = kind, -1
        text = f"{kind} {done}/{total} ({100 * done / max(total, 1):.0f} %)"
        if self.tty:
            print(f"\r{text}  ", end="", file=sys.stderr, flush=True)
            self._open = True
        elif (tenth := 10 * done // max(total, 1)) != self._tenth:
            self._tenth = tenth
            print(text, file=sys.stderr, flush=True)

    def finish(self):
        if self._open:
            print(file=sys.stderr)
            self._open = False
