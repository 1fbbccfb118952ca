"""Real public documents nobody here made (../shared/realdocs): read whole, every number parsed."""

from __future__ import annotations

from decimal import Decimal

import pytest

import svodka
from schemas import Measure, Status, TableKind

from .conftest import REALDOCS


def _read(name: str) -> svodka.Report:
    path = REALDOCS / name
    if not path.exists():
        pytest.skip("shared realdocs not present")
    return svodka.read(path)


def test_budget_execution_0503317_every_number_parsed_sections_apart() -> None:
    report = _read("budget-execution-0503317-2012-06.pdf")
    assert report.status == "success" and report.document.pages == 46
    statuses = {c.status for t in report.tables for r in t.rows for c in r.cells}
    assert Status.UNREADABLE not in statuses
    sections = {t.rows[0].label.split(" - ")[0]: t for t in report.tables if t.rows}
    revenue, spending = sections["Доходы бюджета"], sections["Расходы бюджета"]
    assert revenue.pages[0] == 1 and spending.pages[0] == 22
    assert revenue.rows[0].code == "010" and spending.rows[0].code == "200"
    assert all(t.kind is TableKind.OTHER for t in report.tables)
    first = revenue.rows[0].cells[0]
    assert (first.value, first.measure) == (Decimal("121635600.00"), Measure.PLAN)
    assert first.column[0] == "Утвержденные бюджетные назначения"
    fact = next(c for c in revenue.rows[0].cells if c.measure is Measure.FACT)
    assert fact.column[0] == "Исполнено"
    assert any(f.rule == "header_not_recognised" for f in report.findings)
    # the budget classification code is a column of its own, not part of the label
    taxes = next(r for r in revenue.rows if r.label == "НАЛОГОВЫЕ И НЕНАЛОГОВЫЕ ДОХОДЫ")
    assert [(a.column, a.text) for a in taxes.attributes] == [
        (["Код дохода по бюджетной классификации"], "000 1000000000 0000 000")]


def test_budget_forecast_years_as_columns_mixed_decimal_marks() -> None:
    report = _read("budget-forecast-2020-2022.pdf")
    (table,) = report.tables
    assert table.kind is TableKind.OTHER and table.year == 2020
    values = {(r.label, c.column[-1]): c.value for r in table.rows for c in r.cells}
    assert values[("Доходы", "2020 год")] == Decimal("361011.4")
    assert values[("Профицит (+), дефицит (-)", "2020 год")] == Decimal("-10190.0")
    assert all(c.status is Status.NUMBER for r in table.rows for c in r.cells)


def test_scanned_income_statement_read_by_ocr() -> None:
    """A scan with a stamp and signatures: line symbols and note references are text
    columns apart from the label, the two year columns numbers, brackets negative."""
    report = _read("scan-income-statement-2021.pdf")
    assert report.status == "success" and len(report.tables) == 1
    table = report.tables[0]
    assert table.engine == "ocr" and len(table.rows) >= 19
    rows = {r.label: r for r in table.rows}
    interest = rows["Процентные доходы"]
    assert {tuple(a.column): a.text for a in interest.attributes} == {
        ("Символ",): "2011", ("Пункт примечаний",): "4.20."}
    values = {(r.label, c.column[0]): c.value for r in table.rows for c in r.cells}
    assert {c.column[0] for r in table.rows for c in r.cells} == {"2021 год", "2020 год"}
    assert values[("Процентные доходы", "2021 год")] == Decimal("328699")
    assert values[("Прибыль (убыток) до налогообложения", "2020 год")] == Decimal("62813")
    assert values[("Чистый доход по операциям с ценными бумагами", "2021 год")] == -3235
    assert values[("Базовая прибыль на простую акцию", "2021 год")] == Decimal("0.1032")
    statuses = {c.status for r in table.rows for c in r.cells}
    assert statuses <= {Status.NUMBER, Status.DASH}
