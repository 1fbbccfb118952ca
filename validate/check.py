"""Run the rules over a table, localise the errors, and turn them into findings.

The rules applied to each kind of table are wired here, in ``RULES``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal

from svodka.schemas.report import (
    Cell,
    Check,
    Finding,
    Measure,
    Report,
    Severity,
    Source,
    Status,
    Table,
    TableKind,
)

from . import messages
from .breakdown import breakdown
from .checks import equations_to_checks
from .children_sum import children_sum
from .context import TableContext, build_context
from .formulas import column_formulas
from .grand_total import grand_total
from .localise import Correction, Localisation
from .model import (
    BREAKDOWN,
    CHILDREN_SUM,
    COLUMN_FORMULA,
    GRAND_TOTAL,
    OCR_SURE,
    SOURCES_SUM,
    TOTAL_ROWS,
    Bound,
    Equation,
    Skipped,
)
from .products import products
from .sources_sum import sources_sum
from .tolerance import falls_short, residual, tolerance, within
from .total_rows import total_rows

Rule = Callable[[TableContext], list[Equation]]

RULES: dict[TableKind, tuple[Rule, ...]] = {
    TableKind.EXPENSES: (sources_sum, children_sum, grand_total),
    TableKind.KPI: (sources_sum, breakdown, grand_total),
    # any other table: only what the table states (total rows, row codes, numbering row)
    TableKind.OTHER: (total_rows, breakdown, column_formulas),
}

# Which rule names a blamed cell, when several of its broken equations agree.
_RULE_ORDER = (SOURCES_SUM, COLUMN_FORMULA, GRAND_TOTAL, TOTAL_ROWS, CHILDREN_SUM, BREAKDOWN)
_MEASURE_ORDER = {Measure.PLAN: 0, Measure.FACT: 1}
_SOURCE_ORDER = {source: rank for rank, source in enumerate(Source)}


def table_to_findings(table: Table) -> tuple[list[Finding], list[Skipped]]:
    """Findings for one table (sorted by row, measure, source) and the rows left unchecked."""
    findings, skipped, _ = table_to_results(table)
    return findings, skipped


def _broken_at_start(equations: list[Equation], ctx: TableContext) -> list[bool]:
    values = {ref: term.value for ref, term in ctx.terms.items()}
    return [not within(eq, residual(eq, values), tolerance(eq, ctx.terms)) for eq in equations]


def table_to_results(table: Table) -> tuple[list[Finding], list[Skipped], list[Check]]:
    """Findings for one table (sorted by row, measure, source), the rows left unchecked and
    the relations checked."""
    ctx = build_context(table)
    equations = table_equations(ctx)
    product = products(ctx, Severity.ERROR)
    found = Localisation(equations, {**ctx.terms, **product.fixed})
    keyed: list[tuple[tuple[int, int, int, int, str], Finding]] = []

    doubt = Doubtful(ctx)
    for correction in found.corrections:
        eq = _explaining(found, correction)
        sure = not all(doubt.of(found.equations[i]) for i in correction.broken)
        actual, cell = ctx.terms[correction.ref].value, ctx.cells[correction.ref]
        message = messages.blamed_cell(ctx, correction.ref, correction.expected, eq)
        if sure and _lost_separator(cell, actual, correction.expected):
            sure, note = False, " (похоже, OCR не увидело запятую)"
        else:
            note = "" if sure else doubt.note(eq)
        finding = _finding(ctx, Severity.ERROR if sure else Severity.WARNING, eq.rule,
                           correction.ref.row, correction.ref.measure, correction.ref.source,
                           actual, correction.expected, message + note, cell)
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
        severity = Severity.WARNING if doubt.of(eq) else Severity.ERROR
        if severity is Severity.WARNING:
            message += doubt.note(eq)
        finding = _equation_finding(ctx, eq, severity, message)
        keyed.append((_key(eq.row, finding), finding))

    keyed += [(_key(row, f), f) for row, f in product.findings]
    keyed.sort(key=lambda pair: pair[0])
    checks = equations_to_checks(ctx, equations, _broken_at_start(equations, ctx), doubt.of)
    return [finding for _, finding in keyed], list(ctx.skipped), checks + product.checks


DECIMAL_RE = re.compile(r"\d[,.]\d")
COMMA_SHARE = 0.6
"""Share of a scan column's nonzero figures with a decimal separator from which one
without it is doubted."""
MIN_COLUMN_FIGURES = 4
"""Nonzero figures a column needs to speak for itself; fewer: the table's are counted."""


