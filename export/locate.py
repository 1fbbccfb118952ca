"""Findings located on the cells of a table laid out for people (XLSX sheets, HTML report),
and the words those outputs use for severities, measures and sources."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from schemas import Cell, Finding, Row, Severity

SEVERITY_RU = {Severity.ERROR: "ошибка", Severity.WARNING: "предупреждение", Severity.INFO: "инфо"}
MEASURE_RU = {"plan": "план", "fact": "факт"}
SOURCE_RU = {"total": "Всего", "federal": "федеральный бюджет", "regional": "бюджет субъекта РФ",
             "extrabudgetary": "внебюджетные источники"}

CellKey = tuple[str | None, str | None, str | None]  # row code, measure, source
T = TypeVar("T")


def fallback_path(cell: Cell) -> list[str]:
    """The cell's header path, else its source and measure in words, else "значение"."""
    if cell.column:
        return list(cell.column)
    parts = [SOURCE_RU.get(cell.source.value, "") if cell.source else "",
             MEASURE_RU.get(cell.measure.value, "") if cell.measure else ""]
    return [", ".join(p for p in parts if p) or "значение"]


def cell_key(row: Row, cell: Cell) -> CellKey:
    return (row.code, cell.measure.value if cell.measure else None,
            cell.source.value if cell.source else None)


def place(placed: dict[CellKey, T], row: Row, cell: Cell, where: T) -> None:
    """Record where ``cell`` of ``row`` stands: the first cell of a key wins, but a total row
    without a code takes its key (a finding without a code names the total row)."""
    key = cell_key(row, cell)
    if row.code is None and row.is_total:
        placed[key] = where
    else:
        placed.setdefault(key, where)


def locate(placed: Mapping[CellKey, T], f: Finding) -> T | None:
    """The cell a finding names; a finding without a source names the "total" column."""
    measure = f.measure.value if f.measure else None
    source = f.source.value if f.source else None
    found = placed.get((f.code, measure, source))
    if found is None and source is None:
        found = placed.get((f.code, measure, "total"))
    return found


def worst(findings: list[Finding]) -> Finding:
    order = list(Severity)
    return min(findings, key=lambda f: order.index(f.severity))
