"""The bulk character reader (extract/pdf_chars.py) against the plain one: one pdfium call
per question and character, the way pypdfium2's documentation reads a text page.  Both
must give the same glyphs, bit for bit, on every page of the sample PDFs."""

from __future__ import annotations

import ctypes
from pathlib import Path
from typing import Any

import pdfplumber
import pypdfium2 as pdfium
import pypdfium2.raw as c
import pytest

from svodka.extract import pdf_pdfium
from svodka.extract.pdf_chars import EPS, textpage_to_glyphs
from svodka.extract.pdf_text import BLANKS, Glyph

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"
REALDOCS = ROOT.parent / "shared" / "realdocs"
PDFS = sorted(p for p in CORPUS.glob("*.pdf") if "scan" not in p.name) + sorted(
    (ROOT / "raw").glob("*.pdf")) + sorted(REALDOCS.glob("*.pdf"))


def plain_glyphs(tp: Any, height: float, descents: dict[str, float | None]) -> list[Glyph] | None:
    """Every character asked one by one: generated ones skipped, pdfium's U+0002 a hyphen,
    an unmapped or rotated one or an unknown font → None (pdfminer reads the page)."""
    box, mat = c.FS_RECTF(), c.FS_MATRIX()
    ox, oy = ctypes.c_double(), ctypes.c_double()
    out: list[Glyph] = []
    prev: tuple[Glyph, int] | None = None
    for i in range(c.FPDFText_CountChars(tp)):
        if c.FPDFText_IsGenerated(tp, i):
            prev = None
            continue
        code = c.FPDFText_GetUnicode(tp, i)
        code = 0x2D if code == 2 else code
        if code in (0, 0xFFFD, 0xFFFE, 0xFFFF) or c.FPDFText_HasUnicodeMapError(tp, i):
            return None
        c.FPDFText_GetMatrix(tp, i, mat)
        if abs(mat.b) > EPS or abs(mat.c) > EPS or mat.a <= 0 or mat.d <= 0:
            return None
        obj = c.FPDFText_GetTextObject(tp, i)
        font = c.FPDFTextObj_GetFont(obj)
        name = ctypes.create_string_buffer(256)
        c.FPDFFont_GetBaseFontName(font, name, 256)
        descent = descents.get(name.value.decode("latin-1"))
        if descent is None:
            return None
        size = c.FPDFText_GetFontSize(tp, i) * mat.d
        c.FPDFText_GetLooseCharBox(tp, i, box)
        c.FPDFText_GetCharOrigin(tp, i, ox, oy)
        bottom = height - (oy.value + descent * size)
        glyph = Glyph(chr(code), box.left, box.right, bottom - size, bottom, size)
        key = ctypes.cast(obj, ctypes.c_void_p).value or 0
        if prev is not None and prev[1] == key and prev[0].bottom == bottom:
            ratio = (glyph.x0 - prev[0].x1) / (width := prev[0].x1 - prev[0].x0)
            if width > 0 and round(ratio) >= 1 and abs(ratio - round(ratio)) <= 0.1:
                s = prev[0]
                out += [Glyph(" ", s.x1 + k * width, s.x1 + (k + 1) * width, s.top, s.bottom,
                              s.size) for k in range(round(ratio))]
        prev = (glyph, key) if glyph.text == " " else None
        if glyph.text.isprintable() or glyph.text in BLANKS:
            out.append(glyph)
    return out


