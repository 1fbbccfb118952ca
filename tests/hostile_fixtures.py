"""Builders for the hostile fixtures of ``tests/test_hostile.py`` and the fuzz harness.

    .venv/bin/python -m tests.hostile_fixtures [FOLDER]   # default: tests/data/hostile

Small fixtures are committed in ``tests/data/hostile/``; the heavy ones (a content
stream that inflates to gigabytes, 2,000 pages, 3,000 blank pages, a 200-inch page, a
400-megapixel image) are only built by the tests, into a temporary folder.  Everything
is deterministic: the same bytes on every run.
"""

from __future__ import annotations

import io
import re
import sys
import zipfile
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path

import docx
import pikepdf
from pikepdf import Dictionary, Name

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = ROOT / "tests" / "data" / "hostile"
SAMPLE_DOCX = ROOT / "raw" / "smolensk-2017-report.docx"
SAMPLE_PPTX = ROOT / "raw" / "smolensk-2017-deck.pptx"
SAMPLE_PDF = ROOT / "raw" / "smolensk-2017-deck.pdf"
FIXED_TIME = (2020, 1, 1, 0, 0, 0)

# --------------------------------------------------------------------------- PDF


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def text_pdf(pages: Sequence[Sequence[str]], size: tuple[float, float] = (595, 842)) -> pikepdf.Pdf:
    """A PDF whose pages show the given Latin text lines in Helvetica."""
    pdf = pikepdf.new()
    font = pdf.make_indirect(
        Dictionary(Type=Name.Font, Subtype=Name.Type1, BaseFont=Name.Helvetica)
    )
    for lines in pages:
        ops = [f"BT /F1 10 Tf 14 TL 40 {size[1] - 40:g} Td"]
        ops += [f"({_escape(line)}) '" for line in lines]
        ops.append("ET")
        page = pdf.add_blank_page(page_size=size)
        page.Resources = Dictionary(Font=Dictionary(F1=font))
        page.Contents = pdf.make_stream("\n".join(ops).encode("latin-1"))
    return pdf


def pdf_bytes(pdf: pikepdf.Pdf, **save: object) -> bytes:
    buf = io.BytesIO()
    pdf.save(
        buf, compress_streams=False, object_stream_mode=pikepdf.ObjectStreamMode.disable,
        deterministic_id="encryption" not in save, **save,  # type: ignore[arg-type]
    )
    return buf.getvalue()


REPORT_LINES = [
    "Otchet o raskhodovanii subsidii, 2019",
    "Kod   Naimenovanie        Plan     Fakt",
    "1     Fond oplaty truda   942,3    942,3",
    "2     Nachisleniya        284,5    284,5",
    "3     Komandirovki        10,0     12,0",
]


def good_small_pdf() -> bytes:
    return pdf_bytes(text_pdf([REPORT_LINES]))


def truncated_pdf() -> bytes:
    data = good_small_pdf()
    return data[: data.index(b"\nxref")]  # the cross-reference table and trailer are gone


def broken_xref_pdf() -> bytes:
    """Every xref offset is wrong by 7 bytes: pdfminer alone finds no page at all."""
    data = good_small_pdf()
    i = data.index(b"\nxref")
    tail = re.sub(
        rb"(\d{10}) 00000 n", lambda m: b"%010d 00000 n" % (int(m.group(1)) + 7), data[i:]
    )
    return data[:i] + tail


def encrypted_pdf(user: str) -> bytes:
    enc = pikepdf.Encryption(owner="owner-secret", user=user, R=6)
    return pdf_bytes(text_pdf([REPORT_LINES]), encryption=enc)


def no_tables_pdf() -> bytes:
    return pdf_bytes(text_pdf([["Poyasnitelnaya zapiska", "Tablits v etom dokumente net."]]))


def image_only_pdf() -> bytes:
    """One page showing a 64x64 grey image and no text at all (a scan)."""
    pdf = pikepdf.new()
    page = pdf.add_blank_page(page_size=(595, 842))
    image = pdf.make_stream(
        bytes(range(64)) * 64, Type=Name.XObject, Subtype=Name.Image, Width=64, Height=64,
        ColorSpace=Name.DeviceGray, BitsPerComponent=8,
    )
    page.Resources = Dictionary(XObject=Dictionary(Im0=image))
    page.Contents = pdf.make_stream(b"q 500 0 0 700 40 60 cm /Im0 Do Q")
    return pdf_bytes(pdf)


def huge_page_pdf() -> bytes:
    """A 14,400 x 14,400 pt page (the PDF maximum, 5 x 5 m) with a little text."""
    return pdf_bytes(text_pdf([REPORT_LINES], size=(14400, 14400)))


def absurd_page_pdf() -> bytes:
    """A page whose MediaBox is 10^9 points wide and high."""
    pdf = text_pdf([REPORT_LINES])
    pdf.pages[0].MediaBox = pikepdf.Array([0, 0, 10**9, 10**9])
    return pdf_bytes(pdf)


