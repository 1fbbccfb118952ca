"""OCR of image-only PDF pages (extract.ocr*): geometry without tesseract, then the
scanned corpus document and a real scan when tesseract is installed."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import cv2
import numpy as np
import pytest

from svodka.extract.ocr import _is_dash, _may_be_number, clean_cell_text, regroup_digits
from svodka.extract.ocr_image import (
    _boxes,
    estimate_skew,
    find_tables,
    line_masks,
    remove_specks,
    rotate,
)
from svodka.extract.ocr_orient import parse_osd, text_direction, turn_image
from svodka.extract.ocr_tess import (
    MAX_SIDE,
    MAX_STRIP,
    OcrImageTooLarge,
    _chunks,
    _layout,
    parse_tsv,
    run_tesseract,
    tesseract_available,
)
from svodka.extract.pdf import pdf_to_raw
from svodka.schemas.grid import RawDocument
from tests.conftest import CORPUS, REALDOCS, score_module

needs_tesseract = pytest.mark.skipif(not tesseract_available(), reason="tesseract not installed")


def ruled_image() -> np.ndarray:
    """A 3-row, 4-column ruled table; row 0 has a cell spanning columns 1-2, and
    column 0 spans rows 0-1 (no rule between them)."""
    img = np.full((600, 1200), 255, dtype=np.uint8)
    xs, ys = [100, 400, 700, 1000, 1100], [100, 250, 400, 550]
    for y in ys:
        cv2.line(img, (xs[0], y), (xs[-1], y), 0, 3)
    for x in xs:
        cv2.line(img, (x, ys[0]), (x, ys[-1]), 0, 3)
    img[103:247, 698:703] = 255  # columns 1 and 2 merged in row 0
    img[248:253, 103:397] = 255  # rows 0 and 1 merged in column 0
    return img


def test_find_tables_merges_unruled_neighbours() -> None:
    hmask, vmask = line_masks(255 - ruled_image())
    [table] = find_tables(hmask, vmask)
    spans = {(c.row, c.col): (c.rowspan, c.colspan) for c in table.cells}
    assert spans[(0, 0)] == (2, 1)
    assert spans[(0, 1)] == (1, 2)
    assert spans[(1, 1)] == (1, 1) and spans[(2, 3)] == (1, 1)
    assert len(table.cells) == 4 * 3 - 2


def test_skew_is_found_and_undone() -> None:
    img = rotate(ruled_image(), -0.6)
    angle = estimate_skew(img)
    assert abs(angle - 0.6) <= 0.06
    hmask, vmask = line_masks(255 - rotate(img, angle))
    assert len(find_tables(hmask, vmask)[0].cells) == 10


@pytest.mark.parametrize("height", [601, 603, 1201])
def test_skew_of_odd_sized_pages_is_not_drawn_to_zero(height: int) -> None:
    """Half-integer rows (odd heights) once doubled the profile's sharpness at exactly 0°."""
    img = np.full((height, 1200), 255, dtype=np.uint8)
    for y in range(60, height - 60, 40):
        cv2.line(img, (100, y), (1100, y), 0, 3)
    assert abs(estimate_skew(rotate(img, -0.2)) - 0.2) <= 0.06


@pytest.mark.parametrize(
    ("text", "kind", "want"),
    [
        ("1 806 , 9", "number", "1 806,9"),
        ("Хх", "number", "Х"),
        ("x", "number", "Х"),
        ("о", "number", "0"),
        ("—", "number", "-"),
        ("( 3 235 )", "number", "(3 235)"),
        ("9, 1.", "code", "9.1."),
        ("План", None, "План"),
        ("кластеров {14 субъектов МСП}", None, "кластеров (14 субъектов МСП)"),
    ],
)
def test_clean_cell_text(text: str, kind: str | None, want: str) -> None:
    assert clean_cell_text(text, kind) == want


@pytest.mark.parametrize(
    ("text", "want"),
    [("Е", True), ("к]", True), ("[е)", True), ("1 5О6", True), ("ФБ", False), ("Итого", False)],
)
def test_short_misreadings_are_read_again_as_numbers(text: str, want: bool) -> None:
    assert _may_be_number(text) is want


def test_boxes_match_opencv_statistics() -> None:
    hmask, vmask = line_masks(255 - ruled_image())
    for mask in (hmask, vmask, hmask | vmask):
        n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
        got_labels, boxes = _boxes(mask)
        assert boxes == [tuple(int(v) for v in stats[i, :4]) for i in range(1, n)]
        assert (got_labels == labels).all()
    assert _boxes(np.zeros((5, 5), dtype=np.uint8))[1] == []


