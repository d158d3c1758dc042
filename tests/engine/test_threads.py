"""BLAS threads sized to the work: the decision per shape, and the setting given back."""

import threading

import pytest

from rnnsim.engine import Network
from rnnsim.engine.threads import CROSSOVER_FLOPS, blas_threads, current_blas_threads, threads_for

if current_blas_threads() is None:  # pragma: no cover - NumPy without a BLAS threadpoolctl knows
    pytest.skip("threadpoolctl finds no BLAS library", allow_module_level=True)


def threadpool_limits(n, user_api="blas"):
    """threadpoolctl's own limit (imported here: the module is skipped without it)."""
    from threadpoolctl import threadpool_limits as limits

    return limits(n, user_api=user_api)


@pytest.fixture
def two_threads():
    """The caller's setting is 2 BLAS threads (skipped where the BLAS cannot have 2)."""
    with threadpool_limits(2, user_api="blas"):
        if current_blas_threads() != 2:
            pytest.skip("this BLAS does not run 2 threads")
        yield


def test_small_products_get_one_thread_large_ones_all():
    small = Network.create("lstm", 3, 32, 3)
    large = Network.create("elman", 3, 512, 3)
    assert 2 * 32 * 32 * 128 < CROSSOVER_FLOPS <= 2 * 64 * 512 * 512
    assert threads_for(small, 32, 22) == 1
    assert threads_for(large, 64, 100) == 0  # all the caller's threads


def test_the_decision_is_made_once_per_shape():
    from rnnsim.engine.threads import _decide

    net = Network.create("gru", 2, 24, 2)
    threads_for(net, 16, 10)
    hits = _decide.cache_info().hits
    for _ in range(5):
        threads_for(net.copy(), 16, 10)
    assert _decide.cache_info().hits == hits + 5


def test_the_callers_setting_comes_back(two_threads):
    with blas_threads(1):
        assert current_blas_threads() == 1
        with blas_threads(1):
            assert current_blas_threads() == 1
        assert current_blas_threads() == 1
    assert current_blas_threads() == 2
    with pytest.raises(KeyError), blas_threads(1):
        raise KeyError("a step that fails gives the threads back too")
    assert current_blas_threads() == 2


def test_never_more_threads_than_the_caller_had(two_threads):
    with threadpool_limits(1, user_api="blas"):
        for n in (0, 2, 4):
            with blas_threads(n):
                assert current_blas_threads() == 1
        assert current_blas_threads() == 1
    with blas_threads(0):
        assert current_blas_threads() == 2


def test_blocks_in_two_threads_restore_the_setting_whatever_the_order(two_threads):
    """Any thread may size the pool (not only the first that set it), and whichever leaves
    first, the last one out gives the caller's setting back."""
    a_in, b_in, a_out, b_out = (threading.Event() for _ in range(4))
    seen = {}

    def user(name, n, entered, leave, wait_for=None):
        with blas_threads(n):
            seen[name, "alone"] = current_blas_threads()
            entered.set()
            if wait_for is not None:
                wait_for.wait(10)
                seen[name, "both"] = current_blas_threads()
            leave.wait(10)

    a = threading.Thread(target=user, args=("a", 1, a_in, a_out))
    a.start()
    a_in.wait(10)
    b = threading.Thread(target=user, args=("b", 0, b_in, b_out, a_in))
    b.start()
    b_in.wait(10)
    a_out.set()  # a leaves first while b (all threads) is still inside
    a.join(10)
    assert current_blas_threads() == 2
    b_out.set()
    b.join(10)
    assert seen == {("a", "alone"): 1, ("b", "alone"): 2, ("b", "both"): 2}
    assert current_blas_threads() == 2
