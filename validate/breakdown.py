"""breakdown: "в том числе" rows of a KPI (4 → 4.1, 4.2) may fall short of the parent,
never exceed it."""

from __future__ import annotations

from .context import TableContext
from .model import BREAKDOWN, Bound, Equation
from .tree import column_equations


def breakdown(ctx: TableContext) -> list[Equation]:
    found: list[Equation] = []
    for parent, rows in ctx.children.items():
        found.extend(column_equations(ctx, BREAKDOWN, parent, rows, Bound.AT_MOST))
    return found
