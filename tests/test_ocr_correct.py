"""validate.ocr_correct: OCR misreadings fixed by the table's own sums, real errors never hidden.

Both directions: a look-alike digit OCR got wrong is put right when the row and column sums
pin it; a typing error in the report itself stays an error (it is not one look-alike swap, or
the cell was read with high confidence, or the arithmetic does not say which cell it is).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from svodka.schemas.report import Cell, Document, Report, Severity, Status, Table
from svodka.validate import report_to_findings, report_to_ocr_corrections
from svodka.validate.ocr_correct import (
    CONFIDENCE_THRESHOLD,
    RULE,
    table_to_ocr_corrections,
    variants,
)
from tests.conftest import CORPUS
from tests.test_ocr import _raw, needs_tesseract
from tests.test_validate import (
    CORPUS_TRUTHS,
    _matches,
    errors,
    expense_table,
    load_truth,
    make_cell,
)

LOW, HIGH = 0.41, 0.96

# Row 9 = 9.1 + 9.2 in every column; each row's Всего = Бюджет субъекта + ФБ + ВБ.
# Columns: plan/fact Всего, plan/fact РБ, plan/fact ФБ, plan/fact ВБ ("~" groups digits).
TRUE_LINES = """
9 1~565,8 1~417,2 0 0 1~365,8 1~300 200 117,2 @3
9.1 1~335,8 1~217,2 0 0 1~135,8 1~100 200 117,2 @3
9.2 230 200 0 0 230 200 0 0 @3
"""


def scanned(lines: str,
            read: dict[tuple[str | None, int], tuple[str, float]] | None = None) -> Table:
    """The table as OCR read it: every cell at high confidence except ``read``:
    (code, column index) → (text read, confidence)."""
    table = expense_table(lines)
    for row in table.rows:
        for index, cell in enumerate(row.cells):
            cell.confidence = HIGH
            if read and (row.code, index) in read:
                text, confidence = read[(row.code, index)]
                assert cell.measure is not None and cell.source is not None
                row.cells[index] = make_cell(cell.measure, cell.source, text, cell.unit,
                                             cell.page)
                row.cells[index].confidence = confidence
    return table


def cell(table: Table, code: str, index: int) -> Cell:
    return next(r for r in table.rows if r.code == code).cells[index]


def as_report(table: Table) -> Report:
    return Report(document=Document(path="scan.pdf", sha256="", format="image-pdf", pages=1),
                  tables=[table])


# --- the OCR direction: misreadings put right ------------------------------------------------


def test_misread_3_as_8_is_corrected_and_the_reading_kept() -> None:
    report = as_report(scanned(TRUE_LINES, {("9.1", 0): ("1~385,8", LOW)}))
    fixed, found = report_to_ocr_corrections(report)

    got = cell(fixed.tables[0], "9.1", 0)
    assert (got.status, got.value, got.ocr_raw_value) == (
        Status.OCR_CORRECTED, Decimal("1335.8"), Decimal("1385.8"))
    assert (got.raw, got.confidence) == ("1 385,8", LOW)
    assert [(f.severity, f.rule, f.code, f.actual, f.expected) for f in found] == [
        (Severity.INFO, RULE, "9.1", Decimal("1385.8"), Decimal("1335.8"))]
    assert found[0].message == ("стр. 3, строка 9.1, план, Всего: распознано 1 385,8, "
                                "по арифметике 1 335,8 (замена 8→3, уверенность OCR 0,41)")
    assert report_to_findings(fixed) == []  # the corrected figure adds up everywhere
    # the input is left as it was (a pure function)
    assert cell(report.tables[0], "9.1", 0).status is Status.NUMBER


def test_dropped_comma_is_corrected() -> None:
    table = scanned(TRUE_LINES, {("9", 1): ("14172", 0.3)})
    fixed, found = table_to_ocr_corrections(table)
    got = cell(fixed, "9", 1)
    assert (got.status, got.value, got.ocr_raw_value) == (
        Status.OCR_CORRECTED, Decimal("1417.2"), Decimal("14172"))
    assert "пропущена запятая" in found[0].message


def test_two_misreadings_in_different_rows_and_columns_are_both_corrected() -> None:
    table = scanned(TRUE_LINES, {("9.1", 0): ("1~385,8", LOW), ("9.2", 5): ("260", LOW)})
    fixed, found = table_to_ocr_corrections(table)
    assert [(f.code, f.expected) for f in found] == [("9.1", Decimal("1335.8")),
                                                     ("9.2", Decimal("200"))]
    assert report_to_findings(as_report(fixed)) == []


def test_variants_are_single_look_alike_swaps_or_a_dropped_comma() -> None:
    got = {value for value, _ in variants(Decimal("1806.9"))}
    assert Decimal("1086.9") not in got  # two digits swapped is a typing error, not OCR
    assert got == {Decimal(v) for v in ("7806.9", "1306.9", "1866.9", "1896.9", "1800.9",
                                        "1805.9", "1806.0")}
    assert {value for value, _ in variants(Decimal("605"))} == {
        Decimal(v) for v in ("505", "665", "695", "606", "60.5", "6.05")}


# --- never: high confidence, ambiguity, real typing errors -----------------------------------


def test_high_confidence_cell_is_never_changed() -> None:
    table = scanned(TRUE_LINES, {("9.1", 0): ("1~385,8", CONFIDENCE_THRESHOLD)})
    fixed, found = table_to_ocr_corrections(table)
    assert (fixed, found) == (table, [])
    assert [(f.code, f.expected) for f in errors(report_to_findings(as_report(fixed)))] == [
        ("9.1", Decimal("1335.8"))]


def test_one_equation_does_not_say_which_cell_was_misread() -> None:
    # A lone row: its sources sum pins a value, but not whether Всего or a source is wrong.
    table = scanned("""
