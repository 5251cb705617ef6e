"""Run a function in a child process with a time and memory limit: a hostile input must
end, and must not take the machine with it. A limit for a loaded machine, never an
expectation of speed."""

from __future__ import annotations

import multiprocessing
import resource
import traceback
from collections.abc import Callable
from typing import Any

SECONDS = 120
MEMORY = 2 * 1024 ** 3


def _child(conn: Any, fn: Callable[..., Any], args: tuple[Any, ...], memory: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    try:
        conn.send(("ok", fn(*args)))
    except BaseException as exc:  # the parent asserts on what went wrong
        conn.send(("error", f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}"))


def bounded(fn: Callable[..., Any], *args: Any, seconds: float = SECONDS, memory: int = MEMORY) -> Any:
    """``fn(*args)`` in a forked child; its result, or AssertionError when it raised, ran
    past ``seconds`` or died (past ``memory`` bytes of address space)."""
    context = multiprocessing.get_context("fork")
    parent, child = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(child, fn, args, memory))
    process.start()
    child.close()
    try:
        if not parent.poll(seconds):
            raise AssertionError(f"{getattr(fn, '__name__', fn)} did not end within {seconds} s")
        kind, value = parent.recv()
    except EOFError:
        raise AssertionError(f"{getattr(fn, '__name__', fn)} died (exit code {process.exitcode})") from None
    finally:
        if process.is_alive():
            process.kill()
        process.join()
    if kind == "error":
        raise AssertionError(value)
    return value


def _run_cli(project: Any, args: tuple[str, ...]) -> tuple[int, str]:
    import contextlib
    import io
    import os

    from kfh_site.cli import main

    os.chdir(project)
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(list(args))
    return code, err.getvalue()


def run_bounded(project: Any, *args: str, seconds: float = SECONDS, memory: int = MEMORY) -> tuple[int, str]:
    """``kfh-site ARGS`` in ``project``, bounded: its exit code and what it printed on stderr."""
    return bounded(_run_cli, project, args, seconds=seconds, memory=memory)
