"""SIGKILL at random moments while a process saves in a loop: the state file on disk always
opens, and it is the old state or the new one; the next save removes what the kill left."""

import os
import random
import signal
import subprocess
import sys
import time

import pytest

from rnnsim.sim import Experiment, Simulation

ROUNDS = 20
EXPERIMENT = {"cell": "lstm", "n_hidden": 128, "batch_size": 2, "seed": 5}

# A fork server: imports once, then forks one saving child per round (fast rounds). Each
# child continues from the state on disk, then trains one update and saves, forever; it
# appends the update count of every finished save to the log.
SERVER = f"""
import os, signal, sys
from rnnsim.sim import Experiment, Simulation
signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # killed children are reaped by the kernel
path, log = sys.argv[1], sys.argv[2]
for line in sys.stdin:
    if line.strip() != "go":
        break
    pid = os.fork()
    if pid == 0:
        try:
            sim = Simulation(Experiment(**{EXPERIMENT!r}))
            sim.load(path)
            fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
            os.write(fd, b"start %d\\n" % sim.updates)
            while True:
                sim.train(1)
                sim.save(path)
                os.write(fd, b"%d\\n" % sim.updates)
        finally:
            os._exit(1)
    print(pid, flush=True)
"""


def _gone(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def _wait(predicate, timeout=30.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail("the saving process did not answer in time")
        time.sleep(0.002)


@pytest.mark.slow
def test_sigkill_during_saves_always_leaves_the_old_or_the_new_state(tmp_path):
    path, log = tmp_path / "run.npz", tmp_path / "log"
    reader = Simulation(Experiment(**EXPERIMENT))
    reader.save(path)
    env = {
        **os.environ,
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(path), str(log)],
        text=True,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=env,
    )
    rng = random.Random(12)
    intact, left = 0, set()
    try:
        for _ in range(ROUNDS):
            log.unlink(missing_ok=True)
            server.stdin.write("go\n")
            server.stdin.flush()
            pid = int(server.stdout.readline())
            # from the first finished save on, the child is in its train-and-save loop: a kill
            # at a random moment then lands in a save with the same odds on a busy machine
            # (where everything is slower) as on an idle one
            _wait(lambda: log.exists() and len(log.read_text().split("\n")) > 2)
            time.sleep(rng.uniform(0.0, 0.12))
            os.kill(pid, signal.SIGKILL)
            _wait(lambda p=pid: _gone(p))
            lines = log.read_text().split()
            last = int(lines[-1])  # the last finished save (or the state it started from)
            left |= {p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")}
            reader.load(path)  # raises if the file were half-written or mixed
            assert reader.updates in (last, last + 1)  # the old state, or the new one
            intact += 1
    finally:
        server.stdin.close()
        server.wait(timeout=30)
    reader.save(path)  # the next save removes the temporary files the kills left
    assert sorted(p.name for p in tmp_path.iterdir()) == ["log", "run.npz"]
    assert intact == ROUNDS
    assert left, "no kill landed during a save: the test proved nothing"
    print(
        f"\nkill during save: {intact} of {ROUNDS} intact, {len(left)} killed mid-save, "
        f"{reader.updates} updates saved in all"
    )
