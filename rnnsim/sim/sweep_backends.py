"""Where a sweep's cells run: one small interface, two backends.

    backend = make_backend("processes", workers=2)      # or "dask" (scheduler=None: embedded)
    future = backend.submit(job_json)                    # a JSON job (see ``job``)
    future.add_done_callback(lambda f: print(f.result()))
    future.cancel()
    backend.close()                                      # cancel what is left, end the workers

A job is the JSON text of one training run, ``{"experiment": ..., "updates": N,
"eval_batch": B, "key": [layer, row, col, seed_index]}``; ``run_job`` turns it into the dict of
a ``CellResult``. It needs nothing but rnnsim and NumPy, so it runs unchanged in a local worker
process or on any machine of a Dask cluster.

``processes`` keeps K spawned worker processes, each fed one job at a time through its own
pipe: a worker that dies fails only the job it was running (``WorkerLost``) and is replaced.
``dask`` sends the jobs to a Dask distributed cluster, an existing one (``scheduler`` =
``tcp://HOST:PORT``) or an embedded ``LocalCluster`` (processes, one thread per worker).
Dask is imported only here and only when chosen (the optional extra ``rnnsim[dask]``).
"""

from __future__ import annotations

import collections
import contextlib
import json
import logging
import multiprocessing
import os
import signal
import socket
import threading
import time
from dataclasses import asdict
from multiprocessing.connection import wait as wait_any
from typing import Any
from urllib.parse import urlsplit

from .experiment import Experiment
from .sweep_grid import evaluate_cell

__all__ = [
    "BACKENDS",
    "BackendUnavailable",
    "CancelledError",
    "DaskBackend",
    "JobError",
    "JobFuture",
    "ProcessBackend",
    "WorkerLost",
    "job",
    "make_backend",
    "run_job",
    "single_threaded_blas",
]

BACKENDS = ("processes", "dask")
BLAS_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
JOIN_TIMEOUT = 5.0  # seconds to wait for a terminated worker before killing it
CONNECT_TIMEOUT = 15.0  # seconds to reach a Dask scheduler
DASK_EXTRA = "rnnsim[dask]"


class BackendUnavailable(RuntimeError):
    """A backend cannot be used here (its optional extra is missing, its cluster unreachable)."""


class WorkerLost(RuntimeError):
    """The worker running a job died (killed, out of memory): the job may be run again."""


class JobError(RuntimeError):
    """The job itself raised (its message says what and where)."""


class CancelledError(RuntimeError):
    """The job was cancelled before it finished."""


def job(experiment_json: str, updates: int, eval_batch: int, key, metric=None) -> str:
    """The JSON job of one run (``key``: ``[layer, row, col, seed_index]``; ``metric``: a
    ``sweep_metrics`` name, None: the task's primary metric)."""
    return json.dumps(
        {
            "experiment": experiment_json,
            "updates": int(updates),
            "eval_batch": int(eval_batch),
            "key": [int(k) for k in key],
            "metric": metric,
        }
    )


def run_job(job_json: str) -> dict:
    """Train and score one job (in a worker); the fields of its ``CellResult`` as a dict."""
    spec = json.loads(job_json)
    layer, row, col, seed = spec["key"]
    result = evaluate_cell(
        row,
        col,
        Experiment.from_json(spec["experiment"]),
        spec["updates"],
        spec["eval_batch"],
        layer=layer,
        seed=seed,
        metric=spec.get("metric"),
    )
    return asdict(result)


@contextlib.contextmanager
def single_threaded_blas():
    """Processes started inside inherit one BLAS thread each, so K workers use K cores
    instead of fighting over them."""
    before = {n: os.environ.get(n) for n in BLAS_VARS}
    os.environ.update(dict.fromkeys(BLAS_VARS, "1"))
    try:
        yield
    finally:
        for n, v in before.items():
            if v is None:
                os.environ.pop(n, None)
            else:
                os.environ[n] = v


