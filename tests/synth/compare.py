"""The metamorphic check: what svodka reads from a rendering against the model it came from.

``expected_report(model, style)`` is the model as a contract ``schemas.Report`` with the cells
printed as the style prints them; its findings come from svodka's own validator, so the
comparison tests reading, not the rule set.  ``compare(model, style, got)`` returns a ``Diff``
whose problems are named by failure family (``FAMILIES``).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from svodka.schemas import Cell, Document, Finding, Report, Row, Severity, Status, Table, TableKind
from svodka.schemas.report import Measure, Source
from svodka.validate import report_to_findings

from .model import MTable, ReportModel
from .styles import Style, format_value

ARITHMETIC_RULES = frozenset({"sources_sum", "children_sum", "grand_total", "breakdown"})

FAMILIES = (
    "read failed", "document facts", "missing table", "split table", "extra table", "wrong kind",
    "lost column", "unidentified column", "missing row", "extra row", "total row",
    "label mismatch", "wrong value", "wrong status", "missing cell",
    "false error", "missed error", "false warning", "missed warning", "reading warning",
)


@dataclass
class Problem:
    family: str
    table: str | None
    detail: str


@dataclass
class Diff:
    problems: list[Problem] = field(default_factory=list)
    pairs: dict[str, list[str]] = field(default_factory=dict)  # model table → got tables

    @property
    def ok(self) -> bool:
        return not self.problems

    def families(self) -> Counter[str]:
        return Counter(p.family for p in self.problems)

    def add(self, family: str, table: str | None, detail: str) -> None:
        self.problems.append(Problem(family, table, detail))

    def summary(self, limit: int = 6) -> str:
        if self.ok:
            return "identical"
        fams = ", ".join(f"{f}×{n}" for f, n in self.families().most_common())
        first = "; ".join(f"[{p.family}] {p.table}: {p.detail}" for p in self.problems[:limit])
        return f"{fams} — {first}"

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "families": dict(self.families()), "pairs": self.pairs,
                "problems": [asdict(p) for p in self.problems]}


def norm_label(s: str | None) -> str:
    """The corpus grader's label normalisation (shared/tools/score.py)."""
    s = (s or "").lower().replace("\u00a0", " ")
    s = re.sub(r"\s+", " ", s).strip()
    return re.sub(r"\s*-\s*", "-", s)


def norm_code(code: str | None) -> str | None:
    if code is None:
        return None
    text = code.strip().rstrip(".").strip()
    return text or None


# --- the model as a contract report ---------------------------------------------------------


def printed_status(value: Decimal, na: bool, style: Style) -> Status:
    if na:
        return Status.DASH if style.na == "-" else Status.NOT_APPLICABLE
    if value == 0 and style.zero == "-":
        return Status.DASH
    return Status.NUMBER


def contract_table(table: MTable, style: Style) -> Table:
    rows = []
    for row in table.rows:
        cells = []
        for cell in row.cells:
            status = printed_status(cell.value, cell.na, style)
            cells.append(Cell(
                column=[cell.source, cell.measure], measure=Measure(cell.measure),
                source=Source(cell.source), status=status,
                value=cell.value if status is Status.NUMBER else None,
                raw=format_value(cell.value, style, table.money, cell.na)))
        rows.append(Row(code=row.code, label=row.label, parent=row.parent,
                        is_total=row.is_total, cells=cells))
    return Table(id=table.id, kind=TableKind(table.kind), title=table.title, year=table.year,
                 rows=rows)


def expected_report(model: ReportModel, style: Style) -> Report:
    report = Report(
        document=Document(path=f"synth-{model.seed}", sha256="0" * 64, format="model", pages=0,
                          organization=model.organization, region=model.region_name),
        tables=[contract_table(t, style) for t in model.tables],
    )
    report.findings = report_to_findings(report)
    return report


# --- comparison -----------------------------------------------------------------------------

CellKey = tuple[str, str, str]  # code, measure, source


def cell_map(table: Table) -> dict[CellKey, tuple[str, Decimal | None]]:
    out: dict[CellKey, tuple[str, Decimal | None]] = {}
    for row in table.rows:
        key = norm_code(row.code) or ("<ИТОГО>" if row.is_total else None)
        if key is None:
            continue
        for cell in row.cells:
            if cell.measure is None or cell.source is None:
                continue
            number = cell.status is Status.NUMBER and cell.value is not None
            value = cell.value.normalize() if number and cell.value is not None else None
            out.setdefault((key, cell.measure.value, cell.source.value),
                           (cell.status.value, value))
    return out


