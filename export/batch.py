"""The batch outputs of ``svodka run``, written in one streaming pass.

Each report is added once and goes everywhere at once: its rows of ``cells.csv`` and
``findings.csv``, its cells towards the next row group of ``cells.parquet``, its sheets of
``svodka.xlsx`` (write-only, on disk at once), its resources of ``datapackage.json`` (small
dicts) and its rows in the store; then the caller drops it.  Memory therefore stays flat
however many documents a batch holds.

Every file replaces its previous version atomically when the block ends without an error;
on an error none of them changes.  The store gets the documents in groups of
``STORE_GROUP``, a group per transaction (``Store.replace_documents``): a document is
never half written, and one that an interrupted batch did not store is stored by the
next run (a skipped document is checked against the store).
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from types import TracebackType

from export.csvout import FINDING_COLUMNS, Dialect, cells_rows, csv_appender, finding_rows
from export.datapackage import DataPackageWriter
from export.parquet import cells_parquet_appender
from export.store import Store, open_store
from export.xlsx import WorkbookWriter
from schemas import Report
from schemas.frames import CELL_COLUMNS

STORE_GROUP = 20  # documents per store transaction (each still all or nothing)


class BatchWriter:
    """``with BatchWriter(out, dialect, db) as batch: batch.add(report, …)`` per document.

    ``db``: a ``postgresql://`` URL or a DuckDB file (default ``out/svodka.duckdb``).
    Raises ``StoreError`` when the store cannot be opened or written.
    """

    def __init__(self, out: Path, dialect: Dialect, db: str | None = None) -> None:
        self.out = out
        self.dialect = dialect
        self.db: str | Path = db or out / "svodka.duckdb"
        self._stack = contextlib.ExitStack()
        self._package = DataPackageWriter(dialect)
        self._workbook = WorkbookWriter()
        self._to_store: list[Report] = []

    def __enter__(self) -> BatchWriter:
        stack, out = self._stack, self.out
        try:
            self._cells = stack.enter_context(
                csv_appender(out / "cells.csv", CELL_COLUMNS, self.dialect))
            self._findings = stack.enter_context(
                csv_appender(out / "findings.csv", FINDING_COLUMNS, self.dialect))
            self._parquet = stack.enter_context(cells_parquet_appender(out / "cells.parquet"))
            self._store: Store = stack.enter_context(open_store(self.db))
            stack.push(self._finish)  # runs first on exit: the last files, then the rest
        except BaseException:
            stack.close()
            raise
        return self

    def add(self, report: Report, *, folder: str | None = None,
            keep_stored: bool = False) -> None:
        """Write ``report`` everywhere.  ``folder``: its CSV folder relative to ``out``
        (described in the Data Package).  ``keep_stored``: leave the store's copy of the
        document if it has one (a document skipped as unchanged)."""
        self._cells(cells_rows(report))
        self._findings(finding_rows(report))
        self._parquet(report)
        self._workbook.add(report)
        if folder is not None:
            self._package.add_document(report, folder)
        if not (keep_stored and self._store.has_document(report.document.sha256)):
            self._to_store.append(report)
            if len(self._to_store) >= STORE_GROUP:
                self._flush_store()

    def _flush_store(self) -> None:
        group, self._to_store = self._to_store, []
        self._store.replace_documents(group)

    def _finish(self, et: type[BaseException] | None, ev: BaseException | None,
                tb: TracebackType | None) -> bool:
        try:
            if et is None:
                self._flush_store()
                self._workbook.save(self.out / "svodka.xlsx")
                self._package.write(self.out / "datapackage.json")
        finally:
            self._workbook.discard()
            self._package.close()
        return False

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._stack.__exit__(et, ev, tb)
