"""total_rows (any table): a total row ("ИТОГО", "Итого по разделу I", "Всего", "БАЛАНС")
is the sum of the rows it closes, in every column where it has a figure.

The rows a total closes are those since the total above it (or the table's start) that
are not "в том числе" children of another row; a total standing right under other
totals closes those totals (БАЛАНС = Итого по разделу I + Итого по разделу II).  A "Всего"
with body rows under it may open them ("Всего, в том числе:"): see ``_one_total``.
"""

from __future__ import annotations

import dataclasses
import re

from .context import TableContext
from .model import TOTAL_ROWS, Equation
from .tolerance import residual, tolerance, within
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


OPENS = re.compile(r"^\s*всего\b", re.I)
"""A label that may open its rows ("Всего, в том числе:"); ИТОГО, Итого по …, БАЛАНС close."""
AMBIGUOUS = "неясно, строки над итогом он суммирует или под ним"


def _opened_rows(ctx: TableContext, total: int) -> list[int]:
    """The body rows under a total, down to the next total (a "Всего, в том числе:" row
    opens its rows instead of closing them)."""
    after = [t for t in ctx.totals if t > total]
    end = after[0] if after else len(ctx.table.rows)
    children = _children(ctx)
    return [r for r in range(total + 1, end) if r not in children]


def _holds(ctx: TableContext, equations: list[Equation]) -> bool:
    values = {ref: term.value for ref, term in ctx.terms.items()}
    return bool(equations) and all(
        within(eq, residual(eq, values), tolerance(eq, ctx.terms)) for eq in equations)


def _one_total(ctx: TableContext, total: int, earlier: list[int]) -> list[Equation]:
    """ИТОГО closes the rows above it; a "Всего" with body rows under it may open them
    instead: whichever reading holds is checked, and when neither does, the closing one
    (or, with no rows to close, the opening one) is checked as a guess: a warning."""
    closing = closed_rows(ctx, total, earlier)
    found = column_equations(ctx, TOTAL_ROWS, total, closing) if len(closing) >= 2 else []
    opened = _opened_rows(ctx, total) if OPENS.match(ctx.table.rows[total].label) else []
    if not opened or _holds(ctx, found):
        return found
    opening = column_equations(ctx, TOTAL_ROWS, total, opened) if len(opened) >= 2 else []
    if _holds(ctx, opening):
        return opening
    return [dataclasses.replace(eq, guessed=AMBIGUOUS) for eq in found or opening]


def total_rows(ctx: TableContext) -> list[Equation]:
    found: list[Equation] = []
    for k, total in enumerate(ctx.totals):
        found.extend(_one_total(ctx, total, ctx.totals[:k]))
    return found