def pair_tables(expected: list[Table], got: list[Table]) -> tuple[dict[int, int], dict[int, int]]:
    """Model table → got table (greedy by matching cells), and the leftover got tables that
    share cells with a model table (pieces of a split table)."""
    em = [cell_map(t) for t in expected]
    gm = [cell_map(t) for t in got]
    candidates = []
    for i in range(len(expected)):
        for j in range(len(got)):
            matching = sum(1 for k, v in gm[j].items() if em[i].get(k) == v)
            keys = len(set(gm[j]) & set(em[i]))
            same_kind = expected[i].kind == got[j].kind
            if matching or keys:
                candidates.append((same_kind, matching, keys, -j, i, j))
    candidates.sort(reverse=True)
    pairs: dict[int, int] = {}
    pieces: dict[int, int] = {}
    used: set[int] = set()
    for _, _, _, _, i, j in candidates:
        if i in pairs or j in used:
            continue
        pairs[i] = j
        used.add(j)
    for _, matching, _, _, i, j in candidates:
        if j not in used and matching:
            pieces[j] = i
            used.add(j)
    return pairs, pieces


def compare(model: ReportModel, style: Style, got: Report,
            expected: Report | None = None) -> Diff:
    exp = expected or expected_report(model, style)
    diff = Diff()
    pairs, pieces = pair_tables(exp.tables, got.tables)
    for i, table in enumerate(exp.tables):
        got_ids = [got.tables[pairs[i]].id] if i in pairs else []
        got_ids += [got.tables[j].id for j, k in pieces.items() if k == i]
        diff.pairs[table.id] = got_ids
        if i not in pairs:
            diff.add("missing table", table.id, f"{table.kind.value} «{table.title}» not found")
            continue
        parts = [got.tables[pairs[i]], *[got.tables[j] for j, k in pieces.items() if k == i]]
        if len(parts) > 1:
            diff.add("split table", table.id, "read as " + ", ".join(
                f"{p.id} ({len(p.rows)} rows, pages {p.pages})" for p in parts))
        compare_table(diff, table, parts)
    for j, table in enumerate(got.tables):
        if j not in pairs.values() and j not in pieces and table.kind is not TableKind.OTHER:
            diff.add("extra table", None, f"{table.id} {table.kind.value} «{table.title}» "
                     f"({len(table.rows)} rows) matches no model table")
    table_of = {got.tables[j].id: exp.tables[i].id for i, j in pairs.items()}
    table_of.update({got.tables[j].id: exp.tables[i].id for j, i in pieces.items()})
    compare_findings(diff, exp.findings, got.findings, table_of)
    for fact in ("organization", "region"):
        want, have = getattr(exp.document, fact), getattr(got.document, fact)
        if norm_label(want) != norm_label(have):
            diff.add("document facts", None, f"{fact} {have!r} ≠ {want!r}")
    return diff


def compare_table(diff: Diff, exp: Table, parts: list[Table]) -> None:
    tid = exp.id
    if parts[0].kind is not exp.kind:
        diff.add("wrong kind", tid, f"read as {parts[0].kind.value}, is {exp.kind.value}")
    got_rows: dict[str, Row] = {}
    extra: list[str] = []
    unidentified: Counter[str] = Counter()
    for part in parts:
        for row in part.rows:
            key = norm_code(row.code) or ("<ИТОГО>" if row.is_total else None)
            for cell in row.cells:
                if cell.measure is None or cell.source is None:
                    unidentified["/".join(cell.column)] += 1
            if key is None:
                if row.cells and any(c.status is Status.NUMBER for c in row.cells):
                    extra.append(f"(no code) «{row.label[:40]}»")
                continue
            if key in got_rows:
                extra.append(f"{key} again «{row.label[:40]}»")
                continue
            got_rows[key] = row
    for header, n in unidentified.items():
        diff.add("unidentified column", tid, f"column {header!r}: {n} cells without "
                 "measure/source")
    exp_keys = set()
    got_columns: Counter[tuple[str, str]] = Counter()
    for row in got_rows.values():
        for cell in row.cells:
            if cell.measure is not None and cell.source is not None:
                got_columns[(cell.measure.value, cell.source.value)] += 1
    exp_columns = {(c.measure.value, c.source.value) for r in exp.rows for c in r.cells
                   if c.measure and c.source}
    lost = {col for col in exp_columns if got_columns[col] == 0}
    for measure, source in sorted(lost):
        diff.add("lost column", tid, f"{measure}/{source} absent from every row")
    for row in exp.rows:
        key = norm_code(row.code) or "<ИТОГО>"
        exp_keys.add(key)
        got_row = got_rows.get(key)
        if got_row is None:
            diff.add("missing row", tid, f"{key} «{row.label[:50]}»")
            continue
        if got_row.is_total != row.is_total:
            diff.add("total row", tid, f"{key}: is_total {got_row.is_total}, is {row.is_total}")
        if not row.is_total and norm_label(got_row.label) != norm_label(row.label):
            diff.add("label mismatch", tid, f"{key}: {got_row.label!r} ≠ {row.label!r}")
        compare_cells(diff, tid, key, row, got_row, lost)
    for key in got_rows:
        if key not in exp_keys:
            extra.append(f"{key} «{got_rows[key].label[:40]}»")
    for text in extra:
        diff.add("extra row", tid, text)


