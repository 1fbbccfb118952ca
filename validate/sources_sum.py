"""sources_sum: in every row, for план and факт, Всего = the sum of the other sources.

A row is checked only when it holds a cell for every source the table shows under that
measure: a row missing one (a cell merged over two columns, a scan whose column was not
read in that row) would add up part of the sources and blame a right total."""

from __future__ import annotations

from svodka.schemas.report import Measure, Source

from .context import TableContext
from .model import SOURCES_SUM, Equation, Ref, Skipped


def sources_sum(ctx: TableContext) -> list[Equation]:
    found: list[Equation] = []
    shown = _sources_shown(ctx)
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
            missing = shown.get(measure, set()) - {p.source for p in parts}
            if missing:
                ctx.skipped.append(Skipped(ctx.codes[row], _incomplete(missing)))
                continue
            if all(part in ctx.terms for part in parts):
                found.append(Equation(SOURCES_SUM, row, total, parts))
    return found


def _sources_shown(ctx: TableContext) -> dict[Measure | None, set[Source | None]]:
    """The sources (Всего left out) the table's rows hold cells for, per measure."""
    shown: dict[Measure | None, set[Source | None]] = {}
    for row in range(len(ctx.table.rows)):
        for measure, source in ctx.columns(row):
            if source is not Source.TOTAL:
                shown.setdefault(measure, set()).add(source)
    return shown


def _incomplete(missing: set[Source | None]) -> str:
    names = ", ".join(sorted(s.value if s is not None else "без источника" for s in missing))
    return f"сумма источников не проверена: в строке нет ячейки графы ({names})"
