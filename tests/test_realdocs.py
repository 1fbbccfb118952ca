"""Real public documents nobody here made (../shared/realdocs): read whole, every number parsed."""

from __future__ import annotations

from decimal import Decimal

import pytest

import svodka
from svodka.schemas import Measure, Severity, Status, TableKind

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


def test_form4_rotated_header_numbering_row_total_and_product_checked() -> None:
    """Форма 4: vertical header cells in reading order, the numbering row ("12=10*11") a
    header and a relation, the ИТОГО a total under the column it sums, both checked."""
    report = _read("ase-cost-summary-form4-2017.pdf")
    (table,) = report.tables
    assert table.title == "СВОДНАЯ ТАБЛИЦА СТОИМОСТИ (Форма 4)"
    columns = [c.column for c in table.rows[0].cells]
    assert columns == [["Стоимость за единицу, рублей без НДС"], ["Количество, ед."],
                       ["Всего стоимость, рублей без НДС"], ["Итого стоимость, руб. с НДС"]]
    assert [a.column for a in table.rows[0].attributes][0] == ["Изготовитель товара"]
    assert [r.code for r in table.rows[:2]] == ["1", "2"] and len(table.rows) == 28
    total = table.rows[-1]
    assert total.is_total and total.label == "ИТОГО"
    assert [(c.column, c.value) for c in total.cells] == [
        (["Итого стоимость, руб. с НДС"], Decimal("896211.34"))]
    checks = {c.rule: c for c in report.checks}
    assert (checks["total_rows"].equations, checks["total_rows"].broken) == (1, 0)
    formula = checks["column_formula"]
    assert formula.relation.startswith("гр. 12=10*11") and formula.declared
    assert (formula.equations, formula.broken) == (27, 0)
    assert not [f for f in report.findings if f.severity is not Severity.INFO]


def test_altai_first_data_row_not_header_and_continuations_joined() -> None:
    report = _read("altai-govt-income-2010.pdf")
    first = report.tables[0]
    income = ["Общая сумма дохода за 2010г. (тыс. руб.)"]
    assert first.rows[0].cells[0].column == income
    assert first.rows[0].cells[0].value == Decimal("1779.0")
    assert first.rows[0].attributes[0].text == "Бердников Александр Васильевич"
    # page 2 opens with a body row ("супруга"), not a header of its own: the table goes on
    assert first.pages[:3] == [1, 2, 3]
    paths = {" / ".join(c.column) for t in report.tables for r in t.rows for c in r.cells}
    assert not any("участки" in p for p in paths)


def test_kremlin_word_cells_with_a_value_a_line_give_sub_rows() -> None:
    report = _read("kremlin-admin-income-2011.docx")
    (table,) = report.tables
    income = "Общая сумма декларированного годового дохода за 2011 г. (руб.)"
    rows = [(r.label, {c.column[-1]: c.value for c in r.cells if c.value is not None})
            for r in table.rows]
    assert rows[0] == ("ИВАНОВ С.Б.", {income: Decimal("6311601"),
                                       "Площадь (кв.м.)": Decimal("21146")})
    patrushev = [v for label, v in rows if label == "ПАТРУШЕВ Н.П."]
    assert [v["Площадь (кв.м.)"] for v in patrushev][:2] == [Decimal("1922"), Decimal("119.2")]
    spouse = rows[[label for label, _ in rows].index("супруга")]
    assert spouse[1][income] == Decimal("4075832")
    assert len(table.rows) > 63  # one sub-row per value line, none lost


def test_gdp_adjacent_tables_apart_years_as_header() -> None:
    report = _read("gdp-tables-text.pdf")
    assert len(report.tables) == 6
    assert report.tables[0].title == "Таблица 1- ВВП (по ППС) в млрд. долл."
    assert [r.label for r in report.tables[0].rows] == ["Китай", "США"]
    budget = report.tables[3]
    values = {(r.label, c.column[0]): c.value for r in budget.rows for c in r.cells}
    assert values[("Сальдо бюджета", "2016")] == Decimal("-3.7")
    assert values[("Ненефтегазовые доходы", "2017")] == Decimal("9.6")