def test_specks_are_removed_and_glyphs_kept() -> None:
    ink = np.zeros((40, 40), dtype=np.uint8)
    ink[5:15, 5:15] = 255  # a glyph, 100 px
    ink[30:32, 30:33] = 255  # a speck, 6 px
    out = remove_specks(ink)
    assert out[5:15, 5:15].all() and not out[30:32, 30:33].any()


def test_strips_share_the_work_not_the_height() -> None:
    wide = [np.full((90, 1300), 255, dtype=np.uint8)] * 6  # two-line labels
    narrow = [np.full((30, 150), 255, dtype=np.uint8)] * 150  # numbers
    crops = [*wide, *narrow]
    chunks = _chunks(list(range(len(crops))), crops, jobs=2, per_line=1)
    work = [
        sum(c.shape[1] * max(1.0, c.shape[0] / 45) for c in (crops[i] for i in k)) for k in chunks
    ]
    assert len(chunks) == 2 and max(work) < 1.2 * min(work)
    few = _chunks(list(range(4)), narrow, jobs=2, per_line=1)
    assert len(few) == 1  # too little work for a second tesseract


def test_strips_never_grow_past_their_height() -> None:
    thin = [np.full((30, 60), 255, dtype=np.uint8)] * 2000  # many one-digit cells
    chunks = _chunks(list(range(len(thin))), thin, jobs=2, per_line=1)
    heights = [_layout(k, thin, side_by_side=False)[2] for k in chunks]
    assert sum(len(k) for k in chunks) == len(thin)
    assert max(heights) <= MAX_STRIP + 48 < MAX_SIDE


def test_tesseract_never_gets_an_image_over_its_limit() -> None:
    with pytest.raises(OcrImageTooLarge, match="32767"):
        run_tesseract(np.full((MAX_SIDE + 1, 60), 255, dtype=np.uint8), lang="rus")


def text_page() -> np.ndarray:
    """A page of short horizontal text lines (black on white), 1240 × 1754 px."""
    img = np.full((1754, 1240), 255, dtype=np.uint8)
    rng = np.random.default_rng(3)
    for y in range(150, 1600, 60):
        x = 100
        while x < 1050:
            word = "".join(rng.choice(list("абвгдежзиклмнопрстуф0123456789"), 5))
            cv2.putText(img, word, (x, y), cv2.FONT_HERSHEY_SIMPLEX, 0.9, 0, 2)
            x += 190
    return img


def test_text_direction_tells_sideways_pages() -> None:
    page = text_page()
    assert text_direction(page) == "horizontal"
    assert text_direction(turn_image(page, 180)) == "horizontal"
    assert text_direction(turn_image(page, 90)) == "vertical"
    assert text_direction(turn_image(page, 270)) == "vertical"
    assert text_direction(np.full((800, 600), 255, dtype=np.uint8)) == "unsure"


def test_parse_osd() -> None:
    report = "Orientation in degrees: 270\nRotate: 90\nOrientation confidence: 9.61\n"
    assert parse_osd(report) == (270, 9.61)  # 90° clockwise is 270° counter-clockwise
    assert parse_osd(report.replace("9.61", "0.2")) == (0, 0.0)  # too unsure
    assert parse_osd("") == (0, 0.0)


def test_regroup_digits() -> None:
    assert regroup_digits("(3235)") == "(3 235)"
    assert regroup_digits("17735,3") == "17 735,3"
    assert regroup_digits("0,1032") == "0,1032"
    assert regroup_digits("650") == "650"


def test_dash_shape() -> None:
    assert _is_dash((10, 14, 20, 32))  # 4 px high, 12 px wide
    assert not _is_dash((10, 40, 20, 40))  # a digit
    assert not _is_dash(None)


def test_parse_tsv_keeps_words_and_confidence() -> None:
    head = "\t".join(
        "level page_num block_num par_num line_num word_num left top width height conf text".split()
    )
    rows = ["5\t1\t1\t1\t1\t1\t10\t20\t30\t40\t91.5\t650,2", "4\t1\t1\t1\t1\t0\t0\t0\t9\t9\t-1\t"]
    [word] = parse_tsv("\n".join([head, *rows]))
    assert (word.text, word.conf, word.yc) == ("650,2", 91.5, 40.0)


