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

import contextlib
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
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

from svodka.export.atomic import atomic_open
from svodka.export.csvout import FORMULA_START
from svodka.export.locate import MEASURE_RU, SEVERITY_RU, SOURCE_RU, fallback_path, worst
from svodka.export.records import ru_number
from svodka.schemas import Cell, Finding, Report, Severity, Table
from svodka.schemas.frames import finding_positions, path_title, text_columns

FINDINGS_SHEET = "Находки"
_CORE_PROPS = "docProps/core.xml"
FILL = {
    Severity.ERROR: PatternFill("solid", start_color="FFC7CE", end_color="FFC7CE"),
    Severity.WARNING: PatternFill("solid", start_color="FFEB9C", end_color="FFEB9C"),
    Severity.INFO: PatternFill("solid", start_color="DDEBF7", end_color="DDEBF7"),
}
FINDING_HEADER = ("Документ", "Таблица", "Лист", "Важность", "Правило", "Код строки",
                  "Показатель", "Источник", "Значение", "Ожидалось", "Стр.", "Сообщение")
BOLD = Font(bold=True)
_INVALID_SHEET_CHARS = str.maketrans({c: "_" for c in "[]:*?/\\'"})

HEADER_ROW = 4


Coordinate = tuple[int, int]  # row, column (1-based)


@dataclass
class _Sheet:
    """A table laid out on its sheet before anything is written (a write-only sheet is
    written top to bottom once, so highlights must be known first)."""

    name: str
    table: Table
    texts: list[tuple[str, ...]]  # the text columns beside the label (row attributes)
    titles: list[str]  # the value columns
    cells: dict[tuple[int, int], Coordinate]  # (row index, cell index) -> where it stands
    marked: dict[Coordinate, list[Finding]] = field(default_factory=dict)


def _cell(ws: Any, row: int, col: int, value: Any, *, as_text: bool = False) -> XlCell:
    cell = XlCell(ws, row=row, column=col)
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


def _text(cell: XlCell, value: str) -> None:
    """A text cell that stays text: string type, and quote prefix for formula-like text."""
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell.value = value
    cell.data_type = "s"
    if value.startswith(FORMULA_START):
        cell.quotePrefix = True


def _column_title(c: Cell) -> str:
    return path_title(fallback_path(c))


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


def _layout(name: str, table: Table) -> _Sheet:
    """Column titles and the coordinate of every cell of ``table`` on its sheet."""
    texts = text_columns(table)
    titles: list[str] = []
    for row in table.rows:
        for c in row.cells:
            if (t := _column_title(c)) not in titles:
                titles.append(t)
    cells: dict[tuple[int, int], Coordinate] = {}
    first = 3 + len(texts)
    for i, row in enumerate(table.rows):
        for j, c in enumerate(row.cells):
            cells[(i, j)] = (HEADER_ROW + 1 + i, first + titles.index(_column_title(c)))
    return _Sheet(name, table, texts, titles, cells)


def _comment_text(f: Finding) -> str:
    lines = []
    if f.expected is not None:
        lines.append(f"ожидалось {ru_number(f.expected)}")
    lines.append(f"{SEVERITY_RU[f.severity]} ({f.rule}): {f.message}")
    return "\n".join(lines)


def _highlight(cell: XlCell, findings: list[Finding]) -> None:
    cell.fill = FILL[worst(findings).severity]
    comment = Comment("\n\n".join(_comment_text(f) for f in findings), "svodka")
    comment.width, comment.height = 320, 60 + 40 * len(findings)
    cell.comment = comment