def compare_cells(diff: Diff, tid: str, key: str, exp: Row, got: Row,
                  lost: set[tuple[str, str]]) -> None:
    got_cells = {}
    for cell in got.cells:
        if cell.measure is not None and cell.source is not None:
            got_cells.setdefault((cell.measure.value, cell.source.value), cell)
    for cell in exp.cells:
        assert cell.measure is not None and cell.source is not None
        col = (cell.measure.value, cell.source.value)
        if col in lost:
            continue
        other = got_cells.get(col)
        where = f"{key} {col[0]}/{col[1]}"
        if other is None:
            diff.add("missing cell", tid, f"{where} (printed {cell.raw!r})")
        elif other.status is not cell.status:
            diff.add("wrong status", tid, f"{where}: {other.status.value} {other.raw!r}, "
                     f"printed {cell.raw!r} ({cell.status.value})")
        elif cell.status is Status.NUMBER and (other.value is None or cell.value is None
                                               or other.value.normalize()
                                               != cell.value.normalize()):
            diff.add("wrong value", tid, f"{where}: {other.value} (raw {other.raw!r}), "
                     f"printed {cell.raw!r}")


FindingKey = tuple[str, str, str | None, str | None, str | None, str | None]


def finding_key(f: Finding, table: str | None) -> FindingKey:
    return (f.severity.value, f.rule, table, norm_code(f.code),
            f.measure.value if f.measure else None, f.source.value if f.source else None)


def compare_findings(diff: Diff, expected: list[Finding], got: list[Finding],
                     table_of: dict[str, str]) -> None:
    exp = Counter(finding_key(f, f.table) for f in expected if f.severity is not Severity.INFO)
    seen: Counter[FindingKey] = Counter()
    messages: dict[FindingKey, str] = {}
    for f in got:
        if f.severity is Severity.INFO:
            continue
        key = finding_key(f, table_of.get(f.table or "", f.table))
        seen[key] += 1
        messages.setdefault(key, f.message)
    for key in (seen - exp):
        severity, rule = key[0], key[1]
        if rule not in ARITHMETIC_RULES:
            family = "reading warning" if severity == "warning" else "false error"
        else:
            family = "false error" if severity == "error" else "false warning"
        diff.add(family, key[2], f"{describe(key)}: {messages.get(key, '')}")
    for key in (exp - seen):
        family = "missed error" if key[0] == "error" else "missed warning"
        diff.add(family, key[2], describe(key))


def describe(key: FindingKey) -> str:
    severity, rule, _, code, measure, source = key
    return f"{severity} {rule} {code or 'ИТОГО'} {measure or ''}/{source or ''}"


# --- saving ---------------------------------------------------------------------------------


def model_json(model: ReportModel) -> dict[str, Any]:
    def plain(obj: Any) -> Any:
        if isinstance(obj, Decimal):
            return format(obj, "f")
        if isinstance(obj, dict):
            return {k: plain(v) for k, v in obj.items()}
        if isinstance(obj, list | tuple):
            return [plain(v) for v in obj]
        return obj

    return plain(asdict(model))  # type: ignore[no-any-return]


def read_and_compare(model: ReportModel, style: Style, path: Path) -> Diff:
    import svodka

    try:
        got = svodka.read(path)
    except Exception as exc:  # a reader crash is a result of the run, not of the harness
        diff = Diff()
        diff.add("read failed", None, f"{type(exc).__name__}: {exc}")
        return diff
    return compare(model, style, got)