class Doubtful:
    """Which equations run through what svodka guessed about the table (``Table.doubts``):
    a cell of a column whose meaning was read from the numbers, rows on both sides of a
    join made without a repeated header or continuing codes, or a row's sources while a
    value column of unknown meaning stands beside them, a figure OCR read unsurely
    (confidence below ``OCR_SURE``), or, in a table read by OCR, a row with an empty or
    unreadable value cell (a figure OCR may have missed), or a scan table with any doubt
    about its structure or two header paths read as the same measure and source.  Such
    an equation, broken, is a warning: the figure may be right and the reading wrong."""

    def __init__(self, ctx: TableContext) -> None:
        self.ctx = ctx
        self.columns = {tuple(d.column) for d in ctx.table.doubts if d.column is not None}
        self.joins = sorted(d.from_row for d in ctx.table.doubts if d.from_row is not None)
        # a value column of unknown meaning may be one of the sources a row's Всего adds up
        self.partial = any(d.reason == "unknown_column" for d in ctx.table.doubts)
        self.ocr = any(c.confidence is not None for r in ctx.table.rows for c in r.cells)
        # a scan whose structure was guessed at anywhere, or whose header paths clash: its
        # rows and columns may be misread or missed, so no sum over it is sure
        self.clash = self.ocr and (bool(ctx.table.doubts) or _columns_clash(ctx.table))
        self.uncommaed = _uncommaed(ctx.table) if self.ocr else set()

    def _column(self, eq: Equation) -> bool:
        cells = (self.ctx.cells.get(ref) for ref in eq.refs)
        return any(c is not None and tuple(c.column) in self.columns for c in cells)

    def _join(self, eq: Equation) -> bool:
        rows = [ref.row for ref in eq.refs]
        return any(min(rows) < at <= max(rows) for at in self.joins)

    def _sources(self, eq: Equation) -> bool:
        return self.partial and eq.rule == SOURCES_SUM

    def _unsure(self, eq: Equation) -> bool:
        cells = (self.ctx.cells.get(ref) for ref in eq.refs)
        return any(
            c is not None and c.confidence is not None
            and (c.confidence < OCR_SURE or id(c) in self.uncommaed)
            for c in cells
        )

    def _gap(self, eq: Equation) -> bool:
        return self.clash or self._empty(eq) or self._skipped_child(eq)

    def _skipped_child(self, eq: Equation) -> bool:
        """In a table read by OCR, a sum over child rows whose numbers do not run 1, 2, …
        without a gap ("9.3.2" with no "9.3.1", "9.31" among "9.3", "9.4"): a child row
        may be missing, its code misread, so the children may not be all there."""
        if not self.ocr or eq.rule not in (CHILDREN_SUM, BREAKDOWN):
            return False
        codes = [self.ctx.codes[r] for r in self.ctx.children.get(eq.row, [])]
        tails = [c.rsplit(".", 1)[-1] if c and "." in c else "" for c in codes]
        return tails != [str(k) for k in range(1, len(tails) + 1)]

    def _empty(self, eq: Equation) -> bool:
        """In a table read by OCR, a row of the equation with an empty or unreadable value
        cell: OCR may have missed a figure there, so the terms may be incomplete."""
        if not self.ocr:
            return False
        rows = {ref.row for ref in eq.refs}
        return any(
            c.status in (Status.EMPTY, Status.UNREADABLE)
            for r in rows for c in self.ctx.table.rows[r].cells
        )

    def of(self, eq: Equation) -> bool:
        return (eq.guessed is not None or self._column(eq) or self._join(eq)
                or self._sources(eq) or self._unsure(eq) or self._gap(eq))

    def note(self, eq: Equation) -> str:
        if self._column(eq):
            why = "графа прочитана по числам"
        elif self._join(eq):
            why = "стык страниц угадан"
        elif self._unsure(eq):
            return " (" + self._unsure_note(eq) + ")"
        elif self.clash:
            why = "скан, графы или строки прочитаны не наверняка"
        elif self._skipped_child(eq):
            return " (OCR могло пропустить или исказить строку: номера подстрок идут с пропуском)"
        elif self._gap(eq):
            return " (OCR могло пропустить число в строке: в ней есть пустые ячейки)"
        else:
            why = eq.guessed or "есть нераспознанная графа"
        return f" (структура таблицы не установлена надёжно: {why})"


    def _unsure_note(self, eq: Equation) -> str:
        cells = [c for ref in eq.refs if (c := self.ctx.cells.get(ref)) is not None]
        low = min(c.confidence for c in cells if c.confidence is not None)
        if low >= OCR_SURE:
            return "OCR прочитало числа неуверенно: в числе нет запятой, как у чисел его графы"
        return f"OCR прочитало числа неуверенно: уверенность до {low:.2f}".replace(".", ",")


