"""One process per file, ``jobs`` at a time, each under a time and a memory limit.

A ``ProcessPoolExecutor`` cannot survive a worker killed by a limit (the whole
pool breaks), so the batch runs its own small scheduler: every item gets a fresh
``multiprocessing.Process`` and a ``Pipe`` for its one result.  The parent waits
on the pipes and the process sentinels together:

* a result arrives → the item is done;
* the deadline passes → the process is killed, the item fails with E_TIMEOUT;
* the process dies without a result → E_MEMORY when it ran out of memory
  (``MemoryError`` under ``RLIMIT_AS``; killed by the kernel; aborted under a memory
  limit, as PDFium does when an allocation fails), E_CRASH otherwise.

The memory limit is an address-space limit (``resource.RLIMIT_AS``) set in the
child before it touches the file, ``memory_mb`` above what the freshly forked child
already maps, so a decompression bomb fails inside the child with ``MemoryError``
instead of eating the machine.

``call_limited`` runs one call the same way (``svodka.read`` for ``extract``, ``check``
and the API): forked from the caller when it runs a single thread (cheap, and the child
is the caller's own, so its resource usage counts as the caller's children's), else from
the fork server.  The child names the stage it is in (``note_stage``), so a limit that
trips says where.
"""

from __future__ import annotations

import faulthandler
import gc
import multiprocessing
import os
import resource
import signal
import sys
import tempfile
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import Any, Generic, TypeVar

from svodka.schemas.limits import (
    DEFAULT_MEMORY_MB,
    DEFAULT_TIMEOUT,
    Limits,
    describe_memory,
    describe_timeout,
)

Item = TypeVar("Item")
Result = TypeVar("Result")


@dataclass(frozen=True)
class Failure:
    """Why an item produced no result: a stable code, a reason for people, and the stage
    the child had reached (``note_stage``)."""

    code: str  # E_TIMEOUT | E_MEMORY | E_CRASH
    reason: str
    stage: str = "extract"


_STAGE: list[Connection] = []
"""The pipe to the parent, in a limited child (empty elsewhere)."""


_CURRENT = ["extract"]


def note_stage(stage: str) -> None:
    """Tell the parent which stage this child is in (no-op outside a limited child)."""
    _CURRENT[0] = stage
    for conn in _STAGE:
        _send_quietly(conn, ("stage", stage))


# what the fork server imports once, so that every worker starts with the readers loaded
PRELOAD = ["svodka.api", "extract.pdf", "extract.pptx", "extract.docx", "extract.xlsx"]


def current_stage() -> str:
    """The stage last named by ``note_stage`` in this process."""
    return _CURRENT[0]