def many_pages_pdf(n: int = 2000) -> bytes:
    """``n`` small pages, each with a few lines of text (one shared content stream)."""
    pdf = text_pdf([REPORT_LINES], size=(300, 200))
    first = pdf.pages[0]
    for _ in range(n - 1):
        page = pdf.add_blank_page(page_size=(300, 200))
        page.Resources = first.Resources
        page.Contents = first.Contents
    return pdf_bytes(pdf)


def stream_bomb_pdf(inflated_mb: int = 640, copies: int = 4) -> bytes:
    """A page whose content is one Flate stream (``inflated_mb`` MiB of blanks, ~1000:1)
    drawn ``copies`` times: gigabytes once decompressed."""
    chunk = b" " * 65536
    comp = zlib.compressobj(1)
    parts = [comp.compress(chunk) for _ in range(inflated_mb * 16)]
    parts.append(comp.flush())
    pdf = pikepdf.new()
    page = pdf.add_blank_page(page_size=(595, 842))
    stream = pikepdf.Stream(pdf, b"".join(parts))
    stream.Filter = Name.FlateDecode
    ref = pdf.make_indirect(stream)
    page.Contents = pikepdf.Array([ref] * copies)
    buf = io.BytesIO()
    pdf.save(buf, compress_streams=False, stream_decode_level=pikepdf.StreamDecodeLevel.none,
             object_stream_mode=pikepdf.ObjectStreamMode.disable, deterministic_id=True)
    return buf.getvalue()


def blank_pages_pdf(n: int = 3000) -> bytes:
    """``n`` A4 pages with nothing on them (no content at all)."""
    pdf = pikepdf.new()
    for _ in range(n):
        pdf.add_blank_page(page_size=(595, 842))
    return pdf_bytes(pdf)


def huge_scan_page_pdf(side: float = 14400) -> bytes:
    """One ``side`` × ``side`` pt page (200 × 200 inches) with ruling lines and no text: a
    scan to OCR, gigabytes when rendered at 300 dpi."""
    pdf = pikepdf.new()
    page = pdf.add_blank_page(page_size=(side, side))
    ops = ["4 w"]
    for k in range(8):
        y = side - 400 - k * 150
        ops.append(f"400 {y:g} m 4400 {y:g} l S")
    for x in (400, 1900, 3400, 4400):
        ops.append(f"{x} {side - 400:g} m {x} {side - 1450:g} l S")
    page.Contents = pdf.make_stream("\n".join(ops).encode())
    return pdf_bytes(pdf)


