"""Characters and ruling geometry of a PDF page read with pdfium (the fast path).

pdfminer (under pdfplumber) interprets every content stream in Python and is
where almost all of the time of a PDF went; pdfium does the same in C, about
twenty times faster.  This module gives the same records pdfplumber would:
characters as ``Glyph`` (pdfminer's box: advance width × font size, bottom at
the font's descent) and ruling lines/rectangles as pdfplumber-shaped dicts
(``x0``, ``x1``, ``top``, ``bottom``, ``object_type``), so the table engines
cannot tell the sources apart.

    page_glyphs(page)             glyphs (pdfium), or None → ``chars_to_glyphs``
    page_rules(page)              the page's lines and rects (pdfium when the glyphs were)
    page_paint(page)              what a page without visible glyphs paints: images (and
                                  their decoded size), painted paths, shadings; None
                                  when pdfium cannot open the file
    page_glyphs_and_rules(page)   pdfplumber page → (glyphs, lines, rects), or
                                  None when pdfium cannot stand in exactly
                                  (rotated page, offset media box, rotated or
                                  unmapped characters, pdfium cannot open the
                                  file): the caller then reads the page with
                                  pdfminer as before.
    file_glyphs(path)             every page's glyphs as page_glyphs reads them, without
                                  pdfplumber and without the rules (the benchmark of
                                  character reading against plain pypdfium2)

The pdfium document is opened once per pdfplumber document (from the same
stream, with the same password) and closed by ``close_document``.
"""

from __future__ import annotations

import ctypes
import io
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pikepdf
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from pdfminer.fontmetrics import FONT_METRICS

from svodka.extract.pdf_chars import EPS, textpage_to_glyphs
from svodka.extract.pdf_text import Glyph

Rules = list[dict[str, Any]]
Matrix = tuple[float, float, float, float, float, float]

@dataclass
class _Doc:
    pdfium: Any
    descents: dict[str, float | None]
    """Font base name (no subset tag) → pdfminer's descent per point of size; None: unknown
    (or fonts of that name differ: then each page's own fonts tell, ``_page_descents``)."""
    ambiguous: frozenset[str]
    """Names fonts of different metrics share (documents merged into one file)."""
    pike: Any
    """The file opened with pikepdf, kept while a page's own fonts may be needed (None when
    no name is ambiguous)."""

    def close(self) -> None:
        self.pdfium.close()
        if self.pike is not None:
            self.pike.close()


def _open(data: bytes, password: str | None, *, keep_pike: bool = False) -> _Doc:
    """The file opened by pdfium, its fonts' descents read with pikepdf; the pikepdf handle
    stays open when ``keep_pike`` or when a font name is ambiguous."""
    pike = pikepdf.open(io.BytesIO(data), password=password or "")
    try:
        descents, ambiguous = _descents_in(pike)
        handle = pdfium.PdfDocument(data, password=password or None)
    except BaseException:
        pike.close()
        raise
    if keep_pike or ambiguous:
        return _Doc(handle, descents, ambiguous, pike)
    pike.close()
    return _Doc(handle, descents, ambiguous, None)


_DOCS: weakref.WeakKeyDictionary[Any, _Doc | None] = weakref.WeakKeyDictionary()
"""pdfplumber ``PDF`` → its pypdfium2 ``PdfDocument`` (or None: pdfium could not open it)."""


_RULES: weakref.WeakKeyDictionary[Any, tuple[Rules, Rules]] = weakref.WeakKeyDictionary()
"""pdfplumber page → its lines and rects, read together with its glyphs."""


def page_glyphs(page: Any) -> list[Glyph] | None:
    """The glyphs of a pdfplumber page read by pdfium (rules kept for ``page_rules``)."""
    try:
        fast = page_glyphs_and_rules(page)
    except pdfium.PdfiumError:
        fast = None
    if fast is None:
        return None
    glyphs, lines, rects = fast
    _RULES[page] = (lines, rects)
    return glyphs


def page_rules(page: Any) -> tuple[Rules, Rules]:
    """Line and rect objects of a page: pdfium's when its glyphs came from pdfium."""
    rules = _RULES.pop(page, None)
    return rules if rules is not None else (page.lines, page.rects)


def page_glyphs_and_rules(page: Any) -> tuple[list[Glyph], Rules, Rules] | None:
    """Glyphs, line objects and rect objects of a pdfplumber page, read by pdfium."""
    if page.rotation or page.mediabox[0] or page.mediabox[1]:
        return None
    doc = _document(page.pdf)
    if doc is None:
        return None
    ppage = doc.pdfium[page.page_number - 1]
    try:
        height = float(page.height)
        glyphs = _glyphs(ppage, height, _descents_on(doc, page.page_number - 1))
        if glyphs is None:
            return None
        lines, rects = _rules(ppage, height)
        return glyphs, lines, rects
    finally:
        ppage.close()