def _lost_separator(cell: Cell, actual: Decimal | None, expected: Decimal) -> bool:
    """A figure read by OCR that is the expected one with its decimal comma lost
    ("11265" for 1 126,5): the commonest misreading, whatever the confidence."""
    if cell.confidence is None or actual is None or expected == 0:
        return False
    return any(actual == expected.scaleb(places) for places in (1, 2))


def _uncommaed(table: Table) -> set[int]:
    """The figures (ids of the cells) of a scan read without a decimal separator, and
    longer than any with one, in a column whose nonzero figures mostly have one (in a
    column of fewer than ``MIN_COLUMN_FIGURES``, the table's): "181112" among "1367,4"
    and "186,3" is most likely 1 181,1 with its comma lost, however surely read; a
    "1 100" among "1 385,8" may well be whole."""
    columns: dict[tuple[object, ...], list[Cell]] = {}
    for row in table.rows:
        for c in row.cells:
            if c.status is Status.NUMBER and c.value is not None and c.value != 0:
                columns.setdefault((tuple(c.column), c.measure, c.source), []).append(c)
    every = [c for cells in columns.values() for c in cells]
    out: set[int] = set()
    for cells in columns.values():
        pool = cells if len(cells) >= MIN_COLUMN_FIGURES else every  # few: the table's
        commas = [c for c in pool if DECIMAL_RE.search(c.raw or "")]
        if len(commas) < COMMA_SHARE * len(pool):
            continue
        widest = max(_int_digits(c) for c in commas)
        out.update(id(c) for c in cells
                   if not DECIMAL_RE.search(c.raw or "") and _int_digits(c) > widest)
    return out


def _int_digits(cell: Cell) -> int:
    """Digits of the integer part of a figure's value."""
    value = abs(cell.value) if cell.value is not None else Decimal(0)
    return len(str(int(value)))


def _columns_clash(table: Table) -> bool:
    """Do two header paths of the table stand for the same measure and source?  (One of
    them is then misread, and the rows' terms are not what the table states.)"""
    meaning: dict[tuple[str, ...], tuple[Measure, Source]] = {}
    for row in table.rows:
        for c in row.cells:
            if c.measure is not None and c.source is not None:
                meaning.setdefault(tuple(c.column), (c.measure, c.source))
    return len(set(meaning.values())) < len(meaning)


def table_equations(ctx: TableContext) -> list[Equation]:
    """Every equation the rules of the table's kind promise."""
    return [eq for rule in RULES[ctx.table.kind] for eq in rule(ctx)]


def checked_tables(report: Report) -> list[str]:
    """The ids of the tables of a validated report in which at least one relation was
    checked (``Report.checks``): a report with none was read but not checked."""
    checked = {c.table for c in report.checks if c.equations}
    return [t.id for t in report.tables if t.id in checked]


def report_to_findings(report: Report) -> list[Finding]:
    """All findings of a report, table by table, in row order."""
    return report_to_validation(report)[0]


def report_to_validation(report: Report) -> tuple[list[Finding], list[Check]]:
    """All findings of a report, table by table, in row order, and every relation checked."""
    findings: list[Finding] = []
    checks: list[Check] = []
    for table in report.tables:
        table_findings, _, table_checks = table_to_results(table)
        findings.extend(table_findings)
        checks.extend(table_checks)
    return findings, checks


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


def _finding(ctx: TableContext, severity: Severity, rule: str, row: int, measure: Measure | None,
             source: Source | None, actual: Decimal, expected: Decimal, message: str,
             cell: Cell | None) -> Finding:
    """A finding about ``row`` naming ``cell`` (the equation's total, or the blamed cell);
    in a table checked by its columns (another form) the cell's own measure and source,
    when its header names them (a finding joins its cell on them)."""
    cells = ctx.table.rows[row].cells
    index = next((i for i, c in enumerate(cells) if c is cell), None)
    if cell is not None:
        measure = measure if measure is not None else cell.measure
        if source is None and rule != SOURCES_SUM:
            source = cell.source
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
