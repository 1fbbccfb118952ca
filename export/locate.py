"""The words the outputs for people (XLSX sheets, HTML report) use for severities, measures
and sources, and the column a cell without a header path is shown under.  Where a finding
stands (``place``, ``locate``, ``finding_positions``) is in ``schemas.frames``."""

from __future__ import annotations

from svodka.schemas import Cell, Finding, Severity

SEVERITY_RU = {Severity.ERROR: "ошибка", Severity.WARNING: "предупреждение", Severity.INFO: "инфо"}
MEASURE_RU = {"plan": "план", "fact": "факт"}
SOURCE_RU = {"total": "Всего", "federal": "федеральный бюджет", "regional": "бюджет субъекта РФ",
             "extrabudgetary": "внебюджетные источники"}

def fallback_path(cell: Cell) -> list[str]:
    """The cell's header path, else its source and measure in words, else "значение"."""
    if cell.column:
        return list(cell.column)
    parts = [SOURCE_RU.get(cell.source.value, "") if cell.source else "",
             MEASURE_RU.get(cell.measure.value, "") if cell.measure else ""]
    return [", ".join(p for p in parts if p) or "значение"]


def worst(findings: list[Finding]) -> Finding:
    order = list(Severity)
    return min(findings, key=lambda f: order.index(f.severity))

