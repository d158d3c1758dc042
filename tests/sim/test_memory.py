"""Memory is checked before it is spent: one estimate, a ceiling, ValueError naming sizes."""

import os
import tracemalloc

import numpy as np
import pytest

from rnnsim.engine import Network
from rnnsim.engine.memory import ENV, ceiling, format_bytes, parse_size
from rnnsim.sim import Experiment, Simulation
from rnnsim.sim.memory import check, estimate


def test_the_reported_combination_is_refused_naming_the_sizes():
    """--set task=adding --set task.length=1000 --set batch_size=4096 --set n_hidden=1024
    --set cell=lstm: each value in range, together ~31 GiB: a ValueError, not MemoryError."""
    exp = Experiment(task="adding", knobs={"length": 1000})
    with pytest.raises(
        ValueError,
        match=r"experiment: T=1000 frames × B=4096 sequences.*"
        r"n_hidden=1024.*lstm.*needs about [\d.]+ TiB, more than the memory "
        r"ceiling",
    ):
        exp.replace(batch_size=4096, n_hidden=1024, cell="lstm")


def test_the_ceiling_follows_the_environment_variable(monkeypatch):
    exp = Experiment(n_hidden=256, batch_size=512)
    monkeypatch.setenv(ENV, "64M")
    assert ceiling() == (64 * 2**20, f"${ENV}")
    with pytest.raises(ValueError, match=rf"more than the memory ceiling of 64 MiB \(\${ENV}\)"):
        Experiment(n_hidden=256, batch_size=512)
    monkeypatch.setenv(ENV, "64G")
    assert Experiment(n_hidden=256, batch_size=512) == exp
    monkeypatch.setenv(ENV, "lots")
    with pytest.raises(ValueError, match=f"{ENV}: got 'lots'"):
        ceiling()


def test_the_ceiling_follows_the_process_own_limit(monkeypatch, tmp_path):
    """Under `ulimit -v 4G` the machine's free memory is not what this process may take: a
    configuration between the two ended in MemoryError (the issue's attacks ran capped)."""
    from rnnsim.engine import memory

    monkeypatch.delenv(ENV, raising=False)
    monkeypatch.setattr(memory, "available_bytes", lambda: 20 * 2**30)
    monkeypatch.setattr(memory, "_CGROUP_FILES", ())
    monkeypatch.setattr(memory, "_address_space_limit", lambda: None)
    assert ceiling() == (10 * 2**30, f"half of the 20 GiB available; set ${ENV} to change it")
    monkeypatch.setattr(memory, "_address_space_limit", lambda: 4 * 2**30)
    monkeypatch.setattr(memory, "_status_kib", lambda field: 2**20)  # 1 GiB mapped
    assert ceiling() == (
        int(1.5 * 2**30),
        f"half of the 3 GiB left under the address-space limit (ulimit -v); set ${ENV} to "
        "change it",
    )
    limit, usage = tmp_path / "memory.max", tmp_path / "memory.current"
    limit.write_text("2147483648\n")
    usage.write_text("1073741824\n")
    monkeypatch.setattr(memory, "_CGROUP_FILES", ((str(limit), str(usage)),))
    assert ceiling()[0] == 2**29 and "the cgroup's memory limit" in ceiling()[1]
    limit.write_text("max\n")  # cgroup v2 without a limit
    assert ceiling()[0] == int(1.5 * 2**30)


@pytest.mark.slow
def test_a_capped_process_refuses_what_it_cannot_allocate(tmp_path):
    """`ulimit -v 4G`, a run that needs about 6 GiB: exit 2 before training, not MemoryError."""
    import resource
    import subprocess
    import sys

    def cap():
        resource.setrlimit(resource.RLIMIT_AS, (4 * 2**30, 4 * 2**30))

    sets = ["task=adding", "task.length=200", "batch_size=32", "n_hidden=256", "cell=lstm"]
    args = [f"--set={s}" for s in sets]
    done = subprocess.run(
        [sys.executable, "-m", "rnnsim", "train", *args, "--updates", "1", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        preexec_fn=cap,
        env={k: v for k, v in os.environ.items() if k != ENV},
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert "left under the address-space limit (ulimit -v)" in done.stderr
    assert "MemoryError" not in done.stderr


def test_sizes_parse_and_format():
    assert parse_size("4G") == 4 * 2**30
    assert parse_size("1.5GiB") == int(1.5 * 2**30)
    assert parse_size("2000000") == 2_000_000
    assert format_bytes(31.3 * 2**30) == "31.3 GiB"
    assert format_bytes(512) == "512 bytes"
    with pytest.raises(ValueError):
        parse_size("1k")  # below 1M: surely a mistake


def test_network_create_and_forward_raise_valueerror_not_memoryerror():
    with pytest.raises(
        ValueError,
        match=r"Network.create: n_in=4, n_hidden=1000000, n_out=3 "
        r"\(elman, float64: 1e\+12 weights\) needs about",
    ):
        Network.create(n_in=4, n_hidden=10**6, n_out=3)
    net = Network.create(n_in=1, n_hidden=2000, n_out=1)
    X = np.zeros((100_000, 30, 1))  # 24 MB of input; the pass over it would need ~ 100 GB
    with pytest.raises(
        ValueError,
        match=r"forward: a batch of T=100000 frames × B=30 "
        "sequences with n_hidden=2000",
    ):
        net.forward(X)


@pytest.mark.slow
@pytest.mark.parametrize(
    "changes",
    [
        {
            "task": "adding",
            "knobs": {"length": 200},
            "cell": "lstm",
            "n_hidden": 64,
            "batch_size": 32,
        },
        {"task": "text", "knobs": {"length": 60}, "n_hidden": 128, "batch_size": 64},
    ],
)
def test_the_estimate_bounds_what_a_simulation_allocates(changes):
    exp = Experiment(**changes)
    tracemalloc.start()
    try:
        sim = Simulation(exp)
        sim.train(2)
        for _ in range(2 * sim.run.T + 3):
            sim.step()
        sim.snapshot()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    total = estimate(exp).total
    assert peak <= total <= 4 * peak + 40 * 2**20, (format_bytes(peak), format_bytes(total))


def test_the_evaluation_batch_counts():
    exp = Experiment()
    assert estimate(exp, eval_batch=512).parts["evaluation"] > 0
    with pytest.raises(ValueError, match="evaluation batch 1000000000"):
        check(exp, eval_batch=10**9)