def file_glyphs(path: Path, password: str | None = None) -> Iterator[list[Glyph] | None]:
    """The glyphs of every page of a PDF, as ``page_glyphs`` reads them (None for a page
    pdfium cannot stand in for): the file opened by pdfium, its fonts' descents and page
    boxes read with pikepdf (the page height in the file's own precision)."""
    doc = _open(path.read_bytes(), password, keep_pike=True)
    handle = doc.pdfium
    try:
        for index in range(len(handle)):
            x0, y0, _, y1 = (float(v) for v in doc.pike.pages[index].mediabox)
            if int(doc.pike.pages[index].obj.get("/Rotate", 0)) % 360 or x0 or y0:
                yield None
                continue
            ppage = handle[index]
            try:
                yield _glyphs(ppage, y1 - y0, _descents_on(doc, index))
            finally:
                ppage.close()
    finally:
        doc.close()


@dataclass
class Paint:
    """What a page paints besides text."""

    images: int = 0
    image_bytes: int = 0
    """Bytes its images decode to (width × height × 4)."""
    largest: tuple[int, int] = (0, 0)
    """Pixel size of its largest image."""
    paths: int = 0
    shadings: int = 0

    @property
    def blank(self) -> bool:
        return not (self.images or self.paths or self.shadings)


def page_paint(page: Any) -> Paint | None:
    """Images, painted paths and shadings of a pdfplumber page, forms included (pdfium)."""
    doc = _document(page.pdf)
    if doc is None:
        return None
    ppage = doc.pdfium[page.page_number - 1]
    try:
        paint = Paint()
        count = pdfium_c.FPDFPage_CountObjects(ppage.raw)
        _add_paint([pdfium_c.FPDFPage_GetObject(ppage.raw, i) for i in range(count)], paint)
        return paint
    finally:
        ppage.close()


def _add_paint(objs: list[Any], paint: Paint) -> None:
    for obj in objs:
        kind = pdfium_c.FPDFPageObj_GetType(obj)
        if kind == pdfium_c.FPDF_PAGEOBJ_IMAGE:
            _add_image(obj, paint)
        elif kind == pdfium_c.FPDF_PAGEOBJ_PATH:
            fill, stroke = ctypes.c_int(), ctypes.c_int()
            pdfium_c.FPDFPath_GetDrawMode(obj, fill, stroke)
            paint.paths += bool(fill.value or stroke.value)
        elif kind == pdfium_c.FPDF_PAGEOBJ_SHADING:
            paint.shadings += 1
        elif kind == pdfium_c.FPDF_PAGEOBJ_FORM:
            n = pdfium_c.FPDFFormObj_CountObjects(obj)
            _add_paint([pdfium_c.FPDFFormObj_GetObject(obj, i) for i in range(n)], paint)


def _add_image(obj: Any, paint: Paint) -> None:
    """Counted from the image's size alone (nothing is decoded), at four bytes a pixel:
    what pdfium's bitmap of a colour image takes."""
    width, height = ctypes.c_uint(), ctypes.c_uint()
    pdfium_c.FPDFImageObj_GetImagePixelSize(obj, width, height)
    size = (int(width.value), int(height.value))
    paint.images += 1
    paint.image_bytes += size[0] * size[1] * 4
    paint.largest = max(paint.largest, size, key=lambda s: s[0] * s[1])


def close_document(pdf: Any) -> None:
    """Close the pdfium document opened for a pdfplumber document, if any."""
    doc = _DOCS.pop(pdf, None)
    if doc is not None:
        doc.close()


def _document(pdf: Any) -> _Doc | None:
    if pdf in _DOCS:
        return _DOCS[pdf]
    doc: _Doc | None = None
    try:
        stream = pdf.stream
        stream.seek(0)
        data = stream.read()
        doc = _open(data, pdf.password)
        if len(doc.pdfium) != len(pdf.pages):
            doc.close()
            doc = None
    except (pdfium.PdfiumError, pikepdf.PdfError):
        doc = None
    _DOCS[pdf] = doc
    return doc


def _font_descents(data: bytes, password: str | None) -> dict[str, float | None]:
    """pdfminer's font descent (``PDFFont.get_descent``) for every font of the file, by name.

    pdfminer takes /Descent from the font descriptor (0 when absent, forced negative;
    the standard 14 fonts from their AFM metrics); pdfium would fall back to the
    font program, so the value is read here from the file itself.
    """
    return _font_descents_and_clashes(data, password)[0]