def written(path: Path) -> Path:
    """A page of one text object running down (a vertical CID font: one object, a baseline
    a character) beside horizontal text in several fonts, sizes, spacings and a rise."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("HeiseiMin-W3", isVertical=True))
    pdf = canvas.Canvas(str(path))
    pdf.setFont("HeiseiMin-W3", 14)
    pdf.drawString(300, 700, "ABC123")
    text = pdf.beginText(50, 500)
    for font, size, spacing, rise in (("Helvetica", 10, 0, 0), ("Times-Bold", 12, 1.5, 3),
                                      ("Courier", 9, 0, -2)):
        text.setFont(font, size)
        text.setCharSpace(spacing)
        text.setRise(rise)
        text.textOut("Итого 6 979,8  ")
        text.textLine("x")
    pdf.drawText(text)
    pdf.save()
    return path


def test_bulk_reader_on_a_column_of_vertical_text(tmp_path: Path) -> None:
    path = written(tmp_path / "vertical.pdf")
    descents = pdf_pdfium._font_descents(path.read_bytes(), None)
    doc = pdfium.PdfDocument(str(path))
    page = doc[0]
    tp = page.get_textpage()
    try:
        want = plain_glyphs(tp.raw, page.get_height(), descents)
        got = textpage_to_glyphs(tp.raw, page.get_height(), descents)
    finally:
        tp.close()
        page.close()
        doc.close()
    assert want is not None and len({g.bottom for g in want if g.text in "ABC123"}) == 6
    assert got == want


@pytest.mark.parametrize("path", PDFS, ids=lambda p: p.name)
def test_bulk_reader_gives_the_plain_readers_glyphs(path: Path) -> None:
    descents = pdf_pdfium._font_descents(path.read_bytes(), None)
    doc = pdfium.PdfDocument(str(path))
    read = 0
    try:
        for index in range(min(len(doc), 40)):
            page = doc[index]
            tp = page.get_textpage()
            try:
                height = page.get_height()
                want = plain_glyphs(tp.raw, height, descents)
                got = textpage_to_glyphs(tp.raw, height, descents)
                assert got == want, f"{path.name} p. {index + 1}"
                read += want is not None
            finally:
                tp.close()
                page.close()
    finally:
        doc.close()
    assert read or path.parent == REALDOCS  # a sample PDF of ours is read by pdfium


def test_pipeline_reads_pages_with_the_bulk_reader() -> None:
    """page_glyphs (what the PDF reader calls) gives the bulk reader's glyphs."""
    path = CORPUS / "dev03-kaluzhskaya-2020-word-pdf.pdf"
    with pdfplumber.open(path) as pdf:
        glyphs = pdf_pdfium.page_glyphs(pdf.pages[0])
        pdf_pdfium.close_document(pdf)
    assert glyphs and "".join(g.text for g in glyphs[:40]).strip()


def test_merged_document_reads_each_page_as_its_own_file(tmp_path: Path) -> None:
    """Reports merged into one file bring fonts of one name and different metrics (a
    subset with /Descent, another without): each page takes its own fonts' descents, so
    pdfium still reads every page, and reads it as in the file it came from."""
    import pikepdf

    sources = [p for p in PDFS if p.parent == CORPUS]
    merged = pikepdf.new()
    origin: list[tuple[Path, int]] = []
    for src in sources:
        with pikepdf.open(src) as pdf:
            for index in range(min(2, len(pdf.pages))):
                merged.pages.append(pdf.pages[index])
                origin.append((src, index))
    path = tmp_path / "merged.pdf"
    merged.save(path)
    assert pdf_pdfium._font_descents_and_clashes(path.read_bytes(), None)[1]  # names clash
    with pdfplumber.open(path) as pdf:
        got = [pdf_pdfium.page_glyphs(page) for page in pdf.pages]
        pdf_pdfium.close_document(pdf)
    for glyphs, (src, index) in zip(got, origin, strict=True):
        with pdfplumber.open(src) as pdf:
            want = pdf_pdfium.page_glyphs(pdf.pages[index])
            pdf_pdfium.close_document(pdf)
        assert want is not None and glyphs == want, f"{src.name} p. {index + 1}"


def test_file_glyphs_are_the_pipelines() -> None:
    """file_glyphs (the character-reading benchmark) reads what the PDF reader reads."""
    path = CORPUS / "dev05-tomskaya-2021-unruled.pdf"
    with pdfplumber.open(path) as pdf:
        want = [pdf_pdfium.page_glyphs(page) for page in pdf.pages]
        pdf_pdfium.close_document(pdf)
    assert list(pdf_pdfium.file_glyphs(path)) == want and all(want)
