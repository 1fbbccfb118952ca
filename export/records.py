"""Flat records of a report shared by the batch outputs (parquet, database).

Amounts stay ``Decimal`` all the way: they are stored with ``AMOUNT_SCALE``
decimal places (NUMERIC(38, 6) in databases, decimal128(38, 6) in parquet).
Reports print at most three decimals, so the quantisation never changes a
reported value; a value beyond 6 places would be rounded half-even.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

from svodka.schemas.numformat import format_ru

AMOUNT_PRECISION = 38
AMOUNT_SCALE = 6
_QUANTUM = Decimal(1).scaleb(-AMOUNT_SCALE)


def amount(value: Decimal | None) -> Decimal | None:
    """``value`` with exactly ``AMOUNT_SCALE`` decimal places (None stays None)."""
    if value is None:
        return None
    return value.quantize(_QUANTUM, rounding=ROUND_HALF_EVEN)


def ru_number(value: Decimal) -> str:
    """A number for people in Russian, as the findings print it: ``4459.3`` → ``4 459,3``."""
    return format_ru(value)


# The batch exports, written from the whole store (``export.batch``): one layout for the
# CSV files, cells.parquet and the Data Package.  ``row_key`` / ``cell_key`` join a finding
# to its row and cell (``sha256/table/row_index[/cell_index]``).
DOCUMENT_COLUMNS = (
    "sha256", "path", "format", "pages", "organization", "region", "status", "tables",
    "errors", "warnings",
)  # fmt: skip
BATCH_CELL_COLUMNS = (
    "document", "sha256", "table", "row_index", "cell_index", "year", "code", "parent",
    "label", "header", "measure", "source", "value", "status", "unit", "page", "row_key",
    "cell_key",
)  # fmt: skip
BATCH_FINDING_COLUMNS = (
    "document", "sha256", "finding_index", "severity", "rule", "table", "row_index",
    "cell_index", "code", "measure", "source", "actual", "expected", "page", "message",
    "row_key", "cell_key",
)  # fmt: skip
FAILURE_COLUMNS = ("path", "sha256", "code", "message")
INTEGER_COLUMNS = frozenset({"pages", "tables", "errors", "warnings", "row_index", "cell_index",
                             "finding_index", "year", "page"})
AMOUNT_COLUMNS = frozenset({"value", "actual", "expected"})


def row_key(sha256: str, table: str | None, row_index: int | None) -> str | None:
    if table is None or row_index is None:
        return None
    return f"{sha256}/{table}/{row_index}"


def cell_key(sha256: str, table: str | None, row_index: int | None,
             cell_index: int | None) -> str | None:
    key = row_key(sha256, table, row_index)
    return None if key is None or cell_index is None else f"{key}/{cell_index}"


def plain(value: Decimal | None) -> Decimal | None:
    """A stored amount as the report printed it: 443.500000 → 443.5, 100.000000 → 100."""
    if value is None:
        return None
    return Decimal(format(value.normalize(), "f"))
