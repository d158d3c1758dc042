"""Reading a state file (NPZ) within bounds: nothing is decompressed before it is checked.

Order of the checks: the file is a ZIP of at most ``MAX_MEMBERS`` ``.npy`` members with no
name twice; ``format``, ``schema`` and ``experiment`` are read first (each bounded) and the
experiment is validated; every member's name must then be one the experiment expects (an
unknown member is refused by name), and each member's ``.npy`` header (shape, dtype) is read
and checked against what the experiment needs before any array is read; the total size of the
arrays must stay under the memory ceiling. Only then are the arrays read, each exactly as
long as its header says (a member with bytes after its array is refused).
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import numpy as np

from rnnsim.engine import Network, make_optimizer
from rnnsim.engine.memory import check_memory

from .experiment import MAX_JSON_CHARS, Experiment
from .history import LIMIT as HISTORY_LIMIT

FORMAT, SCHEMA = "rnnsim-state", 1
MAX_MEMBERS = 2000
MAX_HEADER = 10_000  # bytes of one .npy header
MAX_RNG_CHARS = 10_000  # the generator state (JSON)
_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")  # metric names
SCALAR, ANY = (), None


class Refused(ValueError):
    """A state file that cannot be used; the message says which member and why."""


def read_state(path) -> tuple[Experiment, dict[str, np.ndarray]]:
    """The stored experiment and every array of the state file ``path``.

    Raises
    ------
    ValueError
        Not a readable ZIP/NPZ, an unknown or duplicate member, a header that does not fit
        the experiment, too large, corrupt or truncated data; the message names the file.
    """
    name = Path(path).name
    try:
        with zipfile.ZipFile(path) as z:
            return _read(z)
    except Refused as exc:
        raise ValueError(f"{name}: refused, nothing was loaded: {exc}") from None
    except (
        OSError,
        EOFError,
        zipfile.BadZipFile,
        ValueError,
        KeyError,
        RuntimeError,
        NotImplementedError,
    ) as exc:
        raise ValueError(
            f"{name}: not a readable rnnsim state file (corrupt or truncated?): {exc}"
        ) from None


def _read(z: zipfile.ZipFile):
    infos = z.infolist()
    if len(infos) > MAX_MEMBERS:
        raise Refused(f"{len(infos)} members, at most {MAX_MEMBERS} expected")
    members = {}
    for info in infos:
        if not info.filename.endswith(".npy") or info.filename[:-4] in members:
            raise Refused(f"member {info.filename!r}: expected each array once, as .npy")
        members[info.filename[:-4]] = info
    for key in ("format", "schema", "experiment"):
        if key not in members:
            raise Refused(f"not an rnnsim state file (no {key!r}; format {FORMAT!r})")
    fmt = _scalar(z, members["format"], "U", 64)
    schema = _scalar(z, members["schema"], "iu", 8)
    if str(fmt) != FORMAT or int(schema) != SCHEMA:
        raise Refused(f"not an rnnsim state file (format {FORMAT!r}, schema {SCHEMA})")
    text = _scalar(z, members["experiment"], "U", 4 * MAX_JSON_CHARS)
    try:
        experiment = Experiment.from_json(str(text))
    except ValueError as exc:
        raise Refused(f"the stored experiment is unusable: {exc}") from None
    rules = member_rules(experiment)
    headers, total = {}, 0
    for key, info in members.items():
        rule = _rule(rules, key)
        shape, dtype, offset = _header(z, info)
        _check(key, shape, dtype, rule)
        size = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
        if info.file_size != offset + size:
            raise Refused(
                f"member {key!r}: {info.file_size} bytes stored for an array of {size} bytes"
            )
        headers[key] = (shape, dtype)
        total += size
    check_memory("state file", total, f"{len(members)} arrays")
    return experiment, {key: _array(z, members[key]) for key in members}


def member_rules(experiment: Experiment) -> dict:
    """name → (dtype kinds, shape or None for 1-D of bounded length) of every member the
    state of ``experiment`` may have; ``"<prefix>*"`` keys match metric names."""
    task = experiment.make_task()
    net = Network.create(
        n_in=task.n_in,
        n_out=task.n_out,
        **{**experiment.network_settings(), "init": "uniform", "ws_scale": None},
    )
    shapes = {k: p.shape for k, p in net.params.items()}
    dt = net.dtype
    optimizer = make_optimizer(experiment.optimizer, experiment.lr, **experiment.optimizer_hyper())
    rules: dict[str, tuple[str, int | tuple[int, ...]]]
    rules = {
        "format": ("U", SCALAR),
        "schema": ("iu", SCALAR),
        "experiment": ("U", SCALAR),
        "updates": ("iu", SCALAR),
        "sequence": ("iu", SCALAR),
        "cursor": ("iu", (3,)),
        "rng": ("U", SCALAR),
        "last/clipped": ("b", SCALAR),
        "good/updates": ("iu", SCALAR),
    }
    for prefix in ("optim/", "good/optim/"):
        rules.update({f"{prefix}{k}": ("f", SCALAR) for k in ("step", "lr", *optimizer.defaults)})
        rules.update(
            {
                f"{prefix}{slot}/{k}": (dt, s)
                for slot in optimizer.slot_names
                for k, s in shapes.items()
            }
        )
    rules.update({"accum/M": ("f", SCALAR), "accum/count": ("f", SCALAR)})
    for k, s in shapes.items():
        rules.update(
            {
                f"param/{k}": (dt, s),
                f"good/param/{k}": (dt, s),
                f"accum/sum/{k}": (dt, s),
                f"last/delta/{k}": (dt, s),
                f"last/grad_norm/{k}": ("f", SCALAR),
                f"history/grad_norm/{k}": ("f", HISTORY_LIMIT),
            }
        )
    rules.update(
        {
            "history/update": ("iu", HISTORY_LIMIT),
            "history/loss": ("f", HISTORY_LIMIT),
            "history/global_norm": ("f", HISTORY_LIMIT),
            "history/clipped": ("b", HISTORY_LIMIT),
            "history/metric/*": ("f", HISTORY_LIMIT),
            "stats/loss": ("f", experiment.update_every),
            "stats/metric/*": ("f", experiment.update_every),
        }
    )
    return rules


def _rule(rules, key):
    if key in rules:
        return rules[key]
    prefix, _, metric = key.rpartition("/")
    rule = rules.get(f"{prefix}/*")
    if rule is None or not _NAME.match(metric):
        raise Refused(f"unknown member {key!r} (not part of an rnnsim state for this experiment)")
    return rule


def _check(key, shape, dtype, rule):
    accept, want = rule
    ok = (
        dtype == accept
        if isinstance(accept, np.dtype)
        else (not dtype.hasobject and dtype.kind in accept)
    )
    if not ok:
        raise Refused(f"member {key!r}: dtype {dtype}, expected {_kinds(accept)}")
    if isinstance(want, int):  # 1-D of at most ``want`` entries
        if len(shape) != 1 or shape[0] > want:
            raise Refused(f"member {key!r}: shape {shape}, expected (n,) with n <= {want}")
    elif tuple(shape) != tuple(want):
        raise Refused(f"member {key!r}: shape {shape}, expected {tuple(want)}")
    limit = MAX_RNG_CHARS if key == "rng" else MAX_JSON_CHARS
    if dtype.kind == "U" and dtype.itemsize > 4 * limit:
        raise Refused(f"member {key!r}: {dtype.itemsize // 4} characters, at most {limit}")


def _kinds(accept):
    if isinstance(accept, np.dtype):
        return accept.name
    names = {"U": "text", "i": "integer", "u": "integer", "b": "bool", "f": "float"}
    return " or ".join(dict.fromkeys(names[k] for k in accept))


def _header(z, info):
    """(shape, dtype, header length) of a member, reading only its header."""
    with z.open(info) as f:
        version = np.lib.format.read_magic(f)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(
                f, max_header_size=MAX_HEADER
            )
        elif version == (2, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(
                f, max_header_size=MAX_HEADER
            )
        else:
            raise Refused(f"member {info.filename!r}: .npy version {version}, expected 1.0 or 2.0")
        offset = f.tell()
    if fortran and len(shape) > 1:
        raise Refused(f"member {info.filename!r}: Fortran order, expected C order")
    return shape, dtype, offset


def _scalar(z, info, kinds, max_bytes):
    shape, dtype, _ = _header(z, info)
    if shape != () or dtype.kind not in kinds or dtype.itemsize > max_bytes:
        raise Refused(
            f"member {info.filename[:-4]!r}: {dtype} {shape}, expected a {_kinds(kinds)} scalar"
        )
    return _array(z, info)[()]


def _array(z, info):
    with z.open(info) as f:
        array = np.lib.format.read_array(f, allow_pickle=False, max_header_size=MAX_HEADER)
        if f.read(1):
            raise Refused(f"member {info.filename[:-4]!r}: bytes after its array")
    return array
