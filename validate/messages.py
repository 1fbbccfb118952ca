"""Finding messages in Russian: where, and the arithmetic with both sides."""

from __future__ import annotations

from decimal import Decimal

from svodka.schemas.numformat import format_ru
from svodka.schemas.report import TableKind
from svodka.schemas.words import MEASURE_WORDS, SOURCE_WORDS

from .context import TableContext
from .model import SOURCES_SUM, Equation, Ref


def where(ctx: TableContext, ref: Ref, *, source: bool = True, page: bool = True) -> str:
    """"стр. 5, строка 9.6, факт, Всего"."""
    parts: list[str] = []
    cell = ctx.cells.get(ref)
    if page and cell is not None and cell.page is not None:
        parts.append(f"стр. {cell.page}")
    parts.append(ctx.label(ref.row))
    if ref.measure is None or ref.source is None:
        parts.append(ctx.column_name(ref))
        return ", ".join(parts)
    parts.append(MEASURE_WORDS[ref.measure])
    if source:
        parts.append(SOURCE_WORDS[ref.source])
    return ", ".join(parts)


def rhs_sum(ctx: TableContext, eq: Equation) -> Decimal:
    return sum((ctx.terms[ref].value for ref in eq.rhs), Decimal(0))


def _sum_text(ctx: TableContext, eq: Equation) -> str:
    decimals = max((ctx.terms[ref].decimals for ref in eq.rhs), default=0)
    return format_ru(rhs_sum(ctx, eq), decimals)


def arithmetic(ctx: TableContext, eq: Equation, relation: str = "≠") -> str:
    """"415,8 ≠ 0 + 415,8 + 27,7 = 443,5" or "4 459,3 ≠ сумма строк 9.1, …, 9.13 = 4 503,0"."""
    lhs = ctx.terms[eq.lhs].display
    if eq.rule == SOURCES_SUM:
        addends = " + ".join(ctx.terms[ref].display for ref in eq.rhs)
        return f"{lhs} {relation} {addends} = {_sum_text(ctx, eq)}"
    return f"{lhs} {relation} сумма строк {rows_text(ctx, [r.row for r in eq.rhs])} = " \
        f"{_sum_text(ctx, eq)}"


def rows_text(ctx: TableContext, rows: list[int]) -> str:
    """"9.1, 9.2, 9.3"; "1–27" for a run of whole numbers; rows without codes by label:
    "«Запасы», «Денежные средства»", or "с «A» по «B» (N)" when there are many."""
    codes = [ctx.codes[r] for r in rows]
    if all(codes):
        numbers = [int(c) for c in codes if c and c.isdigit()]
        run = (ctx.table.kind is TableKind.OTHER and len(numbers) == len(codes) > 3
               and numbers == list(range(numbers[0], numbers[-1] + 1)))
        return f"{numbers[0]}–{numbers[-1]}" if run else ", ".join(c or "?" for c in codes)
    labels = [f"«{ctx.table.rows[r].label[:40]}»" for r in rows]
    if len(labels) <= 3:
        return ", ".join(labels)
    return f"с {labels[0]} по {labels[-1]} ({len(labels)})"


def blamed_cell(ctx: TableContext, ref: Ref, expected: Decimal, eq: Equation) -> str:
    """The message for a cell named as wrong, with the equation that shows it."""
    if ref == eq.lhs:
        return f"{where(ctx, ref)}: {arithmetic(ctx, eq)}"
    term = ctx.terms[ref]
    shown = format_ru(expected, max(term.decimals, _decimals(expected)))
    return (
        f"{where(ctx, ref)}: {term.display}, ожидается {shown} "
        f"({where(ctx, eq.lhs, page=False)}: {arithmetic(ctx, eq)})"
    )


def broken_equation(ctx: TableContext, eq: Equation) -> str:
    """The message for an equation no single cell explains."""
    if eq.rule == SOURCES_SUM:
        return (
            f"{where(ctx, eq.lhs, source=False)}: Всего {arithmetic(ctx, eq)} "
            "(неверна одна из ячеек строки, какая — не установить)"
        )
    return f"{where(ctx, eq.lhs)}: {arithmetic(ctx, eq)}"


def breakdown_exceeds(ctx: TableContext, eq: Equation) -> str:
    return f"{where(ctx, eq.lhs)}: {arithmetic(ctx, eq, '<')} (строки «в том числе» больше итога)"


def breakdown_short(ctx: TableContext, eq: Equation) -> str:
    return f"{where(ctx, eq.lhs)}: {arithmetic(ctx, eq)} (расшифровка «в том числе» неполная)"


def _decimals(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0
