"""The style generator's metamorphic test (issue 18): one report model rendered in many styles
through reportlab, python-docx and python-pptx must read back as the same records (tables,
rows, labels, every cell's measure/source/value/status) and the same findings as the model.

The short run is here; the long one is ``tools/synth_run.py --n 300``.  A rendering the
current reader gets wrong is marked ``xfail(strict=True)`` with the failure family: when a
reader fix makes it pass, the mark has to go.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from svodka.schemas import Severity
from tests.synth.compare import Diff, compare, expected_report, read_and_compare
from tests.synth.layout import layouts
from tests.synth.model import draw_model
from tests.synth.render import available_fonts, has_soffice, render
from tests.synth.styles import RENDERERS, draw_style, format_value

pytestmark = pytest.mark.skipif(not available_fonts(), reason="no Cyrillic TrueType font")


def run(tmp_path: Path, seed: int, renderer: str, model_pins: dict[str, Any] | None = None,
        table_pins: dict[str, Any] | None = None, split: bool = False, **pins: Any) -> Diff:
    model = draw_model(seed, **(model_pins or {}))
    style = draw_style(seed, model, renderer=renderer, table_pins=table_pins, **pins)
    if split:  # the style really cuts a row's label at a page break
        assert any(line.tail for layout in layouts(model, style) for page in layout.pages
                   for line in page)
    path = render(model, style, tmp_path)
    return read_and_compare(model, style, path)


def known(params: list[tuple[Any, ...]], failing: dict[Any, str]) -> list[Any]:
    """Parameters with the renderings the current reader fails marked xfail (strict)."""
    out = []
    for p in params:
        reason = failing.get(p if len(p) > 1 else p[0])
        marks = [pytest.mark.xfail(strict=True, reason=f"issue 18: {reason}")] if reason else []
        out.append(pytest.param(*p, marks=marks, id="-".join(str(x) for x in p)))
    return out


# --- the generator itself -------------------------------------------------------------------


@pytest.mark.parametrize("seed", [3, 11, 29])
def test_model_sums_hold_and_injected_errors_are_found(seed: int) -> None:
    clean = draw_model(seed, n_errors=0, plan_table=True)
    style = draw_style(seed, clean, renderer="pdf-ruled")
    assert not [f for f in expected_report(clean, style).findings
                if f.severity is Severity.ERROR]
    model = draw_model(seed, n_errors=2, plan_table=True)
    errors = [f for f in expected_report(model, style).findings if f.severity is Severity.ERROR]
    for injected in model.errors:
        assert any(f.table == injected.table and f.code == injected.code
                   and f.measure is not None and f.measure.value == injected.measure
                   for f in errors), (injected, [f.message for f in errors])


def test_comparison_catches_a_changed_cell_and_a_lost_finding() -> None:
    model = draw_model(7, n_errors=1)
    style = draw_style(7, model, renderer="docx")
    same = expected_report(model, style)
    assert compare(model, style, same).ok
    damaged = same.model_copy(deep=True)
    cell = next(c for r in damaged.tables[0].rows for c in r.cells
                if c.status.value == "number")
    assert cell.value is not None
    cell.value += Decimal(1)
    damaged.findings = [f for f in damaged.findings if f.severity is not Severity.ERROR]
    families = compare(model, style, damaged).families()
    assert families["wrong value"] == 1 and families["missed error"] >= 1


def test_styles_print_figures_as_reports_do() -> None:
    model = draw_model(1)
    style = draw_style(1, model, sep="\u00a0", always_decimal=False, zero="-", na="Х")
    assert format_value(Decimal("16284.5"), style, True) == "16\u00a0284,5"
    assert format_value(Decimal("1320"), style, True) == "1\u00a0320"
    assert format_value(Decimal(0), style, True) == "-"
    assert format_value(Decimal(0), style, True, na=True) == "Х"
    style.always_decimal = True
    assert format_value(Decimal("1320"), style, True) == "1\u00a0320,0"
    assert format_value(Decimal("583000"), style, False) == "583\u00a0000"
    lines = [line for page in layouts(model, style)[0].pages for line in page]
    assert [line.label for line in lines if line.note] == ["в том числе:"] * sum(
        1 for line in lines if line.note)


# --- the short run: random styles over fixed seeds, every renderer --------------------------

SHORT_RUN = [(seed, RENDERERS[seed % len(RENDERERS)]) for seed in range(200, 212)]
SHORT_RUN_FAILING: dict[Any, str] = {
}


@pytest.mark.parametrize(("seed", "renderer"), known(SHORT_RUN, SHORT_RUN_FAILING))
def test_short_run(tmp_path: Path, seed: int, renderer: str) -> None:
    diff = run(tmp_path, seed, renderer)
    assert diff.ok, diff.summary()


# --- one failure family at a time, everything else plain ------------------------------------

PLAIN: dict[str, Any] = {"sep": " ", "na": "х", "zero": "0", "always_decimal": False,
                         "code_dot": "none", "font": "DejaVuSans", "font_size": 8.0,
                         "narrow": False, "landscape": True, "word_tables": False,
                         "cont_title": "same"}
PLAIN_TABLE: dict[str, Any] = {
    "words": {"total": "Всего", "federal": "ФБ", "regional": "РБ", "extrabudgetary": "ВБ"},
    "order": None, "unit_caption": False, "breakdown_line": False, "breaks": [],
    "split_rows": [], "repeat_header": True, "measure_words": ("План", "Факт"),
    "group_header": None,
}
SMALL = {"plan_table": False, "n_errors": 1, "expense_activities": 2}


def plain(**table: Any) -> dict[str, Any]:
    pins = {k: v for k, v in PLAIN_TABLE.items() if v is not None}
    pins.update(table)
    return pins


PLAIN_FAILING: dict[Any, str] = {}


@pytest.mark.parametrize("renderer", known([(r,) for r in RENDERERS], PLAIN_FAILING))
def test_plain_style(tmp_path: Path, renderer: str) -> None:
    diff = run(tmp_path, 31, renderer, SMALL, plain(), **PLAIN)
    assert diff.ok, diff.summary()


CAPTION_FAILING: dict[Any, str] = {}


@pytest.mark.parametrize("repeat_header", known([(True,), (False,)], CAPTION_FAILING))
def test_unit_caption_above_a_continued_unruled_table(tmp_path: Path,
                                                      repeat_header: bool) -> None:
    """Family 1: "(тыс. рублей)" right-aligned above a whitespace table continued on the next
    page (header repeated or not) must neither join the header nor split the table."""
    pins = plain(unit_caption=True, breaks=[14], repeat_header=repeat_header)
    diff = run(tmp_path, 41, "pdf-unruled", SMALL, pins, **PLAIN)
    assert diff.ok, diff.summary()


WORDINGS = {
    "form": {"total": "Всего", "federal": "Федеральный бюджет",
             "regional": "Бюджет субъекта Российской Федерации",
             "extrabudgetary": "Внебюджетные источники"},
    "abbreviated": {"total": "Всего (тыс. руб.)", "federal": "ФБ", "regional": "РБ",
                    "extrabudgetary": "Внебюджет. средства"},
    "region-words": {"total": "Итого", "federal": "Ф.Б.", "regional": "бюджет области",
                     "extrabudgetary": "ВБ"},
    "regional-budget": {"federal": "Фед. бюджет", "regional": "Региональный бюджет",
                        "extrabudgetary": "Внебюджетные средства"},
    "subject-money": {"total": "ВСЕГО", "regional": "Средства субъекта",
                      "extrabudgetary": "Внебюджетные источники*"},
}
WORDING_FAILING: dict[Any, str] = {
}


@pytest.mark.parametrize(("wording", "renderer"), known(
    [("form", "pdf-unruled"), ("abbreviated", "pdf-ruled"), ("region-words", "pdf-unruled"),
     ("regional-budget", "pdf-ruled"), ("subject-money", "docx")], WORDING_FAILING))
def test_header_wording(tmp_path: Path, wording: str, renderer: str) -> None:
    """Family 2: every source column is recognised whatever its wording."""
    diff = run(tmp_path, 53, renderer, SMALL, plain(words=WORDINGS[wording]), **PLAIN)
    assert diff.ok, diff.summary()


NARROW_FAILING: dict[Any, str] = {
}


@pytest.mark.parametrize(("sep", "renderer"), known(
    [("\u00a0", "pdf-ruled"), (" ", "pdf-ruled"), ("\u00a0", "pdf-unruled")], NARROW_FAILING))
def test_numbers_wrapped_in_narrow_cells(tmp_path: Path, sep: str, renderer: str) -> None:
    """Family 3: "16 284,5" printed as "16 284," over "5" reads as 16284.5, never less."""
    pins = {**PLAIN, "narrow": True, "landscape": False, "sep": sep, "always_decimal": True}
    diff = run(tmp_path, 67, renderer, SMALL, plain(), **pins)
    assert diff.ok, diff.summary()


SPLIT_FAILING: dict[Any, str] = {
}


@pytest.mark.parametrize(("renderer", "repeat_header"), known(
    [("pdf-ruled", True), ("pdf-unruled", True), ("pdf-ruled", False)], SPLIT_FAILING))
def test_row_split_by_a_page_break(tmp_path: Path, renderer: str, repeat_header: bool) -> None:
    """Family 4: a row whose label continues on the next page stays one row."""
    pins = plain(breaks=[12], split_rows=[12], repeat_header=repeat_header)
    diff = run(tmp_path, 79, renderer, SMALL, pins, split=True, **PLAIN)
    assert diff.ok, diff.summary()


FACTS_FAILING: dict[Any, str] = {}


@pytest.mark.parametrize(("region", "form", "renderer"), known(
    [("Республики Башкортостан", "ГАУ", "pdf-ruled"),
     ("Ханты-Мансийского автономного округа – Югры", "", "docx"),
     ("Республики Татарстан", "АНО", "pptx")], FACTS_FAILING))
def test_organisation_named_after_a_long_region(tmp_path: Path, region: str, form: str,
                                                renderer: str) -> None:
    """Family 5: the organisation and region are read whole, however many words the region
    has ("ГАУ «Центр кластерного развития Республики Башкортостан»")."""
    diff = run(tmp_path, 97, renderer, {**SMALL, "region": region, "form": form}, plain(),
               **PLAIN)
    assert diff.ok, diff.summary()


@pytest.mark.skipif(not has_soffice(), reason="LibreOffice (soffice) not installed")
@pytest.mark.parametrize("narrow", [False, True])
def test_word_report_exported_to_pdf(tmp_path: Path, narrow: bool) -> None:
    """A Word report exported to PDF by LibreOffice, as "Word → PDF" reports arrive."""
    diff = run(tmp_path, 113, "docx-pdf", SMALL, plain(), **{**PLAIN, "narrow": narrow,
                                                                "landscape": False})
    assert diff.ok, diff.summary()