def _font_descents_and_clashes(data: bytes, password: str | None
                               ) -> tuple[dict[str, float | None], frozenset[str]]:
    """``_font_descents`` and the names two fonts of different descent share (None there)."""
    with pikepdf.open(io.BytesIO(data), password=password or "") as pdf:
        return _descents_in(pdf)


def _descents_in(pdf: pikepdf.Pdf) -> tuple[dict[str, float | None], frozenset[str]]:
    found = _descents_of(obj for obj in pdf.objects if isinstance(obj, pikepdf.Dictionary))
    clashes = frozenset(name for name, value in found.items() if value is _CLASH)
    return {k: (None if v is _CLASH else v) for k, v in found.items()}, clashes


_CLASH: Any = object()


def _descents_of(objects: Iterator[Any]) -> dict[str, Any]:
    """Font name → descent of the font dictionaries among ``objects`` (``_CLASH`` where two
    of one name differ)."""
    out: dict[str, Any] = {}
    for obj in objects:
        if "/BaseFont" not in obj:
            continue
        subtype = str(obj.get("/Subtype", ""))
        if subtype not in ("/Type1", "/MMType1", "/TrueType", "/Type0", "/Type3"):
            continue
        name = str(obj.BaseFont).lstrip("/")
        value = _descent(obj, subtype, name)
        key = name.split("+", 1)[1] if len(name) > 7 and name[6] == "+" else name
        out[key] = _CLASH if key in out and out[key] != value else value
    return out


def _descents_on(doc: _Doc, index: int) -> dict[str, float | None]:
    """The descents for page ``index``: the file's, and where a name is shared by fonts of
    different metrics (a file merged from several documents), the page's own fonts'."""
    if not doc.ambiguous:
        return doc.descents
    return {**doc.descents, **_page_descents(doc.pike.pages[index], doc.ambiguous)}


def _page_descents(page: pikepdf.Page, names: frozenset[str]) -> dict[str, float | None]:
    """Descents of the fonts named ``names`` that ``page`` uses (its resources and those of
    its forms); a name still shared by two fonts of the page is unknown (None)."""
    found = _descents_of(_page_fonts(page.obj))
    return {k: (None if v is _CLASH else v) for k, v in found.items() if k in names}


def _page_fonts(page: Any) -> Iterator[Any]:
    """The font dictionaries of a page's resources and of the forms it draws, each
    resource dictionary visited once (forms often share their page's, or draw each other)."""
    seen: set[tuple[int, int]] = set()
    todo = [page]
    while todo:
        resources = todo.pop().get("/Resources")
        if not isinstance(resources, pikepdf.Dictionary) or _visited(resources, seen):
            continue
        fonts = resources.get("/Font")
        if isinstance(fonts, pikepdf.Dictionary):
            yield from (f for f in fonts.values() if isinstance(f, pikepdf.Dictionary))
        xobjects = resources.get("/XObject")
        if isinstance(xobjects, pikepdf.Dictionary):
            todo += [x for x in xobjects.values() if isinstance(x, pikepdf.Stream)
                     and x.get("/Subtype") == "/Form" and not _visited(x, seen)]


def _visited(obj: Any, seen: set[tuple[int, int]]) -> bool:
    """Whether an indirect object was seen before; marks it seen.  (Form XObjects are
    streams, always indirect: a cycle of forms always ends here.)"""
    key = obj.objgen
    if key == (0, 0):
        return False
    if key in seen:
        return True
    seen.add(key)
    return False


def _descent(font: Any, subtype: str, name: str) -> float | None:
    if subtype == "/Type3":
        return None
    if subtype == "/Type0":
        kids = font.get("/DescendantFonts")
        if not isinstance(kids, pikepdf.Array) or len(kids) == 0:
            return None
        font = kids[0]
    elif name in FONT_METRICS:
        metrics: dict[str, Any] = FONT_METRICS[name][0]
        return -abs(float(metrics.get("Descent", 0))) / 1000
    descriptor = font.get("/FontDescriptor")
    if not isinstance(descriptor, pikepdf.Dictionary):
        return 0.0
    value = descriptor.get("/Descent", 0)
    try:
        return -abs(float(value)) / 1000
    except (TypeError, ValueError):
        return None


def _glyphs(ppage: Any, height: float, descents: dict[str, float | None]) -> list[Glyph] | None:
    """pdfminer-shaped glyphs of a page; None when a character needs pdfminer."""
    textpage = ppage.get_textpage()
    try:
        return textpage_to_glyphs(textpage.raw, height, descents)
    finally:
        textpage.close()


def _rules(ppage: Any, height: float) -> tuple[Rules, Rules]:
    """Straight lines and axis-aligned rectangles, classified as pdfminer does."""
    lines: Rules = []
    rects: Rules = []
    for obj, matrix in _path_objects(ppage.raw):
        for pts, closed in _subpaths(obj, matrix):
            _classify(pts, closed, height, lines, rects)
    return lines, rects


