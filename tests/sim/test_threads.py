"""Training runs with the BLAS threads sized to its network and gives the setting back; a
sweep's worker process keeps its one thread even for a network that would get all."""

import multiprocessing

import pytest

from rnnsim.engine.threads import current_blas_threads, threads_for
from rnnsim.sim import Simulation, training
from rnnsim.sim.sweep_backends import single_threaded_blas

from .conftest import small

if current_blas_threads() is None:  # pragma: no cover
    pytest.skip("threadpoolctl finds no BLAS library", allow_module_level=True)


def threadpool_limits(n, user_api="blas"):
    """threadpoolctl's own limit (imported here: the module is skipped without it)."""
    from threadpoolctl import threadpool_limits as limits

    return limits(n, user_api=user_api)


# a per-frame product above the crossover: 2·B·H·G = 2·64·256·256 flops (a 2-step task)
LARGE = {"n_hidden": 256, "batch_size": 64, "knobs": {"gap": 0}}


def threads_while_training(changes, updates=3) -> list:
    """BLAS threads seen from inside the progress callbacks of a short training, one per
    update (the last one, from ``finish``, is left out: it comes after the training)."""
    training.CALLBACK_INTERVAL = 0.0
    sim = Simulation(small(**changes))
    seen = []
    sim.train(updates, callback=lambda p: seen.append(current_blas_threads()))
    assert len(seen) == updates + 1
    return seen[:-1]


@pytest.fixture(autouse=True)
def callback_every_update(monkeypatch):
    monkeypatch.setattr(training, "CALLBACK_INTERVAL", 0.0)


@pytest.fixture
def two_threads():
    with threadpool_limits(2, user_api="blas"):
        if current_blas_threads() != 2:
            pytest.skip("this BLAS does not run 2 threads")
        yield


def test_a_small_network_trains_on_one_thread_and_gives_the_setting_back(two_threads):
    sim = Simulation(small())
    assert threads_for(sim.net, sim.experiment.batch_size, sim.run.T) == 1
    seen = []
    session = sim.begin_training(6, callback=lambda p: seen.append(current_blas_threads()))
    while not session.run(budget_s=0.0):  # one batch per chunk
        assert current_blas_threads() == 2  # between chunks: the caller's setting
    session.finish()
    assert seen == [1] * 6 + [2]  # six updates; the last callback comes from finish()
    assert current_blas_threads() == 2


def test_a_large_network_trains_on_all_the_callers_threads(two_threads):
    assert set(threads_while_training(LARGE, updates=1)) == {2}
    assert current_blas_threads() == 2


def _threads_in_a_worker(changes) -> tuple:
    return current_blas_threads(), threads_while_training(changes, updates=1)


def test_a_sweep_worker_process_keeps_one_thread():
    ctx = multiprocessing.get_context("spawn")  # how the sweep backends start their workers
    with single_threaded_blas(), ctx.Pool(1) as pool:
        before, seen = pool.apply(_threads_in_a_worker, (LARGE,))
    assert before == 1 and set(seen) == {1}
