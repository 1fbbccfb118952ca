"""``svodka.xlsx`` for people: a findings sheet, then a sheet per table of every document.

Each table sheet is laid out like the report (code, label, one column per
header path or measure/source) with the wrong cells of its findings filled
red (errors) or yellow (warnings) and a comment giving the expected value
("ожидалось 443,5").  The findings sheet has one row per finding with a link
to the highlighted cell.

Spreadsheet safety: codes and labels are text cells (number format "@"), so
Excel never turns a code like 9.10 into a date; every text cell is written as
a string, and text starting with = + - @ (tab, CR) also gets Excel's quote
prefix, so it can never become a formula — the text itself stays as in the
report.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.cell.cell import Cell as XlCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet

from export.atomic import atomic_open
from export.csvout import FORMULA_START
from export.records import ru_number
from schemas import Finding, Report, Severity, Table
from schemas.frames import path_title

FINDINGS_SHEET = "Находки"
_CORE_PROPS = "docProps/core.xml"
FILL = {
    Severity.ERROR: PatternFill("solid", start_color="FFC7CE", end_color="FFC7CE"),
    Severity.WARNING: PatternFill("solid", start_color="FFEB9C", end_color="FFEB9C"),
    Severity.INFO: PatternFill("solid", start_color="DDEBF7", end_color="DDEBF7"),
}
SEVERITY_RU = {Severity.ERROR: "ошибка", Severity.WARNING: "предупреждение", Severity.INFO: "инфо"}
MEASURE_RU = {"plan": "план", "fact": "факт"}
SOURCE_RU = {"total": "Всего", "federal": "федеральный бюджет", "regional": "бюджет субъекта РФ",
             "extrabudgetary": "внебюджетные источники"}
FINDING_HEADER = ("Документ", "Таблица", "Лист", "Важность", "Правило", "Код строки",
                  "Показатель", "Источник", "Значение", "Ожидалось", "Стр.", "Сообщение")
BOLD = Font(bold=True)
_INVALID_SHEET_CHARS = str.maketrans({c: "_" for c in "[]:*?/\\'"})

CellKey = tuple[str | None, str | None, str | None]  # row code, measure, source


@dataclass
class _Placed:
    sheet: str
    cells: dict[CellKey, str]  # -> "C7"


def _text(cell: XlCell, value: str) -> None:
    """A text cell that stays text: string type, and quote prefix for formula-like text."""
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell.value = value
    cell.data_type = "s"
    if value.startswith(FORMULA_START):
        cell.quotePrefix = True


def _put(ws: Worksheet, row: int, col: int, value: Any, *, as_text: bool = False) -> XlCell:
    cell: XlCell = ws.cell(row=row, column=col)
    if value is None:
        return cell
    if isinstance(value, Decimal) and not as_text:
        cell.value = value
    elif isinstance(value, int) and not isinstance(value, bool) and not as_text:
        cell.value = value
    else:
        _text(cell, str(value))
        if as_text:
            cell.number_format = "@"
    return cell


def _column_title(column: list[str], measure: str | None, source: str | None) -> str:
    if column:
        return path_title(column)
    parts = [SOURCE_RU.get(source or "", source or ""),
             MEASURE_RU.get(measure or "", measure or "")]
    return ", ".join(p for p in parts if p) or "значение"


def _sheet_name(report: Report, table: Table, used: set[str]) -> str:
    stem = Path(report.document.path).stem.translate(_INVALID_SHEET_CHARS)
    suffix = f" {table.id}".translate(_INVALID_SHEET_CHARS)
    base = (stem[: 31 - len(suffix)] + suffix).strip() or "таблица"
    name, n = base[:31], 2
    while name.lower() in used or name.lower() == FINDINGS_SHEET.lower():
        tail = f"~{n}"
        name = base[: 31 - len(tail)] + tail
        n += 1
    used.add(name.lower())
    return name


def _table_sheet(ws: Worksheet, report: Report, table: Table) -> dict[CellKey, str]:
    _put(ws, 1, 1, report.document.path).font = BOLD
    title = f"{table.id}: {table.title or 'без заголовка'}"
    if table.year:
        title += f" ({table.year})"
    if table.pages:
        title += f", стр. {', '.join(map(str, table.pages))}"
    _put(ws, 2, 1, title)
    titles: list[str] = []
    for row in table.rows:
        for c in row.cells:
            t = _column_title(c.column, c.measure and c.measure.value, c.source and c.source.value)
            if t not in titles:
                titles.append(t)
    header_row = 4
    for col, name in enumerate(["Код", "Наименование", *titles], start=1):
        cell = _put(ws, header_row, col, name)
        cell.font = BOLD
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    placed: dict[CellKey, str] = {}
    for i, row in enumerate(table.rows):
        r = header_row + 1 + i
        _put(ws, r, 1, row.code, as_text=True)
        label = _put(ws, r, 2, row.label)
        if row.is_total:
            label.font = BOLD
        for c in row.cells:
            t = _column_title(c.column, c.measure and c.measure.value, c.source and c.source.value)
            col = 3 + titles.index(t)
            value: Any = c.value if c.value is not None else (c.raw or None)
            xl = _put(ws, r, col, value)
            if isinstance(value, Decimal):
                xl.number_format = "#,##0.0##"
            key = (row.code, c.measure.value if c.measure else None,
                   c.source.value if c.source else None)
            if row.code is None and row.is_total:
                placed[key] = xl.coordinate  # a finding without a code names the total row
            else:
                placed.setdefault(key, xl.coordinate)
    ws.freeze_panes = ws.cell(row=header_row + 1, column=3)
    ws.column_dimensions["A"].width = 9
    ws.column_dimensions["B"].width = 60
    for col in range(3, 3 + len(titles)):
        ws.column_dimensions[get_column_letter(col)].width = 16
    return placed


def _locate(cells: dict[CellKey, str], f: Finding) -> str | None:
    """The cell a finding names; a finding without a source names the "total" column."""
    measure = f.measure.value if f.measure else None
    source = f.source.value if f.source else None
    found = cells.get((f.code, measure, source))
    if found is None and source is None:
        found = cells.get((f.code, measure, "total"))
    return found


def _comment_text(f: Finding) -> str:
    lines = []
    if f.expected is not None:
        lines.append(f"ожидалось {ru_number(f.expected)}")
    lines.append(f"{SEVERITY_RU[f.severity]} ({f.rule}): {f.message}")
    return "\n".join(lines)


def _highlight(ws: Worksheet, coordinate: str, findings: list[Finding]) -> None:
    cell = ws[coordinate]
    worst = min(findings, key=lambda f: list(Severity).index(f.severity))
    cell.fill = FILL[worst.severity]
    comment = Comment("\n\n".join(_comment_text(f) for f in findings), "svodka")
    comment.width, comment.height = 320, 60 + 40 * len(findings)
    cell.comment = comment


def reports_to_workbook(reports: Iterable[Report]) -> Workbook:
    wb = Workbook()
    findings_ws = wb.active
    assert findings_ws is not None
    findings_ws.title = FINDINGS_SHEET
    for col, name in enumerate(FINDING_HEADER, start=1):
        _put(findings_ws, 1, col, name).font = BOLD
    used: set[str] = set()
    frow = 2
    for report in reports:
        placed: dict[str, _Placed] = {}
        for table in report.tables:
            name = _sheet_name(report, table, used)
            placed.setdefault(table.id, _Placed(name, _table_sheet(wb.create_sheet(name),
                                                                   report, table)))
        by_cell: dict[tuple[str, str], list[Finding]] = {}
        for f in report.findings:
            where = placed.get(f.table or "")
            coordinate = _locate(where.cells, f) if where else None
            if where and coordinate:
                by_cell.setdefault((where.sheet, coordinate), []).append(f)
            values = [report.document.path, f.table, where.sheet if where else None,
                      SEVERITY_RU[f.severity], f.rule, f.code,
                      MEASURE_RU.get(f.measure.value) if f.measure else None,
                      SOURCE_RU.get(f.source.value) if f.source else None,
                      f.actual, f.expected, f.page, f.message]
            for col, value in enumerate(values, start=1):
                _put(findings_ws, frow, col, value, as_text=(col == 6))
            findings_ws.cell(row=frow, column=4).fill = FILL[f.severity]
            if where and coordinate:
                link = findings_ws.cell(row=frow, column=3)
                link.hyperlink = Hyperlink(ref=link.coordinate,
                                           location=f"'{where.sheet}'!{coordinate}")
                link.font = Font(color="0563C1", underline="single")
            frow += 1
        for (sheet, coordinate), found in by_cell.items():
            _highlight(wb[sheet], coordinate, found)
    findings_ws.freeze_panes = "A2"
    findings_ws.auto_filter.ref = f"A1:{get_column_letter(len(FINDING_HEADER))}{max(frow - 1, 1)}"
    for letter, width in zip("ABCDEFGHIJKL", (34, 8, 24, 14, 16, 10, 8, 22, 12, 12, 6, 80),
                             strict=True):
        findings_ws.column_dimensions[letter].width = width
    return wb


_PROPS_TIME = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)")


def _stable_zip(data: bytes) -> bytes:
    """The same workbook with fixed ZIP entry times and document-property times, so equal
    content gives equal bytes (re-runs and resumed runs write identical files)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            part = src.read(info.filename)
            if info.filename == _CORE_PROPS:
                part = _PROPS_TIME.sub(rb"\g<1>2000-01-01T00:00:00Z\g<2>", part)
            dst.writestr(fixed, part)
    return buf.getvalue()


def _entries(data: bytes) -> dict[str, bytes]:
    """Every part of a workbook except the one holding its creation/modification times."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n) for n in z.namelist() if n != _CORE_PROPS}


def write_xlsx(reports: Iterable[Report], path: Path) -> None:
    """Write the workbook atomically; an unchanged workbook is left as it is (same bytes)."""
    buf = io.BytesIO()
    reports_to_workbook(reports).save(buf)
    data = _stable_zip(buf.getvalue())
    try:
        if _entries(path.read_bytes()) == _entries(data):
            return
    except (OSError, zipfile.BadZipFile):
        pass
    with atomic_open(path, "wb") as fh:
        fh.write(data)  # type: ignore[arg-type]
