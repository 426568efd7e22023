"""Where many runs execute (inline, in a local process pool, or on a Dask cluster), and their seeds.

All three are :class:`concurrent.futures.Executor` objects, so ensembles, comparisons
and sensitivity analyses have one code path: ``submit`` a top-level function with
explicit arguments (seeds included), then wait on the futures. Dask is reached through
``Client.get_executor(pure=False)``: ``pure=False`` stops Dask from treating two calls
with equal arguments as one task, although every run here carries its own seed anyway.

Functions sent to workers must be importable at module top level (no lambdas), and with
a remote scheduler the workers must have flowsim installed. Workers return results to the
caller, which writes them, so no shared file system is needed.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

from flowsim.errors import EnsembleError

EXECUTOR_KINDS = ("serial", "process", "dask")
SCHEDULER_TIMEOUT = "10s"  # how long a command waits for the Dask scheduler it is given


class SerialExecutor(Executor):
    """An executor that runs each call inline, at submit time, in this process.

    Exceptions are stored on the returned future, as a pool would, so callers handle
    failures the same way whatever the executor.
    """

    def __init__(self) -> None:
        self._shutdown = False

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        if self._shutdown:
            raise RuntimeError("cannot schedule new futures after shutdown")
        future: Future = Future()
        future.set_running_or_notify_cancel()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as err:  # noqa: BLE001 - delivered through the future
            future.set_exception(err)
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._shutdown = True


class WorkersLost(EnsembleError):
    """A worker process died (killed, e.g. by the out-of-memory killer) twice while the same tasks ran."""


class ProcessPool(Executor):
    """A ``ProcessPoolExecutor`` (``forkserver`` start) that can be replaced once a worker has died.

    A pool whose worker process is killed is broken for good: every task in it fails with
    ``BrokenProcessPool`` and it accepts no more. :meth:`renew` shuts it down and starts a new
    one, so :func:`run_tasks` can retry the tasks that were in flight.
    """

    def __init__(self, workers: int) -> None:
        self.workers = workers
        # forkserver: safe with the threads tqdm and Dask leave in this process, and cheaper
        # than spawn because workers fork from a small server process. That server imports
        # flowsim from this process's sys.path, so workers run the same flowsim as the caller.
        self._context = multiprocessing.get_context("forkserver")
        self._pool = self._new_pool()
        self.renewals = 0

    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=self.workers, mp_context=self._context,
                                   initializer=_start_worker, initargs=(os.getpid(),))

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        return self._pool.submit(fn, *args, **kwargs)

    def renew(self) -> None:
        """Drop the (broken) pool and start a fresh one."""
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._pool = self._new_pool()
        self.renewals += 1

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._pool.shutdown(wait=wait, cancel_futures=cancel_futures)


def _start_worker(parent: int) -> None:
    """Pool worker start-up: end with the parent; progress bars lock with a thread lock."""
    _end_with_parent(parent)
    # tqdm's default lock is a multiprocessing semaphore, made at a worker's first (disabled)
    # bar; a worker killed by the OOM killer cannot release it, and Python then warns of
    # "leaked semaphore objects" at exit. A worker's bars are never drawn: a thread lock does.
    from tqdm import tqdm

    tqdm.set_lock(threading.RLock())


def _end_with_parent(parent: int) -> None:
    """End the worker once the process that opened the pool is gone.

    A command killed with SIGKILL cannot shut its pool down, and forkserver workers are not its
    children: without this they would wait for work for ever.
    """
    def watch() -> None:
        while True:
            time.sleep(1.0)
            try:
                os.kill(parent, 0)
            except ProcessLookupError:
                os._exit(0)
            except PermissionError:  # a pid reused by another user's process: the parent is gone
                os._exit(0)

    threading.Thread(target=watch, name="end-with-parent", daemon=True).start()


def default_workers() -> int:
    """Worker processes to use when none is asked for: the CPUs this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def resolve_kind(kind: str | None, workers: int | None, scheduler: str | None) -> str:
    """The executor kind implied by the options: a scheduler means Dask, one worker means serial."""
    if kind is None:
        if scheduler:
            return "dask"
        return "serial" if (workers or default_workers()) <= 1 else "process"
    if kind not in EXECUTOR_KINDS:
        raise EnsembleError(f"Unknown executor '{kind}'. Allowed: {', '.join(EXECUTOR_KINDS)}.")
    if scheduler and kind != "dask":
        raise EnsembleError(
            f"--scheduler {scheduler} names a Dask cluster, but --executor is '{kind}'. "
            "Use --executor dask (or leave --executor out) with --scheduler."
        )
    return kind


