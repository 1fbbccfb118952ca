"""grand_total: the ИТОГО row is the sum of the top-level rows (1–10), in every column."""

from __future__ import annotations

from .context import TableContext
from .model import GRAND_TOTAL, Equation
from .tree import column_equations


def grand_total(ctx: TableContext) -> list[Equation]:
    found: list[Equation] = []
    for total in ctx.totals:
        found.extend(column_equations(ctx, GRAND_TOTAL, total, ctx.top_level))
    return found
