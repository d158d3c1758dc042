"""Saving and loading experiments (JSON) and training state (NPZ, never pickle).

``save(sim, "run.json")`` writes the experiment to ``run.json`` and the state beside it to
``run.npz``; ``save(sim, "run.npz")`` writes only the NPZ (which carries the experiment too).
Every file is written atomically (``rnnsim.sim.atomic``).
``load`` checks everything (names, shapes, dtypes, counts) against the experiment before any
of it is applied, so a refused file (ValueError) leaves the simulation as it was.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np

from . import atomic
from .experiment import Experiment

FORMAT = "rnnsim-state"
SCHEMA = 1
PHASES = ("forward", "backward", "update")


# --------------------------------------------------------------------------- experiments
def save_experiment(experiment: Experiment, path) -> None:
    """Write ``experiment`` as JSON to ``path`` atomically."""
    _atomic_write(Path(path), experiment.to_json().encode("utf-8") + b"\n")


def load_experiment(path) -> Experiment:
    """Read an experiment JSON file; ValueError naming the file when it cannot be used."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: cannot read the experiment ({exc})") from None
    try:
        return Experiment.from_json(text)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None


# --------------------------------------------------------------------------- state
def state_path(path) -> Path:
    """The NPZ that holds the state for ``path`` (``x.json`` → ``x.npz``)."""
    path = Path(path)
    return path if path.suffix == ".npz" else path.with_suffix(".npz")


def save(sim, path) -> None:
    """Save ``sim``: JSON + NPZ for a ``.json`` path, the NPZ alone for ``.npz``."""
    path = Path(path)
    if path.suffix not in (".json", ".npz"):
        raise ValueError(f"path: got {str(path)!r}, expected a file name ending in .json or "
                         ".npz")
    arrays = state_arrays(sim)
    if path.suffix == ".json":
        save_experiment(sim.experiment, path)
    _atomic_write(state_path(path), _npz_bytes(arrays))


def load(sim, path) -> str:
    """Load into ``sim`` what ``save`` wrote; returns a message.

    A ``.json`` path loads the experiment and, if present, the NPZ beside it (whose weights
    must fit that experiment); an ``.npz`` path loads the experiment stored inside it.
    """
    path = Path(path)
    if path.suffix == ".json":
        experiment = load_experiment(path)
        npz = state_path(path)
        if not npz.exists():
            sim.message = ""
            sim._build(experiment, net=None)
            return f"Loaded {path.name} (no saved weights beside it: weights initialised)."
        arrays = read_npz(npz)
    else:
        npz = path
        arrays = read_npz(path)
        experiment = _stored_experiment(arrays, path)
    restore = check_state(arrays, experiment, npz)
    restore(sim)
    return f"Loaded {path.name}: {sim.updates} updates."


def state_arrays(sim) -> dict[str, np.ndarray]:
    """Everything needed to continue training exactly, as NPZ-ready arrays."""
    c = sim.cursor
    out = {"format": np.array(FORMAT), "schema": np.array(SCHEMA),
           "experiment": np.array(sim.experiment.to_json(indent=None)),
           "updates": np.array(sim.updates), "sequence": np.array(sim.sequence),
           "cursor": np.array([c.t, PHASES.index(c.phase), sim.run.revealed]),
           "rng": np.array(json.dumps(sim.run.rng_before))}
    out.update({f"param/{k}": v for k, v in sim.net.params.items()})
    out.update({f"optim/{k}": np.asarray(v) for k, v in sim.optimizer.state_dict().items()})
    out.update({f"accum/{k}": np.asarray(v) for k, v in sim.accumulator.state_dict().items()})
    out.update({f"history/{k}": v for k, v in sim.history.to_arrays().items()})
    out.update({"stats/loss": np.array([s[0] for s in sim._stats], dtype=float)})
    out.update({f"last/delta/{k}": v for k, v in sim.delta_weights.items()})
    out.update({f"last/grad_norm/{k}": np.array(v) for k, v in sim.grad_norms.items()})
    out["last/clipped"] = np.array(bool(sim.clipped))
    if sim._good is not None:
        good_weights, good_optim, good_updates = sim._good
        out.update({f"good/param/{k}": v for k, v in good_weights.items()})
        out.update({f"good/optim/{k}": np.asarray(v) for k, v in good_optim.items()})
        out["good/updates"] = np.array(good_updates)
    for name in {m for s in sim._stats for m in s[1]}:
        out[f"stats/metric/{name}"] = np.array([s[1].get(name, np.nan) for s in sim._stats],
                                               dtype=float)
    return out


def read_npz(path) -> dict[str, np.ndarray]:
    """Every array of an NPZ file (no pickle); ValueError when it is missing or corrupt."""
    try:
        with np.load(path, allow_pickle=False) as data:
            return {k: data[k] for k in data.files}
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile) as exc:
        raise ValueError(f"{Path(path).name}: not a readable rnnsim state file (corrupt or "
                         f"truncated?): {exc}") from None


def check_state(arrays, experiment: Experiment, path):
    """Check ``arrays`` against ``experiment``; return a function that applies them."""
    from .state_check import build_restore

    name = Path(path).name
    try:
        return build_restore(arrays, experiment)
    except (ValueError, KeyError, TypeError, IndexError) as exc:
        raise ValueError(f"{name}: refused, nothing was loaded: {exc}") from None


def _stored_experiment(arrays, path) -> Experiment:
    try:
        return Experiment.from_json(str(arrays["experiment"][()]))
    except (KeyError, ValueError, TypeError) as exc:
        raise ValueError(f"{Path(path).name}: refused, the stored experiment is unusable: "
                         f"{exc}") from None


# --------------------------------------------------------------------------- files
def _npz_bytes(arrays) -> bytes:
    import io

    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def _atomic_write(path: Path, data: bytes) -> None:
    atomic.write_bytes(path, data)


save_state = save
load_state = load