9.1 1~385,8 1~217,2 0 0 1~135,8 1~100 200 117,2
""", {("9.1", 0): ("1~385,8", LOW)})
    fixed, found = table_to_ocr_corrections(table)
    assert (found, cell(fixed, "9.1", 0).status) == ([], Status.NUMBER)
    # broken, but through a figure read unsurely: a warning, not an error
    [finding] = report_to_findings(as_report(fixed))
    assert finding.severity is Severity.WARNING and finding.rule == "sources_sum"
    assert finding.message.endswith("(OCR прочитало числа неуверенно: уверенность до 0,41)")


def test_broken_sum_over_sure_figures_of_a_scan_stays_an_error() -> None:
    table = scanned("""
9.1 1~385,8 1~217,2 0 0 1~135,8 1~100 200 117,2
""")
    [finding] = report_to_findings(as_report(table))
    assert finding.severity is Severity.ERROR and finding.code == "9.1"


def test_broken_sum_beside_a_missed_figure_of_a_scan_is_a_warning() -> None:
    # 9.1 fact ВБ not read at all: the fact Всего may hold; the plan sum is broken
    table = scanned("""
9.1 1~385,8 1~217,2 0 0 1~135,8 1~100 200 117,2
""", {("9.1", 7): ("", 0.0)})
    for c in table.rows[0].cells:
        c.confidence = HIGH if c.raw else None
    findings = report_to_findings(as_report(table))
    assert findings and not errors(findings)
    assert all("пустые ячейки" in f.message for f in findings)


def test_figure_of_a_scan_read_without_its_comma_is_a_warning() -> None:
    # 9.1 plan Всего read surely as "13358" for 1 335,8: the comma was not seen
    table = scanned(TRUE_LINES, {("9.1", 0): ("13358", HIGH)})
    wrong = [f for f in report_to_findings(as_report(table)) if f.code == "9.1"]
    assert wrong and not errors(wrong)
    assert any(f.message.endswith("(похоже, OCR не увидело запятую)") for f in wrong)


def test_scan_table_with_a_structure_doubt_gives_warnings_only() -> None:
    from svodka.schemas.report import Doubt

    table = scanned(TRUE_LINES, {("9.1", 0): ("1~395,8", HIGH)})
    assert errors(report_to_findings(as_report(table)))
    table.doubts = [Doubt(reason="unknown_column", message="графа не распознана")]
    findings = report_to_findings(as_report(table))
    assert findings and not errors(findings)


def test_clashing_header_paths_of_a_scan_make_its_sums_warnings() -> None:
    table = scanned("""
