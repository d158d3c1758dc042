"""A minimal trainer for the learning tests (the simulation layer has the real one)."""

from __future__ import annotations

import contextlib
import ctypes
import os

import numpy as np

from rnnsim.engine import Network, clip_by_norm, make_optimizer

_SETTERS = (
    "scipy_openblas_set_num_threads64_",
    "scipy_openblas_set_num_threads",
    "openblas_set_num_threads64_",
    "openblas_set_num_threads",
)
_GETTERS = tuple(s.replace("set", "get") for s in _SETTERS)


def _blas(names):
    """The OpenBLAS function NumPy loaded under one of ``names`` (found via /proc/self/maps)."""
    try:
        with open("/proc/self/maps") as maps:
            paths = sorted({line.split()[-1] for line in maps if "blas" in line.lower()})
    except OSError:
        return None
    for path in (p for p in paths if os.path.exists(p)):
        lib = ctypes.CDLL(path)
        for name in names:
            fn = getattr(lib, name, None)
            if fn is not None:
                return fn
    return None


@contextlib.contextmanager
def one_blas_thread():
    """Run BLAS single-threaded: on 2 shared cores, small matrices and threads that spin
    while other test processes run made training 10x slower in measurements here."""
    get, put = _blas(_GETTERS), _blas(_SETTERS)
    before = int(get()) if get is not None else None
    if put is not None:
        put(1)
    try:
        yield
    finally:
        if put is not None and before is not None:
            put(before)


def evaluate(task, net, n=1000, seed=12345):
    """Scores of ``net`` on ``n`` fresh sequences."""
    X, D, mask = task.sample(n, np.random.default_rng(seed))
    return task.score(net.forward(X).y, D, mask)


def train(
    task,
    *,
    cell="elman",
    activation="tanh",
    n_hidden=16,
    optimizer="adam",
    lr=0.01,
    clip_norm=5.0,
    batch_size=32,
    updates=1000,
    seed=0,
    check_every=None,
    init="uniform",
):
    """Train a new Network on ``task``: one update per batch (full BPTT, mean gradient over
    the batch as the engine defines the loss, clipped to ``clip_norm``).

    Returns the network and a list of (update, scores on 1000 held-out sequences) every
    ``check_every`` updates (and at the end).
    """
    net = Network.create(
        cell=cell,
        n_in=task.n_in,
        n_hidden=n_hidden,
        n_out=task.n_out,
        activation=activation,
        output=task.output,
        loss=task.loss,
        init=init,
        seed=seed,
    )
    opt = make_optimizer(optimizer, lr)
    rng = np.random.default_rng(seed + 1)
    history = []
    for u in range(1, updates + 1):
        X, D, mask = task.sample(batch_size, rng)
        _, grads = net.loss_and_grads(X, D, mask)
        if clip_norm is not None:
            grads, _, _ = clip_by_norm(grads, clip_norm)
        opt.step(net.params, grads)
        if u == updates or (check_every and u % check_every == 0):
            history.append((u, evaluate(task, net)))
    return net, history