@needs_tesseract
def test_dash_and_hyphen_told_apart_by_width() -> None:
    from PIL import Image, ImageDraw, ImageFont

    try:
        font = ImageFont.truetype("DejaVuSans.ttf", 42)  # found in the system's font folders
    except OSError:
        pytest.skip("DejaVu Sans not installed")
    img = Image.new("L", (1800, 300), 255)
    draw = ImageDraw.Draw(img)
    draw.text((20, 30), "в интересах 5 МСП - участников кластера", font=font, fill=0)
    draw.text((20, 150), "в интересах 5 МСП – участников кластера", font=font, fill=0)
    words = run_tesseract(np.asarray(img), lang="rus")
    assert [w.text for w in sorted(words, key=lambda w: w.yc) if w.text in "-–"] == ["-", "–"]


def test_no_tesseract_keeps_the_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from svodka.extract import ocr

    monkeypatch.setattr(ocr, "ocr_available", lambda: False)
    path = REALDOCS / "scan-income-statement-2021.pdf"
    if not path.exists():
        pytest.skip("realdocs not present")
    doc = pdf_to_raw(path)
    assert [p.code for p in doc.problems] == ["E_NO_TEXT_LAYER"]
    assert "tesseract" in doc.problems[0].message


# --- with tesseract ---------------------------------------------------------------------


@cache
def _raw(path: Path) -> RawDocument:
    return pdf_to_raw(path)


@needs_tesseract
def test_real_scan_gives_bracketed_negatives() -> None:
    path = REALDOCS / "scan-income-statement-2021.pdf"
    if not path.exists():
        pytest.skip("realdocs not present")
    doc = _raw(path)
    assert doc.format == "image-pdf"
    assert [p.code for p in doc.problems] == ["I_OCR"]
    [grid] = doc.grids
    assert grid.engine == "ocr"
    cells = {c.text for row in grid.rows for c in row}
    assert {"(3 235)", "(37 450)", "328 699", "0,1032"} <= cells
    row8 = next(r for r in grid.rows if r[0].text == "8")
    assert [c.text for c in row8[2:]] == ["204", "4.23.", "(3 235)", "2 186"]
    assert all(c.confidence is not None for c in row8[1:])
    assert any("Сбер Банк" in line for line in grid.context)


@needs_tesseract
def test_scan_corpus_document_scores() -> None:
    path = CORPUS / "dev08-lipetskaya-2018-scan.pdf"
    if not path.exists():
        pytest.skip("shared corpus not present")
    score = score_module()
    from svodka.normalize import raw_to_report

    report = raw_to_report(_raw(path))
    got = json.loads(report.model_dump_json())
    truth = json.loads(path.with_name("dev08-lipetskaya-2018-scan.truth.json").read_text())
    res = score.score_doc(truth, got)
    precision = res["cell_tp"] / max(1, res["cell_got"])
    recall = res["cell_tp"] / res["cell_truth"]
    assert score.f1(precision, recall) >= 0.95, res
    values = [c for t in report.tables for r in t.rows for c in r.cells if c.raw]
    assert values and all(c.confidence is not None for c in values)


# --- scans of any layout, made here from text-layer pages ---------------------------------


def scan_of(
    src: Path, page: int, out: Path, *, angle: float, seed: int, turn: int = 0
) -> Path:
    """One page of a text-layer PDF as a scanner gives it: rasterised at 150 dpi, turned
    ``angle`` degrees, grainy, saved as an image-only PDF (``turn``: laid sideways or
    upside down, degrees counter-clockwise)."""
    import pypdfium2 as pdfium
    from PIL import Image

    doc = pdfium.PdfDocument(src)
    try:
        image = doc[page - 1].render(scale=150 / 72, grayscale=True).to_pil()
    finally:
        doc.close()
    gray = rotate(np.asarray(image.convert("L"), dtype=np.uint8), angle)
    noise = np.random.default_rng(seed).normal(0, 9, gray.shape)
    grainy = np.clip(gray.astype(np.float64) + noise, 0, 255).astype(np.uint8)
    Image.fromarray(turn_image(grainy, turn)).save(out, "PDF", resolution=150.0)
    return out


def one_page(src: Path, page: int, out: Path) -> Path:
    """The same page of the text-layer PDF on its own (its records to compare with)."""
    import pikepdf

    with pikepdf.open(src) as pdf, pikepdf.new() as single:
        single.pages.append(pdf.pages[page - 1])
        single.save(out)
    return out


def _records(path: Path) -> dict[str, object]:
    import svodka

    return json.loads(svodka.read(path).model_dump_json())


