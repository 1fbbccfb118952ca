"""What was checked: the equations of a table grouped into relations (``schemas.Check``)."""

from __future__ import annotations

from collections.abc import Callable

from svodka.schemas.report import Check
from svodka.schemas.words import MEASURE_WORDS

from .context import TableContext
from .model import (
    BREAKDOWN,
    CHILDREN_SUM,
    COLUMN_FORMULA,
    GRAND_TOTAL,
    SOURCES_SUM,
    TOTAL_ROWS,
    Equation,
)

_RELATION = {
    SOURCES_SUM: "Всего = сумма источников финансирования в каждой строке",
    CHILDREN_SUM: "строка = сумма её подстрок (9 = 9.1 + 9.2 + …)",
    GRAND_TOTAL: "ИТОГО = сумма строк верхнего уровня",
    BREAKDOWN: "строки «в том числе» не больше своей строки",
    TOTAL_ROWS: "строка итога = сумма строк, которые она закрывает",
    COLUMN_FORMULA: "формула графы из строки нумерации",
}


def equations_to_checks(ctx: TableContext, equations: list[Equation], broken: list[bool],
                        doubtful: Callable[[Equation], bool]) -> list[Check]:
    """One check per rule and column: how many equations, how many broken at the start."""
    groups: dict[tuple[str, object], list[int]] = {}
    for i, eq in enumerate(equations):
        key = eq.lhs.column if eq.lhs.measure is None else (eq.lhs.measure, eq.lhs.source)
        groups.setdefault((eq.rule, key), []).append(i)
    out: list[Check] = []
    for (rule, _), members in groups.items():
        first = equations[members[0]]
        out.append(Check(
            table=ctx.table.id, rule=rule, relation=_relation(ctx, first),
            declared=not any(doubtful(equations[i]) for i in members),
            column=_column(ctx, first), equations=len(members),
            broken=sum(broken[i] for i in members),
        ))
    return out


def _relation(ctx: TableContext, eq: Equation) -> str:
    text = _RELATION.get(eq.rule, eq.rule)
    if eq.rule == COLUMN_FORMULA:
        rel = next((r for r in ctx.table.relations
                    if tuple(r.target) == ctx.paths[eq.lhs.column]), None)
        return f"гр. {rel.text}: {text}" if rel is not None else text
    if eq.rule == SOURCES_SUM and eq.lhs.measure is not None:
        return f"{MEASURE_WORDS[eq.lhs.measure]}: {text}"
    return text


def _column(ctx: TableContext, eq: Equation) -> list[str] | None:
    if eq.lhs.measure is None:
        return list(ctx.paths[eq.lhs.column]) if 0 <= eq.lhs.column < len(ctx.paths) else None
    cell = ctx.cells.get(eq.lhs)
    return list(cell.column) if cell is not None and eq.rule != SOURCES_SUM else None