def _context(fork_if_alone: bool = False) -> Any:
    """A fork server where the platform has one: workers are forked from a small,
    single-threaded process that has imported the readers once (cheap to fork, and safe:
    the batch's parent runs threads and holds database connections, which a forked
    child must not inherit).  Else fork, else spawn.

    ``fork_if_alone``: fork the caller itself when it runs one thread only (a command, a
    script): nothing to start first, and the child is the caller's own."""
    methods = multiprocessing.get_all_start_methods()
    if fork_if_alone and "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    if "forkserver" in methods:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(PRELOAD)
        return ctx
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def limit_memory(memory_mb: int | None) -> None:
    """Let this process map at most ``memory_mb`` MiB more than it has mapped now.

    The limit is on top of the current size because a forked worker starts with its
    parent's address space (a few hundred MiB of libraries; far more inside a test run).
    No-op where RLIMIT_AS is missing.
    """
    if not memory_mb or not hasattr(resource, "RLIMIT_AS"):
        return
    limit = _address_space() + memory_mb * 1024 * 1024
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _address_space() -> int:
    """This process's mapped address space in bytes (0 where /proc is missing)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            pages = int(fh.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 0
    return pages * os.sysconf("SC_PAGE_SIZE")


def _child(conn: Connection, fn: Callable[[Any], Any], item: Any, memory_mb: int | None,
           trace: str | None = None) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and kills us
    _enable_faulthandler(trace)
    _STAGE[:] = [conn]
    try:
        limit_memory(memory_mb)
        try:
            result: tuple[str, Any] = ("ok", fn(item))
        except MemoryError:
            result = ("memory", None)
        except BaseException as exc:  # noqa: BLE001 - reported to the parent as a crash
            result = ("crash", f"{type(exc).__name__}: {exc}"[:300])
        conn.send(result)
    except MemoryError:
        _send_quietly(conn, ("memory", None))
    except BaseException:  # noqa: BLE001 - e.g. an unpicklable result
        traceback.print_exc(file=sys.stderr)
        _send_quietly(conn, ("crash", "результат не передан процессу-родителю"))
    finally:
        _STAGE.clear()
        conn.close()


_TRACE: list[Any] = []
"""The open trace file of this child (kept open for faulthandler)."""


def _enable_faulthandler(trace: str | None) -> None:
    """A native crash (E_CRASH) leaves a Python traceback on the real stderr, or in the
    file ``trace`` (where stderr must stay one line per file)."""
    try:
        if trace is not None:
            _TRACE[:] = [open(trace, "w", encoding="utf-8")]  # noqa: SIM115 - until exit
        faulthandler.enable(file=_TRACE[0] if _TRACE else sys.__stderr__ or sys.stderr)
    except (AttributeError, OSError, ValueError):  # no real stderr (e.g. under a test runner)
        pass


def _send_quietly(conn: Connection, message: tuple[str, Any]) -> None:
    try:
        conn.send(message)
    except BaseException:  # noqa: BLE001 - nothing more can be done; the parent sees E_CRASH
        pass


@dataclass
class _Job(Generic[Item]):
    index: int
    item: Item
    process: BaseProcess
    conn: Connection
    deadline: float | None
    trace: str | None = None
    stage: str = "extract"


def run_limited(
    items: Sequence[Item],
    fn: Callable[[Item], Result],
    failed: Callable[[Item, Failure], Result],
    *,
    jobs: int = 1,
    limits: Limits | None = None,
    on_result: Callable[[Result], None] | None = None,
    fork_if_alone: bool = False,
    trace_files: bool = False,
) -> list[Result]:
    """``[fn(item) for item in items]``, each call in its own limited process.

    An item whose process times out, runs out of memory or dies gets
    ``failed(item, Failure)`` instead.  Results come back in the order of
    ``items``; ``on_result`` is called as each one arrives.  ``trace_files``: a child's
    native traceback goes to a temporary file (named in an E_CRASH reason, else removed)
    instead of stderr.
    """
    limits = limits or Limits()
    ctx = _context(fork_if_alone)
    pending = deque(enumerate(items))
    running: list[_Job[Item]] = []
    results: dict[int, Result] = {}

    def refill() -> None:
        while pending and len(running) < max(1, jobs):
            index, item = pending.popleft()
            running.append(_start(ctx, index, item, fn, limits, trace_files))

    try:
        while pending or running:
            refill()
            _wait(running)
            now = time.monotonic()
            arrived: list[Result] = []
            for job in list(running):
                outcome = _collect(job, limits, now)
                if outcome is None:
                    continue
                running.remove(job)
                outcome = _with_trace(job, outcome)
                result = failed(job.item, outcome) if isinstance(outcome, Failure) else outcome[0]
                results[job.index] = result
                arrived.append(result)
            refill()  # the next files start before the caller's work on these results
            for result in arrived:
                if on_result:
                    on_result(result)
    finally:
        for job in running:
            _kill(job)
            if job.trace is not None:
                os.unlink(job.trace)
    return [results[i] for i in range(len(items))]


def call_limited(fn: Callable[[Item], Result], item: Item, limits: Limits) -> Result | Failure:
    """``fn(item)`` in a child process under ``limits`` (time and memory), or the Failure."""

    def failed(_: Item, failure: Failure) -> Result | Failure:
        return failure

    [out] = run_limited([item], fn, failed, limits=limits, fork_if_alone=True,
                        trace_files=True)
    return out


def _with_trace(job: _Job[Any], outcome: tuple[Any] | Failure) -> tuple[Any] | Failure:
    """An E_CRASH names its trace file when the child wrote one; other traces go."""
    if job.trace is None:
        return outcome
    path = job.trace
    if isinstance(outcome, Failure) and outcome.code == "E_CRASH" and os.path.getsize(path):
        return Failure(outcome.code, f"{outcome.reason}; трассировка: {path}", outcome.stage)
    os.unlink(path)
    return outcome


def can_start_children() -> bool:
    """False inside a daemonic process (e.g. a ``multiprocessing.Pool`` worker), which
    may not start processes of its own."""
    return not multiprocessing.current_process().daemon


def _start(
    ctx: Any, index: int, item: Item, fn: Callable[[Item], Any], limits: Limits,
    trace_file: bool = False,
) -> _Job[Item]:
    trace = None
    if trace_file:
        fd, trace = tempfile.mkstemp(prefix="svodka-crash-", suffix=".txt")
        os.close(fd)
    parent_end, child_end = ctx.Pipe(duplex=False)
    process = ctx.Process(target=_child, args=(child_end, fn, item, limits.memory_mb, trace),
                          daemon=True)
    gc.freeze()  # a forked child's collections skip the parent's objects: no copy-on-write
    try:
        process.start()
    finally:
        gc.unfreeze()
    child_end.close()
    deadline = time.monotonic() + limits.timeout if limits.timeout else None
    return _Job(index, item, process, parent_end, deadline, trace)


def _wait(running: Sequence[_Job[Any]]) -> None:
    deadlines = [j.deadline for j in running if j.deadline is not None]
    timeout = max(0.0, min(deadlines) - time.monotonic()) if deadlines else None
    handles: list[Any] = [j.conn for j in running] + [j.process.sentinel for j in running]
    wait(handles, timeout=timeout)


def _collect(job: _Job[Any], limits: Limits, now: float) -> tuple[Any] | Failure | None:
    """The job's result, its failure, or None while it is still running."""
    while job.conn.poll():
        try:
            message: tuple[str, Any] = job.conn.recv()
        except (EOFError, OSError):
            break
        if message[0] == "stage":
            job.stage = str(message[1])
            continue
        _reap(job)
        if message[0] == "ok":
            return (message[1],)
        if message[0] == "memory":
            return _memory_failure(limits, job.stage)
        return Failure("E_CRASH", f"сбой обработки: {message[1]}", job.stage)
    if not job.process.is_alive():
        _reap(job)
        return _death(job.process.exitcode, limits, job.stage)
    if job.deadline is not None and now >= job.deadline:
        _kill(job)
        return Failure("E_TIMEOUT", describe_timeout(limits), job.stage)
    return None


