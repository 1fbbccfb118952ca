"""The table's value cells as terms of the arithmetic ("х" and "-" are zero)."""

from __future__ import annotations

from decimal import Decimal

from svodka.schemas.report import Cell, Status, Table, TableKind

from .model import Ref, Term
from .numbers import printed_decimals

NUMERIC = (Status.NUMBER, Status.OCR_CORRECTED)
"""Statuses whose ``value`` is a figure: as printed, or as OCR misread it and the sums fixed."""


def cell_term(cell: Cell) -> Term | None:
    """The term for a cell, or None when it holds no usable figure (empty, unreadable)."""
    if cell.status in (Status.NOT_APPLICABLE, Status.DASH):
        return Term(Decimal(0), 0, True, cell.status is Status.DASH, cell)
    if cell.status not in NUMERIC or cell.value is None or not cell.value.is_finite():
        return None
    decimals = printed_decimals(cell, cell.value)
    # A whole number ("1 320" next to "1 120,1") is read as exact: reports drop ",0".
    exact = cell.value == 0 or decimals == 0
    return Term(cell.value, decimals, exact, True, cell)


def column_paths(table: Table) -> list[tuple[str, ...]]:
    """The header paths of a table's value cells, in the order they first stand."""
    return list(dict.fromkeys(tuple(c.column) for r in table.rows for c in r.cells))


def _ref(table: Table, index: int, cell: Cell, paths: dict[tuple[str, ...], int]) -> Ref | None:
    if table.kind is TableKind.OTHER:
        return Ref(index, None, None, paths[tuple(cell.column)])
    if cell.measure is None or cell.source is None:
        return None
    return Ref(index, cell.measure, cell.source)


def table_terms(table: Table) -> tuple[dict[Ref, Term], dict[Ref, Cell]]:
    """Terms of every cell that names a measure and a source — in a table of another form,
    of every value cell by its column — (the first such cell wins), and the cells
    themselves (including those without a usable figure)."""
    terms: dict[Ref, Term] = {}
    cells: dict[Ref, Cell] = {}
    paths = {p: i for i, p in enumerate(column_paths(table))}
    for index, row in enumerate(table.rows):
        for cell in row.cells:
            ref = _ref(table, index, cell, paths)
            if ref is None:
                continue
            if ref in cells:
                continue
            cells[ref] = cell
            term = cell_term(cell)
            if term is not None:
                terms[ref] = term
    return terms, cells
