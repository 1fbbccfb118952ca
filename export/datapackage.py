"""``datapackage.json``: a Frictionless (Tabular) Data Package describing every CSV of a batch.

The batch exports (``documents.csv``, ``cells.csv``, ``findings.csv``, ``failures.csv``,
written from the whole store) become resources with primary keys (``sha256``,
``cell_key``, ``sha256`` + ``finding_index``, ``path``) and foreign keys (a cell and a
finding to its document, a finding to the cell it names); each document's CSVs
(``<folder>/cells.csv``, ``findings.csv``, ``table-<id>.csv``) too.  Every resource has a
Table Schema: typed fields (number with the dialect's decimal char, integer, text with
enum constraints), the CSV dialect (',' or ';') and the encoding (UTF-8; the files start
with a BOM so that Excel reads Cyrillic).  ``frictionless validate out/datapackage.json``
checks the files against it.
"""

from __future__ import annotations

import json
import re
import tempfile
import textwrap
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from svodka.export.csvout import FINDING_COLUMNS, Dialect
from svodka.export.records import (
    AMOUNT_COLUMNS,
    BATCH_CELL_COLUMNS,
    BATCH_FINDING_COLUMNS,
    DOCUMENT_COLUMNS,
    FAILURE_COLUMNS,
    INTEGER_COLUMNS,
)
from svodka.schemas import Measure, Report, Severity, Source, Status, Table, Unit
from svodka.schemas.frames import CELL_COLUMNS, table_to_wide_records

Field = dict[str, Any]

_DESCRIPTIONS = {
    "document": "path of the source document",
    "table": "table id within the document (t1, t2, …)",
    "year": "reporting year of the table",
    "code": "row code as printed (text: 9.10 is not a number)",
    "parent": "code of the parent row",
    "label": "row label",
    "measure": "plan or fact",
    "source": "funding source",
    "value": "the number (exact decimal); empty unless status is number",
    "status": "what the cell holds",
    "unit": "unit of value",
    "page": "page or slide the cell stands on (1-based)",
    "severity": "error, warning or info",
    "rule": "the check that produced the finding",
    "actual": "the value printed in the report",
    "expected": "the value that would make the arithmetic add up",
    "message": "the finding for people (Russian number format)",
}
_ENUMS: dict[str, list[str]] = {
    "measure": [m.value for m in Measure],
    "source": [s.value for s in Source],
    "status": [s.value for s in Status],
    "unit": [u.value for u in Unit],
    "severity": [s.value for s in Severity],
}
_DESCRIPTIONS |= {
    "sha256": "sha256 of the source document's bytes (the document's key)",
    "path": "path of the file as given to svodka",
    "format": "pdf, pptx, docx, xlsx or image-pdf",
    "pages": "pages or slides of the document",
    "organization": "the reporting organisation, if named",
    "region": "the region, if named",
    "tables": "number of tables read",
    "errors": "findings of severity error",
    "warnings": "findings of severity warning",
    "row_index": "0-based index of the row in its table",
    "cell_index": "0-based index of the cell in its row",
    "finding_index": "0-based index of the finding in its document",
    "header": "the column's header path, levels joined by ' / '",
    "row_key": "sha256/table/row_index: the row a cell or finding belongs to",
    "cell_key": "sha256/table/row_index/cell_index: the cell (findings: the cell named)",
}
_INTEGERS = INTEGER_COLUMNS
_NUMBERS = AMOUNT_COLUMNS
ALL = None
_REQUIRED: dict[str, set[str] | None] = {  # column -> the resources requiring it (None: all)
    "document": ALL, "status": ALL, "severity": ALL, "rule": ALL, "message": ALL, "path": ALL,
    "finding_index": ALL, "sha256": {"documents", "cells", "findings"}, "code": {"failures"},
    "table": {"cells"}, "row_index": {"cells"}, "cell_index": {"cells"}, "row_key": {"cells"},
    "cell_key": {"cells"},
}
_DOCUMENT_STATUS = ["success", "partial", "failure"]


def _field(name: str, dialect: Dialect, resource: str = "") -> Field:
    field: Field = {"name": name}
    if name in _NUMBERS:
        field["type"] = "number"
        if dialect.decimal != ".":
            field["decimalChar"] = dialect.decimal
    elif name in _INTEGERS:
        field["type"] = "integer"
    else:
        field["type"] = "string"
    if name in _DESCRIPTIONS:
        field["description"] = _DESCRIPTIONS[name]
    constraints: dict[str, Any] = {}
    if name == "status" and resource == "documents":
        constraints["enum"] = _DOCUMENT_STATUS
    elif name in _ENUMS:
        constraints["enum"] = _ENUMS[name]
    if name in _REQUIRED and (_REQUIRED[name] is ALL or resource in (_REQUIRED[name] or ())):
        constraints["required"] = True
    if constraints:
        field["constraints"] = constraints
    return field


def cells_schema(dialect: Dialect) -> dict[str, Any]:
    """A document's own cells.csv."""
    return {"fields": [_field(n, dialect, "cells") for n in CELL_COLUMNS],
            "missingValues": [""]}


def findings_schema(dialect: Dialect) -> dict[str, Any]:
    """A document's own findings.csv (a finding about a whole document has no table)."""
    return {"fields": [_field(n, dialect, "doc-findings") for n in FINDING_COLUMNS],
            "missingValues": [""]}


def _keyed(name: str, columns: tuple[str, ...], dialect: Dialect, key: list[str],
           foreign: list[tuple[str, str, str]]) -> dict[str, Any]:
    """A batch table's schema: its primary key and foreign keys (field, resource, field)."""
    return {
        "fields": [_field(n, dialect, name) for n in columns],
        "missingValues": [""],
        "primaryKey": key,
        "foreignKeys": [{"fields": [f], "reference": {"resource": res, "fields": [to]}}
                        for f, res, to in foreign],
    }


