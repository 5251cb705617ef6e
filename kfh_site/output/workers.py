"""Work spread over the machine's cores, for the stages that do the same thing many times
(a page per organisation, a PDF per organisation).

Workers are forked once the build has worked out its figures, so each inherits them, the
templates and the work to do as they are: only a task's indices go to a worker and only
its results come back. Results come back in the order of the items, so the output does
not depend on the number of workers or on which finished first. ``worker_pool`` and
``started`` are for work begun now and collected later (``kfh-site check`` reads pages
and PDFs while the browser works).
"""

from __future__ import annotations

import contextlib
import ctypes
import itertools
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Generic, TypeVar

from kfh_site.output.progress import Progress

I = TypeVar("I")  # noqa: E741 - an item
R = TypeVar("R")  # a result
T = TypeVar("T")
Item = TypeVar("Item")


def available_cores() -> int:
    """The cores this process may run on (a container or ``taskset`` may allow fewer than
    the machine has)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def can_fork() -> bool:
    """Workers are forked (they share the build's state) where the platform can."""
    return "fork" in multiprocessing.get_all_start_methods()


class _Work(Generic[I, R]):
    """What a worker does: inherited by the fork, never pickled."""

    def __init__(self, function: Callable[[I], R], items: Sequence[I]):
        self.function = function
        self.items = items
        self.parent = os.getpid()


_WORK: _Work | None = None  # set in each worker process by _start, and only there


def _start(work: _Work) -> None:
    global _WORK
    _WORK = work
    _end_with_parent(work.parent)


def _end_with_parent(parent: int) -> None:
    """A build killed on its own (``kill -9 PID``, not its process group) takes its
    workers with it rather than leaving them to write into a folder no one will use.
    Linux only (prctl PR_SET_PDEATHSIG); elsewhere workers end when their queue closes."""
    if not sys.platform.startswith("linux"):
        return
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1: PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the build ended before the line above
        os._exit(1)


def _run(start: int, stop: int) -> list:
    assert _WORK is not None
    return [_WORK.function(_WORK.items[i]) for i in range(start, stop)]


def map_on_cores(function: Callable[[I], R], items: Sequence[I], workers: int | None = None,
                 progress: Progress | None = None, stage: str = "", chunk: int = 32,
                 at_least: int = 2) -> list[R]:
    """``[function(item) for item in items]``, on ``workers`` processes (default: every
    core) when there are at least ``at_least`` chunks of work and the system can fork;
    in this process otherwise. An exception raised by ``function`` is raised here."""
    workers = max(1, min(workers or available_cores(), -(-len(items) // chunk)))
    if workers == 1 or len(items) < chunk * at_least or not can_fork():
        results = []
        for done, item in enumerate(items, start=1):
            results.append(function(item))
            if progress and (done % chunk == 0 or done == len(items)):
                progress(stage, done, len(items))
        return results
    bounds = list(range(0, len(items), chunk)) + [len(items)]
    context = multiprocessing.get_context("fork")
    out: list = [None] * len(items)
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_start,
                             initargs=(_Work(function, items),)) as pool:
        futures = {pool.submit(_run, start, stop): start for start, stop in itertools.pairwise(bounds)}
        done = 0
        try:
            for future in as_completed(futures):
                results = future.result()
                start = futures[future]
                out[start:start + len(results)] = results
                done += len(results)
                if progress:
                    progress(stage, done, len(items))
        except BaseException:
            pool.shutdown(cancel_futures=True)  # a template error: the rest would fail the same way
            raise
    return out


@contextlib.contextmanager
def worker_pool(workers: int | None, tasks: int) -> Iterator[ProcessPoolExecutor | None]:
    """Worker processes for work that is started now and collected later (the static
    checks run while the browser checks do), one per core; None (work in this process)
    when there is too little work to share. Tasks are pickled: module-level functions."""
    workers = min(workers or available_cores(), tasks)
    if workers <= 1:
        yield None
        return
    # Fork before starting any thread (a browser, a server): the workers only read files.
    context = multiprocessing.get_context("fork" if can_fork() else None)
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_end_with_parent,
                             initargs=(os.getpid(),)) as pool:
        yield pool


def started(pool: ProcessPoolExecutor | None, task: Callable[[Sequence[Item]], list[T]], items: Sequence[Item],
            per_task: int) -> Callable[[], list[T]]:
    """Start ``task`` on ``items`` in batches; the returned function waits for the
    results, in the order of ``items``."""
    if pool is None:
        results = task(items)
        return lambda: results
    futures = [pool.submit(task, items[i:i + per_task]) for i in range(0, len(items), per_task)]
    return lambda: [result for future in futures for result in future.result()]
