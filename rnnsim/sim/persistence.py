"""Saving and loading: a simulation is one state file (NPZ, never pickle); an experiment is JSON.

``save(sim, "run.npz")`` writes everything needed to continue exactly (the experiment, the
weights, the optimiser and accumulator state, the history, the cursor) into that one file,
atomically (``rnnsim.sim.atomic``): whatever happens during a save, the file on disk is the
old state or the new one. ``save_experiment(exp, "e.json")`` writes the settings alone.

``load(sim, "run.npz")`` reads the state file within bounds (``state_file``: no member is
decompressed before its name, shape and dtype are checked against the stored experiment) and
checks every value (``state_check``) before any of it is applied, so a refused file
(ValueError) leaves the simulation as it was. ``load(sim, "e.json")`` loads an experiment;
a state file of the same name beside it (the pairs older versions saved) is loaded with it
only when its stored experiment is the same, otherwise the load is refused naming the field
that differs.
"""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

import numpy as np

from . import atomic
from .experiment import FIELD_NAMES, MAX_JSON_CHARS, Experiment
from .state_check import build_restore
from .state_file import read_state as read

FORMAT = "rnnsim-state"
SCHEMA = 1
PHASES = ("forward", "backward", "update")
STATE_SUFFIX = ".npz"
MAX_JSON_BYTES = 4 * MAX_JSON_CHARS + 100_000  # UTF-8 bytes of an experiment file


# --------------------------------------------------------------------------- experiments
def save_experiment(experiment: Experiment, path) -> None:
    """Write ``experiment`` as JSON to ``path`` atomically."""
    atomic.write_bytes(Path(path), experiment.to_json().encode("utf-8") + b"\n")


def load_experiment(path) -> Experiment:
    """Read an experiment JSON file; ValueError naming the file when it cannot be used."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_JSON_BYTES:
            raise ValueError(f"{size} bytes, at most {MAX_JSON_BYTES} accepted for an experiment")
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ValueError(f"{path}: cannot read the experiment ({exc})") from None
    try:
        return Experiment.from_json(text)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None


# --------------------------------------------------------------------------- state
def state_path(path) -> Path:
    """The state file that goes with ``path`` (``x.json`` → ``x.npz``)."""
    path = Path(path)
    return path if path.suffix == STATE_SUFFIX else path.with_suffix(STATE_SUFFIX)


def save(sim, path) -> None:
    """Save ``sim`` into the one state file ``path`` (``.npz``), atomically.

    Temporary files that killed saves left in its folder are removed: those of ``path``
    older than this save, and those of other state files that have been saved since.
    """
    path = Path(path)
    if path.suffix != STATE_SUFFIX:
        raise ValueError(
            f"path: got {str(path)!r}, expected a state file name ending in "
            f"{STATE_SUFFIX} (the experiment alone: save_experiment, File ▸ "
            "Export experiment…)"
        )
    started = time.time()
    data = _npz_bytes(state_arrays(sim))
    atomic.remove_stale(path, started, others=(STATE_SUFFIX,))
    atomic.write_bytes(path, data)


def load(sim, path) -> str:
    """Load into ``sim`` a state file (``.npz``) or an experiment (``.json``); returns a
    message. See the module docstring for the checks; a refused file raises ValueError and
    changes nothing."""
    path = Path(path)
    if path.suffix == ".json":
        experiment = load_experiment(path)
        npz = state_path(path)
        if not npz.exists():
            sim.message = ""
            sim.install(experiment)
            return f"Loaded {path.name} (no saved weights beside it: weights initialised)."
        stored, arrays = read_state(npz)
        _check_pair(path, experiment, npz, stored)
    else:
        npz = path
        experiment, arrays = read_state(path)
    restore = check_state(arrays, experiment, npz)
    restore(sim)
    return f"Loaded {path.name}: {sim.updates} updates."


def read_state(path):
    """(experiment, arrays) of a state file, read within bounds (see ``state_file``)."""
    return read(path)


def _check_pair(json_path: Path, experiment, npz: Path, stored) -> None:
    """An old ``x.json`` + ``x.npz`` pair opens only when both hold the same experiment."""
    if stored == experiment:
        return
    mine, theirs = experiment.to_dict(), stored.to_dict()
    field = next(k for k in FIELD_NAMES if mine[k] != theirs[k])
    a, b = mine[field], theirs[field]
    if field == "knobs":
        knob = next(k for k in sorted({*a, *b}) if a.get(k) != b.get(k))
        field, a, b = f"task.{knob}", a.get(knob), b.get(knob)
    raise ValueError(
        f"{json_path.name} and {npz.name} do not belong together, nothing was "
        f"loaded: {field} is {_short(a)} in {json_path.name} but {_short(b)} in "
        f"{npz.name} (open {npz.name} alone for its saved state)"
    )


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "…"


def state_arrays(sim) -> dict[str, np.ndarray]:
    """Everything needed to continue training exactly, as NPZ-ready arrays."""
    c = sim.cursor
    out = {
        "format": np.array(FORMAT),
        "schema": np.array(SCHEMA),
        "experiment": np.array(sim.experiment.to_json(indent=None)),
        "updates": np.array(sim.updates),
        "sequence": np.array(sim.sequence),
        "cursor": np.array([c.t, PHASES.index(c.phase), sim.run.revealed]),
        "rng": np.array(json.dumps(sim.run.rng_before)),
    }
    out.update({f"param/{k}": v for k, v in sim.net.params.items()})
    out.update({f"optim/{k}": np.asarray(v) for k, v in sim.optimizer.state_dict().items()})
    out.update({f"accum/{k}": np.asarray(v) for k, v in sim.accumulator.state_dict().items()})
    out.update({f"history/{k}": v for k, v in sim.history.to_arrays().items()})
    out.update({"stats/loss": np.array([s[0] for s in sim.training.stats], dtype=float)})
    out.update({f"last/delta/{k}": v for k, v in sim.delta_weights.items()})
    out.update({f"last/grad_norm/{k}": np.array(v) for k, v in sim.grad_norms.items()})
    out["last/clipped"] = np.array(bool(sim.clipped))
    if sim.training.good is not None:
        good_weights, good_optim, good_updates = sim.training.good
        out.update({f"good/param/{k}": v for k, v in good_weights.items()})
        out.update({f"good/optim/{k}": np.asarray(v) for k, v in good_optim.items()})
        out["good/updates"] = np.array(good_updates)
    for name in {m for s in sim.training.stats for m in s[1]}:
        out[f"stats/metric/{name}"] = np.array(
            [s[1].get(name, np.nan) for s in sim.training.stats], dtype=float
        )
    return out


def read_npz(path) -> dict[str, np.ndarray]:
    """Every array of a state file, read within bounds; ValueError when it cannot be used."""
    return read_state(path)[1]


def check_state(arrays, experiment: Experiment, path):
    """Check ``arrays`` against ``experiment``; return a function that applies them."""
    name = Path(path).name
    try:
        return build_restore(arrays, experiment)
    except (ValueError, KeyError, TypeError, IndexError, OverflowError) as exc:
        raise ValueError(f"{name}: refused, nothing was loaded: {exc}") from None


# --------------------------------------------------------------------------- files
def _npz_bytes(arrays) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


save_state = save
load_state = load
