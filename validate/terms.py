"""The table's value cells as terms of the arithmetic ("х" and "-" are zero)."""

from __future__ import annotations

from decimal import Decimal

from schemas.report import Cell, Status, Table

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


def table_terms(table: Table) -> tuple[dict[Ref, Term], dict[Ref, Cell]]:
    """Terms of every cell that names a measure and a source (the first such cell wins),
    and the cells themselves (including those without a usable figure)."""
    terms: dict[Ref, Term] = {}
    cells: dict[Ref, Cell] = {}
    for index, row in enumerate(table.rows):
        for cell in row.cells:
            if cell.measure is None or cell.source is None:
                continue
            ref = Ref(index, cell.measure, cell.source)
            if ref in cells:
                continue
            cells[ref] = cell
            term = cell_term(cell)
            if term is not None:
                terms[ref] = term
    return terms, cells