@contextlib.contextmanager
def make_executor(kind: str = "process", workers: int | None = None,
                  scheduler: str | None = None) -> Iterator[Executor]:
    """Open an executor for many independent runs and close it cleanly afterwards.

    Args:
        kind: 'serial' (inline, for debugging and tests), 'process' (a local
            ``ProcessPoolExecutor``) or 'dask' (``dask.distributed``).
        workers: worker processes for 'process' and for a new Dask ``LocalCluster``;
            defaults to the CPUs available.
        scheduler: address of an existing Dask scheduler (``tcp://host:8786``); when
            given, no local cluster is started and ``workers`` is ignored.

    Yields:
        A ``concurrent.futures.Executor``.

    Raises:
        EnsembleError: unknown kind, or the Dask scheduler cannot be reached.
    """
    kind = resolve_kind(kind, workers, scheduler)
    workers = workers or default_workers()
    if workers < 1:
        raise EnsembleError(f"--workers must be at least 1 (got {workers}).")
    if kind == "serial":
        executor = SerialExecutor()
        try:
            yield executor
        finally:
            executor.shutdown()
    elif kind == "process":
        executor = ProcessPool(workers)
        try:
            yield executor
        finally:
            executor.shutdown(wait=True, cancel_futures=True)
    else:
        with _dask_client(workers, scheduler) as client:
            executor = client.get_executor(pure=False)
            try:
                yield executor
            finally:
                executor.shutdown(wait=True)


def check_scheduler(scheduler: str | None) -> None:
    """Connect to the Dask scheduler at ``scheduler`` (if one is given) and let go.

    For a command whose first step runs locally and writes files (history matching before a
    calibration): the scheduler is checked before any output folder is created or changed.

    Raises:
        EnsembleError: nobody answers at ``scheduler``.
    """
    if scheduler:
        with _dask_client(1, scheduler):
            pass


@contextlib.contextmanager
def _dask_client(workers: int, scheduler: str | None) -> Iterator[Any]:
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            client = Client(scheduler, timeout=SCHEDULER_TIMEOUT)
        except (OSError, TimeoutError) as err:
            raise EnsembleError(
                f"Could not connect to the Dask scheduler at {scheduler}: {err}. Start one with "
                "`dask scheduler` and workers with `dask worker <address>` (flowsim must be "
                "installed on the workers; results come back to this machine, which writes them)."
            ) from None
        try:
            yield client
        finally:
            client.close()
        return
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                           dashboard_address=None, silence_logs=logging.ERROR)
    client = Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


@dataclass(frozen=True)
class TaskOutcome:
    """What became of one submitted task after its retries."""

    key: Any
    value: Any = None
    error: str | None = None
    attempts: int = 1

    @property
    def ok(self) -> bool:
        return self.error is None


def parallelism(executor: Executor) -> int:
    """How many tasks an executor runs at once (serial: 1; a Dask client: its worker threads)."""
    if isinstance(executor, SerialExecutor):
        return 1
    if isinstance(executor, ProcessPool):
        return executor.workers
    if isinstance(executor, ProcessPoolExecutor):
        return int(executor._max_workers)
    client = getattr(executor, "_client", None)
    if client is not None:
        try:
            return max(1, sum(client.nthreads().values()))
        except Exception:  # noqa: BLE001 - an estimate is enough
            return 4
    return default_workers()


