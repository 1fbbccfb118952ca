"""Typed records every svodka stage speaks.

``schemas.report`` is the JSON contract other systems read (schema_version "1");
``schemas.grid`` is what extractors hand to the normaliser: physical tables as
found in a document, with provenance on every cell.
"""

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

__all__ = [
    "SCHEMA_VERSION",
    "BBox",
    "Cell",
    "Document",
    "Check",
    "Doubt",
    "Relation",
    "Finding",
    "Grid",
    "GridCell",
    "Measure",
    "NumberFormat",
    "Problem",
    "RU",
    "SvodkaError",
    "RawDocument",
    "Report",
    "Row",
    "Severity",
    "Source",
    "Status",
    "Table",
    "TextCell",
    "TableKind",
    "TextLine",
    "Unit",
]