@contextlib.contextmanager
def children_ignore_ctrl_c():
    """Processes started inside ignore SIGINT (they inherit SIG_IGN, and Python then leaves
    it so): Ctrl-C in a terminal goes to the whole process group, and it is the parent's to
    handle, not a traceback from every worker. A no-op outside the main thread."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    before = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, before)


class JobFuture:
    """The pending result of one job: ``result()``, ``add_done_callback(fn)``, ``cancel()``.

    Callbacks get the future and run in the thread that finishes it (a backend's thread), so
    they should only hand the future on (e.g. put it in a queue).
    """

    def __init__(self, job_json: str, on_cancel=None) -> None:
        self.job = job_json
        self._on_cancel = on_cancel
        self._cond = threading.Condition()
        self._state = "pending"  # pending, finished, error, cancelled
        self._value: Any = None  # the result dict, or the exception
        self._callbacks: list = []

    def add_done_callback(self, fn) -> None:
        with self._cond:
            if self._state == "pending":
                self._callbacks.append(fn)
                return
        fn(self)

    def done(self) -> bool:
        return self._state != "pending"

    def cancelled(self) -> bool:
        return self._state == "cancelled"

    def cancel(self) -> bool:
        """Cancel the job (a running one is stopped where the backend can); False if done."""
        if not self._finish("cancelled", None):
            return False
        if self._on_cancel is not None:
            self._on_cancel(self)
        return True

    def result(self, timeout: float | None = None) -> dict:
        with self._cond:
            if not self._cond.wait_for(self.done, timeout):
                raise TimeoutError("the job has not finished")
        if self._state == "cancelled":
            raise CancelledError("the job was cancelled")
        if self._state == "error":
            raise self._value
        return dict(self._value)

    def set_cancelled(self) -> bool:
        """Mark the job cancelled by its backend (no cancel hook is called)."""
        return self._finish("cancelled", None)

    def set_result(self, value) -> bool:
        return self._finish("finished", value)

    def set_exception(self, exc: BaseException) -> bool:
        return self._finish("error", exc)

    def _finish(self, state: str, value) -> bool:
        with self._cond:
            if self._state != "pending":
                return False
            self._state, self._value = state, value
            callbacks, self._callbacks = self._callbacks, []
            self._cond.notify_all()
        for fn in callbacks:
            fn(self)
        return True


# --------------------------------------------------------------------------- processes
def _worker_main(conn) -> None:
    """A worker process: run the jobs its pipe brings until it is closed."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    while True:
        try:
            job_json = conn.recv()
        except (EOFError, OSError):
            return
        if job_json is None:
            return
        reply: tuple[str, Any]
        try:
            reply = ("ok", run_job(job_json))
        except Exception as exc:
            reply = ("error", f"{type(exc).__name__}: {exc}")
        try:
            conn.send(reply)
        except (BrokenPipeError, OSError):
            return


class _Slot:
    """One worker process, its pipe and the job it runs (None: idle)."""

    def __init__(self, ctx) -> None:
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(
            target=_worker_main, args=(child,), daemon=True, name="rnnsim-sweep-worker"
        )
        self.process.start()
        child.close()
        self.future: JobFuture | None = None


class ProcessBackend:
    """K worker processes on this machine ("spawn" start method, one BLAS thread each).

    Parameters
    ----------
    workers : int
        Worker processes (>= 1).
    """

    name = "processes"

    def __init__(self, workers: int) -> None:
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise ValueError(f"workers: got {workers!r}, expected an integer >= 1")
        self.workers = workers
        self._ctx = multiprocessing.get_context("spawn")
        self._lock = threading.Lock()
        self._pending: collections.deque[JobFuture] = collections.deque()
        self._closed = False
        self._wake_r, self._wake_w = self._ctx.Pipe(duplex=False)
        with single_threaded_blas(), children_ignore_ctrl_c():
            self._slots = [_Slot(self._ctx) for _ in range(workers)]
        self.processes = [s.process for s in self._slots]  # every process ever started
        self._thread = threading.Thread(
            target=self._loop, daemon=True, name="rnnsim-sweep-dispatch"
        )
        self._thread.start()

    def describe(self) -> str:
        return f"{self.workers} worker processes"

    def submit(self, job_json: str) -> JobFuture:
        future = JobFuture(job_json, on_cancel=self._on_cancel)
        with self._lock:
            if self._closed:
                raise RuntimeError("submit: the backend is closed")
            self._pending.append(future)
        self._wake()
        return future

    def _wake(self) -> None:
        with contextlib.suppress(OSError):
            self._wake_w.send(None)

    def _on_cancel(self, future: JobFuture) -> None:
        with self._lock:
            with contextlib.suppress(ValueError):
                self._pending.remove(future)
            for slot in self._slots:
                if slot.future is future:
                    slot.process.terminate()  # the loop sees it end and starts another
        self._wake()

    # the dispatcher thread
    def _loop(self) -> None:
        while True:
            with self._lock:
                if self._closed:
                    return
                self._dispatch()
                waitables = [self._wake_r]
                for slot in self._slots:
                    waitables += [slot.conn, slot.process.sentinel]
            ready = wait_any(waitables)
            if self._wake_r in ready:
                with contextlib.suppress(EOFError, OSError):
                    while self._wake_r.poll():
                        self._wake_r.recv()
            outcomes = []
            with self._lock:
                if self._closed:
                    return
                for i, slot in enumerate(self._slots):
                    outcomes += self._collect(i, slot, ready)
            for future, value in outcomes:  # callbacks run outside the lock
                if isinstance(value, BaseException):
                    future.set_exception(value)
                else:
                    future.set_result(value)

    def _collect(self, i: int, slot: _Slot, ready) -> list:
        """What slot ``i`` finished: [(future, result or exception)]; a dead worker is
        replaced."""
        if slot.conn in ready:
            try:
                status, value = slot.conn.recv()
            except (EOFError, OSError):
                status, value = None, None
            if status is not None:
                future, slot.future = slot.future, None
                if future is None:
                    return []
                return [(future, value if status == "ok" else JobError(value))]
        if slot.process.sentinel not in ready and slot.process.is_alive():
            return []
        slot.process.join(JOIN_TIMEOUT)
        lost = []
        if slot.future is not None:
            lost.append(
                (
                    slot.future,
                    WorkerLost(
                        f"worker process {slot.process.pid} died (exit code "
                        f"{slot.process.exitcode}) in this cell"
                    ),
                )
            )
        slot.conn.close()
        with single_threaded_blas():
            self._slots[i] = _Slot(self._ctx)
        self.processes.append(self._slots[i].process)
        return lost

    def _dispatch(self) -> None:
        for slot in self._slots:
            if slot.future is not None:
                continue
            while self._pending:
                future = self._pending.popleft()
                if future.done():
                    continue
                try:
                    slot.conn.send(future.job)
                except (BrokenPipeError, OSError):
                    self._pending.appendleft(future)  # the slot died; the loop replaces it
                    return
                slot.future = future
                break

    def close(self) -> None:
        """Cancel what is queued or running and end every worker process."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            pending, self._pending = list(self._pending), collections.deque()
            running = [s.future for s in self._slots if s.future is not None]
        self._wake()
        self._thread.join(JOIN_TIMEOUT)
        for future in pending + running:
            future._on_cancel = None
            future.cancel()
        for slot in self._slots:
            with contextlib.suppress(OSError):
                slot.conn.send(None)
        for proc in self.processes:
            if proc.is_alive():
                proc.terminate()
        for proc in self.processes:
            proc.join(JOIN_TIMEOUT)
            if proc.is_alive():
                proc.kill()
                proc.join(JOIN_TIMEOUT)
        for slot in self._slots:
            slot.conn.close()
        self._wake_r.close()
        self._wake_w.close()

    def busy_pids(self) -> list[int]:
        """Process ids of the workers running a job now."""
        with self._lock:
            return [s.process.pid for s in self._slots if s.future is not None]

    @property
    def alive(self) -> list:
        """Worker processes still running."""
        return [p for p in self.processes if p.is_alive()]


# --------------------------------------------------------------------------- dask
def _import_distributed():
    try:
        import distributed  # the optional 'dask' extra, only for --backend dask
    except ImportError:
        raise BackendUnavailable(
            f"the dask backend needs the optional extra: pip install '{DASK_EXTRA}'"
        ) from None
    return distributed


class DaskBackend:
    """Jobs on a Dask distributed cluster.

    Parameters
    ----------
    scheduler : str or None
        ``tcp://HOST:PORT`` of a running scheduler; None starts an embedded ``LocalCluster``
        of ``workers`` processes with one thread each (closed with the backend).
    workers : int
        Worker processes of the embedded cluster.
    client : distributed.Client, optional
        Use this client (and leave it open on ``close``).
    """

    name = "dask"

    def __init__(self, scheduler: str | None = None, workers: int = 2, client=None) -> None:
        distributed = _import_distributed()
        self._killed = distributed.KilledWorker
        self._cluster = None
        self._own_client = client is None
        self._futures: set = set()
        self._lock = threading.Lock()
        if client is not None:
            self.client = client
        elif scheduler:
            _check_reachable(scheduler)
            try:
                self.client = distributed.Client(scheduler, timeout=CONNECT_TIMEOUT)
            except (OSError, TimeoutError, ValueError) as exc:
                raise BackendUnavailable(
                    f"cannot reach the Dask scheduler at {scheduler}: {exc}"
                ) from None
        else:
            self._cluster = embedded_cluster(workers)
            self.client = distributed.Client(self._cluster)
        self.scheduler = scheduler or self.client.scheduler.address
        self.workers = max(1, len(self.client.scheduler_info().get("workers", {})))

    def describe(self) -> str:
        where = "an embedded LocalCluster" if self._cluster is not None else self.scheduler
        return f"{self.workers} Dask workers ({where})"

    def submit(self, job_json: str) -> JobFuture:
        dask_future = self.client.submit(run_job, job_json, pure=False, retries=0)

        def cancel(_):
            with contextlib.suppress(Exception):  # the client may be closing
                dask_future.cancel()

        future = JobFuture(job_json, on_cancel=cancel)
        with self._lock:
            self._futures.add(dask_future)
        dask_future.add_done_callback(lambda f: self._done(f, future))
        return future

    def _done(self, dask_future, future: JobFuture) -> None:
        with self._lock:
            self._futures.discard(dask_future)
        status = dask_future.status
        if status == "finished":
            future.set_result(dask_future.result())
        elif status == "cancelled":
            future.set_cancelled()  # Dask cancelled it: nothing left to cancel there
        else:
            exc = dask_future.exception()
            if isinstance(exc, self._killed):
                future.set_exception(WorkerLost(f"Dask worker died in this cell ({exc})"))
            else:
                future.set_exception(JobError(f"{type(exc).__name__}: {exc}"))

    def close(self) -> None:
        """Cancel the futures still out; close the client and an embedded cluster."""
        with self._lock:
            futures, self._futures = list(self._futures), set()
        if futures:
            with contextlib.suppress(Exception):
                self.client.cancel(futures)
        if self._own_client:
            with contextlib.suppress(Exception):
                self.client.close(timeout=JOIN_TIMEOUT)
        if self._cluster is not None:
            with contextlib.suppress(Exception):
                self._cluster.close(timeout=JOIN_TIMEOUT)
            self._cluster = None


def _check_reachable(address: str) -> None:
    """Refuse a scheduler address nothing answers at within CONNECT_TIMEOUT, before a Client
    is made (a Client that fails to connect leaves its event-loop thread behind)."""
    try:
        parts = urlsplit(address if "://" in address else f"tcp://{address}")
        host, port = parts.hostname, parts.port
    except ValueError as exc:
        raise BackendUnavailable(
            f"scheduler: got {address!r}, expected tcp://HOST:PORT ({exc})"
        ) from None
    if not host or not port:
        raise BackendUnavailable(f"scheduler: got {address!r}, expected tcp://HOST:PORT")
    deadline = time.monotonic() + CONNECT_TIMEOUT  # a scheduler just started may need a while
    while True:
        try:
            socket.create_connection((host, port), timeout=CONNECT_TIMEOUT).close()
            return
        except OSError as exc:
            if time.monotonic() >= deadline:
                raise BackendUnavailable(
                    f"cannot reach the Dask scheduler at {address}: {exc.strerror or exc}"
                ) from None
        time.sleep(0.2)


def embedded_cluster(workers: int):
    """A ``LocalCluster`` on 127.0.0.1 (every port): ``workers`` processes of one thread with
    one BLAS thread each; a worker that dies fails its task at once (rnnsim retries it once)."""
    import dask  # the optional 'dask' extra, only for --backend dask

    distributed = _import_distributed()
    blas = dict.fromkeys(BLAS_VARS, 1)
    with (
        single_threaded_blas(),
        children_ignore_ctrl_c(),
        dask.config.set(
            {
                "distributed.scheduler.allowed-failures": 0,
                "distributed.worker.profile.enabled": False,  # a stack sampler thread per worker
                "distributed.nanny.pre-spawn-environ": blas,
            }
        ),
    ):
        return distributed.LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address="127.0.0.1:0",
            worker_dashboard_address="127.0.0.1:0",
            silence_logs=logging.ERROR,
        )


def make_backend(name: str, workers: int = 2, scheduler: str | None = None):
    """The backend called ``name`` ("processes" or "dask").

    Raises
    ------
    ValueError
        An unknown name, or a scheduler address with the processes backend.
    BackendUnavailable
        Dask is not installed, or its scheduler cannot be reached.
    """
    if name == "processes":
        if scheduler:
            raise ValueError(
                f"scheduler: got {scheduler!r}, but only the dask backend uses a scheduler"
            )
        return ProcessBackend(workers)
    if name == "dask":
        return DaskBackend(scheduler=scheduler, workers=workers)
    raise ValueError(f"backend: got {name!r}, expected one of {', '.join(BACKENDS)}")