def run_tasks(executor: Executor, fn: Callable[..., Any], tasks: Iterable[tuple[Any, tuple]],
              *, retries: int = 1, progress: Any = None,
              max_pending: int | None = None) -> Iterator[TaskOutcome]:
    """Run ``fn(*args)`` for every ``(key, args)`` task, retrying failures, yielding as they finish.

    Results are yielded in completion order, so callers can write each one to disk and
    drop it. At most ``max_pending`` tasks are in flight (default: twice the executor's
    parallelism, enough to keep every worker busy), so finished results never pile up.
    A task that still fails after ``retries`` further attempts is yielded with its error
    message instead of a value. A worker process that dies breaks a :class:`ProcessPool`:
    the pool is replaced and the tasks in flight run again; if a worker dies again while
    one of them runs, :class:`WorkersLost` is raised (the outcomes yielded so far stand).

    Args:
        executor: any ``concurrent.futures.Executor``.
        fn: a picklable top-level function.
        tasks: ``(key, args)`` pairs; the key identifies the task in the outcome.
        retries: extra attempts for a failed task.
        progress: an object with ``update(n)`` (a tqdm bar), advanced once per finished task.
        max_pending: most tasks submitted but not yet yielded.

    Yields:
        One :class:`TaskOutcome` per task.

    Raises:
        WorkersLost: a worker died twice while the same task was in flight.
    """
    if max_pending is None:
        max_pending = 1 if isinstance(executor, SerialExecutor) else 2 * parallelism(executor)
    queue = iter(tasks)
    pending: dict[Future, tuple[Any, tuple, int]] = {}
    lost_before: set[Any] = set()  # tasks in flight when a worker died

    def refill() -> None:
        while len(pending) < max_pending:
            try:
                key, args = next(queue)
            except StopIteration:
                return
            pending[_submit(executor, fn, args)] = (key, args, 1)

    def replace_pool() -> None:
        """A worker died: every task in flight failed with it. Retry them in a new pool, once."""
        in_flight = list(pending.values())
        pending.clear()
        again = sorted({str(key) for key, _, _ in in_flight if key in lost_before})
        if again or not isinstance(executor, ProcessPool):
            keys = again or sorted(str(key) for key, _, _ in in_flight)
            raise WorkersLost(
                f"A worker process died (killed, perhaps by the out-of-memory killer) twice while running "
                f"task(s) {', '.join(keys)}.")
        lost_before.update(key for key, _, _ in in_flight)
        logging.getLogger(__name__).warning("a worker process died; retrying %d task(s) in a new pool",
                                            len(in_flight))
        executor.renew()
        for key, args, attempt in in_flight:
            pending[_submit(executor, fn, args)] = (key, args, attempt)

    refill()
    while pending:
        done, _ = wait(list(pending), return_when=FIRST_COMPLETED)
        broken = False
        for future in done:
            key, args, attempt = pending[future]
            error = future.exception()
            if isinstance(error, BrokenProcessPool):
                broken = True
                continue
            del pending[future]
            if error is None:
                outcome = TaskOutcome(key, future.result(), None, attempt)
            elif attempt <= retries:
                pending[_submit(executor, fn, args)] = (key, args, attempt + 1)
                continue
            else:
                outcome = TaskOutcome(key, None, f"{type(error).__name__}: {error}", attempt)
            del future
            if progress is not None:
                progress.update(1)
            yield outcome
        if broken:
            replace_pool()
        refill()


def _submit(executor: Executor, fn: Callable[..., Any], args: tuple) -> Future:
    """``executor.submit(fn, *args)``; a pool already broken gives a future failed with BrokenProcessPool."""
    try:
        return executor.submit(fn, *args)
    except BrokenProcessPool as err:
        future: Future = Future()
        future.set_exception(err)
        return future


def _executor_label(executor: Executor) -> str:
    return type(executor).__name__


class open_executor:
    """Context manager: an executor given by the caller is used as is; one given by kind
    ('serial', 'process', 'dask' or None) is opened with ``make_executor`` and closed after.

    Entering yields ``(executor, label)``, the label being a dict for manifests.
    """

    def __init__(self, executor: Executor | str | None, workers: int | None, scheduler: str | None):
        self.executor, self.workers, self.scheduler = executor, workers, scheduler
        self._context: Any = None

    def __enter__(self) -> tuple[Executor, dict]:
        if isinstance(self.executor, Executor):
            return self.executor, {"kind": _executor_label(self.executor)}
        kind = resolve_kind(self.executor, self.workers, self.scheduler)
        workers = self.workers or default_workers()
        self._context = make_executor(kind, workers, self.scheduler)
        pool = self._context.__enter__()
        label = {"kind": kind, "workers": None if self.scheduler or kind == "serial" else workers,
                 "scheduler": self.scheduler}
        return pool, label

    def __exit__(self, *exc: Any) -> None:
        if self._context is not None:
            self._context.__exit__(*exc)