9.1 1~385,8 1~217,2 0 0 1~135,8 1~100 200 117,2
""")
    for i, c in enumerate(table.rows[0].cells):
        c.column = [f"графа {i + 3}"]
    plan, fact = table.rows[0].cells[6:8]  # the ВБ fact column read as a second ВБ plan
    fact.measure = plan.measure
    findings = report_to_findings(as_report(table))
    assert findings and not errors(findings)


def test_two_misread_cells_in_one_row_are_left_alone() -> None:
    # Всего and ФБ of 9.1 plan both misread: no single change makes every sum hold.
    table = scanned(TRUE_LINES, {("9.1", 0): ("1~385,8", LOW), ("9.1", 4): ("1~185,8", LOW)})
    fixed, found = table_to_ocr_corrections(table)
    assert found == []
    named = report_to_findings(as_report(fixed))  # still named, as warnings (read unsurely)
    assert named and all(f.severity is Severity.WARNING for f in named)


def test_two_cells_that_could_each_repair_the_same_sums_are_left_alone() -> None:
    # 9.1 plan Всего misread 1 335,8 → 1 385,8, and row 9 plan ФБ typed 1 415,8 for 1 365,8:
    # 9.1 Всего → 1 335,8 makes its sums hold, and so would 9.1 ФБ 1 135,8 → 1 185,8.
    # Two low-confidence cells explain the same broken row: neither is changed.
    lines = TRUE_LINES.replace("0 0 1~365,8", "0 0 1~415,8")
    table = scanned(lines, {("9.1", 0): ("1~385,8", LOW), ("9.1", 4): ("1~135,8", LOW)})
    fixed, found = table_to_ocr_corrections(table)
    assert (fixed, found) == (table, [])
    assert errors(report_to_findings(as_report(fixed)))


def test_real_typing_error_is_still_reported_even_at_low_confidence() -> None:
    # dev08's injected error: 1 086,9 typed as 1 806,9 — two digits swapped, not a misreading.
    # Read unsurely, it is not corrected and still named, as a warning (the figure may be
    # misread in a way no look-alike swap explains).
    lines = """
9 1~366,9 1~217,2 0 0 1~136,9 1~100 230 117,2
9.1 1~086,9 1~017,2 0 0 957,4 900 129,5 117,2
9.2 280 200 0 0 179,5 200 100,5 0
"""
    table = scanned(lines, {("9.1", 0): ("1~806,9", LOW)})
    fixed, found = table_to_ocr_corrections(table)
    assert found == [] and cell(fixed, "9.1", 0).status is Status.NUMBER
    wrong = report_to_findings(as_report(fixed))
    assert [(f.severity, f.rule, f.code, f.actual, f.expected) for f in wrong] == [
        (Severity.WARNING, "sources_sum", "9.1", Decimal("1806.9"), Decimal("1086.9"))]


def test_real_single_digit_typo_at_high_confidence_is_still_reported() -> None:
    # 1 565,8 typed as 1 566,8 *is* a look-alike swap; a sharp scan reads it confidently.
    table = scanned(TRUE_LINES, {("9", 0): ("1~566,8", HIGH)})
    fixed, found = table_to_ocr_corrections(table)
    assert found == []
    assert [(f.code, f.expected) for f in errors(report_to_findings(as_report(fixed)))] == [
        ("9", Decimal("1565.8"))]


# --- both directions on the corpus -------------------------------------------------------------


def _all_low(report: Report, confidence: float = LOW) -> Report:
    report = report.model_copy(deep=True)
    for table in report.tables:
        for row in table.rows:
            for c in row.cells:
                c.confidence = confidence
    return report


@pytest.mark.skipif(not CORPUS_TRUTHS, reason="shared corpus not present")
@pytest.mark.parametrize("path", CORPUS_TRUTHS, ids=lambda p: p.name.split("-")[0])
def test_injected_errors_survive_even_if_every_cell_were_read_with_low_confidence(
    path: Path,
) -> None:
    """The worst case for hiding errors: the whole report read by a hesitant OCR.  Every
    injected error is still named (as a warning: every figure is doubtful)."""
    report, truth = load_truth(path)
    fixed, found = report_to_ocr_corrections(_all_low(report))
    mine = [f for f in report_to_findings(fixed) if f.severity is not Severity.INFO]
    want = [t for t in truth["findings"] if t["severity"] == "error"]
    assert all(any(_matches(m, t) for m in mine) for t in want), found
    assert found == []  # the truths' figures are right; nothing there is a misreading


@pytest.mark.skipif(not CORPUS_TRUTHS, reason="shared corpus not present")
def test_look_alike_misreadings_in_a_corpus_table_are_mostly_put_right() -> None:
    """Figures of dev06's expense table misread in every look-alike way, one at a time."""
    report, _ = load_truth(next(p for p in CORPUS_TRUTHS if p.name.startswith("dev06")))
    table = report.tables[0]
    tried = fixed_right = wrong = 0
    for r, row in enumerate(table.rows):
        for i, c in enumerate(row.cells):
            if c.status is not Status.NUMBER or c.value is None or r % 12:
                continue
            for value, _ in variants(c.value):
                misread = table.model_copy(deep=True)
                misread.rows[r].cells[i] = c.model_copy(update={"value": value,
                                                                "confidence": LOW})
                got, found = table_to_ocr_corrections(misread)
                tried += 1
                fixed_right += got.rows[r].cells[i].value == c.value and len(found) == 1
                wrong += len(found) > 0 and got.rows[r].cells[i].value != c.value
    assert tried > 50
    assert wrong == 0  # never a wrong figure
    assert fixed_right / tried > 0.8, (fixed_right, tried)