def _write_table_sheet(ws: Any, report: Report, sheet: _Sheet) -> None:
    table = sheet.table
    ws.freeze_panes = f"C{HEADER_ROW + 1}"
    for letter, width in (("A", 9), ("B", 60)):
        ws.column_dimensions[letter].width = width
    first = 3 + len(sheet.texts)
    for col in range(3, first + len(sheet.titles)):
        ws.column_dimensions[get_column_letter(col)].width = 16
    path = _cell(ws, 1, 1, report.document.path)
    path.font = BOLD
    ws.append([path])
    title = f"{table.id}: {table.title or 'без заголовка'}"
    if table.year:
        title += f" ({table.year})"
    if table.pages:
        title += f", стр. {', '.join(map(str, table.pages))}"
    ws.append([_cell(ws, 2, 1, title)])
    ws.append([])
    header = []
    texts = [path_title(list(t)) or "текст" for t in sheet.texts]
    for col, name in enumerate(["Код", "Наименование", *texts, *sheet.titles], start=1):
        cell = _cell(ws, HEADER_ROW, col, name)
        cell.font = BOLD
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        header.append(cell)
    ws.append(header)
    for i, row in enumerate(table.rows):
        r = HEADER_ROW + 1 + i
        label = _cell(ws, r, 2, row.label)
        if row.is_total:
            label.font = BOLD
        line: list[XlCell | None] = [_cell(ws, r, 1, row.code, as_text=True), label]
        line += [None] * (len(sheet.texts) + len(sheet.titles))
        for a in row.attributes:
            col = 3 + sheet.texts.index(tuple(a.column))
            line[col - 1] = _cell(ws, r, col, a.text, as_text=True)
        for c in row.cells:
            col = first + sheet.titles.index(_column_title(c))
            value: Any = c.value if c.value is not None else (c.raw or None)
            xl = _cell(ws, r, col, value)  # two cells under one title: the last is shown
            if isinstance(value, Decimal):
                xl.number_format = "#,##0.0##"
            line[col - 1] = xl
        for (mr, mc), found in sheet.marked.items():
            cell = line[mc - 1]
            if mr == r and cell is not None:
                _highlight(cell, found)
        ws.append(line)


