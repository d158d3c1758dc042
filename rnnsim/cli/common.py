"""Helpers shared by the sub-commands: exit codes, one-line errors, ``--preset/--experiment/
--set``, ``--out`` checks, the last JSON line, and headless Qt."""

from __future__ import annotations

import json
import os
import sys
import tempfile

from rnnsim import catalog
from rnnsim.sim import load_experiment
from rnnsim.sim.resume import is_state_file, stored_experiment
from rnnsim.usage import (  # noqa: F401  (re-exported: the sub-commands import them from here)
    EXIT_DIVERGED,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    Parser,
)


class UsageError(Exception):
    """A command-line mistake: printed as ``rnnsim <cmd>: error: ...``, exit status 2."""


def error_line(command: str, exc: BaseException) -> str:
    """``rnnsim <command>: error: <what went wrong>`` on one line."""
    if isinstance(exc, OSError) and exc.strerror:
        what = f"{exc.filename}: {exc.strerror}" if exc.filename else exc.strerror
    else:
        what = str(exc) or type(exc).__name__
    what = " ".join(what.split())
    return f"rnnsim {command}: error: {what}"


def check_out(path, option: str = "--out", create: bool = True) -> str:
    """Make sure the output folder ``path`` can be written, before any work; return it absolute.

    A file in its place, a missing parent or no write permission is a UsageError naming
    ``option``. The folder is created if missing (``create``); without ``create`` nothing is
    made and a missing folder's parent is checked instead.
    """
    out = os.path.abspath(os.fspath(path))
    parent = os.path.dirname(out)
    if os.path.exists(out) and not os.path.isdir(out):
        raise UsageError(f"{option}: {out} is a file, expected a folder")
    if not os.path.isdir(out):
        if not os.path.isdir(parent):
            what = "is not a folder" if os.path.exists(parent) else "does not exist"
            raise UsageError(f"{option}: cannot create {out}: its parent {parent} {what}")
        if not create:
            _probe(parent, f"{option}: cannot create {out}")
            return out
        try:
            os.mkdir(out)
        except OSError as exc:
            raise UsageError(f"{option}: cannot create {out}: {exc.strerror or exc}") from None
    _probe(out, f"{option}: cannot write into {out}")
    return out


def check_out_file(path, makes_folders: bool = False, option: str = "--out") -> str:
    """Make sure the file ``path`` can be written, before any work (training, drawing); return
    it absolute.

    Its folder must exist and take a new file; with ``makes_folders`` (numbered frames create
    their folder) the nearest folder that exists must. Otherwise a UsageError naming ``option``.
    """
    out = os.path.abspath(os.fspath(path))
    if os.path.isdir(out):
        raise UsageError(f"{option}: {out} is a folder, expected a file name")
    folder = os.path.dirname(out)
    if makes_folders:
        while not os.path.exists(folder) and os.path.dirname(folder) != folder:
            folder = os.path.dirname(folder)
    if not os.path.isdir(folder):
        what = "is not a folder" if os.path.exists(folder) else "does not exist"
        raise UsageError(f"{option}: cannot write {out}: the folder {folder} {what}")
    _probe(folder, f"{option}: cannot write {out}")
    return out


def _probe(folder: str, what: str) -> None:
    """Create and remove a file in ``folder``; UsageError ``what: reason`` if that fails."""
    try:
        fd, probe = tempfile.mkstemp(prefix=".rnnsim-write-test.", dir=folder)
        os.close(fd)
        os.remove(probe)
    except OSError as exc:
        raise UsageError(f"{what}: {exc.strerror or exc}") from None


def quiet_broken_pipe() -> None:
    """After a BrokenPipeError (``rnnsim presets | head -3``): send the rest of stdout to
    /dev/null so that the interpreter's last flush raises nothing."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def add_start_arguments(parser, set_help: str) -> None:
    """``--preset NAME | --experiment FILE`` and ``--set FIELD=VALUE`` (read by ``load_start``)."""
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--preset", metavar="NAME", help="start from a preset (`rnnsim presets`; default: wolf)"
    )
    source.add_argument(
        "--experiment",
        metavar="FILE",
        help="start from an experiment JSON saved by rnnsim, or a state (run.npz)",
    )
    parser.add_argument(
        "--set", action="append", default=[], metavar="FIELD=VALUE", dest="settings", help=set_help
    )


def parse_settings(items) -> dict[str, str]:
    """``["cell=lstm", "task.gap=30"]`` → ``{"cell": "lstm", "task.gap": "30"}``."""
    values = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise UsageError(
                f"--set: got {item!r}, expected FIELD=VALUE (e.g. cell=lstm or task.gap=30)"
            )
        values[name.strip()] = value.strip()
    return values


def load_start(args):
    """The experiment to start from: a preset, an experiment file (or the experiment inside
    a state file, ``run.npz``), or the preset ``wolf``."""
    if args.experiment:
        read = stored_experiment if is_state_file(args.experiment) else load_experiment
        try:
            experiment = read(args.experiment)
        except ValueError as exc:
            raise UsageError(f"--experiment: {exc}") from None
    else:
        try:
            experiment = catalog.preset_experiment(args.preset or catalog.DEFAULT_PRESET)
        except ValueError as exc:
            raise UsageError(f"--{exc}") from None  # "preset: got 'x', expected one of ..."
    try:
        return experiment.with_values(parse_settings(args.settings))
    except ValueError as exc:
        raise UsageError(f"--set {exc}") from None


def print_result(updates: int, metrics: dict, **extra) -> None:
    """The last stdout line: ``{"updates": N, "metrics": {...}}`` and any ``extra`` keys
    (``"interrupted": true``)."""
    clean = {k: (None if v != v else float(v)) for k, v in metrics.items()}
    print(json.dumps({"updates": int(updates), "metrics": clean, **extra}), flush=True)


def headless_qt() -> None:
    """Render offscreen: no display is needed, and nothing is shown."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
