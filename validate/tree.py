"""Column sums over a set of rows, shared by children_sum, breakdown and grand_total."""

from __future__ import annotations

from .context import TableContext
from .model import Bound, Equation


def column_equations(
    ctx: TableContext, rule: str, parent: int, rows: list[int], bound: Bound = Bound.EQUAL
) -> list[Equation]:
    """``parent`` = Σ ``rows`` in every column of the parent (all rows must be additive)."""
    if not rows or not ctx.additive[parent] or not all(ctx.additive[row] for row in rows):
        return []
    found: list[Equation] = []
    for lhs in ctx.refs(parent):
        rhs = tuple(lhs._replace(row=row) for row in rows)
        if lhs in ctx.terms and all(ref in ctx.terms for ref in rhs):
            found.append(Equation(rule, parent, lhs, rhs, bound))
    return found
