"""column_formula (products) and column_product: in every row, a column that is the
product of two others — "12=10*11" of a numbering row (declared), or price × quantity =
sum found in the numbers (a product holding on nearly every row: inferred, so a row
where it fails is a warning).

A product is not a sum, so it is checked row by row here, not through the localiser:
the product column is the cell named, with the value the factors give, rounded as the
cell is printed.  The sums see the named cells with those values (``fixed``), so a
wrong amount is not blamed a second time on the ИТОГО it feeds.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from svodka.schemas.numformat import format_ru
from svodka.schemas.report import Check, Finding, Severity, Status, TableKind

from . import messages
from .context import TableContext
from .model import COLUMN_FORMULA, COLUMN_PRODUCT, Ref, Term

AGREE = Decimal("0.8")
"""Share of the rows with all three figures on which a product must hold to be inferred."""
MIN_ROWS = 3


@dataclass(frozen=True)
class Product:
    target: int  # column indices among the table's header paths
    factors: tuple[int, int]
    declared: bool
    text: str


def _columns(ctx: TableContext) -> dict[tuple[str, ...], int]:
    return {path: i for i, path in enumerate(ctx.paths)}


def declared_products(ctx: TableContext) -> list[Product]:
    index = _columns(ctx)
    out: list[Product] = []
    for rel in ctx.table.relations:
        at = [index.get(tuple(p)) for p in (rel.target, *rel.terms)]
        if rel.op != "product" or len(at) != 3 or any(i is None for i in at):
            continue
        target, a, b = (i for i in at if i is not None)
        out.append(Product(target, (a, b), True, rel.text))
    return out


def _expected(ctx: TableContext, row: int, p: Product) -> tuple[Decimal, Decimal] | None:
    """(printed value, product of the factors rounded as the value is printed)."""
    refs = [Ref(row, None, None, c) for c in (p.target, *p.factors)]
    if not all(r in ctx.terms for r in refs):
        return None
    value, a, b = (ctx.terms[r] for r in refs)
    if value.cell.status is not Status.NUMBER or (value.value == 0 and a.value * b.value == 0):
        return None  # a dash, or nothing times something: the row tells nothing
    exact = a.value * b.value
    rounded = exact.quantize(Decimal(1).scaleb(-value.decimals), rounding=ROUND_HALF_UP)
    return value.value, rounded


def _holds(pair: tuple[Decimal, Decimal]) -> bool:
    return pair[0] == pair[1]


def _agrees(ctx: TableContext, p: Product) -> bool:
    """Whether the product holds on AGREE of at least MIN_ROWS rows (giving up early)."""
    checked = failed = 0
    for row in range(len(ctx.table.rows)):
        pair = _expected(ctx, row, p)
        if pair is None:
            continue
        checked += 1
        failed += not _holds(pair)
        if failed > (1 - AGREE) * max(checked, 10):
            return False
    return checked >= MIN_ROWS and failed <= (1 - AGREE) * checked


def inferred_products(ctx: TableContext, declared: list[Product]) -> list[Product]:
    """Products a × b = c holding on nearly every row (c not a declared formula's)."""
    taken = {p.target for p in declared}
    n = len(ctx.paths)
    out: list[Product] = []
    for c in range(n):
        pairs = ((a, b) for a in range(n) for b in range(a + 1, n) if c not in (a, b))
        found = next((Product(c, ab, False, "") for ab in pairs
                      if c not in taken and _agrees(ctx, Product(c, ab, False, ""))), None)
        if found is not None:
            out.append(found)
            taken.add(c)
    return out


@dataclass
class ProductResults:
    findings: list[tuple[int, Finding]]  # (row, finding) for each row where a product fails
    checks: list[Check]
    fixed: dict[Ref, Term]  # the cells named, with the value the factors give


def products(ctx: TableContext, severity_if_sure: Severity) -> ProductResults:
    """Every product of the table checked, row by row."""
    out = ProductResults([], [], {})
    if ctx.table.kind is not TableKind.OTHER:
        return out
    declared = declared_products(ctx)
    for p in declared + inferred_products(ctx, declared):
        rows = [(r, e) for r in range(len(ctx.table.rows)) if (e := _expected(ctx, r, p))]
        broken = [(r, e) for r, e in rows if not _holds(e)]
        severity = severity_if_sure if p.declared else Severity.WARNING
        for r, e in broken:
            out.findings.append((r, _finding(ctx, p, r, e, severity)))
            ref = Ref(r, None, None, p.target)
            out.fixed[ref] = dataclasses.replace(ctx.terms[ref], value=e[1])
        out.checks.append(Check(
            table=ctx.table.id, rule=COLUMN_FORMULA if p.declared else COLUMN_PRODUCT,
            relation=_relation(ctx, p), declared=p.declared,
            column=list(ctx.paths[p.target]), equations=len(rows), broken=len(broken)))
    return out


def _name(ctx: TableContext, column: int) -> str:
    return ctx.column_name(Ref(0, None, None, column))


def _relation(ctx: TableContext, p: Product) -> str:
    a, b = (_name(ctx, f) for f in p.factors)
    said = f"гр. {p.text}: " if p.declared else "по числам: "
    return f"{said}«{_name(ctx, p.target)}» = «{a}» × «{b}»"


def _finding(ctx: TableContext, p: Product, row: int, pair: tuple[Decimal, Decimal],
             severity: Severity) -> Finding:
    ref = Ref(row, None, None, p.target)
    a, b = (ctx.terms[Ref(row, None, None, f)] for f in p.factors)
    term = ctx.terms[ref]
    message = (f"{messages.where(ctx, ref)}: {term.display} ≠ {a.display} × {b.display} = "
               f"{format_ru(pair[1], term.decimals)}")
    if not p.declared:
        message += " (произведение граф найдено по числам таблицы, а не указано в ней)"
    return Finding(severity=severity, rule=COLUMN_FORMULA if p.declared else COLUMN_PRODUCT,
                   table=ctx.table.id, code=ctx.table.rows[row].code, actual=term.value,
                   expected=pair[1], message=message, page=ctx.cells[ref].page)