def _path_objects(raw_page: Any) -> Iterator[tuple[Any, Matrix]]:
    """Every painted path object, with its matrix, forms (XObjects) included."""
    count = pdfium_c.FPDFPage_CountObjects(raw_page)
    yield from _walk([pdfium_c.FPDFPage_GetObject(raw_page, i) for i in range(count)], None)


def _walk(objs: list[Any], outer: Matrix | None) -> Iterator[tuple[Any, Matrix]]:
    fs = pdfium_c.FS_MATRIX()
    for obj in objs:
        kind = pdfium_c.FPDFPageObj_GetType(obj)
        if kind not in (pdfium_c.FPDF_PAGEOBJ_PATH, pdfium_c.FPDF_PAGEOBJ_FORM):
            continue
        pdfium_c.FPDFPageObj_GetMatrix(obj, fs)
        m: Matrix = (fs.a, fs.b, fs.c, fs.d, fs.e, fs.f)
        if outer is not None:
            m = _compose(m, outer)
        if kind == pdfium_c.FPDF_PAGEOBJ_PATH:
            fill, stroke = ctypes.c_int(), ctypes.c_int()
            pdfium_c.FPDFPath_GetDrawMode(obj, fill, stroke)
            if fill.value or stroke.value:
                yield obj, m
        else:
            n = pdfium_c.FPDFFormObj_CountObjects(obj)
            yield from _walk([pdfium_c.FPDFFormObj_GetObject(obj, i) for i in range(n)], m)


def _compose(inner: Matrix, outer: Matrix) -> Matrix:
    a, b, c, d, e, f = inner
    A, B, C, D, E, F = outer
    return (
        a * A + b * C,
        a * B + b * D,
        c * A + d * C,
        c * B + d * D,
        e * A + f * C + E,
        e * B + f * D + F,
    )


def _subpaths(obj: Any, m: Matrix) -> Iterator[tuple[list[tuple[float, float] | None], bool]]:
    """Subpaths as transformed points (None marks a curve segment) and whether closed."""
    x, y = ctypes.c_float(), ctypes.c_float()
    a, b, c, d, e, f = m
    pts: list[tuple[float, float] | None] = []
    closed = False
    for i in range(pdfium_c.FPDFPath_CountSegments(obj)):
        seg = pdfium_c.FPDFPath_GetPathSegment(obj, i)
        kind = pdfium_c.FPDFPathSegment_GetType(seg)
        pdfium_c.FPDFPathSegment_GetPoint(seg, x, y)
        if kind == pdfium_c.FPDF_SEGMENT_MOVETO and pts:
            yield pts, closed
            pts, closed = [], False
        pt = (a * x.value + c * y.value + e, b * x.value + d * y.value + f)
        pts.append(None if kind == pdfium_c.FPDF_SEGMENT_BEZIERTO else pt)
        closed = closed or bool(pdfium_c.FPDFPathSegment_GetClose(seg))
    if pts:
        yield pts, closed


def _same(p: tuple[float, float], q: tuple[float, float]) -> bool:
    return abs(p[0] - q[0]) <= EPS and abs(p[1] - q[1]) <= EPS


def _classify(
    pts: list[tuple[float, float] | None], closed: bool, height: float, lines: Rules, rects: Rules
) -> None:
    """pdfminer's ``paint_path``: 2 points → line; closed axis-aligned 4 points → rect."""
    if any(p is None for p in pts) or len(pts) < 2:
        return  # curves (and lone moves) are neither lines nor rects
    points = [p for p in pts if p is not None]
    if len(points) > 2 and _same(points[-1], points[0]):
        points.pop()  # the closing point (pdfium adds it for 'h' and for a repeated start)
        closed = True
    if len(points) == 2:
        lines.append(_record("line", points, height))
    elif len(points) == 4 and closed:
        (x0, y0), (x1, y1), (x2, y2), (x3, y3) = points
        square = (
            abs(x0 - x1) <= EPS and abs(y1 - y2) <= EPS
            and abs(x2 - x3) <= EPS and abs(y3 - y0) <= EPS
        ) or (
            abs(y0 - y1) <= EPS and abs(x1 - x2) <= EPS
            and abs(y2 - y3) <= EPS and abs(x3 - x0) <= EPS
        )
        if square:
            rects.append(_record("rect", points, height))


def _record(kind: str, points: list[tuple[float, float]], height: float) -> dict[str, Any]:
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    return {
        "object_type": kind,
        "x0": min(xs),
        "x1": max(xs),
        "top": height - max(ys),
        "bottom": height - min(ys),
    }

