"""extract.pdf on the real corpus files: grids, rows, cells, errors."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pikepdf
import pytest

from svodka.extract.pdf import pdf_to_raw
from svodka.extract.pdf_text import is_number_shaped
from svodka.schemas.errors import SvodkaError
from svodka.schemas.grid import Grid, RawDocument

CORPUS = Path("/work/shared/corpus")
REALDOCS = Path("/work/shared/realdocs")

needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not mounted")
needs_realdocs = pytest.mark.skipif(not REALDOCS.is_dir(), reason="realdocs not mounted")


@cache
def raw(name: str) -> RawDocument:
    folder = CORPUS if name.startswith("dev") else REALDOCS
    return pdf_to_raw(next(folder.glob(f"{name}*.pdf")))


def texts(row: list) -> list[str]:  # type: ignore[type-arg]
    return [c.text for c in row]


def find_row(grids: list[Grid], code: str) -> list[str]:
    for g in grids:
        for row in g.rows:
            if row and row[0].text.rstrip(".") == code:
                return texts(row)
    raise AssertionError(f"no row {code}")


@needs_corpus
def test_dev06_first_grid_header_and_cells() -> None:
    doc = raw("dev06")
    grid = doc.grids[0]
    assert grid.engine == "pdf-ruled" and grid.page == 1
    top, sub = texts(grid.rows[0]), texts(grid.rows[1])
    assert top[:4] == ["N п/п", "Направления расходования субсидии", "Итого", "Итого"]
    assert top[4] == "Бюджет субъекта\nРоссийской Федерации"
    assert grid.rows[0][3].origin == (0, 2)
    assert sub[2:] == ["план", "факт"] * 4
    assert grid.rows[1][0].origin == (0, 0)  # "N п/п" spans both header rows
    row9 = find_row(doc.grids, "9")
    assert row9[2] == "22 948,0"
    assert row9[2:] == [
        "22 948,0", "15 259,1", "0", "0", "21 718,8", "14 414,6", "1 229,2", "844,5"
    ]  # fmt: skip
    assert "Отчет о расходовании субсидии" in grid.context[-1]


@needs_corpus
def test_dev06_wrapped_label_is_one_row() -> None:
    row = find_row(raw("dev06").grids, "9.1")
    assert row[1].count("\n") == 5 and row[1].startswith("Оказание маркетинговых услуг")
    assert row[2:4] == ["4 139,5", "2 478,4"]


@needs_corpus
def test_dev05_unruled_columns() -> None:
    doc = raw("dev05")
    grid = doc.grids[0]
    assert grid.engine == "pdf-words"
    assert texts(grid.rows[0])[4] == "Федеральный\nбюджет"
    assert texts(grid.rows[1])[2:] == ["План", "Факт"] * 4
    row9 = find_row(doc.grids, "9")
    assert len([t for t in row9[2:] if is_number_shaped(t)]) == 8
    assert row9[2:] == ["22056,9", "17571,4", "20530,2", "16067,5", "0", "0", "1526,7", "1503,9"]
    assert find_row(doc.grids, "9.1")[2] == "317,2"


@needs_corpus
def test_dev09_space_grouped_numbers_are_one_cell() -> None:
    row = find_row(raw("dev09").grids, "9")
    assert row[2:] == ["23 990,4", "20 089,8", "0", "0", "22 792,3", "19 209,2", "1 198,1", "880,6"]


@needs_corpus
def test_dev03_continued_table_repeats_header_per_page() -> None:
    doc = raw("dev03")
    expense = [g for g in doc.grids if g.rows[0][1].text.startswith("Направления")]
    assert len({g.page for g in expense}) >= 2
    assert all(texts(g.rows[0])[:2] == texts(expense[0].rows[0])[:2] for g in expense)


@needs_corpus
def test_deck_page_number_is_a_line_not_a_row() -> None:
    doc = raw("dev02")
    page3 = [g for g in doc.grids if g.page == 3]
    assert len(page3) == 1
    assert all(row[0].text != "03" for row in page3[0].rows)
    assert any(line.page == 3 and line.text == "03" for line in doc.lines)
    row = find_row(doc.grids, "9.1")
    assert row[2:] == ["333", "339", "0", "0", "315,7", "321,5", "17,3", "17,5"]  # fmt: skip


@needs_corpus
def test_kpi_v_tom_chisle_is_its_own_row() -> None:
    grids = [g for g in raw("dev02").grids if g.page == 11]
    labels = [row[1].text for row in grids[0].rows]
    assert "в том числе:" in labels


@needs_corpus
def test_scan_reports_no_text_layer(monkeypatch: pytest.MonkeyPatch) -> None:
    from svodka.extract import ocr

    monkeypatch.setattr(ocr, "ocr_available", lambda: False)  # OCR: tests/test_ocr.py
    doc = pdf_to_raw(next(CORPUS.glob("dev08*.pdf")))
    assert doc.format == "image-pdf" and doc.grids == []
    assert [p.code for p in doc.problems] == ["E_NO_TEXT_LAYER"] * doc.pages
    assert [p.page for p in doc.problems] == list(range(1, doc.pages + 1))


@needs_corpus
@pytest.mark.parametrize("name", ["dev02", "dev03", "dev05", "dev06", "dev07", "dev09", "dev10"])
def test_corpus_matches_truth(name: str) -> None:
    doc = raw(name)
    truth = json.loads(next(CORPUS.glob(f"{name}*.truth.json")).read_text())
    found = {
        (row[0].text.rstrip("."), tuple(sorted(c.text for c in row[2:] if c.text)))
        for g in doc.grids
        for row in g.rows
        if len(row) > 2
    }
    rows = [r for t in truth["tables"] for r in t["rows"] if r["code"]]
    hits = sum(
        (r["code"], tuple(sorted(c["raw"].replace("\u00a0", " ") for c in r["cells"] if c["raw"])))
        in found
        for r in rows
    )
    assert hits / len(rows) >= 0.97


@needs_realdocs
def test_budget_execution_never_raises_and_finds_tables() -> None:
    doc = raw("budget-execution")
    assert doc.pages == 46 and not [p for p in doc.problems if p.code.startswith("E_")]
    pages = {g.page for g in doc.grids}
    assert set(range(1, 46)) <= pages
    row = next(r for g in doc.grids for r in g.rows if r[0].text.startswith("Доходы бюджета"))
    assert texts(row)[3] == "121 635 600,00"
    assert all(is_number_shaped(t) for t in texts(row)[3:])


@needs_realdocs
def test_budget_forecast_year_columns() -> None:
    doc = raw("budget-forecast")
    grid = doc.grids[0]
    cells = [c.text for row in grid.rows for c in row]
    assert {"2020 год", "2021 год", "2022 год", "361011.4", "-10190,0"} <= set(cells)


@needs_realdocs
def test_scan_realdoc_is_image_pdf() -> None:
    doc = raw("scan-income")
    # OCR'd when tesseract is installed (tests/test_ocr.py), else a clear error
    assert doc.format == "image-pdf" and doc.problems[0].code in {"E_NO_TEXT_LAYER", "I_OCR"}


def test_not_a_pdf(tmp_path: Path) -> None:
    html = tmp_path / "page.pdf"
    html.write_text("<html><body>not a pdf</body></html>")
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    for path in (html, empty):
        with pytest.raises(SvodkaError) as err:
            pdf_to_raw(path)
        assert err.value.code == "E_NOT_PDF"


def _small_pdf(path: Path, **save: object) -> None:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.save(path, **save)  # type: ignore[arg-type]


def test_encrypted(tmp_path: Path) -> None:
    locked = tmp_path / "locked.pdf"
    _small_pdf(locked, encryption=pikepdf.Encryption(owner="own", user="secret"))
    with pytest.raises(SvodkaError) as err:
        pdf_to_raw(locked)
    assert err.value.code == "E_ENCRYPTED"
    with pytest.raises(SvodkaError) as err:
        pdf_to_raw(locked, password="wrong")
    assert err.value.code == "E_ENCRYPTED"
    assert pdf_to_raw(locked, password="secret").pages == 1


def test_empty_user_password_opens(tmp_path: Path) -> None:
    path = tmp_path / "owner-only.pdf"
    _small_pdf(path, encryption=pikepdf.Encryption(owner="own", user=""))
    doc = pdf_to_raw(path)
    assert doc.pages == 1 and doc.problems[0].code == "I_BLANK_PAGES"  # a blank page, no OCR


@needs_corpus
def test_truncated_pdf_is_read_or_repaired(tmp_path: Path) -> None:
    data = next(CORPUS.glob("dev06*.pdf")).read_bytes()
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(data[: len(data) - 200])  # xref table and trailer gone
    doc = pdf_to_raw(cut)
    assert doc.problems[0].code == "I_REPAIRED"
    assert doc.grids and find_row(doc.grids, "9")[2] == "22 948,0"


def test_garbage_after_header_is_broken(tmp_path: Path) -> None:
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.4\n" + b"\x00garbage" * 50)
    with pytest.raises(SvodkaError) as err:
        pdf_to_raw(path)
    assert err.value.code == "E_BROKEN_PDF"