@needs_tesseract
@pytest.mark.parametrize(
    ("name", "page", "angle", "engines"),
    [
        pytest.param(  # shaded bands, white gaps, no rules
            "dev02-tulskaya-2019-deck-pdf.pdf", 3, 0.4, {"ocr-ruled"},
            marks=pytest.mark.xfail(strict=True, reason="issue 14 open: cell F1 0.975"),
        ),
        pytest.param(  # whitespace columns only
            "dev05-tomskaya-2021-unruled.pdf", 1, -0.5, {"ocr-words"},
            marks=pytest.mark.xfail(strict=True, reason="issue 14 open: F1 0.93, a header lost"),
        ),
        pytest.param(  # dark rules
            "dev06-yaroslavskaya-2019-grid.pdf", 1, 0.3, {"ocr", "ocr-ruled"},
        ),
    ],
)
def test_scan_reads_as_its_text_layer(
    tmp_path: Path, name: str, page: int, angle: float, engines: set[str]
) -> None:
    from tests.conftest import corpus_file

    src = corpus_file(name)
    text = one_page(src, page, tmp_path / "text.pdf")
    scan = scan_of(src, page, tmp_path / "scan.pdf", angle=angle, seed=page)
    assert pdf_to_raw(scan).format == "image-pdf"
    want, got = _records(text), _records(scan)
    score = score_module()
    res = score.score_doc(want, got)
    assert res["cell_truth"] >= 20, res  # the page holds a table of figures
    precision = res["cell_tp"] / max(1, res["cell_got"])
    recall = res["cell_tp"] / res["cell_truth"]
    assert score.f1(precision, recall) >= 0.98, res
    assert res["label_ok"] >= 0.9 * res["label_n"], res
    assert {t["engine"] for t in got["tables"]} <= engines  # type: ignore[index,union-attr]
    assert res["err_good"] == res["err_got"], res  # never a false error
    assert _found_or_doubted(want, got) == res["err_exp"], res


def _found_or_doubted(want: dict[str, object], got: dict[str, object]) -> int:
    """The expected errors the scan reports at the same place: as errors, or as warnings
    saying OCR read a figure of the sum unsurely (the OCR-doubt policy: a broken sum over
    a figure read below ``OCR_SURE`` is a warning; Tesseract's confidence varies a little
    from one CPU to another, so a figure read at 0.89 on one machine is 0.91 on another)."""
    score = score_module()
    expected = [f for f in want["findings"] if f["severity"] == "error"]  # type: ignore[attr-defined]
    unsure = "OCR прочитало числа неуверенно"
    reported = [f for f in got["findings"]  # type: ignore[attr-defined]
                if f["severity"] == "error"
                or (f["severity"] == "warning" and unsure in f["message"])]
    return sum(any(score.finding_matches(g, e) for g in reported) for e in expected)


@needs_tesseract
def test_scan_turned_sideways_reads_as_upright(tmp_path: Path) -> None:
    """A grid page scanned sideways (turned 90°): turned back before OCR, it gives the same
    records as the same scan upright (within the accuracy of the scan tests: turned back,
    the page is resampled a little differently), and says it was turned."""
    from tests.conftest import corpus_file

    src = corpus_file("dev06-yaroslavskaya-2019-grid.pdf")
    upright = scan_of(src, 1, tmp_path / "upright.pdf", angle=0.3, seed=1)
    sideways = scan_of(src, 1, tmp_path / "sideways.pdf", angle=0.3, seed=1, turn=90)
    want, got = _records(upright), _records(sideways)
    turned = [f["message"] for f in got["findings"] if f["rule"] == "I_OCR_ROTATED"]  # type: ignore[index,union-attr]
    assert turned == [
        "страница 1 (скан) лежала боком или вверх ногами: повёрнута на 270° против часовой "
        "стрелки перед распознаванием"
    ]
    score = score_module()
    res = score.score_doc(want, got)
    assert res["cell_truth"] >= 20, res
    precision = res["cell_tp"] / max(1, res["cell_got"])
    assert score.f1(precision, res["cell_tp"] / res["cell_truth"]) >= 0.98, res
    assert res["label_ok"] >= 0.9 * res["label_n"], res


# --- the page's words completed from the ink ------------------------------------------------


def test_stray_marks_at_a_figures_edges_are_dropped_but_a_code_is_kept() -> None:
    for read, want in [("`811,0", "811,0"), ("‚20 541,6", "20 541,6"), ("[0", "0"),
                       ("570.", "570"), ("5 718,4.", "5 718,4"), ("37,0.", "37,0")]:
        assert clean_cell_text(read, "number") == want
    assert clean_cell_text("4.1.", "number") == "4.1."  # a code in a figure column: unread
    assert clean_cell_text("102:0", "number") == "102:0"  # inside a figure: not a stray


