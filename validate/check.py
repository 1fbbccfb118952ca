"""Run the rules over a table, localise the errors, and turn them into findings.

The rules applied to each kind of table are wired here, in ``RULES``.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from schemas.report import Cell, Finding, Measure, Report, Severity, Source, Table, TableKind

from . import messages
from .breakdown import breakdown
from .children_sum import children_sum
from .context import TableContext, build_context
from .grand_total import grand_total
from .localise import Correction, Localisation
from .model import BREAKDOWN, CHILDREN_SUM, GRAND_TOTAL, SOURCES_SUM, Bound, Equation, Skipped
from .sources_sum import sources_sum
from .tolerance import falls_short

Rule = Callable[[TableContext], list[Equation]]

RULES: dict[TableKind, tuple[Rule, ...]] = {
    TableKind.EXPENSES: (sources_sum, children_sum, grand_total),
    TableKind.KPI: (sources_sum, breakdown, grand_total),
    TableKind.OTHER: (),  # forecasts, budget execution: no arithmetic is promised
}

# Which rule names a blamed cell, when several of its broken equations agree.
_RULE_ORDER = (SOURCES_SUM, GRAND_TOTAL, CHILDREN_SUM, BREAKDOWN)
_MEASURE_ORDER = {Measure.PLAN: 0, Measure.FACT: 1}
_SOURCE_ORDER = {source: rank for rank, source in enumerate(Source)}


def table_to_findings(table: Table) -> tuple[list[Finding], list[Skipped]]:
    """Findings for one table (sorted by row, measure, source) and the rows left unchecked."""
    ctx = build_context(table)
    equations = table_equations(ctx)
    found = Localisation(equations, ctx.terms)
    keyed: list[tuple[tuple[int, int, int, int, str], Finding]] = []

    for correction in found.corrections:
        eq = _explaining(found, correction)
        finding = _finding(ctx, Severity.ERROR, eq.rule, correction.ref.row,
                           correction.ref.measure, correction.ref.source,
                           ctx.terms[correction.ref].value, correction.expected,
                           messages.blamed_cell(ctx, correction.ref, correction.expected, eq),
                           ctx.cells[correction.ref])
        keyed.append((_key(correction.ref.row, finding), finding))

    for index, eq in enumerate(found.equations):
        if found.holds(index):
            if falls_short(eq, found.values, found.slack[index]):
                finding = _equation_finding(ctx, eq, Severity.WARNING,
                                            messages.breakdown_short(ctx, eq))
                keyed.append((_key(eq.row, finding), finding))
            continue
        if eq.bound is Bound.AT_MOST:
            message = messages.breakdown_exceeds(ctx, eq)
        else:
            message = messages.broken_equation(ctx, eq)
        finding = _equation_finding(ctx, eq, Severity.ERROR, message)
        keyed.append((_key(eq.row, finding), finding))

    keyed.sort(key=lambda pair: pair[0])
    return [finding for _, finding in keyed], list(ctx.skipped)


def table_equations(ctx: TableContext) -> list[Equation]:
    """Every equation the rules of the table's kind promise."""
    return [eq for rule in RULES[ctx.table.kind] for eq in rule(ctx)]


def checked_tables(report: Report) -> list[str]:
    """The ids of the tables whose arithmetic the rules check (at least one equation): a
    report with none was read but not checked."""
    return [t.id for t in report.tables if RULES[t.kind] and table_equations(build_context(t))]


def report_to_findings(report: Report) -> list[Finding]:
    """All findings of a report, table by table, in row order."""
    findings: list[Finding] = []
    for table in report.tables:
        findings.extend(table_to_findings(table)[0])
    return findings


def _explaining(found: Localisation, correction: Correction) -> Equation:
    """The equation that names the rule: one whose total is the blamed cell, if any."""
    candidates = [found.equations[i] for i in correction.broken]
    return min(
        candidates,
        key=lambda eq: (eq.lhs != correction.ref, _RULE_ORDER.index(eq.rule)),
    )


def _equation_finding(ctx: TableContext, eq: Equation, severity: Severity,
                      message: str) -> Finding:
    # Either side of a row's equation may be wrong: no source is named for sources_sum.
    source = None if eq.rule == SOURCES_SUM else eq.lhs.source
    cell = ctx.cells.get(eq.lhs)
    return _finding(ctx, severity, eq.rule, eq.row, eq.lhs.measure, source,
                    ctx.terms[eq.lhs].value, messages.rhs_sum(ctx, eq), message, cell)


def _finding(ctx: TableContext, severity: Severity, rule: str, row: int, measure: Measure,
             source: Source | None, actual: Decimal, expected: Decimal, message: str,
             cell: Cell | None) -> Finding:
    """A finding about ``row`` naming ``cell`` (the equation's total, or the blamed cell)."""
    cells = ctx.table.rows[row].cells
    index = next((i for i, c in enumerate(cells) if c is cell), None)
    return Finding(
        severity=severity, rule=rule, table=ctx.table.id, code=ctx.table.rows[row].code,
        measure=measure, source=source, actual=actual, expected=expected, message=message,
        page=cell.page if cell is not None else None, row_index=row, cell_index=index,
    )


def _key(row: int, finding: Finding) -> tuple[int, int, int, int, str]:
    measure = _MEASURE_ORDER.get(finding.measure, 9) if finding.measure else 9
    source = _SOURCE_ORDER[finding.source] if finding.source is not None else 9
    severity = 0 if finding.severity is Severity.ERROR else 1
    return (row, measure, source, severity, finding.rule)
