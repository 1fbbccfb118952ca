"""validate: the arithmetic of the reports, checked; the wrong cell named where one can be."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from svodka.schemas.report import (
    Cell,
    Document,
    Finding,
    Measure,
    Report,
    Row,
    Severity,
    Source,
    Status,
    Table,
    TableKind,
    Unit,
)
from svodka.validate import Skipped, report_to_findings, table_to_findings
from tests.conftest import CORPUS

P, F = Measure.PLAN, Measure.FACT
T, FB, RB, VB = Source.TOTAL, Source.FEDERAL, Source.REGIONAL, Source.EXTRABUDGETARY

# The seed's column orders.
EXPENSE_COLUMNS = [(P, T), (F, T), (P, RB), (F, RB), (P, FB), (F, FB), (P, VB), (F, VB)]
KPI_COLUMNS = [(P, T), (P, FB), (P, RB), (F, T), (F, FB), (F, RB)]


# --- building tables ---------------------------------------------------------------------


def make_cell(measure: Measure, source: Source, raw: str, unit: Unit | None,
              page: int | None) -> Cell:
    raw = raw.replace("~", " ")  # "6~979,8": a grouped number inside a whitespace-split row
    common: dict[str, Any] = {"measure": measure, "source": source, "raw": raw, "page": page}
    if raw in ("х", "Х", "X", "x"):
        return Cell(status=Status.NOT_APPLICABLE, **common)
    if raw in ("-", "–"):
        return Cell(status=Status.DASH, value=None, **common)
    if raw == "":
        return Cell(status=Status.EMPTY, **common)
    if raw == "?":
        return Cell(status=Status.UNREADABLE, **common)
    text = raw.replace(" ", "").replace(",", ".").rstrip("*%")
    return Cell(status=Status.NUMBER, value=Decimal(text), unit=unit, **common)


def make_row(code: str | None, values: str, columns: list[tuple[Measure, Source]], *,
             label: str = "", unit: Unit | None = Unit.THOUSAND_RUB,
             page: int | None = None) -> Row:
    raws = values.split()
    assert len(raws) == len(columns), (code, raws)
    parent = code.rsplit(".", 1)[0] if code and "." in code else None
    cells = [make_cell(m, s, raw, unit, page) for (m, s), raw in zip(columns, raws, strict=True)]
    return Row(code=code, label=label or (f"Строка {code}" if code else "ИТОГО"),
               parent=parent, is_total=code is None, cells=cells)


def expense_table(lines: str, columns: list[tuple[Measure, Source]] = EXPENSE_COLUMNS,
                  table_id: str = "t1") -> Table:
    """One row per line: ``code values…`` (``ИТОГО`` for the total row), optional ``@page``."""
    rows = []
    for line in lines.strip().splitlines():
        code, _, rest = line.strip().partition(" ")
        page = None
        if "@" in rest:
            rest, _, page_text = rest.partition("@")
            page = int(page_text)
        rows.append(make_row(None if code == "ИТОГО" else code, rest, columns, page=page))
    return Table(id=table_id, kind=TableKind.EXPENSES, rows=rows)


def errors(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity is Severity.ERROR]


def warnings(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity is Severity.WARNING]


def blamed(findings: list[Finding]) -> list[tuple[str, str | None, str, str | None, str, str]]:
    return [
        (f.rule, f.code, f.measure.value if f.measure else "",
         f.source.value if f.source else None, str(f.actual), str(f.expected))
        for f in findings
    ]


# --- 1. the corpus: every truth finding, nothing else --------------------------------------

CORPUS_TRUTHS = sorted(CORPUS.glob("*.truth.json")) if CORPUS.exists() else []


def load_truth(path: Path) -> tuple[Report, dict[str, Any]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    truth = {key: data.pop(key, []) for key in ("findings", "findings_tolerated", "generator")}
    data["findings"] = []
    data["document"].setdefault("sha256", "")
    for table in data["tables"]:
        if table.get("pages") is None:
            table["pages"] = []
    return Report.model_validate(data), truth


def _code(code: str | None) -> str | None:
    return code.rstrip(".") if code else code


def _matches(mine: Finding, truth: dict[str, Any]) -> bool:
    if (mine.table, _code(mine.code), mine.measure and mine.measure.value, mine.rule) != (
        truth["table"], _code(truth["code"]), truth["measure"], truth["rule"]
    ):
        return False
    if mine.source is None or truth["source"] is None:
        return True
    return (mine.source.value == truth["source"]
            and mine.actual == Decimal(truth["actual"])
            and mine.expected == Decimal(truth["expected"]))


@pytest.mark.skipif(not CORPUS_TRUTHS, reason="shared corpus not present")
@pytest.mark.parametrize("path", CORPUS_TRUTHS, ids=lambda p: p.name.split("-")[0])
def test_corpus_errors_and_warnings_match_truth(path: Path) -> None:
    report, truth = load_truth(path)
    mine = report_to_findings(report)
    want = [t for t in truth["findings"] if t["severity"] == "error"]
    allowed = want + truth["findings_tolerated"]

    found = [t for t in want if any(_matches(m, t) for m in errors(mine))]
    correct = [m for m in errors(mine) if any(_matches(m, t) for t in allowed)]
    recall = len(found) / len(want) if want else 1.0
    precision = len(correct) / len(errors(mine)) if errors(mine) else 1.0
    assert (recall, precision) == (1.0, 1.0), blamed(errors(mine))

    want_warnings = sorted(
        (t["table"], t["code"], t["measure"], t["source"], t["actual"], t["expected"])
        for t in truth["findings"] if t["severity"] == "warning"
    )
    got_warnings = sorted(
        (m.table, m.code, m.measure and m.measure.value, m.source and m.source.value,
         str(m.actual), str(m.expected))
        for m in warnings(mine)
    )
    assert got_warnings == want_warnings
    assert all(m.rule == "breakdown" for m in warnings(mine))


# --- 2. the seed's 2017 report -------------------------------------------------------------

SEED_2017_EXPENSES = """
1 942,3 942,3 942,3 942,3 х х 0 0 @3
2 284,5 284,5 284,5 284,5 х х 0 0 @3
3 0 0 0 0 х х 0 0 @3
4 0 0 0 0 х х 0 0 @3
5 0 0 0 0 х х 0 0 @3
6 0 0 0 0 х х 0 0 @3
7 0 0 0 0 0 0 0 0 @3
8 0 0 0 0 х х 0 0 @3
9 5603 4459,3 0 0 5080 3963,3 523 496 @3
9.1 814 339,5 0 0 740 329,8 74 9,7 @3
9.1.1 264 210 0 0 240 210 24 0 @3
9.1.2 286 129,5 0 0 260 119,8 26 9,7 @3
9.1.3 264 0 0 0 240 0 24 0 @3
9.2 664,5 690 0 0 564,5 564,5 100 125,5 @4
9.2.1 134 140 0 0 114 114 20 26 @4
9.2.2 128 120 0 0 108 108 20 12 @4
9.2.3 117,5 150 0 0 97,5 97,5 20 52,5 @4
9.2.4 155 150 0 0 135 135 20 15 @4
9.2.5 130 130 0 0 110 110 20 20 @4
9.3 550 497,5 0 0 500 428 50 69,5 @4
9.3.1 420 455,2 0 0 390 390 30 65,2 @4
9.3.2 130 42,3 0 0 110 38 20 4,3 @4
9.4 121 0 0 0 110 0 11 0 @4
9.4.1 121 0 0 0 110 0 11 0 @4
9.5 1762 1797,6 0 0 1550 1550 212 247,6 @5
9.5.1 746,5 771,5 0 0 646,5 646,5 100 125 @5
9.5.2 131 112,1 0 0 106 106 25 6,1 @5
9.5.3 884,5 914 0 0 797,5 797,5 87 116,5 @5
9.6 465,8 415,8 0 0 415,8 415,8 50 27,7 @5
9.7 88 0 0 0 80 0 8 0 @6
9.8 198 116 0 0 180 116 18 16 @6
9.9 484,2 484,2 0 0 484,2 484,2 0 0 @6
9.10 0 0 0 0 0 0 0 0 @6
9.11 0 0 0 0 0 0 0 0 @6
9.12 380,5 0 0 0 380,5 0 0 0 @6
9.13 75 75 0 0 75 75 0 0 @6
10 150 0 0 0 150 0 0 0 @6
ИТОГО 6~979,8 5~686,1 1~226,8 1~226,8 5~230,0 3~963,3 523,0 496,0 @6
"""

# (code, label, plan Всего ФБ РБ, fact Всего ФБ РБ, unit)
SEED_2017_KPI: list[tuple[str, str, str, Unit | None]] = [
    ("1", "Количество субъектов МСП, получивших государственную поддержку",
     "50 44 6 74 44 30", Unit.COUNT),
    ("2", "Общее количество территориальных кластеров", "2 1 1 4 2 2", Unit.COUNT),
    ("3", "Количество разработанных программ развития", "2 1 1 3 2 1", Unit.COUNT),
    ("4", "Общее количество субъектов МСП – участников кластеров", "32 30 2 34 30 4", Unit.COUNT),
    ("4.1", "количество участников курируемых кластеров", "29 28 1 29 28 1", Unit.COUNT),
    ("4.2", "количество новых участников кластеров", "3 2 1 5 2 3", Unit.COUNT),
    ("5", "Количество созданных рабочих мест", "16 13 3 16 13 3", Unit.COUNT),
    # rows 6 and 8: growth rates printed without "%" — recognised by their wording
    ("6", "Прирост количества созданных рабочих мест", "5 5 5 5 5 5", None),
    ("7", "Объем реализованных товаров (работ, услуг)",
     "500000 500000 0 500000 500000 0", Unit.THOUSAND_RUB),
    ("8", "Прирост объема реализованных товаров (работ, услуг)", "8 8 8 8 8 8", None),
    ("9", "Количество совместных проектов", "3 2 1 3 2 1", Unit.COUNT),
    ("10", "Количество зонтичных брендов", "0 0 0 0 0 0", Unit.COUNT),
    ("11", "Количество проведенных мероприятий", "21 14 7 22 17 5", Unit.COUNT),
    ("11.1", "количество вебинаров, круглых столов", "4 2 2 6 3 3", Unit.COUNT),
    ("11.2", "количество краткосрочных программ обучения", "9 5 4 6 5 1", Unit.COUNT),
    ("11.3", "количество отраслевых мероприятий", "8 7 1 10 9 1", Unit.COUNT),
    ("12", "Количество новых видов товаров", "1 1 0 1 1 0", Unit.COUNT),
    ("13", "Количество услуг, предоставленных субъектам МСП", "35 27 8 58 26 32", Unit.COUNT),
    ("13.1", "содействие в получении поддержки", "12 7 5 32 7 25", Unit.COUNT),
    ("13.2", "маркетинговые услуги", "6 6 0 7 6 1", Unit.COUNT),
    ("13.3", "участие в выставках", "7 7 0 10 9 1", Unit.COUNT),
    ("13.4", "консультационные услуги", "2 2 0 0 0 0", Unit.COUNT),
    ("13.5", "вывод на рынок новых товаров", "1 1 0 3 1 2", Unit.COUNT),
    ("13.6", "подготовка бизнес-планов", "2 2 0 0 0 0", Unit.COUNT),
]


def seed_kpi_table() -> Table:
    rows = [make_row(code, values, KPI_COLUMNS, label=label, unit=unit, page=12)
            for code, label, values, unit in SEED_2017_KPI]
    return Table(id="t2", kind=TableKind.KPI, rows=rows)


def test_seed_2017_expenses_blames_9_6_and_9_8_fact_totals_only() -> None:
    findings, skipped = table_to_findings(expense_table(SEED_2017_EXPENSES))
    assert skipped == []
    assert blamed(findings) == [
        ("sources_sum", "9.6", "fact", "total", "415.8", "443.5"),
        ("sources_sum", "9.8", "fact", "total", "116", "132"),
    ]
    assert all(f.severity is Severity.ERROR and f.table == "t1" for f in findings)
    assert findings[0].message == (
        "стр. 5, строка 9.6, факт, Всего: 415,8 ≠ 0 + 415,8 + 27,7 = 443,5"
    )
    assert findings[1].message == "стр. 6, строка 9.8, факт, Всего: 116 ≠ 0 + 116 + 16 = 132"
    assert [f.page for f in findings] == [5, 6]


def test_seed_2017_kpi_warns_about_13_and_never_touches_growth_rows() -> None:
    findings, skipped = table_to_findings(seed_kpi_table())
    assert errors(findings) == []
    assert blamed(warnings(findings)) == [
        ("breakdown", "13", "plan", "total", "35", "30"),
        ("breakdown", "13", "plan", "federal", "27", "25"),
        ("breakdown", "13", "plan", "regional", "8", "5"),
        ("breakdown", "13", "fact", "total", "58", "52"),
        ("breakdown", "13", "fact", "federal", "26", "23"),
        ("breakdown", "13", "fact", "regional", "32", "29"),
    ]
    assert [s.code for s in skipped] == ["6", "8"]
    assert "темп" in skipped[0].reason


def test_seed_2017_kpi_growth_rows_are_never_flagged_even_when_broken() -> None:
    table = seed_kpi_table()
    for row in table.rows:
        if row.code in ("6", "8"):
            row.cells[0] = make_cell(P, T, "17", None, 12)  # 17 ≠ 5 + 5: not additive anyway
    findings, _ = table_to_findings(table)
    assert {f.code for f in findings} == {"13"}


def test_report_to_findings_orders_tables_and_is_pure() -> None:
    report = Report(
        document=Document(path="seed.pdf", sha256="", format="pdf", pages=20),
        tables=[expense_table(SEED_2017_EXPENSES), seed_kpi_table()],
    )
    before = report.model_dump()
    findings = report_to_findings(report)
    assert report.model_dump() == before
    assert [(f.table, f.code) for f in findings][:3] == [("t1", "9.6"), ("t1", "9.8"), ("t2", "13")]
    assert report_to_findings(report) == findings


# --- 3. the rules one by one ---------------------------------------------------------------

# Всего, ФБ, РБ, ВБ — plan only, like a spending plan ("Смета").
PLAN_COLUMNS = [(P, T), (P, FB), (P, RB), (P, VB)]

SMALL_PLAN = """
1 100,0 х 100,0 0
9 60,5 50,0 0 10,5
9.1 40,0 35,0 0 5,0
9.2 20,5 15,0 0 5,5
10 0 0 0 0
ИТОГО 160,5 50,0 100,0 10,5
"""


def small_plan(changes: dict[tuple[str | None, Source], str] | None = None) -> Table:
    """SMALL_PLAN with cells replaced: ``{("9.1", T): "41,0"}`` (code None: ИТОГО)."""
    table = expense_table(SMALL_PLAN, PLAN_COLUMNS)
    for (code, source), raw in (changes or {}).items():
        row = next(r for r in table.rows if r.code == code)
        index = next(i for i, c in enumerate(row.cells) if c.source is source)
        old = row.cells[index]
        assert old.measure is not None
        row.cells[index] = make_cell(old.measure, source, raw, old.unit, old.page)
    return table


def test_small_plan_is_consistent() -> None:
    assert table_to_findings(small_plan()) == ([], [])


def test_sources_sum_blames_a_leaf_total() -> None:
    findings, _ = table_to_findings(small_plan({("9.1", T): "41,0"}))
    assert blamed(findings) == [("sources_sum", "9.1", "plan", "total", "41.0", "40.0")]
    assert findings[0].message == "строка 9.1, план, Всего: 41,0 ≠ 35,0 + 0 + 5,0 = 40,0"


def test_sources_sum_blames_a_leaf_source_and_shows_x_and_dash() -> None:
    table = small_plan({("1", RB): "90,0", ("1", VB): "-"})
    findings, _ = table_to_findings(table)
    assert blamed(findings) == [("sources_sum", "1", "plan", "regional", "90.0", "100.0")]
    assert findings[0].message == (
        "строка 1, план, РБ: 90,0, ожидается 100,0 "
        "(строка 1, план, Всего: 100,0 ≠ х + 90,0 + - = 90,0)"
    )


def test_sources_sum_names_a_parent_total_and_hides_its_children_sum_consequences() -> None:
    # dev05 t1 9.4: a parent's total changed → sources_sum on the parent, nothing else.
    findings, _ = table_to_findings(small_plan({("9", T): "61,5"}))
    assert blamed(findings) == [("sources_sum", "9", "plan", "total", "61.5", "60.5")]


def test_children_sum_names_a_parent_source() -> None:
    findings, _ = table_to_findings(small_plan({("9", FB): "51,0"}))
    assert blamed(findings) == [("children_sum", "9", "plan", "federal", "51.0", "50.0")]
    assert findings[0].message == "строка 9, план, ФБ: 51,0 ≠ сумма строк 9.1, 9.2 = 50,0"


def test_a_parent_row_changed_consistently_reports_its_column_equations() -> None:
    # 9: Всего 61,5 and ФБ 51,0 — the row still adds up, its children and ИТОГО do not.
    # Two cells of one row changed together: no single cell explains it.
    findings, _ = table_to_findings(small_plan({("9", T): "61,5", ("9", FB): "51,0"}))
    assert blamed(findings) == [
        ("children_sum", "9", "plan", "total", "61.5", "60.5"),
        ("children_sum", "9", "plan", "federal", "51.0", "50.0"),
        ("grand_total", None, "plan", "total", "160.5", "161.5"),
        ("grand_total", None, "plan", "federal", "50.0", "51.0"),
    ]
    assert findings[0].message == "строка 9, план, Всего: 61,5 ≠ сумма строк 9.1, 9.2 = 60,5"


def test_grand_total_names_the_itogo_cell() -> None:
    # dev07 t2: ИТОГО regional changed.
    findings, _ = table_to_findings(small_plan({(None, RB): "1~000,0"}))
    assert blamed(findings) == [("grand_total", None, "plan", "regional", "1000.0", "100.0")]
    assert findings[0].message == (
        "ИТОГО, план, РБ: 1 000,0 ≠ сумма строк 1, 9, 10 = 100,0"
    )


def test_no_single_cell_explains_a_row_and_its_total_both_off() -> None:
    # Row 1 and ИТОГО both say 110 where the sources say 100; every column still adds up,
    # so no single cell is wrong: both rows' equations are reported, source unknown.
    findings, _ = table_to_findings(small_plan({("1", T): "110,0", (None, T): "170,5"}))
    assert blamed(findings) == [
        ("sources_sum", "1", "plan", None, "110.0", "100.0"),
        ("sources_sum", None, "plan", None, "170.5", "160.5"),
    ]
    assert "какая — не установить" in findings[0].message


def test_row_with_total_and_source_changed_together_reports_the_column_equations() -> None:
    # 9.1: Всего 41 and ФБ 36 — the row still adds up, but both columns of 9 break.
    findings, _ = table_to_findings(small_plan({("9.1", T): "41,0", ("9.1", FB): "36,0"}))
    assert blamed(findings) == [
        ("children_sum", "9", "plan", "total", "60.5", "61.5"),
        ("children_sum", "9", "plan", "federal", "50.0", "51.0"),
    ]


def test_two_sources_wrong_in_one_row_are_both_named_when_the_columns_tell() -> None:
    findings, _ = table_to_findings(small_plan({("9.2", FB): "16,0", ("9.2", VB): "9,5"}))
    assert blamed(findings) == [
        ("sources_sum", "9.2", "plan", "federal", "16.0", "15.0"),
        ("sources_sum", "9.2", "plan", "extrabudgetary", "9.5", "5.5"),
    ]


def test_two_errors_in_one_column_are_both_named() -> None:
    findings, _ = table_to_findings(small_plan({("9.1", T): "45,0", ("9.2", T): "20,0"}))
    assert blamed(findings) == [
        ("sources_sum", "9.1", "plan", "total", "45.0", "40.0"),
        ("sources_sum", "9.2", "plan", "total", "20.0", "20.5"),
    ]


def test_a_kpi_row_blames_its_total_when_nothing_else_tells() -> None:
    # dev01 t2 row 2: 7 ≠ 4 + 2; ФБ or РБ could be wrong as well, the total is named.
    table = seed_kpi_table()
    table.rows[1] = make_row("2", "7 4 2 4 2 2", KPI_COLUMNS, unit=Unit.COUNT)
    findings, _ = table_to_findings(table)
    assert blamed(errors(findings)) == [("sources_sum", "2", "plan", "total", "7", "6")]


def test_breakdown_exceeding_the_parent_is_an_error() -> None:
    table = seed_kpi_table()
    table.rows[5] = make_row("4.2", "3 2 1 5 2 3", KPI_COLUMNS, unit=Unit.COUNT)  # unchanged
    table.rows[4] = make_row("4.1", "31 28 3 29 28 1", KPI_COLUMNS, unit=Unit.COUNT)
    findings, _ = table_to_findings(table)
    assert blamed(errors(findings)) == [
        ("breakdown", "4", "plan", "total", "32", "34"),
        ("breakdown", "4", "plan", "regional", "2", "4"),
    ]
    assert "больше итога" in errors(findings)[0].message


def test_expense_children_must_add_up_exactly() -> None:
    # In a spending table a child shortfall is an error (children_sum), not a warning.
    table = expense_table("""
        9 60,5 50,0 0 10,5
        9.1 40,0 35,0 0 5,0
    """, PLAN_COLUMNS)
    findings, _ = table_to_findings(table)
    assert {f.rule for f in findings} == {"children_sum"}
    assert all(f.severity is Severity.ERROR for f in findings)


# --- rounding -------------------------------------------------------------------------------


def one_row(values: str, columns: list[tuple[Measure, Source]] = PLAN_COLUMNS) -> Table:
    return expense_table(f"1 {values}", columns)


def test_rounding_a_coarser_total_is_tolerated() -> None:
    assert table_to_findings(one_row("1~320,0 1~200,00 119,96 0")) == ([], [])
    assert table_to_findings(one_row("1~320,0 1~200,04 119,96 0,05")) == ([], [])


def test_rounding_slack_is_bounded() -> None:
    findings, _ = table_to_findings(one_row("1~320,0 1~200,00 119,90 0"))
    assert blamed(findings) == [("sources_sum", "1", "plan", "total", "1320.0", "1319.90")]


def test_a_tenth_on_one_decimal_figures_is_an_error() -> None:
    findings, _ = table_to_findings(one_row("100,1 50,0 50,0 0"))
    assert blamed(findings) == [("sources_sum", "1", "plan", "total", "100.1", "100.0")]


def test_one_unit_on_whole_numbers_is_an_error() -> None:
    # dev07 t3 row 7: 472 622 ≠ 472 621 + 0.
    findings, _ = table_to_findings(one_row("472~622 472~621 0 0"))
    assert blamed(findings) == [("sources_sum", "1", "plan", "total", "472622", "472621")]


def test_whole_numbers_next_to_decimals_are_exact() -> None:
    # "1 320" in a one-decimal table means 1 320,0: no slack for it.
    findings, _ = table_to_findings(one_row("1~320 1~200 119,5 0"))
    assert len(findings) == 1


# --- non-additive rows and unreadable cells -----------------------------------------------


@pytest.mark.parametrize("label, unit, raw", [
    ("Прирост объема реализованных товаров", Unit.COUNT, "9"),
    ("Темп роста выручки", Unit.COUNT, "9"),
    ("Средняя численность работников", Unit.COUNT, "9"),
    ("Доля субъектов МСП, получивших поддержку", Unit.COUNT, "9"),
    ("Отношение объема услуг к субсидии", Unit.COUNT, "9"),
    ("Количество услуг", Unit.PERCENT, "9"),
    ("Количество услуг", None, "9%"),
])
def test_non_additive_rows_are_skipped(label: str, unit: Unit | None, raw: str) -> None:
    row = make_row("6", f"{raw} 5 5 5 5 5", KPI_COLUMNS, label=label, unit=unit)
    table = Table(id="t2", kind=TableKind.KPI, rows=[row])
    findings, skipped = table_to_findings(table)
    assert findings == []
    assert len(skipped) == 1 and skipped[0].code == "6"
    assert isinstance(skipped[0], Skipped) and skipped[0].reason


def test_counts_mentioning_small_and_medium_business_are_additive() -> None:
    label = "Количество субъектов малого и среднего предпринимательства"
    row = make_row("1", "9 5 5 5 5 5", KPI_COLUMNS, label=label, unit=Unit.COUNT)
    findings, skipped = table_to_findings(Table(id="t", kind=TableKind.KPI, rows=[row]))
    assert skipped == [] and {f.code for f in findings} == {"1"}


def test_a_non_additive_child_stops_the_parent_check() -> None:
    table = Table(id="t", kind=TableKind.KPI, rows=[
        make_row("4", "10 5 5 10 5 5", KPI_COLUMNS, unit=Unit.COUNT),
        make_row("4.1", "60 30 30 60 30 30", KPI_COLUMNS, label="доля новых участников",
                 unit=Unit.COUNT),
    ])
    findings, skipped = table_to_findings(table)
    assert findings == [] and [s.code for s in skipped] == ["4.1"]


@pytest.mark.parametrize("status_raw", ["?", ""])
@pytest.mark.parametrize("column", [0, 2])
def test_an_unreadable_or_empty_cell_stops_its_equation(status_raw: str, column: int) -> None:
    table = one_row("100,1 50,0 50,0 0")
    old = table.rows[0].cells[column]
    assert old.measure is not None and old.source is not None
    table.rows[0].cells[column] = make_cell(old.measure, old.source, status_raw, None, None)
    assert table_to_findings(table) == ([], [])


def test_other_tables_are_not_checked() -> None:
    table = one_row("100,1 50,0 50,0 0")
    table.kind = TableKind.OTHER
    assert table_to_findings(table) == ([], [])


@pytest.mark.skipif(not CORPUS_TRUTHS, reason="shared corpus not present")
def test_any_single_changed_figure_in_a_spending_table_is_named_exactly() -> None:
    """Every number of dev06's spending table, raised by one unit of its last printed digit
    (the smallest error there is), gives one error naming that very cell."""
    report, _ = load_truth(CORPUS / "dev06-yaroslavskaya-2019-grid.truth.json")
    table = report.tables[0]
    assert table.kind is TableKind.EXPENSES and table_to_findings(table)[0] == []
    checked = 0
    for row in table.rows:
        for c, cell in enumerate(row.cells):
            if cell.status is not Status.NUMBER or cell.value is None:
                continue
            assert cell.measure is not None and cell.source is not None
            step = Decimal(1).scaleb(-len(cell.raw.partition(",")[2]))
            raw = str(cell.value + step).replace(".", ",")
            row.cells[c] = make_cell(cell.measure, cell.source, raw, cell.unit, cell.page)
            findings, _ = table_to_findings(table)
            row.cells[c] = cell
            assert [(f.code, f.measure, f.source, f.expected) for f in findings] == [
                (row.code, cell.measure, cell.source, cell.value)
            ], (row.code, cell.measure, cell.source)
            checked += 1
    assert checked > 200


def test_a_row_missing_a_source_cell_is_not_summed_and_says_so() -> None:
    # A scan whose federal and extrabudgetary cells were merged into a text column in
    # one row: the row holds Всего and РБ only, and 1 415,4 ≠ 0 is no error.
    table = expense_table("1 100,0 х 90,0 10,0\n2 50,0 х 50,0 0", PLAN_COLUMNS)
    table.rows[1].cells = [c for c in table.rows[1].cells if c.source in (T, RB)]
    table.rows[1].cells[0] = make_cell(P, T, "1~415,4", Unit.THOUSAND_RUB, None)
    findings, skipped = table_to_findings(table)
    assert findings == []
    assert any(s.code == "2" and "нет ячейки графы" in s.reason for s in skipped)
    table.rows[0].cells[0] = make_cell(P, T, "101,0", Unit.THOUSAND_RUB, None)
    findings, _ = table_to_findings(table)  # the complete row is still checked
    assert blamed(findings) == [("sources_sum", "1", "plan", "total", "101.0", "100.0")]


def test_grand_total_is_not_checked_over_a_table_that_starts_mid_hierarchy() -> None:
    # A continuation page not joined to its start: 9.9.3 and 10 then ИТОГО; summing
    # ИТОГО over the top-level row 10 alone would blame a right total.
    table = expense_table("9.9.3 5,0 x 5,0 0\n10 7,0 x 7,0 0\nИТОГО 120,0 x 120,0 0",
                          PLAN_COLUMNS)
    findings, skipped = table_to_findings(table)
    assert findings == []
    assert any("ИТОГО не проверено" in s.reason and "9.9.3" in s.reason for s in skipped)
    whole = expense_table("1 5,0 x 5,0 0\n2 7,0 x 7,0 0\nИТОГО 13,0 x 13,0 0", PLAN_COLUMNS)
    findings, _ = table_to_findings(whole)  # a whole table is still checked
    assert [f.rule for f in errors(findings)] == ["grand_total"] * len(errors(findings))
    assert errors(findings)
