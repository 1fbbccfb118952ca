"""sources_sum: in every row, for план and факт, Всего = the sum of the other sources."""

from __future__ import annotations

from svodka.schemas.report import Source

from .context import TableContext
from .model import SOURCES_SUM, Equation, Ref


def sources_sum(ctx: TableContext) -> list[Equation]:
    found: list[Equation] = []
    for row in range(len(ctx.table.rows)):
        if not ctx.additive[row]:
            continue
        columns = ctx.columns(row)
        for measure in dict.fromkeys(measure for measure, _ in columns):
            total = Ref(row, measure, Source.TOTAL)
            parts = tuple(
                Ref(row, measure, source)
                for m, source in columns
                if m is measure and source is not Source.TOTAL
            )
            if not parts or total not in ctx.terms:
                continue  # nothing to add up, or Всего missing / unreadable
            if all(part in ctx.terms for part in parts):
                found.append(Equation(SOURCES_SUM, row, total, parts))
    return found
