"""CSV outputs: tidy cells, findings, one wide CSV per table.

Default dialect is machine-friendly (comma, decimal point, UTF-8 with BOM so
Excel reads Cyrillic); ``excel-ru`` uses ';' and a decimal comma.  Text that
starts like a formula (= + - @ tab CR) is prefixed with "'" (OWASP).
"""

from __future__ import annotations

import contextlib
import csv
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from svodka.export.atomic import atomic_open
from svodka.schemas import Finding, Report, Table
from svodka.schemas.frames import CELL_COLUMNS, cell_records, table_to_wide_records

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
FINDING_COLUMNS = (
    "document", "severity", "rule", "table", "code", "measure", "source",
    "actual", "expected", "page", "message",
)  # fmt: skip


@dataclass(frozen=True)
class Dialect:
    name: str
    delimiter: str
    decimal: str


DIALECTS = {"default": Dialect("default", ",", "."), "excel-ru": Dialect("excel-ru", ";", ",")}


def neutralise(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_START) else text


def _fmt(value: Any, dialect: Dialect) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f").replace(".", dialect.decimal)
    if isinstance(value, int | float):
        return str(value)
    return neutralise(str(value))


RowsWriter = Callable[[Iterable[Sequence[Any]]], None]


@contextlib.contextmanager
def csv_appender(path: Path, header: Sequence[str], dialect: Dialect) -> Iterator[RowsWriter]:
    """Write ``header`` now, then rows as they come (call the yielded function any number of
    times); the file replaces ``path`` atomically when the block ends without an error."""
    with atomic_open(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, delimiter=dialect.delimiter, lineterminator="\r\n")
        writer.writerow(header)

        def append(rows: Iterable[Sequence[Any]]) -> None:
            writer.writerows([_fmt(v, dialect) for v in row] for row in rows)

        yield append


@contextlib.contextmanager
def csv_file_writer(path: Path, header: Sequence[str], dialect: Dialect) -> Iterator[RowsWriter]:
    """``csv_appender`` into ``path`` itself (a temporary file of ``export.atomic.Staging``)."""
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, delimiter=dialect.delimiter, lineterminator="\r\n")
        writer.writerow(header)

        def append(rows: Iterable[Sequence[Any]]) -> None:
            writer.writerows([_fmt(v, dialect) for v in row] for row in rows)

        yield append


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]],
              dialect: Dialect) -> None:
    with csv_appender(path, header, dialect) as append:
        append(rows)


def cells_rows(report: Report) -> list[list[Any]]:
    return [[rec[c] for c in CELL_COLUMNS] for rec in cell_records(report)]


def finding_rows(report: Report) -> list[list[Any]]:
    return [_finding_row(report.document.path, f) for f in report.findings]


def _finding_row(document: str, f: Finding) -> list[Any]:
    return [
        document, f.severity.value, f.rule, f.table, f.code,
        f.measure.value if f.measure else None, f.source.value if f.source else None,
        f.actual, f.expected, f.page, f.message,
    ]  # fmt: skip


def write_table_csv(table: Table, path: Path, dialect: Dialect) -> None:
    header, body = table_to_wide_records(table)
    write_csv(path, header, body, dialect)
