"""Typed records every svodka stage speaks.

``schemas.report`` is the JSON contract other systems read (schema_version "1");
``schemas.grid`` is what extractors hand to the normaliser: physical tables as
found in a document, with provenance on every cell.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from svodka.schemas.errors import SvodkaError
    from svodka.schemas.grid import BBox, Grid, GridCell, Problem, RawDocument, TextLine
    from svodka.schemas.numformat import RU, NumberFormat
    from svodka.schemas.report import (
        SCHEMA_VERSION,
        Cell,
        Check,
        Document,
        Doubt,
        Finding,
        Measure,
        Relation,
        Report,
        Row,
        Severity,
        Source,
        Status,
        Table,
        TableKind,
        TextCell,
        Unit,
    )

_NAMES = {
    "svodka.schemas.errors": ["SvodkaError"],
    "svodka.schemas.grid": ["BBox", "Grid", "GridCell", "Problem", "RawDocument", "TextLine"],
    "svodka.schemas.numformat": ["RU", "NumberFormat"],
    "svodka.schemas.report": [
        "SCHEMA_VERSION", "Cell", "Check", "Document", "Doubt", "Finding", "Measure",
        "Relation", "Report", "Row", "Severity", "Source", "Status", "Table", "TableKind",
        "TextCell", "Unit",
    ],
}
_HOME = {name: module for module, names in _NAMES.items() for name in names}
"""Where each public name lives: imported on first use (PEP 562), so a command that needs
no record (``svodka --version``) never loads pydantic."""


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_HOME[name]), name)
    globals()[name] = value
    return value


__all__ = [
    "BBox", "Cell", "Check", "Document", "Doubt", "Finding", "Grid", "GridCell", "Measure",
    "NumberFormat", "Problem", "RU", "RawDocument", "Relation", "Report", "Row",
    "SCHEMA_VERSION", "Severity", "Source", "Status", "SvodkaError", "Table", "TableKind",
    "TextCell", "TextLine", "Unit",
]
