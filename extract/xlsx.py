"""Excel workbooks (.xlsx) to ``RawDocument``: one grid per table region of a sheet.

Each worksheet counts as a page.  A sheet's used range is cut into regions at
blank rows that are followed by a title row; a region's leading text-only rows
(one text value, e.g. a title merged across the sheet) become the grid's
``context``; the rest is the grid.  Text-only rows outside grids are ``lines``.

Values are read as Excel stored them (``data_only=True``: formulas give their
cached result).  Numbers are taken to Excel's 15 significant digits and written
as plain decimals with '.' and no grouping, free of float artefacts, with the
decimals the cell's number format shows ("0.0" → "1320.0"); percent formats
give "5%".
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import openpyxl

from svodka.extract.common import sha256_of
from svodka.extract.office import Placed, build_rows, load_checked
from svodka.schemas.grid import Grid, Problem, RawDocument, TextLine

ENGINE = "xlsx"
_DECIMALS = re.compile(r"0\.(0+)")
EXCEL_ERRORS = frozenset(
    {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA"}
)


def xlsx_to_raw(path: Path) -> RawDocument:
    """Read a .xlsx workbook.

    Raises ``SvodkaError`` with code E_NOT_OFFICE, E_ZIP_BOMB or E_BROKEN_OFFICE.
    """
    wb = load_checked(path, "xlsx", lambda p: openpyxl.load_workbook(p, data_only=True))
    sheets = list(wb.worksheets)
    doc = RawDocument(path=str(path), sha256=sha256_of(path), format="xlsx", pages=len(sheets))
    for number, ws in enumerate(sheets, start=1):
        _read_sheet(doc, _Sheet.read(ws, number))
    doc.problems.extend(_formulas_without_values(path, sheets))
    return doc


def _formulas_without_values(path: Path, sheets: list[Any]) -> list[Problem]:
    """Formulas saved without a cached result (e.g. written by a library) read as empty."""
    formulas = load_checked(path, "xlsx", lambda p: openpyxl.load_workbook(p, read_only=True))
    problems = []
    for number, (ws, fs) in enumerate(zip(sheets, formulas.worksheets, strict=False), start=1):
        missing = [
            cell.coordinate
            for row in fs.iter_rows()
            for cell in row
            if getattr(cell, "data_type", None) == "f" and ws[cell.coordinate].value is None
        ]
        if missing:
            message = f"formulas without a saved value read as empty: {', '.join(missing[:10])}"
            problems.append(Problem(code="W_FORMULA_NO_VALUE", message=message, page=number))
    formulas.close()
    return problems


# --------------------------------------------------------------------------- values


def cell_text(value: Any, number_format: str = "General") -> str:
    """The text of a stored cell value (see the module docstring)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return number_text(value, number_format)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ") if value.time() != dt.time() else value.date().isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def number_text(value: int | float, number_format: str = "General") -> str:
    """Exact decimal text of an Excel number: '1320.5', '942.3', '5%', never '942.29999'.

    Floats are taken to Excel's own precision, 15 significant digits.
    """
    try:
        number = Decimal(f"{value:.15g}") if isinstance(value, float) else Decimal(value)
    except InvalidOperation:  # inf / nan
        return str(value)
    fmt = number_format.split(";")[0]
    percent = "%" in fmt
    if percent:
        number *= 100
    places = _format_decimals(fmt)
    if places is not None:
        number = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = _plain(number, keep_zeros=places is not None)
    return text + "%" if percent else text


def _format_decimals(fmt: str) -> int | None:
    """Decimals a fixed format shows ('0.0', '#,##0.00', '0%'); None for 'General'."""
    unquoted = re.sub(r'"[^"]*"|\[[^\]]*\]', "", fmt)
    if "0" not in unquoted and "#" not in unquoted:
        return None
    match = _DECIMALS.search(unquoted)
    return len(match.group(1)) if match else 0


def _plain(number: Decimal, keep_zeros: bool) -> str:
    if not keep_zeros and number == number.to_integral_value():
        number = number.quantize(Decimal(1))
    elif not keep_zeros:
        number = number.normalize()
    text = format(number, "f")
    return "0" if text in ("-0", "-0.0") else text


