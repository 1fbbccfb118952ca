"""Office extractors (pptx, docx, xlsx) on the corpus, the raw/ samples and hostile files."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path
from typing import Any

import docx
import openpyxl
import pytest
from docx.enum.text import WD_BREAK
from pptx import Presentation
from pptx.util import Inches

from svodka.extract.docx import docx_to_raw
from svodka.extract.office import check_bomb
from svodka.extract.pptx import pptx_to_raw
from svodka.extract.xlsx import number_text, xlsx_to_raw
from svodka.schemas import Grid, GridCell, RawDocument, SvodkaError

from .conftest import RAW, corpus_file

DECK = RAW / "smolensk-2017-deck.pptx"
REPORT = RAW / "smolensk-2017-report.docx"
DECK_PDF = RAW / "smolensk-2017-deck.pdf"

# --------------------------------------------------------------------------- helpers

SOURCE_WORDS = (
    ("total", ("всего", "значение")),
    ("federal", ("федерал", "фб")),
    ("regional", ("регион", "субъекта", "рб", "област")),
    ("extrabudgetary", ("внебюдж", "вб")),
)


def column_key(path: list[str]) -> tuple[str, str] | None:
    """(measure, source) a header path names, by the corpus vocabulary."""
    text = " ".join(path).lower()
    measure = "fact" if "факт" in text else "plan"
    for source, words in SOURCE_WORDS:
        if any(re.search(r"(?<![а-я])" + word, text) for word in words):
            return measure, source
    return None


def header_size(grid: Grid) -> int:
    for r, row in enumerate(grid.rows):
        if re.match(r"\d", row[0].text.strip()):
            return r
    return 0


def columns(grid: Grid) -> dict[tuple[str, str], int]:
    h = header_size(grid)
    found: dict[tuple[str, str], int] = {}
    for c in range(2, grid.n_cols):
        key = column_key([grid.rows[r][c].text for r in range(h)])
        if key is not None:
            found.setdefault(key, c)
    return found


def find_row(grids: list[Grid], row: dict[str, Any]) -> tuple[Grid, list[GridCell]]:
    hits = [
        (g, cells)
        for g in grids
        for cells in g.rows[header_size(g) :]
        if (row["code"] and cells[0].text.strip().rstrip(".") == row["code"])
        or (row["code"] is None and row["label"] in (cells[0].text, cells[1].text))
    ]
    assert len(hits) == 1, (row["code"], len(hits))
    return hits[0]


def check_against_truth(doc: RawDocument, truth: dict[str, Any]) -> int:
    """Every truth cell's raw text sits in its row under the header naming its column."""
    checked = 0
    for table in truth["tables"]:
        grids = [g for g in doc.grids if table["title"] in g.context]
        if table["pages"]:
            assert [g.page for g in grids] == table["pages"]
        for row in table["rows"]:
            grid, cells = find_row(grids, row)
            if row["code"]:
                assert cells[1].text.replace("\n", " ") == row["label"]
            where = columns(grid)
            for cell in row["cells"]:
                got = cells[where[(cell["measure"], cell["source"])]]
                assert got.text == cell["raw"], (row["code"], cell)
                if cell["page"] is not None:
                    assert got.page == cell["page"]
                checked += 1
    return checked