def batch_resources(dialect: Dialect) -> list[dict[str, Any]]:
    """The batch exports written from the whole store, with their keys: documents by
    sha256; cells by cell_key, each of a document; findings by (sha256, finding_index),
    each of a document and, where it names one, of a cell; failures by path."""
    to_doc = ("sha256", "documents", "sha256")
    return [
        _resource("documents", "documents.csv", "Документы (одна строка — документ)",
                  _keyed("documents", DOCUMENT_COLUMNS, dialect, ["sha256"], []), dialect),
        _resource("cells", "cells.csv", "Все ячейки всех документов (одна строка — ячейка)",
                  _keyed("cells", BATCH_CELL_COLUMNS, dialect, ["cell_key"], [to_doc]),
                  dialect),
        _resource("findings", "findings.csv", "Все находки проверки (одна строка — находка)",
                  _keyed("findings", BATCH_FINDING_COLUMNS, dialect,
                         ["sha256", "finding_index"],
                         [to_doc, ("cell_key", "cells", "cell_key")]), dialect),
        _resource("failures", "failures.csv",
                  "Непрочитанные файлы (одна строка — файл, код ошибки, причина)",
                  _keyed("failures", FAILURE_COLUMNS, dialect, ["path"], []), dialect),
    ]


def wide_table_schema(table: Table, dialect: Dialect) -> dict[str, Any]:
    """Schema of ``table-<id>.csv``: code and label text; a column is a number if all its
    values are numbers, else text (it holds the raw marks such as "х" or "-")."""
    header, body = table_to_wide_records(table)
    fields: list[Field] = [{"name": "code", "type": "string", "description": _DESCRIPTIONS["code"]},
                           {"name": "label", "type": "string"}]
    for i, name in enumerate(header[2:], start=2):
        values = [row[i] for row in body if row[i] is not None]
        numeric = all(isinstance(v, Decimal) for v in values)
        field: Field = {"name": name, "type": "number" if numeric else "string"}
        if numeric and dialect.decimal != ".":
            field["decimalChar"] = dialect.decimal
        fields.append(field)
    return {"fields": fields, "missingValues": [""]}


def _name(text: str) -> str:
    return re.sub(r"[^a-z0-9._-]+", "-", text.lower()).strip("-") or "resource"


def _resource(name: str, path: str, title: str, schema: dict[str, Any],
              dialect: Dialect) -> dict[str, Any]:
    return {
        "name": name,
        "path": path,
        "title": title,
        "profile": "tabular-data-resource",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "dialect": {"delimiter": dialect.delimiter, "header": True, "lineTerminator": "\r\n"},
        "schema": schema,
    }


def document_resources(report: Report, folder: str, dialect: Dialect) -> list[dict[str, Any]]:
    """The resources of one document's CSVs, ``folder`` being relative to the package: a
    batch keeps these small dicts, not the reports."""
    sha8 = report.document.sha256[:8]
    path = report.document.path
    resources = [
        _resource(f"doc-{sha8}-cells", f"{folder}/cells.csv", f"Ячейки: {path}",
                  cells_schema(dialect), dialect),
        _resource(f"doc-{sha8}-findings", f"{folder}/findings.csv", f"Находки: {path}",
                  findings_schema(dialect), dialect),
    ]
    for table in report.tables:
        resources.append(_resource(
            f"doc-{sha8}-table-{_name(table.id)}", f"{folder}/table-{table.id}.csv",
            f"Таблица {table.id}: {table.title or path}", wide_table_schema(table, dialect),
            dialect))
    return resources


_PACKAGE = {
    "profile": "tabular-data-package",
    "name": "svodka",
    "title": "svodka: таблицы отчётов ЦКР",
    "description": "Tables and arithmetic findings extracted by svodka. The same cells "
                   "are in cells.parquet and in the database (svodka.duckdb).",
}


class DataPackageWriter:
    """Collects resources document by document in a spool file (one JSON line each), so a
    batch of any size keeps only the set of names and paths in memory; ``write`` streams
    the descriptor out.  Resource names and paths are unique: a second resource at a path
    already described is dropped (a table id twice in one report: one file), a name
    already used gets a suffix (the same content at two paths)."""

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self._spool = tempfile.TemporaryFile("w+", encoding="utf-8")
        self._names: set[str] = set()
        self._paths: set[str] = set()
        self.add_resources(batch_resources(dialect))

    def add_resources(self, resources: Iterable[dict[str, Any]]) -> None:
        for res in resources:
            if res["path"] in self._paths:
                continue
            self._paths.add(res["path"])
            base, n = res["name"], 2
            while res["name"] in self._names:
                res["name"] = f"{base}-{n}"
                n += 1
            self._names.add(res["name"])
            self._spool.write(json.dumps(res, ensure_ascii=False) + "\n")

    def write_to(self, path: Path) -> None:
        """``datapackage.json`` into ``path`` itself (a temporary file of
        ``export.atomic.Staging``); the writer is closed afterwards."""
        with open(path, "w", encoding="utf-8", newline="") as fh:
            self._write(fh)

    def _write(self, fh: IO[str]) -> None:
        head = json.dumps({**_PACKAGE, "resources": None}, ensure_ascii=False, indent=2)
        before, after = head.rsplit('"resources": null', 1)
        self._spool.seek(0)
        fh.write(before + '"resources": [')
        for i, line in enumerate(self._spool):
            text = json.dumps(json.loads(line), ensure_ascii=False, indent=2)
            fh.write(("," if i else "") + "\n" + textwrap.indent(text, "    "))
        fh.write("\n  ]" + after + "\n")
        self.close()

    def close(self) -> None:
        self._spool.close()
