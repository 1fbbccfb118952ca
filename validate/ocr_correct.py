"""OCR misreadings fixed by the table's own arithmetic.

A figure read by OCR with low confidence (``Cell.confidence`` below
``CONFIDENCE_THRESHOLD``) whose equations are broken is tried as each variant a
typical OCR confusion makes of it: one digit swapped for its look-alike
(``CONFUSIONS``: 3↔8, 1↔7, 0↔6, 0↔9, 5↔6) or a decimal comma the OCR dropped
(15658 → 1565,8 or 156,58).  A variant replaces the reading only when

* the cell stands in at least ``MIN_EQUATIONS`` equalities (its row's sources and a
  column sum): one equation alone pins a value, but not *which* cell is wrong;
* with it, every equation through the cell holds (the "в том числе" bounds too);
* it is the only variant of the cell that does; and
* no other low-confidence cell offers a fix for one of the same equations.

The cell gets status ``ocr_corrected``, the value the sums pin, ``ocr_raw_value`` =
the value as read (``raw`` and ``confidence`` are kept), and an info finding says so.
Corrections are made round by round, the table re-checked each time, until none is left.

Why real errors are not hidden: a cell read with high confidence is never changed, and a
typing error in the report (1 086,9 typed as 1 806,9: two digits swapped) is rarely one
look-alike substitution that also makes the row *and* the column add up; when it is not,
the cell keeps its reading and ``validate.check`` reports the error as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from svodka.schemas.numformat import format_ru
from svodka.schemas.report import Cell, Finding, Report, Severity, Status, Table

from .check import table_equations
from .context import TableContext, build_context
from .messages import where
from .model import OCR_SURE, Bound, Equation, Ref, Term
from .terms import cell_term
from .tolerance import residual, tolerance, within

RULE = "ocr_corrected"
CONFIDENCE_THRESHOLD = OCR_SURE
"""Readings at or above this OCR confidence (0..1) are never changed.  On the corpus scan
nine in ten figures (561 of 620) read at 0.9 or more, all of them right; on the same grid
reports rasterised at 150 dpi with noise, the misread figures read at 0.62-0.88
("15,3" for 15,8 at 0.88, "370" for 37,0 at 0.84)."""
MIN_EQUATIONS = 2
CONFUSIONS: dict[str, str] = {
    "3": "8", "8": "3", "1": "7", "7": "1", "0": "69", "6": "05", "9": "0", "5": "6",
}
"""Digit → the digits OCR typically reads it as (and back)."""
DROPPED_COMMA = "пропущена запятая"


@dataclass(frozen=True)
class _Fix:
    ref: Ref
    value: Decimal
    how: str  # "5→6" or DROPPED_COMMA
    equations: frozenset[int]


def report_to_ocr_corrections(report: Report) -> tuple[Report, list[Finding]]:
    """A copy of ``report`` with the misreadings its arithmetic pins corrected, and an info
    finding per correction.  Tables without a correction are shared, not copied."""
    tables: list[Table] = []
    findings: list[Finding] = []
    for table in report.tables:
        fixed, found = table_to_ocr_corrections(table)
        tables.append(fixed)
        findings.extend(found)
    return report.model_copy(update={"tables": tables}), findings


def table_to_ocr_corrections(table: Table) -> tuple[Table, list[Finding]]:
    """``table`` itself when nothing is corrected, else a corrected deep copy; the findings."""
    if not any(_candidate(c) for row in table.rows for c in row.cells):
        return table, []
    findings: list[Finding] = []
    for _ in range(sum(len(row.cells) for row in table.rows)):
        ctx = build_context(table)
        fixes = _unshared(_fixes(ctx, table_equations(ctx)))
        if not fixes:
            break
        if not findings:
            table = table.model_copy(deep=True)
            ctx = build_context(table)
        for fix in fixes:
            findings.append(_finding(ctx, fix))
            cell = ctx.cells[fix.ref]
            cell.ocr_raw_value, cell.value = cell.value, fix.value
            cell.status = Status.OCR_CORRECTED
    return table, findings


def variants(value: Decimal) -> list[tuple[Decimal, str]]:
    """The values an OCR confusion could have turned into ``value``, each with how."""
    text = format(value, "f")
    sign, digits = ("-", text[1:]) if text.startswith("-") else ("", text)
    int_len = len(digits.partition(".")[0])
    found: list[tuple[Decimal, str]] = []
    for index, char in enumerate(digits):
        for other in CONFUSIONS.get(char, ""):
            if other == "0" and index == 0 and int_len > 1:
                continue  # "0 123" is not how a number is printed
            found.append((Decimal(sign + digits[:index] + other + digits[index + 1:]),
                          f"{char}→{other}"))
    if value.as_tuple().exponent == 0:
        found.extend((value.scaleb(-places), DROPPED_COMMA)
                     for places in (1, 2) if int_len > places)
    return found


def _candidate(cell: Cell) -> bool:
    """A figure OCR read with low confidence: the only kind of cell ever changed."""
    return (cell.status is Status.NUMBER and cell.confidence is not None
            and cell.confidence < CONFIDENCE_THRESHOLD)


def _fixes(ctx: TableContext, equations: list[Equation]) -> list[_Fix]:
    through: dict[Ref, list[int]] = {}
    for index, eq in enumerate(equations):
        for ref in eq.refs:
            through.setdefault(ref, []).append(index)
    found: list[_Fix] = []
    for ref, term in ctx.terms.items():
        indices = through.get(ref, [])
        equal = [i for i in indices if equations[i].bound is Bound.EQUAL]
        if not _candidate(term.cell) or len(equal) < MIN_EQUATIONS:
            continue
        if all(_holds(equations[i], ctx.terms) for i in indices):
            continue
        fix = _pinned(ctx, ref, term, [equations[i] for i in indices])
        if fix is not None:
            found.append(_Fix(ref, fix[0], fix[1], frozenset(indices)))
    return found


def _pinned(ctx: TableContext, ref: Ref, term: Term,
            equations: list[Equation]) -> tuple[Decimal, str] | None:
    """The one variant of the cell that makes all ``equations`` hold, if exactly one does."""
    good: list[tuple[Decimal, str]] = []
    for value, how in variants(term.value):
        changed = cell_term(term.cell.model_copy(update={"value": value}))
        if changed is None:
            continue
        terms = {**ctx.terms, ref: changed}
        if all(_holds(eq, terms) for eq in equations):
            good.append((value, how))
    return good[0] if len(good) == 1 else None


def _holds(eq: Equation, terms: dict[Ref, Term]) -> bool:
    values = {ref: terms[ref].value for ref in eq.refs}
    return within(eq, residual(eq, values), tolerance(eq, terms))


def _unshared(fixes: list[_Fix]) -> list[_Fix]:
    """Fixes whose equations no other fix touches: two cells that could each repair the
    same equation mean the arithmetic does not say which one was misread."""
    return [fix for fix in fixes
            if not any(other is not fix and other.equations & fix.equations for other in fixes)]


def _finding(ctx: TableContext, fix: _Fix) -> Finding:
    term = ctx.terms[fix.ref]
    cell = term.cell
    exponent = fix.value.as_tuple().exponent
    decimals = max(term.decimals, -exponent if isinstance(exponent, int) else 0)
    confidence = f"{cell.confidence or 0:.2f}".replace(".", ",")
    message = (f"{where(ctx, fix.ref)}: распознано {term.display}, по арифметике "
               f"{format_ru(fix.value, decimals)} ({_how(fix.how)}, уверенность OCR {confidence})")
    return Finding(
        severity=Severity.INFO, rule=RULE, table=ctx.table.id,
        code=ctx.table.rows[fix.ref.row].code, measure=fix.ref.measure, source=fix.ref.source,
        actual=term.value, expected=fix.value, message=message, page=cell.page,
    )


def _how(how: str) -> str:
    return how if how == DROPPED_COMMA else f"замена {how}"