# --- the real scan ---------------------------------------------------------------------------


@needs_tesseract
def test_scan_injected_error_is_still_reported() -> None:
    path = CORPUS / "dev08-lipetskaya-2018-scan.pdf"
    if not path.exists():
        pytest.skip("shared corpus not present")
    from svodka.normalize import raw_to_report

    report, found = report_to_ocr_corrections(raw_to_report(_raw(path)))
    truth, _ = load_truth(path.with_name("dev08-lipetskaya-2018-scan.truth.json"))
    values: dict[tuple[str | None, str | None, object, object], Decimal | None] = {
        (t.id, r.code, c.measure, c.source): c.value
              for t in truth.tables for r in t.rows for c in r.cells}
    for f in found:  # a correction, if any, puts the printed figure back
        assert (f.severity, values[(f.table, f.code, f.measure, f.source)]) == (
            Severity.INFO, f.expected), f.message
    wrong = errors(report_to_findings(report))
    assert any((f.table, f.code, f.measure and f.measure.value, f.source and f.source.value,
                f.actual, f.expected)
               == ("t1", "9.1", "plan", "total", Decimal("1806.9"), Decimal("1086.9"))
               for f in wrong), [f.message for f in wrong]


def test_children_sum_of_a_scan_with_a_gap_in_the_child_numbers_is_a_warning() -> None:
    # 9.1's row not read (its code misread, or the row missed): 9 then has the child 9.2
    # only, and 9 ≠ 9.2 alone must not blame 9, which is right.
    lines = "\n".join(x for x in TRUE_LINES.splitlines() if not x.startswith("9.1 "))
    findings = report_to_findings(as_report(scanned(lines)))
    assert findings and not errors(findings)
    assert all("номера подстрок идут с пропуском" in f.message
               for f in findings if f.rule == "children_sum")
    # the same sums over a text layer (no confidence) stay errors
    assert errors(report_to_findings(as_report(expense_table(lines))))


def test_a_sure_figure_of_a_scan_without_the_comma_its_column_shows_is_doubted() -> None:
    # "1 335,8" read surely as "133588" (comma lost, a digit doubled): the broken sums
    # through it are warnings; the same figure with a comma, as in its column, errs.
    lines = TRUE_LINES.replace("9.2 230 200 0 0 230 200", "9.2 230,0 200,0 0 0 230,0 200,0")
    table = scanned(lines, {("9.1", 0): ("133~588", HIGH)})
    findings = report_to_findings(as_report(table))
    assert findings and not errors(findings)
    assert any("нет запятой" in f.message for f in findings)
    table = scanned(lines, {("9.1", 0): ("1~385,8", HIGH)})
    assert errors(report_to_findings(as_report(table)))