def _memory_failure(limits: Limits, stage: str) -> Failure:
    return Failure("E_MEMORY", describe_memory(limits), stage)


def _death(exitcode: int | None, limits: Limits, stage: str) -> Failure:
    if exitcode == -signal.SIGKILL:  # the kernel's OOM killer, or an external kill
        return _memory_failure(limits, stage)
    if exitcode == -signal.SIGABRT and limits.memory_mb:  # PDFium aborts when out of memory
        return Failure(
            "E_MEMORY",
            f"процесс обработки файла аварийно остановлен (сигнал {signal.SIGABRT.value}), "
            f"вероятно, {describe_memory(limits)}",
            stage,
        )
    how = f"сигнал {-exitcode}" if exitcode is not None and exitcode < 0 else f"код {exitcode}"
    return Failure("E_CRASH", f"процесс обработки файла аварийно завершился ({how})", stage)


def _reap(job: _Job[Any]) -> None:
    job.process.join(timeout=5)
    if job.process.is_alive():
        _kill(job)
    job.conn.close()


def _kill(job: _Job[Any]) -> None:
    if job.process.is_alive() and job.process.pid is not None:
        try:
            os.kill(job.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    job.process.join(timeout=5)
    try:
        job.conn.close()
    except OSError:
        pass


__all__ = ["DEFAULT_MEMORY_MB", "DEFAULT_TIMEOUT", "Failure", "Limits", "call_limited",
           "can_start_children", "current_stage", "limit_memory", "note_stage", "run_limited"]
