"""grand_total: the ИТОГО row is the sum of the top-level rows (1–10), in every column.

Not checked when the table holds sub-rows whose parent row is not in it ("9.9.3" without
"9", "9.9"): the table starts in the middle of its hierarchy (a continuation page not
joined to its start), so its top-level rows are not all there."""

from __future__ import annotations

from .context import TableContext
from .model import GRAND_TOTAL, Equation, Skipped
from .tree import column_equations


def grand_total(ctx: TableContext) -> list[Equation]:
    if ctx.totals and (orphans := _orphans(ctx)):
        ctx.skipped.append(Skipped(None, "ИТОГО не проверено по строкам верхнего уровня: "
                                   f"нет строки {orphans[0].rsplit('.', 1)[0]}, к которой "
                                   f"относится строка {orphans[0]} (таблица начата не с начала)"))
        return []
    found: list[Equation] = []
    for total in ctx.totals:
        found.extend(column_equations(ctx, GRAND_TOTAL, total, ctx.top_level))
    return found


def _orphans(ctx: TableContext) -> list[str]:
    """Codes of sub-rows whose parent code is not a row of the table."""
    present = {c for c in ctx.codes if c is not None}
    return [c for c in ctx.codes if c is not None and "." in c
            and c.rsplit(".", 1)[0] not in present]
