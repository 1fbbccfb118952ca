"""total_rows (any table): a total row ("ИТОГО", "Итого по разделу I", "Всего", "БАЛАНС")
is the sum of the rows it closes, in every column where it has a figure.

The rows a total closes are those since the total above it (or the table's start) that
are not "в том числе" children of another row; a total standing right under other
totals closes those totals (БАЛАНС = Итого по разделу I + Итого по разделу II).
"""

from __future__ import annotations

from .context import TableContext
from .model import TOTAL_ROWS, Equation
from .tree import column_equations


def _children(ctx: TableContext) -> set[int]:
    return {row for rows in ctx.children.values() for row in rows}


def _span(ctx: TableContext, total: int, earlier: list[int]) -> list[int]:
    """The body rows between the total above (or the table's start) and ``total``."""
    start = earlier[-1] + 1 if earlier else 0
    children = _children(ctx)
    return [r for r in range(start, total)
            if not ctx.table.rows[r].is_total and r not in children]


def closed_rows(ctx: TableContext, total: int, earlier: list[int]) -> list[int]:
    """The rows the total row ``total`` closes; ``earlier`` are the totals above it."""
    span = _span(ctx, total, earlier)
    if span:
        return span
    sections: list[int] = []
    for k in range(len(earlier) - 1, -1, -1):
        if not _span(ctx, earlier[k], earlier[:k]):
            break  # a total of totals: what stands above it is closed already
        sections.insert(0, earlier[k])
    return sections


def total_rows(ctx: TableContext) -> list[Equation]:
    found: list[Equation] = []
    for k, total in enumerate(ctx.totals):
        rows = closed_rows(ctx, total, ctx.totals[:k])
        if len(rows) >= 2:
            found.extend(column_equations(ctx, TOTAL_ROWS, total, rows))
    return found
