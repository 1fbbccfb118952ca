"""``datapackage.json``: a Frictionless (Tabular) Data Package describing every CSV of a batch.

The batch CSVs (``cells.csv``, ``findings.csv``) and each document's CSVs
(``<folder>/cells.csv``, ``findings.csv``, ``table-<id>.csv``) become resources
with a Table Schema: typed fields (number with the dialect's decimal char,
integer, text with enum constraints), the CSV dialect (',' or ';') and the
encoding (UTF-8; the files start with a BOM so that Excel reads Cyrillic).
``frictionless validate out/datapackage.json`` checks the files against it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from export.atomic import write_text_atomic
from export.csvout import FINDING_COLUMNS, Dialect
from schemas import Measure, Report, Severity, Source, Status, Table, Unit
from schemas.frames import CELL_COLUMNS, table_to_wide_records

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
_INTEGERS = {"year", "page"}
_NUMBERS = {"value", "actual", "expected"}
_REQUIRED = {"document", "table", "status", "severity", "rule", "message"}


def _field(name: str, dialect: Dialect) -> Field:
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
    if name in _ENUMS:
        constraints["enum"] = _ENUMS[name]
    if name in _REQUIRED:
        constraints["required"] = True
    if constraints:
        field["constraints"] = constraints
    return field


def cells_schema(dialect: Dialect) -> dict[str, Any]:
    return {"fields": [_field(n, dialect) for n in CELL_COLUMNS], "missingValues": [""]}


def findings_schema(dialect: Dialect) -> dict[str, Any]:
    return {"fields": [_field(n, dialect) for n in FINDING_COLUMNS], "missingValues": [""]}


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


@dataclass(frozen=True)
class DocumentCsvs:
    """A document's report and the folder (relative to the package) holding its CSVs."""

    report: Report
    folder: str


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


def build_datapackage(documents: Sequence[DocumentCsvs], dialect: Dialect) -> dict[str, Any]:
    """The package descriptor (a dict) for the batch CSVs and each document's CSVs."""
    resources = [
        _resource("cells", "cells.csv", "Все ячейки всех документов (одна строка — ячейка)",
                  cells_schema(dialect), dialect),
        _resource("findings", "findings.csv", "Все находки проверки (одна строка — находка)",
                  findings_schema(dialect), dialect),
    ]
    for doc in documents:
        sha8 = doc.report.document.sha256[:8]
        path = doc.report.document.path
        resources.append(_resource(f"doc-{sha8}-cells", f"{doc.folder}/cells.csv",
                                   f"Ячейки: {path}", cells_schema(dialect), dialect))
        resources.append(_resource(f"doc-{sha8}-findings", f"{doc.folder}/findings.csv",
                                   f"Находки: {path}", findings_schema(dialect), dialect))
        for table in doc.report.tables:
            resources.append(_resource(
                f"doc-{sha8}-table-{_name(table.id)}", f"{doc.folder}/table-{table.id}.csv",
                f"Таблица {table.id}: {table.title or path}", wide_table_schema(table, dialect),
                dialect))
    seen_names: set[str] = set()
    seen_paths: set[str] = set()
    unique = []
    for res in resources:
        if res["path"] in seen_paths:  # a table id twice in one report: one file
            continue
        seen_paths.add(res["path"])
        base, n = res["name"], 2
        while res["name"] in seen_names:  # the same content at two paths
            res["name"] = f"{base}-{n}"
            n += 1
        seen_names.add(res["name"])
        unique.append(res)
    return {
        "profile": "tabular-data-package",
        "name": "svodka",
        "title": "svodka: таблицы отчётов ЦКР",
        "description": "Tables and arithmetic findings extracted by svodka. The same cells "
                       "are in cells.parquet and in the database (svodka.duckdb).",
        "resources": unique,
    }


def write_datapackage(path: Path, documents: Sequence[DocumentCsvs], dialect: Dialect) -> None:
    descriptor = build_datapackage(documents, dialect)
    write_text_atomic(path, json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n")