class WorkbookWriter:
    """Builds ``svodka.xlsx`` one report at a time in openpyxl's write-only mode: each
    report's table sheets are written (and their files closed) as it is added, its findings
    appended to the first sheet; memory stays flat over a batch of any size."""

    def __init__(self) -> None:
        self.wb = Workbook(write_only=True)
        self.findings = self.wb.create_sheet(FINDINGS_SHEET)
        self.findings.freeze_panes = "A2"
        for letter, width in zip("ABCDEFGHIJKL", (34, 8, 24, 14, 16, 10, 8, 22, 12, 12, 6, 80),
                                 strict=True):
            self.findings.column_dimensions[letter].width = width
        header = [_cell(self.findings, 1, c, name) for c, name in enumerate(FINDING_HEADER, 1)]
        for cell in header:
            cell.font = BOLD
        self.findings.append(header)
        self.finding_rows = 1
        self.used: set[str] = set()

    def add(self, report: Report) -> None:
        sheets = [_layout(_sheet_name(report, t, self.used), t) for t in report.tables]
        by_id: dict[str, _Sheet] = {}
        for sheet in sheets:
            by_id.setdefault(sheet.table.id, sheet)
        located: list[tuple[Finding, _Sheet | None, Coordinate | None]] = []
        for f, (ri, ci) in zip(report.findings, finding_positions(report), strict=True):
            target = by_id.get(f.table or "")
            where = target.cells.get((ri, ci)) if target and ri is not None and ci is not None \
                else None
            if target and where:
                target.marked.setdefault(where, []).append(f)
            located.append((f, target, where))
        for sheet in sheets:
            ws = self.wb.create_sheet(sheet.name)
            _write_table_sheet(ws, report, sheet)
            ws.close()  # its rows are on disk now
        for f, target, where in located:
            self._finding_row(report, f, target, where)

    def _finding_row(self, report: Report, f: Finding, sheet: _Sheet | None,
                     where: Coordinate | None) -> None:
        ws, r = self.findings, self.finding_rows + 1
        values = [report.document.path, f.table, sheet.name if sheet else None,
                  SEVERITY_RU[f.severity], f.rule, f.code,
                  MEASURE_RU.get(f.measure.value) if f.measure else None,
                  SOURCE_RU.get(f.source.value) if f.source else None,
                  f.actual, f.expected, f.page, f.message]
        line = [_cell(ws, r, col, v, as_text=(col == 6)) for col, v in enumerate(values, 1)]
        line[3].fill = FILL[f.severity]
        if sheet and where:
            target = f"{get_column_letter(where[1])}{where[0]}"
            line[2].hyperlink = Hyperlink(ref=line[2].coordinate,
                                          location=f"'{sheet.name}'!{target}")
            line[2].font = Font(color="0563C1", underline="single")
        ws.append(line)
        self.finding_rows = r

    def discard(self) -> None:
        """Drop the workbook after an error: close its sheets, remove their temporary files."""
        for ws in self.wb.worksheets:
            with contextlib.suppress(Exception):
                if not ws.closed:
                    ws.close()
            writer = getattr(ws, "_writer", None)
            if writer is not None:
                with contextlib.suppress(OSError, ValueError):
                    writer.cleanup()

    def save_as(self, path: Path) -> None:
        """Write the workbook into ``path`` itself (a temporary file of
        ``export.atomic.Staging``), with stable bytes: equal content, equal file."""
        last = get_column_letter(len(FINDING_HEADER))
        self.findings.auto_filter.ref = f"A1:{last}{self.finding_rows}"
        with tempfile.TemporaryDirectory(prefix=".xlsx-", suffix=".tmp", dir=path.parent) as tmp:
            raw = Path(tmp) / "raw.xlsx"
            self.wb.save(raw)
            _stable_zip(raw, path)

    def save(self, path: Path) -> None:
        """Write the workbook atomically; an unchanged workbook is left as it is (same
        bytes).  The writer cannot be used afterwards."""
        last = get_column_letter(len(FINDING_HEADER))
        self.findings.auto_filter.ref = f"A1:{last}{self.finding_rows}"
        with tempfile.TemporaryDirectory(prefix=".xlsx-", suffix=".tmp", dir=path.parent) as tmp:
            raw, stable = Path(tmp) / "raw.xlsx", Path(tmp) / "stable.xlsx"
            self.wb.save(raw)
            _stable_zip(raw, stable)
            if _same_workbook(stable, path):
                return
            with atomic_open(path, "wb") as fh, stable.open("rb") as src:
                shutil.copyfileobj(src, fh)  # type: ignore[misc]


_PROPS_TIME = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)")


def _stable_zip(src_path: Path, dst_path: Path) -> None:
    """The same workbook with fixed ZIP entry times and document-property times, so equal
    content gives equal bytes (re-runs and resumed runs write identical files)."""
    with zipfile.ZipFile(src_path) as src, \
            zipfile.ZipFile(dst_path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            part = src.read(info.filename)
            if info.filename == _CORE_PROPS:
                part = _PROPS_TIME.sub(rb"\g<1>2000-01-01T00:00:00Z\g<2>", part)
            dst.writestr(fixed, part)


def _same_workbook(new: Path, old: Path) -> bool:
    """Equal parts (one at a time), but for the one holding creation/modification times."""
    try:
        with zipfile.ZipFile(new) as a, zipfile.ZipFile(old) as b:
            names = a.namelist()
            if names != b.namelist():
                return False
            return all(a.read(n) == b.read(n) for n in names if n != _CORE_PROPS)
    except (OSError, zipfile.BadZipFile):
        return False


def write_xlsx(reports: Iterable[Report], path: Path) -> None:
    """``svodka.xlsx`` of ``reports``, written atomically (unchanged content: left as is)."""
    writer = WorkbookWriter()
    for report in reports:
        writer.add(report)
    writer.save(path)