def truth_of(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(corpus_file(name).read_text(encoding="utf-8"))
    return data


def rows_by_code(doc: RawDocument, code: str) -> list[list[GridCell]]:
    return [row for g in doc.grids for row in g.rows if row[0].text == code]


# --------------------------------------------------------------------------- corpus


@pytest.fixture(scope="module")
def dev01() -> RawDocument:
    return pptx_to_raw(corpus_file("dev01-tulskaya-2019-deck.pptx"))


@pytest.fixture(scope="module")
def dev04() -> RawDocument:
    return docx_to_raw(corpus_file("dev04-kaluzhskaya-2020-word.docx"))


def test_dev01_deck_matches_truth(dev01: RawDocument) -> None:
    truth = truth_of("dev01-tulskaya-2019-deck.truth.json")
    assert dev01.format == "pptx" and dev01.pages == truth["document"]["pages"] == 12
    assert [g.page for g in dev01.grids] == list(range(3, 12))
    assert check_against_truth(dev01, truth) == 475


def test_dev01_header_repeated_as_first_rows(dev01: RawDocument) -> None:
    expense = [g for g in dev01.grids if g.page in (3, 4, 5, 6)]
    first = [[c.text for c in row] for row in expense[0].rows[:2]]
    assert first[1][2:4] == ["План", "Факт"]
    for grid in expense[1:]:
        assert [[c.text for c in row] for row in grid.rows[:2]] == first


def test_dev01_merged_header_and_boxes(dev01: RawDocument) -> None:
    grid = dev01.grids[0]
    top, below = grid.rows[0], grid.rows[1]
    assert top[2].text == top[3].text == "Всего"
    assert top[2].origin == top[3].origin == (0, 2)
    assert below[0].text == top[0].text == "N п/п" and below[0].origin == (0, 0)
    assert below[2].origin is None
    assert grid.bbox is not None and all(len(r) == 10 for r in grid.rows)
    x0, _, x1, _ = grid.bbox
    for row in grid.rows:
        for left, right in zip(row, row[1:], strict=False):
            assert left.bbox is not None and right.bbox is not None
            assert left.bbox[0] <= right.bbox[0] and x0 <= left.bbox[0] < x1


def test_dev01_lines_and_diagram(dev01: RawDocument) -> None:
    texts = [line.text for line in dev01.lines]
    assert texts[0] == "Центр кластерного развития Тульской области"
    slide12 = [line.text for line in dev01.lines if line.page == 12]
    assert "ЦКР" in slide12 and "Гарантийный фонд" in slide12
    assert all(g.page != 12 for g in dev01.grids)
    assert not any("Фонд оплаты труда" == t for t in texts)


def test_dev04_word_matches_truth(dev04: RawDocument) -> None:
    truth = truth_of("dev04-kaluzhskaya-2020-word.truth.json")
    assert dev04.format == "docx" and dev04.pages == truth["document"]["pages"] == 4
    assert len(dev04.grids) == 3
    assert check_against_truth(dev04, truth) == 451
    assert dev04.lines[0].text == "Центр кластерного развития Калужской области"


# --------------------------------------------------------------------------- samples


@pytest.fixture(scope="module")
def deck() -> RawDocument:
    return pptx_to_raw(DECK)


@pytest.fixture(scope="module")
def report() -> RawDocument:
    return docx_to_raw(REPORT)


def test_sample_deck_layout(deck: RawDocument) -> None:
    assert deck.pages == 20
    assert [g.page for g in deck.grids] == list(range(3, 20))
    assert deck.lines[0].text == "АНО «ЦКР Смоленской области»"
    assert any(line.page == 20 and line.text == "Корпорация развития" for line in deck.lines)
    assert not deck.problems


def test_sample_deck_cells_exact(deck: RawDocument) -> None:
    (plan_9,) = [r for r in rows_by_code(deck, "9") if r[2].text == "10 608,1"]
    assert [c.text for c in plan_9[2:]] == ["10 608,1", "9 705,1", "0", "903"]
    assert [c.text for c in rows_by_code(deck, "2")[2]][2:] == ["4*"]
    assert rows_by_code(deck, "7")[2][2].text == "525000 тыс.рублей"
    assert rows_by_code(deck, "9.2.")[0][0].page == 8
    assert [c.text for c in rows_by_code(deck, "1")[1]][3] == "X"
    assert [c.text for c in rows_by_code(deck, "3")[1]][3] == "Х"


def test_sample_deck_merges_and_context(deck: RawDocument) -> None:
    spending = [g for g in deck.grids if g.page in (3, 4, 5, 6)]
    for grid in spending:
        assert grid.context == [
            "Отчет о расходовании субсидии на обеспечение деятельности центра кластерного "
            "развития в 2017 году"
        ]
        assert [c.text for c in grid.rows[1][2:4]] == ["план", "факт"]
        assert grid.rows[0][5].origin == (0, 4)
    total = spending[-1].rows[-1]
    assert total[0].text == total[1].text == "ИТОГО" and total[1].origin == total[0].origin
    incl = [row for g in deck.grids for row in g.rows if row[1].text == "в том числе:"]
    assert len(incl) == 4 and all(row[-1].text == "в том числе:" for row in incl)


def test_sample_report_docx(report: RawDocument) -> None:
    assert report.format == "docx"
    assert [len(g.rows) for g in report.grids] == [40, 62, 29, 31, 3]
    assert [g.page for g in report.grids] == [1, 3, 6, 8, 9] and report.pages == 9
    plan = report.grids[1]
    assert plan.context[-1].startswith("Смета расходов")
    assert [c.text for c in plan.rows[1][2:]] == ["Всего (тыс. руб.)", "ФБ", "РБ"] + [
        "Внебюджет. средства"
    ]
    assert plan.rows[0][5].origin == (0, 2) and plan.rows[1][0].origin == (0, 0)
    codes = [row[0].text for row in plan.rows]
    assert "9.2." in codes and "9.2.1" in codes and codes[-1] == "ИТОГО"
    label = next(row[1].text for row in plan.rows if row[0].text == "9.5.1")
    assert label.split("\n")[1] == "- Tabtabus-2018 (г. Смоленск) (не менее 4 субъектов МСП)"


def test_sample_pdf_present() -> None:
    assert DECK_PDF.read_bytes()[:5] == b"%PDF-"
    assert DECK_PDF.stat().st_size < 300_000


# --------------------------------------------------------------------------- hostile files

EXTRACTORS = [pptx_to_raw, docx_to_raw, xlsx_to_raw]


@pytest.mark.parametrize("extract", EXTRACTORS)
def test_not_a_zip(tmp_path: Path, extract: Any) -> None:
    path = tmp_path / "fake.pptx"
    path.write_bytes(b"%PDF-1.4 not an office file")
    with pytest.raises(SvodkaError) as info:
        extract(path)
    assert info.value.code == "E_NOT_OFFICE"


def test_ole_file_named(tmp_path: Path) -> None:
    path = tmp_path / "old.docx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    with pytest.raises(SvodkaError) as info:
        docx_to_raw(path)
    assert info.value.code == "E_NOT_OFFICE" and "OLE" in info.value.message


@pytest.mark.parametrize("extract", EXTRACTORS)
def test_missing_parts(tmp_path: Path, extract: Any) -> None:
    path = tmp_path / "parts.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
    with pytest.raises(SvodkaError) as info:
        extract(path)
    assert info.value.code == "E_BROKEN_OFFICE"


def test_missing_main_part(tmp_path: Path) -> None:
    path = tmp_path / "deck.pptx"
    with zipfile.ZipFile(DECK) as src, zipfile.ZipFile(path, "w") as dst:
        for member in src.infolist():
            if member.filename != "ppt/presentation.xml":
                dst.writestr(member, src.read(member))
    with pytest.raises(SvodkaError) as info:
        pptx_to_raw(path)
    assert info.value.code == "E_BROKEN_OFFICE" and "presentation.xml" in info.value.message


def test_garbage_part(tmp_path: Path) -> None:
    path = tmp_path / "report.docx"
    with zipfile.ZipFile(REPORT) as src, zipfile.ZipFile(path, "w") as dst:
        for member in src.infolist():
            data = b"<w:document" if member.filename == "word/document.xml" else src.read(member)
            dst.writestr(member, data)
    with pytest.raises(SvodkaError) as info:
        docx_to_raw(path)
    assert info.value.code == "E_BROKEN_OFFICE"


def test_zip_bomb_ratio(tmp_path: Path) -> None:
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(DECK) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for member in src.infolist():
            dst.writestr(member.filename, src.read(member))
        dst.writestr("ppt/media/zeros.bin", b"\0" * (11 * 1024 * 1024))
    with pytest.raises(SvodkaError) as info:
        pptx_to_raw(path)
    assert info.value.code == "E_ZIP_BOMB"


def test_zip_bomb_total() -> None:
    members = []
    for i in range(3):
        info = zipfile.ZipInfo(f"part{i}.xml")
        info.file_size, info.compress_size = 80 * 1024 * 1024, 40 * 1024 * 1024
        members.append(info)
    check_bomb("x", members[:2])
    with pytest.raises(SvodkaError) as err:
        check_bomb("x", members)
    assert err.value.code == "E_ZIP_BOMB"


# --------------------------------------------------------------------------- built in tmp_path


def test_docx_merges_nesting_and_breaks(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("Заголовок")
    table = document.add_table(rows=3, cols=3)
    table.cell(0, 0).merge(table.cell(1, 0)).text = "№"
    table.cell(0, 1).merge(table.cell(0, 2)).text = "Всего"
    table.cell(1, 1).text, table.cell(1, 2).text = "план", "факт"
    table.cell(2, 0).text = "1."
    nested = table.cell(2, 1).add_table(rows=1, cols=2)
    nested.cell(0, 0).text, nested.cell(0, 1).text = "a", "b"
    table.cell(2, 2).text = "1 320,0"
    document.add_paragraph("после").add_run().add_break(WD_BREAK.PAGE)
    document.add_paragraph("Вторая страница")
    path = tmp_path / "t.docx"
    document.save(str(path))
    doc = docx_to_raw(path)
    (grid,) = doc.grids
    assert doc.pages == 2 and grid.context == ["Заголовок"]
    assert [(c.text, c.origin) for c in grid.rows[1][:2]] == [("№", (0, 0)), ("план", None)]
    assert grid.rows[0][2].text == "Всего" and grid.rows[0][2].origin == (0, 1)
    # python-docx puts an empty paragraph before and after a nested table
    assert grid.rows[2][1].text == "\na\nb\n" and grid.rows[2][2].text == "1 320,0"
    assert [(line.page, line.text) for line in doc.lines][-1] == (2, "Вторая страница")


def test_pptx_groups_and_order(tmp_path: Path) -> None:
    prs = Presentation()
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    slide.shapes.add_textbox(Inches(1), Inches(5), Inches(3), Inches(1)).text_frame.text = "низ"
    group = slide.shapes.add_group_shape()
    group.shapes.add_textbox(Inches(1), Inches(0.2), Inches(3), Inches(1)).text_frame.text = "верх"
    frame = slide.shapes.add_table(2, 2, Inches(1), Inches(2), Inches(4), Inches(1))
    frame.table.cell(0, 0).text = "a\vb"
    path = tmp_path / "g.pptx"
    prs.save(str(path))
    doc = pptx_to_raw(path)
    assert [line.text for line in doc.lines] == ["верх", "низ"]
    (grid,) = doc.grids
    assert grid.context == ["верх"] and grid.rows[0][0].text == "a\nb"
    assert grid.bbox == (72.0, 144.0, 360.0, 216.0)


def test_xlsx_regions_numbers_merges(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "Смета расходов на 2018 год"
    ws.merge_cells("A1:D1")
    ws.append([])
    ws.append(["№", "Мероприятия", "Финансирование", None])
    ws.merge_cells("C3:D3")
    ws.append([None, None, "Всего", "ФБ"])
    ws.merge_cells("A3:A4")
    ws.append(["9.2.", "Обучение", 1320.5, 0.1 + 0.2])
    ws.append([None, "в том числе:"])
    ws.append(["6", "Прирост", 0.05, 942.3])
    ws["C7"].number_format = "0%"
    ws["D7"].number_format = "0.00"
    ws.append([])
    ws.append(["Ключевые показатели"])
    ws.append(["1", "Количество", 150])
    path = tmp_path / "t.xlsx"
    wb.save(path)
    doc = xlsx_to_raw(path)
    assert doc.format == "xlsx" and doc.pages == 1 and len(doc.grids) == 2
    first, second = doc.grids
    assert first.context == ["Смета расходов на 2018 год"]
    assert [c.text for c in first.rows[0]] == ["№", "Мероприятия"] + ["Финансирование"] * 2
    assert first.rows[1][0].origin == (0, 0) and first.rows[0][3].origin == (0, 2)
    assert [c.text for c in first.rows[2]] == ["9.2.", "Обучение", "1320.5", "0.3"]
    assert first.rows[3][1].text == "в том числе:"
    assert [c.text for c in first.rows[4][2:]] == ["5%", "942.30"]
    assert second.context == ["Ключевые показатели"] and second.rows[0][2].text == "150"


@pytest.mark.parametrize(
    ("value", "fmt", "text"),
    [
        (942.3, "General", "942.3"),
        (0.1 + 0.2, "General", "0.3"),
        (5603.0, "General", "5603"),
        (1320, "0.0", "1320.0"),
        (1e-05, "General", "0.00001"),
        (2.675, "#,##0.00", "2.68"),
        (0.05, "0%", "5%"),
        (-0.0, "General", "0"),
    ],
)
def test_number_text(value: float, fmt: str, text: str) -> None:
    assert number_text(value, fmt) == text


def test_docx_text_box_is_read_once(tmp_path: Path) -> None:
    """A paragraph holding a text box (with its mc:Fallback copy) gives the box's text once."""
    from docx import Document
    from lxml import etree

    document = Document()
    paragraph = document.add_paragraph("Отчёт о деятельности")
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    mc = "http://schemas.openxmlformats.org/markup-compatibility/2006"
    box = (
        f'<w:r xmlns:w="{w}" xmlns:mc="{mc}"><mc:AlternateContent>'
        '<mc:Choice Requires="wps"><w:drawing><w:txbxContent><w:p><w:r><w:t>'
        "АНО «ЦКР Смоленской области»</w:t></w:r></w:p></w:txbxContent></w:drawing></mc:Choice>"
        "<mc:Fallback><w:pict><w:txbxContent><w:p><w:r><w:t>"
        "АНО «ЦКР Смоленской области»</w:t></w:r></w:p></w:txbxContent></w:pict></mc:Fallback>"
        "</mc:AlternateContent></w:r>"
    )
    paragraph._p.append(etree.fromstring(box))
    path = tmp_path / "box.docx"
    document.save(str(path))
    raw = docx_to_raw(path)
    texts = [line.text for line in raw.lines]
    assert texts.count("АНО «ЦКР Смоленской области»") == 1
    assert "Отчёт о деятельности" in texts
