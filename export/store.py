"""The store: every document of every batch in a database, DuckDB or PostgreSQL.

    open_store("out/svodka.duckdb")             # embedded DuckDB file (the default)
    open_store("postgresql://user@host/db")     # a PostgreSQL server

It is the source of truth of a batch folder: the batch exports are written from it
(``export.batch``).  Tables (one DDL for both engines, see ``ALL_TABLES``): ``documents``
(key sha256), ``tables`` (sha256, table_id), ``rows`` (sha256, table_id, row_index),
``row_attributes`` (the rows' other text columns: sha256, table_id, row_index,
attribute_index), ``cells`` (sha256, table_id, row_index, cell_index), ``findings``
(sha256, finding_index; ``row_index`` / ``cell_index`` of the row and cell the finding
names), ``failures`` (path: the files that could not be read, with code and reason).
Amounts are NUMERIC(38, 6) (``export.records``), codes TEXT, ``imported_at`` a UTC
TIMESTAMP.  There are no foreign keys: DuckDB cannot delete a referenced row
and re-insert it in one transaction; ``replace_document`` keeps the tables
consistent instead.  A store made by an earlier version gets the new nullable columns
when it is opened.

Re-importing a document deletes all its rows and inserts the new ones in one
transaction, so the store holds every document exactly once.  DuckDB allows a
single read-write process: only the parent of a batch writes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol

from svodka.export.records import AMOUNT_PRECISION, AMOUNT_SCALE, amount, plain
from svodka.schemas import Report
from svodka.schemas.frames import finding_positions

NUMERIC = f"NUMERIC({AMOUNT_PRECISION}, {AMOUNT_SCALE})"


@dataclass(frozen=True)
class Column:
    name: str
    sql: str  # TEXT | INTEGER | BOOLEAN | DOUBLE PRECISION | TIMESTAMP | NUMERIC(38, 6)
    not_null: bool = False


def _c(name: str, sql: str = "TEXT", not_null: bool = False) -> Column:
    return Column(name, sql, not_null)


@dataclass(frozen=True)
class TableSpec:
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    indexes: tuple[tuple[str, ...], ...] = ()

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def ddl(self) -> list[str]:
        cols = [f"{c.name} {c.sql}{' NOT NULL' if c.not_null else ''}" for c in self.columns]
        cols.append(f"PRIMARY KEY ({', '.join(self.key)})")
        out = [f"CREATE TABLE IF NOT EXISTS {self.name} (\n  " + ",\n  ".join(cols) + "\n)"]
        for idx in self.indexes:
            name = f"ix_{self.name}_{'_'.join(idx)}"
            out.append(f"CREATE INDEX IF NOT EXISTS {name} ON {self.name} ({', '.join(idx)})")
        return out


DOCUMENTS = TableSpec("documents", (
    _c("sha256", not_null=True), _c("path", not_null=True), _c("format", not_null=True),
    _c("pages", "INTEGER", True), _c("organization"), _c("region"), _c("status", not_null=True),
    _c("schema_version", not_null=True), _c("tables_count", "INTEGER", True),
    _c("errors", "INTEGER", True), _c("warnings", "INTEGER", True),
    _c("imported_at", "TIMESTAMP", True),
), key=("sha256",), indexes=(("region",), ("path",)))  # fmt: skip

TABLES_ = TableSpec("tables", (
    _c("sha256", not_null=True), _c("table_id", not_null=True), _c("ordinal", "INTEGER", True),
    _c("kind", not_null=True), _c("title"), _c("year", "INTEGER"), _c("pages"), _c("engine"),
    _c("quality", "DOUBLE PRECISION"),
), key=("sha256", "table_id"), indexes=(("kind", "year"),))  # fmt: skip

ROWS = TableSpec("rows", (
    _c("sha256", not_null=True), _c("table_id", not_null=True),
    _c("row_index", "INTEGER", True), _c("code"), _c("label", not_null=True), _c("parent"),
    _c("is_total", "BOOLEAN", True),
), key=("sha256", "table_id", "row_index"), indexes=(("code",),))  # fmt: skip

ROW_ATTRIBUTES = TableSpec("row_attributes", (
    _c("sha256", not_null=True), _c("table_id", not_null=True),
    _c("row_index", "INTEGER", True), _c("attribute_index", "INTEGER", True),
    _c("header", not_null=True), _c("text", not_null=True), _c("page", "INTEGER"),
), key=("sha256", "table_id", "row_index", "attribute_index"))  # fmt: skip

CELLS = TableSpec("cells", (
    _c("sha256", not_null=True), _c("table_id", not_null=True),
    _c("row_index", "INTEGER", True), _c("cell_index", "INTEGER", True),
    _c("code"), _c("parent"), _c("label", not_null=True), _c("header", not_null=True),
    _c("measure"), _c("source"), _c("value", NUMERIC), _c("status", not_null=True),
    _c("unit"), _c("footnote"), _c("raw", not_null=True), _c("page", "INTEGER"),
), key=("sha256", "table_id", "row_index", "cell_index"),
   indexes=(("code", "measure", "source"), ("table_id", "code")))  # fmt: skip

FINDINGS = TableSpec("findings", (
    _c("sha256", not_null=True), _c("finding_index", "INTEGER", True),
    _c("severity", not_null=True), _c("rule", not_null=True), _c("table_id"), _c("code"),
    _c("measure"), _c("source"), _c("actual", NUMERIC), _c("expected", NUMERIC),
    _c("message", not_null=True), _c("page", "INTEGER"),
    _c("row_index", "INTEGER"), _c("cell_index", "INTEGER"),
), key=("sha256", "finding_index"), indexes=(("rule",), ("severity",)))  # fmt: skip

FAILURES = TableSpec("failures", (
    _c("path", not_null=True), _c("sha256"), _c("code", not_null=True),
    _c("message", not_null=True), _c("failed_at", "TIMESTAMP", True),
), key=("path",))  # fmt: skip

TABLES: tuple[TableSpec, ...] = (DOCUMENTS, TABLES_, ROWS, ROW_ATTRIBUTES, CELLS, FINDINGS)
"""The tables of documents (``replace_documents`` writes them); ``FAILURES`` stands apart."""
ALL_TABLES: tuple[TableSpec, ...] = (*TABLES, FAILURES)

HEADER_SEPARATOR = " / "


@dataclass(frozen=True)
class FailedFile:
    """A file a batch could not read: its path, sha256 ("" when unreadable), code, reason."""

    path: str
    sha256: str
    code: str
    message: str


class StoreError(Exception):
    """The store cannot be opened or written (message in Russian, for people)."""


def report_records(report: Report, imported_at: dt.datetime) -> dict[str, list[tuple[Any, ...]]]:
    """The rows of every store table for one report, in ``TableSpec`` column order."""
    doc = report.document
    sha = doc.sha256
    errors = sum(1 for f in report.findings if f.severity.value == "error")
    warnings = sum(1 for f in report.findings if f.severity.value == "warning")
    out: dict[str, list[tuple[Any, ...]]] = {t.name: [] for t in TABLES}
    out["documents"].append((
        sha, doc.path, doc.format, doc.pages, doc.organization, doc.region, report.status,
        report.schema_version, len(report.tables), errors, warnings, imported_at,
    ))  # fmt: skip
    for ordinal, table in enumerate(report.tables):
        out["tables"].append((
            sha, table.id, ordinal, table.kind.value, table.title, table.year,
            ",".join(map(str, table.pages)), table.engine, table.quality,
        ))  # fmt: skip
        for ri, row in enumerate(table.rows):
            out["rows"].append((sha, table.id, ri, row.code, row.label, row.parent, row.is_total))
            for ai, a in enumerate(row.attributes):
                out["row_attributes"].append((sha, table.id, ri, ai,
                                              HEADER_SEPARATOR.join(a.column), a.text, a.page))
            for ci, cell in enumerate(row.cells):
                out["cells"].append((
                    sha, table.id, ri, ci, row.code, row.parent, row.label,
                    HEADER_SEPARATOR.join(cell.column),
                    cell.measure.value if cell.measure else None,
                    cell.source.value if cell.source else None,
                    amount(cell.value), cell.status.value,
                    cell.unit.value if cell.unit else None, cell.footnote, cell.raw, cell.page,
                ))  # fmt: skip
    positions = finding_positions(report)
    for fi, (f, (f_row, f_cell)) in enumerate(zip(report.findings, positions, strict=True)):
        out["findings"].append((
            sha, fi, f.severity.value, f.rule, f.table, f.code,
            f.measure.value if f.measure else None, f.source.value if f.source else None,
            amount(f.actual), amount(f.expected), f.message, f.page, f_row, f_cell,
        ))  # fmt: skip
    return out


class _Backend(Protocol):
    def execute(self, sql: str, params: Sequence[Any] = ()) -> None: ...
    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]: ...
    def insert(self, spec: TableSpec, rows: list[tuple[Any, ...]]) -> None: ...
    def stream(self, sql: str, params: Sequence[Any],
               size: int) -> Iterator[list[tuple[Any, ...]]]: ...
    def transaction(self) -> contextlib.AbstractContextManager[None]: ...
    def close(self) -> None: ...


class _DuckDB:
    """Embedded DuckDB; bulk inserts go through Arrow (executemany is slow there)."""

    def __init__(self, path: Path) -> None:
        import duckdb

        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.con = duckdb.connect(str(path))
        except duckdb.Error as exc:
            raise StoreError(f"не открыть базу DuckDB {path}: {exc} "
                             "(файл занят другим процессом?)") from exc

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self.con.execute(sql, list(params))

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in self.con.execute(sql, list(params)).fetchall()]

    def stream(self, sql: str, params: Sequence[Any],
               size: int) -> Iterator[list[tuple[Any, ...]]]:
        result = self.con.execute(sql, list(params))
        while chunk := result.fetchmany(size):
            yield [tuple(r) for r in chunk]

    def insert(self, spec: TableSpec, rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        import pyarrow as pa

        arrays = [pa.array([r[i] for r in rows], type=_arrow_type(c.sql))
                  for i, c in enumerate(spec.columns)]
        batch = pa.Table.from_arrays(arrays, names=spec.column_names)
        self.con.register("_svodka_batch", batch)
        try:
            cols = ", ".join(spec.column_names)
            self.con.execute(f"INSERT INTO {spec.name} ({cols}) SELECT {cols} FROM _svodka_batch")
        finally:
            self.con.unregister("_svodka_batch")

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        self.con.begin()
        try:
            yield
        except BaseException:
            self.con.rollback()
            raise
        self.con.commit()

    def close(self) -> None:
        self.con.close()


def _arrow_type(sql: str) -> Any:
    import pyarrow as pa

    if sql.startswith("NUMERIC"):
        return pa.decimal128(AMOUNT_PRECISION, AMOUNT_SCALE)
    return {
        "TEXT": pa.string(), "INTEGER": pa.int32(), "BOOLEAN": pa.bool_(),
        "DOUBLE PRECISION": pa.float64(), "TIMESTAMP": pa.timestamp("us"),
    }[sql]  # fmt: skip


class _Postgres:
    """A PostgreSQL server through psycopg 3; bulk inserts use COPY."""

    def __init__(self, url: str) -> None:
        import psycopg

        try:
            self.con = psycopg.connect(url, autocommit=True)
        except psycopg.Error as exc:
            raise StoreError(f"не подключиться к PostgreSQL: {exc}".strip()) from exc

    @staticmethod
    def _sql(sql: str) -> Any:
        # One placeholder style in callers ('?'), psycopg wants '%s'.
        return re.sub(r"\?", "%s", sql.replace("%", "%%"))

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self.con.execute(self._sql(sql), list(params))

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in self.con.execute(self._sql(sql), list(params)).fetchall()]

    def stream(self, sql: str, params: Sequence[Any],
               size: int) -> Iterator[list[tuple[Any, ...]]]:
        # a server-side cursor (it lives in a transaction): the client holds one chunk
        with self.con.transaction(), self.con.cursor(name="svodka_stream") as cur:
            cur.execute(self._sql(sql), list(params))
            while chunk := cur.fetchmany(size):
                yield [tuple(r) for r in chunk]

    def insert(self, spec: TableSpec, rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        cols = ", ".join(spec.column_names)
        with self.con.cursor() as cur, cur.copy(f"COPY {spec.name} ({cols}) FROM STDIN") as cp:
            for r in rows:
                cp.write_row(r)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        with self.con.transaction():
            yield

    def close(self) -> None:
        self.con.close()


def _header_path(header: str) -> list[str]:
    return header.split(HEADER_SEPARATOR) if header else []


def is_postgres_url(url: str) -> bool:
    return url.startswith(("postgresql://", "postgres://"))


class Store:
    """A database of documents; use ``open_store``.  A context manager (closes on exit)."""

    def __init__(self, backend: _Backend, engine: str) -> None:
        self._db = backend
        self.engine = engine  # duckdb | postgresql

    def create_schema(self) -> None:
        """Create the missing tables and indexes, and add the (nullable) columns a store
        made by an earlier version lacks."""
        with self._db.transaction():
            for spec in ALL_TABLES:
                for statement in spec.ddl():
                    self._db.execute(statement)
            have = set(self._db.query(
                "SELECT table_name, column_name FROM information_schema.columns"
                " WHERE table_schema = current_schema()"))
            for spec in ALL_TABLES:
                for c in spec.columns:
                    if (spec.name, c.name) not in have and not c.not_null:
                        self._db.execute(f"ALTER TABLE {spec.name} ADD COLUMN {c.name} {c.sql}")

    def replace_document(self, report: Report, imported_at: dt.datetime | None = None) -> None:
        """Delete every row of the document (by sha256) and insert the report, atomically."""
        self.replace_documents([report], imported_at)

    def replace_documents(self, reports: Sequence[Report],
                          imported_at: dt.datetime | None = None) -> None:
        """``replace_document`` for several reports in one transaction (a batch writes its
        documents in groups: far fewer statements and commits than one by one)."""
        if not reports:
            return
        when = imported_at or dt.datetime.now(dt.UTC).replace(tzinfo=None)
        # the same bytes twice (two names): the last one, as one by one
        reports = list({r.document.sha256: r for r in reports}.values())
        records: dict[str, list[tuple[Any, ...]]] = {t.name: [] for t in TABLES}
        for report in reports:
            for name, rows in report_records(report, when).items():
                records[name] += rows
        shas = [r.document.sha256 for r in reports]
        marks = ", ".join("?" * len(shas))
        paths = sorted({r.document.path for r in reports})
        try:
            with self._db.transaction():
                for spec in reversed(TABLES):
                    self._db.execute(f"DELETE FROM {spec.name} WHERE sha256 IN ({marks})", shas)
                for spec in TABLES:
                    self._db.insert(spec, records[spec.name])
                self._db.execute(  # a file read now is no longer a failure
                    f"DELETE FROM failures WHERE path IN ({', '.join('?' * len(paths))})", paths)
        except Exception as exc:
            names = ", ".join(r.document.path for r in reports[:3])
            more = f" и ещё {len(reports) - 3}" if len(reports) > 3 else ""
            raise StoreError(f"не записать {names}{more} в базу ({self.engine}): "
                             f"{exc}") from exc

    def record_failures(self, failures: Sequence[FailedFile],
                        failed_at: dt.datetime | None = None) -> None:
        """Record files that could not be read (one row per path, the latest failure), in
        one transaction.  A document read earlier from the same path stays stored."""
        if not failures:
            return
        when = failed_at or dt.datetime.now(dt.UTC).replace(tzinfo=None)
        latest = {f.path: f for f in failures}
        rows = [(f.path, f.sha256 or None, f.code, f.message, when) for f in latest.values()]
        marks = ", ".join("?" * len(latest))
        try:
            with self._db.transaction():
                self._db.execute(f"DELETE FROM failures WHERE path IN ({marks})", list(latest))
                self._db.insert(FAILURES, rows)
        except Exception as exc:
            raise StoreError(f"не записать сведения о непрочитанных файлах в базу "
                             f"({self.engine}): {exc}") from exc

    def state(self) -> str:
        """A digest of what the store holds (documents as imported, failures): equal digests,
        equal exports."""
        digest = hashlib.sha256()
        for row in self._db.query("SELECT sha256, imported_at FROM documents ORDER BY sha256"):
            digest.update(repr(row).encode())
        for row in self._db.query("SELECT path, sha256, code, message FROM failures"
                                  " ORDER BY path"):
            digest.update(repr(row).encode())
        return digest.hexdigest()

    def stream(self, sql: str, params: Sequence[Any] = (),
               size: int = 10_000) -> Iterator[list[tuple[Any, ...]]]:
        """The rows of a read query in chunks of ``size`` (never all at once)."""
        return self._db.stream(sql, params, size)

    def reports(self) -> Iterator[Report]:
        """Every stored document as a contract ``Report`` (path order), one at a time.
        What the store does not keep (boxes, OCR confidences) is absent."""
        docs = self._db.query(
            "SELECT sha256, path, format, pages, organization, region, status, schema_version"
            " FROM documents ORDER BY path, sha256")
        for doc in docs:
            yield self._report(doc)

    def _report(self, doc: tuple[Any, ...]) -> Report:
        sha = doc[0]
        q = self._db.query
        tables = q("SELECT table_id, kind, title, year, pages, engine, quality FROM tables"
                   " WHERE sha256 = ? ORDER BY ordinal", [sha])
        rows = q("SELECT table_id, row_index, code, label, parent, is_total FROM rows"
                 " WHERE sha256 = ? ORDER BY table_id, row_index", [sha])
        attrs = q("SELECT table_id, row_index, header, text, page FROM row_attributes"
                  " WHERE sha256 = ? ORDER BY table_id, row_index, attribute_index", [sha])
        cells = q("SELECT table_id, row_index, header, measure, source, value, status, unit,"
                  " footnote, raw, page FROM cells WHERE sha256 = ?"
                  " ORDER BY table_id, row_index, cell_index", [sha])
        findings = q("SELECT severity, rule, table_id, code, measure, source, actual, expected,"
                     " message, page, row_index, cell_index FROM findings WHERE sha256 = ?"
                     " ORDER BY finding_index", [sha])
        by_row: dict[tuple[str, int], dict[str, Any]] = {}
        for tid, ri, code, label, parent, is_total in rows:
            by_row[(tid, ri)] = {"code": code, "label": label, "parent": parent,
                                 "is_total": bool(is_total), "cells": [], "attributes": []}
        for tid, ri, header, text, page in attrs:
            by_row[(tid, ri)]["attributes"].append(
                {"column": _header_path(header), "text": text, "page": page})
        for tid, ri, header, *rest in cells:
            measure, source, value, status, unit, footnote, raw, page = rest
            by_row[(tid, ri)]["cells"].append({
                "column": _header_path(header), "measure": measure, "source": source,
                "value": plain(value), "status": status, "unit": unit,
                "footnote": footnote, "raw": raw, "page": page})  # fmt: skip
        data = {
            "schema_version": doc[7], "status": doc[6],
            "document": dict(zip(("sha256", "path", "format", "pages", "organization",
                                  "region"), doc[:6], strict=True)),
            "tables": [{"id": tid, "kind": kind, "title": title, "year": year,
                        "pages": [int(p) for p in (pages or "").split(",") if p],
                        "engine": engine, "quality": quality,
                        "rows": [r for (t, _), r in sorted(by_row.items()) if t == tid]}
                       for tid, kind, title, year, pages, engine, quality in tables],
            "findings": [dict(zip(("severity", "rule", "table", "code", "measure", "source"),
                                  f[:6], strict=True))
                         | {"actual": plain(f[6]), "expected": plain(f[7]),
                            "message": f[8], "page": f[9], "row_index": f[10],
                            "cell_index": f[11]} for f in findings],
        }
        return Report.model_validate(data)

    def has_document(self, sha256: str) -> bool:
        return bool(self._db.query("SELECT 1 FROM documents WHERE sha256 = ?", [sha256]))

    def documents(self) -> list[str]:
        return [r[0] for r in self._db.query("SELECT sha256 FROM documents ORDER BY sha256")]

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        """Run one statement in its own transaction; '?' placeholders work on both engines."""
        self._db.execute(sql, params)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run a read query; '?' placeholders work on both engines."""
        return self._db.query(sql, params)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def open_store(url: str | Path) -> Store:
    """A store at ``url``: ``postgresql://…`` or a DuckDB file (``duckdb:PATH`` or a path).

    The tables and indexes are created when missing.
    """
    text = str(url)
    if is_postgres_url(text):
        store = Store(_Postgres(text), "postgresql")
    else:
        path = Path(text.removeprefix("duckdb:").removeprefix("//"))
        store = Store(_DuckDB(path), "duckdb")
    try:
        store.create_schema()
    except Exception:
        store.close()
        raise
    return store