# --------------------------------------------------------------------------- sheets


@dataclass
class _Sheet:
    number: int
    texts: list[list[str]]
    merges: list[tuple[int, int, int, int]]
    """(top, left, bottom, right), 0-based and inclusive, relative to ``texts``."""

    @classmethod
    def read(cls, ws: Any, number: int) -> _Sheet:
        top, left = ws.min_row, ws.min_column
        texts = [
            [cell_text(c.value, c.number_format) for c in row]
            for row in ws.iter_rows(
                min_row=top, max_row=ws.max_row, min_col=left, max_col=ws.max_column
            )
        ]
        merges = [
            (m.min_row - top, m.min_col - left, m.max_row - top, m.max_col - left)
            for m in ws.merged_cells.ranges
        ]
        return cls(number, texts, merges)

    def row_values(self, r: int) -> list[str]:
        """Non-empty texts of row ``r``, a merged cell counted once."""
        covered = {
            (r, c)
            for (t, lf, b, rt) in self.merges
            if t <= r <= b
            for c in range(lf, rt + 1)
            if (r, c) != (t, lf)
        }
        return [v for c, v in enumerate(self.texts[r]) if v.strip() and (r, c) not in covered]

    def is_title(self, r: int) -> bool:
        values = self.row_values(r)
        return len(values) == 1 and not _looks_numeric(values[0])


def _looks_numeric(text: str) -> bool:
    try:
        Decimal(text.rstrip("%"))
    except InvalidOperation:
        return False
    return True


@dataclass
class _Region:
    context: list[int] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)


def regions(sheet: _Sheet) -> list[_Region]:
    """Cut the sheet at blank rows followed by a title row."""
    found = [_Region()]
    blank_before = False
    for r in range(len(sheet.texts)):
        if not sheet.row_values(r):
            blank_before = True
            continue
        current = found[-1]
        if sheet.is_title(r) and current.rows and blank_before:
            current = _Region()
            found.append(current)
        if sheet.is_title(r) and not current.rows:
            current.context.append(r)
        else:
            current.rows.append(r)
        blank_before = False
    return found


def _read_sheet(doc: RawDocument, sheet: _Sheet) -> None:
    for region in regions(sheet):
        context = [sheet.row_values(r)[0] for r in region.context]
        doc.lines.extend(TextLine(page=sheet.number, text=t) for t in context)
        if region.rows:
            doc.grids.append(_grid(sheet, region.rows[0], region.rows[-1], context))
    if any(v in EXCEL_ERRORS for row in sheet.texts for v in row):
        message = "cells with Excel errors (#REF!, #DIV/0!, #N/A …) kept as text"
        doc.problems.append(Problem(code="W_EXCEL_ERROR", message=message, page=sheet.number))


def _grid(sheet: _Sheet, top: int, bottom: int, context: list[str]) -> Grid:
    n_cols = max((len(row) for row in sheet.texts[top : bottom + 1]), default=0)
    placed = _placed(sheet, top, bottom)
    rows = build_rows(placed, bottom - top + 1, n_cols, sheet.number)
    return Grid(page=sheet.number, engine=ENGINE, quality=1.0, rows=rows, context=context)


def _placed(sheet: _Sheet, top: int, bottom: int) -> list[Placed]:
    placed = []
    covered: set[tuple[int, int]] = set()
    for first, lf, last, rt in sheet.merges:
        t, b = max(first, top), min(last, bottom)
        if t > b:
            continue
        text = sheet.texts[first][lf]
        placed.append(Placed(t - top, lf, text, sheet.number, b - t + 1, rt - lf + 1))
        covered |= {(r, c) for r in range(t, b + 1) for c in range(lf, rt + 1)}
    for r in range(top, bottom + 1):
        for c, text in enumerate(sheet.texts[r]):
            if (r, c) not in covered:
                placed.append(Placed(r - top, c, text, sheet.number))
    return placed
