"""The batch outputs of ``svodka run``: the store first, then every export from the whole store.

While the workers run, ``StoreWriter`` puts each good document into the store (groups of
``STORE_GROUP`` documents per transaction, each document all or nothing) and records the
files that failed.  When the batch is over, ``store_to_exports`` writes ``documents.csv``,
``cells.csv``, ``findings.csv``, ``failures.csv``, ``cells.parquet``, ``svodka.xlsx`` and
``datapackage.json`` from the whole store, so they hold every document imported so far
(a later batch never shrinks them), and replaces the old files together
(``export.atomic.Staging``).  Rows are streamed from the store in chunks and the workbook
gets one document at a time: memory stays flat however big the store is.  The workbook is
written by a process of its own (``export.xlsx_child``) while the parent writes the rest.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from svodka.export.atomic import Staging
from svodka.export.csvout import Dialect, csv_file_writer
from svodka.export.datapackage import DataPackageWriter, document_resources
from svodka.export.parquet import batch_cells_schema, parquet_file_writer
from svodka.export.records import (
    BATCH_CELL_COLUMNS,
    BATCH_FINDING_COLUMNS,
    DOCUMENT_COLUMNS,
    FAILURE_COLUMNS,
    cell_key,
    plain,
    row_key,
)
from svodka.export.store import FailedFile, Store
from svodka.export.xlsx_child import WorkbookProcess
from svodka.schemas import Report

STORE_GROUP = 20  # documents per store transaction (each still all or nothing)
EXPORT_FILES = ("documents.csv", "cells.csv", "findings.csv", "failures.csv", "cells.parquet",
                "svodka.xlsx", "datapackage.json")


class StoreWriter:
    """``add(report)`` per good document, ``fail(file)`` per failed file, ``flush()`` at the
    end.  Raises ``StoreError`` when the store cannot be written."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._reports: list[Report] = []
        self._failures: list[FailedFile] = []

    def add(self, report: Report, *, keep_stored: bool = False) -> None:
        """``keep_stored``: leave the store's copy of the document if it has one (a
        document skipped as unchanged)."""
        if keep_stored and self.store.has_document(report.document.sha256):
            return
        self._reports.append(report)
        if len(self._reports) >= STORE_GROUP:
            self.flush()

    def fail(self, failed: FailedFile) -> None:
        self._failures.append(failed)

    def flush(self) -> None:
        group, self._reports = self._reports, []
        self.store.replace_documents(group)
        failures, self._failures = self._failures, []
        self.store.record_failures(failures)


@dataclass(frozen=True)
class Folder:
    """A document's folder of CSVs inside the output folder, and the dialect they are in."""

    name: str
    dialect: Dialect


_DOCUMENTS_SQL = ("SELECT sha256, path, format, pages, organization, region, status,"
                  " tables_count, errors, warnings FROM documents ORDER BY path, sha256")
_CELLS_SQL = (
    "SELECT d.path, c.sha256, c.table_id, c.row_index, c.cell_index, t.year, c.code, c.parent,"
    " c.label, c.header, c.measure, c.source, c.value, c.status, c.unit, c.page"
    " FROM cells c JOIN documents d ON d.sha256 = c.sha256"
    " JOIN tables t ON t.sha256 = c.sha256 AND t.table_id = c.table_id"
    " ORDER BY d.path, c.sha256, t.ordinal, c.row_index, c.cell_index")
_FINDINGS_SQL = (
    "SELECT d.path, f.sha256, f.finding_index, f.severity, f.rule, f.table_id, f.row_index,"
    " f.cell_index, f.code, f.measure, f.source, f.actual, f.expected, f.page, f.message"
    " FROM findings f JOIN documents d ON d.sha256 = f.sha256"
    " ORDER BY d.path, f.sha256, f.finding_index")
_FAILURES_SQL = "SELECT path, sha256, code, message FROM failures ORDER BY path"


def _cells(store: Store) -> Iterator[list[tuple[Any, ...]]]:
    for chunk in store.stream(_CELLS_SQL):
        yield [(*r[:12], plain(r[12]), *r[13:], row_key(r[1], r[2], r[3]),
                cell_key(r[1], r[2], r[3], r[4])) for r in chunk]


def _findings(store: Store) -> Iterator[list[tuple[Any, ...]]]:
    for chunk in store.stream(_FINDINGS_SQL):
        yield [(*r[:11], plain(r[11]), plain(r[12]), *r[13:], row_key(r[1], r[5], r[6]),
                cell_key(r[1], r[5], r[6], r[7])) for r in chunk]


def store_to_exports(store: Store, out: Path, dialect: Dialect,
                     folders: Mapping[str, Folder]) -> None:
    """Every batch export of ``out`` from the whole ``store``; the files replace their old
    versions together, and only when all of them were written.  ``folders``: the
    documents (by sha256) whose CSV folders the Data Package describes."""
    staging = Staging(out)
    try:
        with WorkbookProcess() as workbook:  # works beside the writers below (xlsx_child)
            _package_feeding(store, out, dialect, folders, staging, workbook)
            _csvs_and_parquet(store, out, dialect, staging)
            workbook.save_as(staging.path(out / "svodka.xlsx"))
        staging.commit()
    except BaseException:
        staging.discard()
        raise


def _csvs_and_parquet(store: Store, out: Path, dialect: Dialect, staging: Staging) -> None:
    with csv_file_writer(staging.path(out / "documents.csv"), DOCUMENT_COLUMNS,
                         dialect) as write:
        for chunk in store.stream(_DOCUMENTS_SQL):
            write(chunk)
    with (csv_file_writer(staging.path(out / "cells.csv"), BATCH_CELL_COLUMNS,
                          dialect) as write,
          parquet_file_writer(staging.path(out / "cells.parquet"), batch_cells_schema(),
                              BATCH_CELL_COLUMNS) as write_parquet):
        for rows in _cells(store):
            write(rows)
            write_parquet(rows)
    with csv_file_writer(staging.path(out / "findings.csv"), BATCH_FINDING_COLUMNS,
                         dialect) as write:
        for rows in _findings(store):
            write(rows)
    with csv_file_writer(staging.path(out / "failures.csv"), FAILURE_COLUMNS,
                         dialect) as write:
        for chunk in store.stream(_FAILURES_SQL):
            write(chunk)


def _package_feeding(store: Store, out: Path, dialect: Dialect, folders: Mapping[str, Folder],
                     staging: Staging, workbook: WorkbookProcess) -> None:
    """Every stored report to the workbook process, and the Data Package of their folders."""
    package = DataPackageWriter(dialect)
    try:
        for report in store.reports():
            workbook.add(report)
            folder = folders.get(report.document.sha256)
            if folder is not None:
                package.add_resources(_folder_resources(out, folder))
        package.write_to(staging.path(out / "datapackage.json"))
    finally:
        package.close()


def _folder_resources(out: Path, folder: Folder) -> list[dict[str, Any]]:
    """The resources of a document's folder, from its own report.json (what its CSVs were
    written from); none when the folder is gone."""
    try:
        text = (out / folder.name / "report.json").read_text(encoding="utf-8")
    except OSError:
        return []
    report = Report.model_validate(json.loads(text))
    return document_resources(report, folder.name, folder.dialect)
