"""Tables nobody here made, generated in each test: header and body told apart by cell
content, numbering rows with formulas, vertical header text, adjacent tables, Word cells
with one value a line, and the arithmetic any table states (Report.checks)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

import svodka
from svodka.normalize import raw_to_report
from svodka.render import checks_line
from svodka.schemas import Cell, Grid, GridCell, RawDocument, Row, Severity, Table, TableKind
from svodka.validate.check import table_to_results

from .tablegen import FONT_FILE, Ruled, ruled_pdf, word_table

pytestmark = pytest.mark.skipif(not FONT_FILE.exists(), reason="tools/setup.sh installs the font")

W = [30.0, 150.0, 80.0, 70.0, 90.0]


def _values(report: svodka.Report) -> dict[tuple[str, str], Decimal | None]:
    return {(r.label, c.column[-1] if c.column else ""): c.value
            for t in report.tables for r in t.rows for c in r.cells}


def _priced(tmp_path: Path, amounts: list[str], total: str, numbering: list[str]) -> Path:
    """Форма-4-like: № | item | price | quantity | amount, a numbering row, an ИТОГО row."""
    items = [("Бумага офисная", "250,00", "4"), ("Ручка шариковая", "35,50", "10"),
             ("Папка-регистратор", "120,00", "3"), ("Скрепки", "12,40", "5"),
             ("Маркер", "48,00", "2")]
    rows = [["№", "Наименование товара", "Цена за\nединицу, руб.", "Количество,\nшт.",
             "Сумма, руб."], numbering]
    rows += [[str(i), name, price, qty, amount]
             for i, ((name, price, qty), amount) in enumerate(zip(items, amounts, strict=True), 1)]
    rows.append(["", "ИТОГО", "", "", total])
    table = Ruled(rows=rows, widths=W, heights=[30.0, 14.0] + [14.0] * (len(rows) - 2))
    return ruled_pdf(tmp_path / "priced.pdf",
                     [[(40, 60, "Таблица 1 - Стоимость закупки"), table]])


RIGHT = ["1 000,00", "355,00", "360,00", "62,00", "96,00"]
WRONG = ["1 000,00", "365,00", "360,00", "62,00", "96,00"]


def test_numbering_row_with_formula_is_header_and_a_checked_relation(tmp_path: Path) -> None:
    report = svodka.read(_priced(tmp_path, RIGHT, "1 873,00", ["1", "2", "3", "4", "5=3*4"]))
    (table,) = report.tables
    assert [r.label for r in table.rows][:2] == ["Бумага офисная", "Ручка шариковая"]
    assert [(rel.text, rel.op, rel.target) for rel in table.relations] == [
        ("5=3*4", "product", ["Сумма, руб."])]
    checks = {c.rule: c for c in report.checks}
    assert (checks["column_formula"].equations, checks["column_formula"].broken) == (5, 0)
    assert checks["column_formula"].declared
    assert (checks["total_rows"].equations, checks["total_rows"].broken) == (1, 0)
    assert not [f for f in report.findings if f.severity is Severity.ERROR]


def test_wrong_amount_named_by_the_numbering_formula_not_the_total(tmp_path: Path) -> None:
    report = svodka.read(_priced(tmp_path, WRONG, "1 873,00", ["1", "2", "3", "4", "5=3*4"]))
    errors = [f for f in report.findings if f.severity is Severity.ERROR]
    assert [(f.rule, f.actual, f.expected) for f in errors] == [
        ("column_formula", Decimal("365.00"), Decimal("355.00"))]
    assert "365,00 ≠ 35,50 × 10 = 355,00" in errors[0].message
    assert errors[0].message.startswith("стр. 1, строка 2 «Ручка шариковая», Сумма, руб.:")


def test_injected_wrong_total_is_the_cell_named(tmp_path: Path) -> None:
    report = svodka.read(_priced(tmp_path, RIGHT, "1 883,00", ["1", "2", "3", "4", "5=3*4"]))
    errors = [f for f in report.findings if f.severity is Severity.ERROR]
    assert [(f.rule, f.actual, f.expected) for f in errors] == [
        ("total_rows", Decimal("1883.00"), Decimal("1873.00"))]
    total = next(c for c in report.checks if c.rule == "total_rows")
    assert (total.equations, total.broken, total.column) == (1, 1, ["Сумма, руб."])


def test_price_times_quantity_found_in_the_numbers_is_a_warning(tmp_path: Path) -> None:
    report = svodka.read(_priced(tmp_path, WRONG, "1 873,00", ["1", "2", "3", "4", "5"]))
    (product,) = [c for c in report.checks if c.rule == "column_product"]
    assert not product.declared and (product.equations, product.broken) == (5, 1)
    (finding,) = [f for f in report.findings if f.rule == "column_product"]
    assert finding.severity is Severity.WARNING and finding.expected == Decimal("355.00")
    # the ИТОГО agrees with the amounts once the amount is put right: not blamed
    assert not [f for f in report.findings if f.rule == "total_rows"]


def test_first_body_row_right_under_the_header_is_not_header(tmp_path: Path) -> None:
    rows = [["Фамилия, имя,\nотчество", "Должность", "Общая сумма\nдохода\n(тыс. руб.)",
             "Вид объекта", "Страна"],
            ["Иванов Иван Иванович", "министр", "1779,0", "квартира", "Россия"],
            ["Петров Пётр Петрович", "министр", "1452,7", "дом", "Россия"]]
    table = Ruled(rows=rows, widths=[120, 90, 110, 80, 60], heights=[36, 14, 14])
    report = svodka.read(ruled_pdf(tmp_path / "income.pdf", [[table]]))
    (t,) = report.tables
    income = ("Общая сумма дохода (тыс. руб.)",)
    values = {(r.label, tuple(c.column)): c.value for r in t.rows for c in r.cells}
    assert values == {("Иванов Иван Иванович", income): Decimal("1779.0"),
                      ("Петров Пётр Петрович", income): Decimal("1452.7")}


def test_vertical_header_text_reads_in_order(tmp_path: Path) -> None:
    rows = [["№", "Наименование", "Стоимость за единицу,\nрублей без НДС", "Количество, ед."],
            ["1", "Картридж", "3 576,56", "20"], ["2", "Тонер", "1 200,00", "5"]]
    table = Ruled(rows=rows, widths=[30, 150, 40, 40], heights=[110, 14, 14],
                  vertical={(0, 2), (0, 3)})
    report = svodka.read(ruled_pdf(tmp_path / "vertical.pdf", [[table]]))
    columns = [c.column for c in report.tables[0].rows[0].cells]
    assert columns == [["Стоимость за единицу, рублей без НДС"], ["Количество, ед."]]


def test_adjacent_tables_on_one_page_stay_apart_with_their_titles(tmp_path: Path) -> None:
    def small(top: float, rows: list[list[str]]) -> Ruled:
        head = [["Государство", "Место", "ВВП за 2018 г."]]
        return Ruled(rows=head + rows, widths=[120, 60, 90], heights=[14] * (len(rows) + 1),
                     top=top)

    page = [(40, 60, "Таблица 1 - Крупнейшие экономики"),
            small(70, [["Китай", "1", "25362"], ["США", "2", "20494"]]),
            (40, 150, "Таблица 2 - Следующие за ними"),
            small(160, [["Индия", "3", "10498"], ["Япония", "4", "5415"]])]
    report = svodka.read(ruled_pdf(tmp_path / "two.pdf", [page]))
    assert [[r.label for r in t.rows] for t in report.tables] == [
        ["Китай", "США"], ["Индия", "Япония"]]
    assert [t.title for t in report.tables] == [
        "Таблица 1 - Крупнейшие экономики", "Таблица 2 - Следующие за ними"]


def test_word_cell_with_one_value_a_line_gives_sub_rows(tmp_path: Path) -> None:
    rows = [[["Фамилия, инициалы"], ["Должность"], ["Общая сумма дохода (руб.)"],
             ["Площадь (кв.м.)"]],
            [["ПЕТРОВ И.И.", "", "", "супруга"], ["директор"], ["1000", "", "", "500"],
             ["50,5", "", "30", "40"]],
            [["СИДОРОВ С.С."], ["заместитель"], ["2000"], ["61,2"]]]
    report = svodka.read(word_table(tmp_path / "decl.docx", rows))
    (table,) = report.tables
    got = [(r.label, [c.raw for c in r.cells]) for r in table.rows]
    assert got == [("ПЕТРОВ И.И.", ["1000", "50,5"]), ("ПЕТРОВ И.И.", ["", "30"]),
                   ("супруга", ["500", "40"]), ("СИДОРОВ С.С.", ["2000", "61,2"])]
    assert table.kind is TableKind.OTHER


def test_grid_with_figures_but_no_table_is_not_silent() -> None:
    cell = GridCell
    grid = Grid(page=3, engine="docx", rows=[[cell(text="", page=3), cell(text="2016", page=3),
                                              cell(text="2017", page=3)]])
    raw = RawDocument(path="x.docx", sha256="0" * 64, format="docx", pages=3, grids=[grid])
    report = raw_to_report(raw)
    assert report.tables == []
    (finding,) = [f for f in report.findings if f.rule == "table_not_read"]
    assert finding.severity is Severity.WARNING and finding.message.startswith("стр. 3:")


def _balance(total_i: str) -> Table:
    def row(label: str, raw: str, total: bool = False) -> Row:
        cell = Cell(column=["На конец года"], value=Decimal(raw), raw=raw, page=1)
        return Row(label=label, is_total=total, cells=[cell])

    return Table(id="t1", kind=TableKind.OTHER, rows=[
        row("Нематериальные активы", "10"), row("Основные средства", "90"),
        row("Итого по разделу I", total_i, True),
        row("Запасы", "30"), row("Денежные средства", "20"),
        row("Итого по разделу II", "50", True), row("БАЛАНС", "150", True)])


def test_section_totals_and_balance_over_them() -> None:
    findings, _, checks = table_to_results(_balance("100"))
    assert findings == [] and [(c.rule, c.equations, c.broken) for c in checks] == [
        ("total_rows", 3, 0)]
    findings, _, _ = table_to_results(_balance("110"))
    assert [(f.severity, f.rule, f.actual, f.expected) for f in findings] == [
        (Severity.ERROR, "total_rows", Decimal("110"), Decimal("100"))]
    assert findings[0].message == (
        "стр. 1, строка «Итого по разделу I», На конец года: 110 ≠ сумма строк "
        "«Нематериальные активы», «Основные средства» = 100")


def test_check_says_what_was_verified_or_that_nothing_was(tmp_path: Path) -> None:
    priced = svodka.read(_priced(tmp_path, RIGHT, "1 873,00", ["1", "2", "3", "4", "5=3*4"]))
    assert checks_line(priced) == "проверено соотношений: 2 (6 равенств, не сошлось: 0)"
    rows = [["Государство", "Место", "ВВП за 2018 г."], ["Китай", "1", "25362"],
            ["США", "2", "20494"]]
    plain = svodka.read(ruled_pdf(tmp_path / "plain.pdf", [[Ruled(
        rows=rows, widths=[120, 60, 90], heights=[14, 14, 14])]]))
    assert plain.tables and plain.checks == []
    assert checks_line(plain).startswith("ничего не проверено")


def test_a_total_opening_its_rows_is_checked_downwards_and_never_a_sure_error() -> None:
    def row(label: str, raw: str, total: bool = False) -> Row:
        cell = Cell(column=["2020 год"], value=Decimal(raw), raw=raw, page=1)
        return Row(label=label, is_total=total, cells=[cell])

    def table(second: str) -> Table:
        return Table(id="t1", kind=TableKind.OTHER, rows=[
            row("Налоговые доходы", "70"), row("Неналоговые доходы", "30"),
            row("Всего доходов", "100", True),
            row("Всего расходов, в том числе:", "120", True),
            row("Образование", "80"), row("Культура", second)])

    findings, _, checks = table_to_results(table("40"))
    assert findings == [] and [(c.equations, c.broken) for c in checks] == [(2, 0)]
    findings, _, _ = table_to_results(table("45"))
    assert [(f.severity, f.rule) for f in findings] == [(Severity.WARNING, "total_rows")]
    assert findings[0].message == (
        "стр. 1, строка «Всего расходов, в том числе:», 2020 год: 120 ≠ сумма строк "
        "«Образование», «Культура» = 125 (структура таблицы не установлена надёжно: "
        "неясно, строки над итогом он суммирует или под ним)")


def test_total_with_its_figure_in_the_label_cell_is_kept_apart() -> None:
    def cells(*texts: str) -> list[GridCell]:
        return [GridCell(text=t, page=1) for t in texts]

    grid = Grid(page=1, engine="docx", rows=[
        cells("№", "Наименование", "Количество"), cells("1", "Стулья", "1000"),
        cells("2", "Столы", "311"), cells("", "ИТОГО: 1311", "")])
    raw = RawDocument(path="x.docx", sha256="0" * 64, format="docx", pages=1, grids=[grid])
    (table,) = raw_to_report(raw).tables
    assert [(r.label, r.is_total) for r in table.rows] == [
        ("Стулья", False), ("Столы", False), ("ИТОГО: 1311", True)]
