"""children_sum: a parent row is the sum of its child rows (9 = Σ 9.x, 9.1 = Σ 9.1.x)."""

from __future__ import annotations

from .context import TableContext
from .model import CHILDREN_SUM, Equation
from .tree import column_equations


def children_sum(ctx: TableContext) -> list[Equation]:
    found: list[Equation] = []
    for parent, rows in ctx.children.items():
        found.extend(column_equations(ctx, CHILDREN_SUM, parent, rows))
    return found