def test_a_second_reading_that_loses_the_decimal_comma_is_not_taken() -> None:
    from svodka.extract.ocr import _agree
    from svodka.extract.ocr_tess import OcrText

    assert _agree(OcrText("811,0", 0.84), OcrText("8110", 0.87)).text == "811,0"
    assert _agree(OcrText("8110", 0.5), OcrText("811,0", 0.9)).text == "811,0"
    assert _agree(OcrText("811,0", 0.5), OcrText("817,0", 0.9)).text == "817,0"


def _word(text: str, x0: float, top: float, x1: float, bottom: float, conf: float = 0.9):  # type: ignore[no-untyped-def]
    from svodka.extract.ocr_words import OcrWord

    return OcrWord(text, conf, x0, top, x1, bottom)


def test_grain_read_as_a_lone_letter_is_dropped_and_a_preposition_kept() -> None:
    from svodka.extract.ocr_words import _lone_letter

    words = [_word("Е", 17, 100, 21, 107), _word("в", 50, 100, 54, 107),
             _word("интересах", 56, 100, 90, 107), _word("Х", 300, 100, 305, 107),
             _word("9", 15, 200, 19, 207, conf=0.0), _word("0", 400, 200, 404, 207)]
    assert [w.text for w in words if not _lone_letter(w, words)] == ["в", "интересах", "Х", "0"]


def test_a_vertical_line_through_a_word_is_a_letter_stroke_unless_it_is_long() -> None:
    from svodka.extract.ocr_words import drop_strokes

    words = [_word("Внебюджет.", 844, 85, 890, 95)]
    stem = {"object_type": "line", "x0": 861.8, "x1": 861.8, "top": 83.8, "bottom": 109.7}
    rule = {"object_type": "line", "x0": 861.8, "x1": 861.8, "top": 80.0, "bottom": 400.0}
    between = {"object_type": "line", "x0": 900.0, "x1": 900.0, "top": 83.8, "bottom": 109.7}
    assert drop_strokes([stem, rule, between], words) == [rule, between]


@needs_tesseract
def test_ink_no_word_covers_is_read_and_added_to_the_page_words() -> None:
    """A lone "0" the page reading missed is found in the ink and read on its own; the
    ink a word already covers is not read again."""
    from PIL import Image, ImageDraw, ImageFont

    from svodka.extract.ocr_missed import complete_words
    from svodka.extract.ocr_words import level_page
    from tests.synth.render import font_path

    path = font_path("DejaVuSans.ttf")
    if path is None:
        pytest.skip("DejaVu fonts not installed")
    scale = 300 / 72
    image = Image.new("L", (1400, 400), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(path), 42)
    draw.text((60, 165), "Итого", font=font, fill=0)
    draw.text((900, 165), "0", font=font, fill=0)
    levelled = level_page(np.asarray(image, dtype=np.uint8), scale)
    left, top, right, bottom = draw.textbbox((60, 165), "Итого", font=font)
    covering = _word("Итого", left / scale, top / scale, right / scale, bottom / scale)
    words = complete_words(levelled, [covering], scale)
    added = [w for w in words if w is not covering]
    assert [w.text for w in added] == ["0"]
    assert 880 / scale < added[0].x0 < added[0].x1 < 960 / scale


def test_a_row_of_a_few_capitals_takes_the_body_size() -> None:
    """ "РБ ВБ" between header lines: its letters are wider than the average, which would
    make it a row of a larger font and cut the header off the table."""
    from svodka.extract.ocr_words import row_sizes

    body = [_word("Фонд", 77, 100, 97, 107), _word("оплаты", 99, 100, 126, 107),
            _word("труда", 128, 100, 150, 107)]
    capitals = [_word("РБ", 640, 80, 655, 88), _word("ВБ", 760, 80, 775, 88)]
    sizes = row_sizes([capitals, body, body])
    assert sizes[0] == sizes[1]


def test_stray_marks_before_a_code_or_a_text_are_dropped() -> None:
    assert clean_cell_text("'9.2.3.", "code") == "9.2.3."
    assert clean_cell_text("`9.3.2.`’", "code") == "9.3.2."
    assert clean_cell_text(".9.2.1.", "code") == "9.2.1."
    assert clean_cell_text("‚Проведение установочной сессии", None) == (
        "Проведение установочной сессии")
    assert clean_cell_text("‘план", None) == "план"
    assert clean_cell_text("(тыс. руб.)", None) == "(тыс. руб.)"  # a bracket opens texts