def huge_image_pdf(side: int = 20000) -> bytes:
    """An A4 page that is one ``side`` × ``side`` grey image (400 megapixels for the
    default), Flate-compressed about 1000:1."""
    comp = zlib.compressobj(1)
    row_block = b"\x80" * 65536
    parts = [comp.compress(row_block) for _ in range(side * side // len(row_block))]
    parts.append(comp.compress(b"\x80" * (side * side % len(row_block))))
    parts.append(comp.flush())
    pdf = pikepdf.new()
    page = pdf.add_blank_page(page_size=(595, 842))
    image = pikepdf.Stream(pdf, b"".join(parts))
    image.Type, image.Subtype, image.Filter = Name.XObject, Name.Image, Name.FlateDecode
    image.Width, image.Height, image.BitsPerComponent = side, side, 8
    image.ColorSpace = Name.DeviceGray
    page.Resources = Dictionary(XObject=Dictionary(Im0=pdf.make_indirect(image)))
    page.Contents = pdf.make_stream(b"q 595 0 0 842 0 0 cm /Im0 Do Q")
    buf = io.BytesIO()
    pdf.save(buf, compress_streams=False, stream_decode_level=pikepdf.StreamDecodeLevel.none,
             object_stream_mode=pikepdf.ObjectStreamMode.disable, deterministic_id=True)
    return buf.getvalue()


# --------------------------------------------------------------------------- Office


def _zip(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(zipfile.ZipInfo(name, FIXED_TIME), data, compress_type=compression)
    return buf.getvalue()


CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
    b'package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/>'
    b"</Types>"
)


def _rels(target: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
        'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
        "schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" "
        f'Target="{target}"/></Relationships>'
    ).encode()


def missing_part_office(kind: str) -> bytes:
    """Content types and relationships present, the main part they point to missing."""
    main = {"pptx": "ppt/presentation.xml", "docx": "word/document.xml"}[kind]
    folder = main.split("/")[0]
    return _zip({
        "[Content_Types].xml": CONTENT_TYPES,
        "_rels/.rels": _rels(main),
        f"{folder}/_rels/other.xml.rels": b"<x/>",
    })


def zip_bomb_office(kind: str, inflated_mb: int = 11) -> bytes:
    """A valid-looking package with one member of zeros compressed ~1000:1."""
    main = {"pptx": "ppt/presentation.xml", "docx": "word/document.xml"}[kind]
    return _zip({
        "[Content_Types].xml": CONTENT_TYPES,
        "_rels/.rels": _rels(main),
        main: b"<x/>",
        f"{main.split('/')[0]}/media/zeros.bin": bytes(inflated_mb * 1024 * 1024),
    })


def _set_text(cell: docx.table._Cell, text: str) -> None:
    paragraph = cell.paragraphs[0]
    runs = paragraph.runs
    if runs:
        runs[0].text = text
        for run in runs[1:]:
            run.text = ""
    else:
        paragraph.add_run(text)


def edited_docx(edit: Callable[[docx.document.Document], None]) -> bytes:
    """The Word sample with ``edit`` applied to it, written with fixed zip times."""
    document = docx.Document(str(SAMPLE_DOCX))
    edit(document)
    buf = io.BytesIO()
    document.save(buf)
    return _refix_zip(buf.getvalue())


def _refix_zip(data: bytes) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    return _zip({info.filename: src.read(info) for info in src.infolist()})


def _garbage_numbers(d: docx.document.Document) -> None:
    row = d.tables[0].rows[2].cells  # 1 | Фонд оплаты труда | 942,3 | 942,3 | …
    for cell, text in zip(row[2:6], ["94#2,3", "NaN", "1e308", "--5"], strict=True):
        _set_text(cell, text)


def _duplicate_codes(d: docx.document.Document) -> None:
    _set_text(d.tables[0].rows[3].cells[0], "1")  # row "2" now also says "1"


def _bad_header(d: docx.document.Document) -> None:
    for r in (0, 1):
        for i, cell in enumerate(d.tables[0].rows[r].cells):
            _set_text(cell, f"qwx{i} zzz")


FORMULAS = ['=HYPERLINK("http://evil.example","x")', "+7 (495) 123-45-67", "-1+2", "@SUM(A1:A9)"]


def _formulas(d: docx.document.Document) -> None:
    for r, text in enumerate(FORMULAS, start=2):
        _set_text(d.tables[0].rows[r].cells[1], text)


def garbage_numbers_docx() -> bytes:
    return edited_docx(_garbage_numbers)


def duplicate_codes_docx() -> bytes:
    return edited_docx(_duplicate_codes)


def bad_header_docx() -> bytes:
    return edited_docx(_bad_header)


def formula_docx() -> bytes:
    return edited_docx(_formulas)


# --------------------------------------------------------------------------- all

SMALL: dict[str, Callable[[], bytes]] = {
    "empty.pdf": lambda: b"",
    "empty.pptx": lambda: b"",
    "html-named.pdf": lambda: b"<!DOCTYPE html><html><body><h1>404 Not Found</h1></body></html>\n",
    "text-named.pdf": lambda: "Отчёт ЦКР за 2019 год\nтаблица будет позже\n".encode(),
    "truncated.pdf": truncated_pdf,
    "broken-xref.pdf": broken_xref_pdf,
    "encrypted-password.pdf": lambda: encrypted_pdf("secret"),
    "encrypted-empty-user.pdf": lambda: encrypted_pdf(""),
    "no-tables.pdf": no_tables_pdf,
    "image-only.pdf": image_only_pdf,
    "huge-page.pdf": huge_page_pdf,
    "absurd-page.pdf": absurd_page_pdf,
    "not-a-zip.pptx": lambda: b"This is a plain text file with a .pptx name.\n" * 4,
    "not-a-zip.docx": lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504),
    "missing-part.pptx": lambda: missing_part_office("pptx"),
    "missing-part.docx": lambda: missing_part_office("docx"),
    "zip-bomb.pptx": lambda: zip_bomb_office("pptx"),
    "zip-bomb.docx": lambda: zip_bomb_office("docx"),
    "garbage-numbers.docx": garbage_numbers_docx,
    "duplicate-codes.docx": duplicate_codes_docx,
    "bad-header.docx": bad_header_docx,
    "formula-injection.docx": formula_docx,
}
"""Committed to tests/data/hostile/ (each well under 100 KB)."""

HEAVY: dict[str, Callable[[], bytes]] = {
    "stream-bomb.pdf": stream_bomb_pdf,
    "pages-2000.pdf": many_pages_pdf,
}
"""Built by the tests only."""

LIMITS: dict[str, Callable[[], bytes]] = {
    "huge-scan-page.pdf": huge_scan_page_pdf,
    "stream-bomb.pdf": stream_bomb_pdf,
    "blank-3000.pdf": blank_pages_pdf,
    "huge-image.pdf": huge_image_pdf,
}
"""The hostile kinds of issue 13 (tests/test_limits.py, bench/run.py --hostile): built by
the tests only."""


def write_all(folder: Path, builders: dict[str, Callable[[], bytes]]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, build in builders.items():
        path = folder / name
        path.write_bytes(build())
        paths.append(path)
    return paths


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else HOSTILE
    for p in write_all(target, SMALL):
        print(f"{p.stat().st_size:>8}  {p}")
