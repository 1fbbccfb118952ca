"""The batch workbook written in a process of its own, while the parent writes the other
exports: the workbook (openpyxl, one cell object a value) is the largest part of the
exports, and on two cores it runs beside the CSV, parquet and Data Package writers.

    with WorkbookProcess() as workbook:
        for report in reports:
            workbook.add(report)          # the report's JSON through a bounded queue
        ...                               # the parent's other exports
        workbook.save_as(path)            # waits; raises WorkbookFailed on any failure

The queue holds at most ``QUEUED`` reports, so the parent's memory stays flat however big
the store is; the parent writes its own exports once every report is queued (a store
connection serves one query at a time).  Anything that goes wrong in the child (an
exception, the child killed) raises ``WorkbookFailed`` in the parent, which then discards
the staged exports.
"""

from __future__ import annotations

import multiprocessing
import queue
from pathlib import Path
from types import TracebackType
from typing import Any

from svodka.schemas import Report

QUEUED = 64
"""Reports waiting for the child at most."""
POLL = 0.5
"""Seconds between checks that the child is still alive while the parent waits on it."""


class WorkbookFailed(RuntimeError):
    """The workbook process failed: its error, or how it ended."""


class WorkbookProcess:
    """``WorkbookWriter`` in a child process (spawned: a fresh interpreter, no inherited
    threads or database handles)."""

    def __init__(self) -> None:
        ctx = multiprocessing.get_context("spawn")
        self._jobs: Any = ctx.Queue(maxsize=QUEUED)
        self._result: Any = ctx.Queue()
        self._process = ctx.Process(target=_child, args=(self._jobs, self._result),
                                    name="svodka-xlsx", daemon=True)
        self._process.start()

    def __enter__(self) -> WorkbookProcess:
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._process.is_alive():
            self._process.kill()
        self._process.join()

    def add(self, report: Report) -> None:
        """Queue the report (waits while ``QUEUED`` reports wait)."""
        self._put(("add", report.model_dump_json()))

    def save_as(self, path: Path) -> None:
        """The workbook written into ``path``; raises ``WorkbookFailed``."""
        self._put(("save", str(path)))
        while True:
            try:
                status, message = self._result.get(timeout=POLL)
                break
            except queue.Empty:
                if not self._process.is_alive():
                    raise WorkbookFailed(f"процесс книги XLSX завершился "
                                         f"(код {self._process.exitcode})") from None
        if status != "ok":
            raise WorkbookFailed(message)

    def _put(self, item: tuple[str, str]) -> None:
        while True:
            try:
                self._jobs.put(item, timeout=POLL)
                return
            except queue.Full:
                if not self._process.is_alive():
                    raise WorkbookFailed(self._failure()) from None

    def _failure(self) -> str:
        try:
            return str(self._result.get_nowait()[1])
        except queue.Empty:
            return f"процесс книги XLSX завершился (код {self._process.exitcode})"


def _child(jobs: Any, result: Any) -> None:
    """The child: add every report, then save; any error is sent back and ends it."""
    from svodka.export.xlsx import WorkbookWriter

    workbook = WorkbookWriter()
    try:
        while True:
            kind, payload = jobs.get()
            if kind == "add":
                workbook.add(Report.model_validate_json(payload))
                continue
            workbook.save_as(Path(payload))
            result.put(("ok", ""))
            return
    except BaseException as exc:  # noqa: BLE001 - the parent raises it
        result.put(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        workbook.discard()
