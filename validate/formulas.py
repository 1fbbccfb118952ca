"""column_formula (sums): a numbering row's "5 = 3 + 4" holds in every row of the table."""

from __future__ import annotations

from .context import TableContext
from .model import COLUMN_FORMULA, Equation, Ref


def column_formulas(ctx: TableContext) -> list[Equation]:
    index = {path: i for i, path in enumerate(ctx.paths)}
    found: list[Equation] = []
    for rel in ctx.table.relations:
        at = [index.get(tuple(p)) for p in (rel.target, *rel.terms)]
        if rel.op != "sum" or any(i is None for i in at):
            continue
        target, *terms = (i for i in at if i is not None)
        for row in range(len(ctx.table.rows)):
            if not ctx.additive[row]:
                continue
            lhs, rhs = Ref(row, None, None, target), tuple(Ref(row, None, None, t) for t in terms)
            if lhs in ctx.terms and all(r in ctx.terms for r in rhs):
                found.append(Equation(COLUMN_FORMULA, row, lhs, rhs))
    return found
