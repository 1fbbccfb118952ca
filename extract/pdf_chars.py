"""The characters of a pdfium text page as pdfminer-shaped glyphs, read in bulk.

pdfium answers questions about characters one character at a time, and a ctypes call
costs far more than pdfium's answer.  So every question is put for the whole page in one
``map`` over the character indices, its answers written straight into ctypes arrays
(``_bulk``): Python runs no bytecode per call.  Questions whose answer a text object
fixes for all its characters (matrix, font size, font, descent) are put once per object
(``_objects``).  The origin is put once per text object and loose-box bottom and top
(``_bottoms``): pdfium puts a character's loose box the font's descent and ascent
(numbers of the object) below and above its origin, so characters of one object whose
boxes share bottom and top share a baseline.  Where a font has no ascent and descent the
boxes are the glyphs' outlines; outlines of one height at one height still share one.

The glyphs are those of the character-at-a-time reader this replaces, bit for bit:
tests/test_pdf_chars.py reads every sample PDF both ways (one pdfium call per question and
character there), and a generated page of vertical writing, one object a column.

    textpage_to_glyphs(tp, height, descents)   glyphs, or None when a character needs
                                               pdfminer (unmapped, rotated, unknown font)
"""

from __future__ import annotations

import collections
import ctypes
import functools
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, cast

import pypdfium2.raw as pdfium_c

from svodka.extract.pdf_text import BLANKS, Glyph

UNMAPPED = frozenset(map(chr, (0, 0xFFFD, 0xFFFE, 0xFFFF)))
"""Characters pdfium gives for a code it could not map to unicode."""
EPS = 1e-3
"""Points: coordinates this close are equal (pdfium stores float32, pdfminer float64)."""
LINE_END_HYPHEN = "\ufffe"
"""What GetText writes for pdfium's mark of a hyphen that ends a line (U+0002)."""

def textpage_to_glyphs(tp: Any, height: float, descents: dict[str, float | None]
                       ) -> list[Glyph] | None:
    """Every character of a pdfium text page (``FPDF_TEXTPAGE``) as a glyph (top-left
    origin, page ``height``), in pdfium's order; ``descents``: pdfminer's descent by font
    base name.  None when a character needs pdfminer."""
    page = _bulk(tp)
    objects = _objects(page, descents)
    if objects is None or page.text is None or _unmapped(page):
        return None
    sizes = list(map({obj: o.size for obj, o in objects.items()}.get, page.objects))
    placed = [
        None if size is None else Glyph(ch, x0, x1, bottom - size, bottom, size)
        for ch, x0, x1, bottom, size in zip(page.text, page.boxes[0::4], page.boxes[2::4],
                                           _bottoms(page, objects, height), sizes, strict=True)
    ]
    return _with_spaces(page, placed)


@dataclass
class _Page:
    """What pdfium tells of every character of a text page."""

    raw: int
    """The text page's address."""
    objects: list[int]
    """Address of each character's text object; 0 for the characters pdfium generates
    (spaces and line breaks between text objects)."""
    boxes: list[float]
    """Loose boxes, four floats a character: left, top, right, bottom (PDF axes)."""
    text: str | None
    """One character a character index; None when one is unmapped."""


@dataclass
class _Object:
    """What a text object fixes for all its characters."""

    size: float
    """Font size on the page (points)."""
    descent: float
    """Descent below the baseline in points, as pdfminer takes it."""


def _bulk(tp: Any) -> _Page:
    fast = _fast()
    raw = ctypes.cast(tp, ctypes.c_void_p).value or 0
    count = pdfium_c.FPDFText_CountChars(tp)
    index = range(count)
    objects = list(map(fast.text_object, itertools.repeat(raw, count), index))
    boxes = (pdfium_c.FS_RECTF * count)()
    _drain(map(fast.loose_box, itertools.repeat(raw, count), index,
               _addresses(boxes, ctypes.sizeof(pdfium_c.FS_RECTF), count)))
    flat = cast(list[float], memoryview(boxes).cast("B").cast("f").tolist()) if count else []
    return _Page(raw, objects, flat, _page_text(raw, count, objects))


def _page_text(raw: int, count: int, objects: list[int]) -> str | None:
    """The page's characters in one call, one per character index (pdfium's text buffer
    leaves out control characters: then they are asked one by one); None when a drawn
    character is unmapped."""
    if count <= 0:
        return ""
    buf = ctypes.create_string_buffer(2 * (count + 1))
    got = _fast().get_text(raw, 0, count, ctypes.addressof(buf))
    text = buf.raw[: 2 * max(got - 1, 0)].decode("utf-16-le", "surrogatepass")
    if len(text) != count:
        text = "".join(_unicode(raw, i) for i in range(count))
    if LINE_END_HYPHEN in text:
        text = "".join(_unicode(raw, i) if ch == LINE_END_HYPHEN else ch
                       for i, ch in enumerate(text))
    drawn = {ch for ch, obj in zip(text, objects, strict=True) if obj}
    return None if drawn & UNMAPPED else text


def _unicode(raw: int, index: int) -> str:
    code = _fast().get_unicode(raw, index)
    return "-" if code == 2 else chr(code)  # pdfium marks a hyphen ending a line U+0002


def _objects(page: _Page, descents: dict[str, float | None]) -> dict[int, _Object] | None:
    """Every text object of the page, read at one of its characters; None when one needs
    pdfminer."""
    one = dict(zip(page.objects, range(len(page.objects)), strict=True))
    one.pop(0, None)
    fonts: dict[int, float | None] = {}
    out: dict[int, _Object] = {}
    for obj, index in one.items():
        found = _object(page, index, obj, descents, fonts)
        if found is None:
            return None
        out[obj] = found
    return out


def _object(page: _Page, index: int, obj: int, descents: dict[str, float | None],
            fonts: dict[int, float | None]) -> _Object | None:
    """The text object of character ``index``; None for rotated, skewed or mirrored text
    (pdfminer's box is not axis-aligned) and for a font whose descent is unknown."""
    fast = _fast()
    mat = fast.matrix
    fast.get_matrix(page.raw, index, ctypes.addressof(mat))
    if abs(mat.b) > EPS or abs(mat.c) > EPS or mat.a <= 0 or mat.d <= 0:
        return None
    font = fast.text_font(obj)
    if font not in fonts:
        fonts[font] = descents.get(_base_name(font))
    descent = fonts[font]
    if descent is None:
        return None
    size = fast.font_size(page.raw, index) * mat.d
    return _Object(size, descent * size)


def _unmapped(page: _Page) -> bool:
    """A character pdfium could not map to unicode."""
    count = len(page.objects)
    return any(map(_fast().map_error, itertools.repeat(page.raw, count), range(count)))


def _bottoms(page: _Page, objects: dict[int, _Object], height: float) -> list[float]:
    """The bottom of each character's glyph box (top-left origin: the baseline plus the
    object's descent; 0 for generated characters), the origin read once per text object
    and loose-box bottom and top: the characters of one object whose boxes share them share
    a baseline."""
    keys = list(zip(page.objects, page.boxes[3::4], page.boxes[1::4], strict=True))
    one = dict(zip(keys, range(len(keys)), strict=True))  # a character of each
    bottom_of = {key: height - (_origin_y(page.raw, i) + objects[key[0]].descent)
                 if key[0] else 0.0 for key, i in one.items()}
    return list(map(bottom_of.__getitem__, keys))


def _with_spaces(page: _Page, placed: list[Glyph | None]) -> list[Glyph]:
    """The glyphs to keep (printable or blank), with the spaces pdfium collapsed put back
    (``_dropped_spaces``)."""
    text = page.text or ""
    hidden = {ch for ch in set(text) if not (ch.isprintable() or ch in BLANKS)}
    extra = _collapsed_spaces(text, page.objects, placed)
    if not hidden and not extra:
        return [g for g in placed if g is not None]
    out: list[Glyph] = []
    for i, glyph in enumerate(placed):
        if glyph is not None and text[i] not in hidden:
            out.append(glyph)
        if i in extra:
            out += extra[i]
    return out


def _collapsed_spaces(text: str, objects: list[int], placed: list[Glyph | None]
                      ) -> dict[int, list[Glyph]]:
    """Spaces pdfium collapsed into the space at index i, by i: where a space and the
    next character are drawn by one text object."""
    out: dict[int, list[Glyph]] = {}
    at = text.find(" ")
    while 0 <= at < len(text) - 1:
        space, after = placed[at], placed[at + 1]
        if space is not None and after is not None and objects[at] == objects[at + 1]:
            dropped = _dropped_spaces(space, after)
            if dropped:
                out[at] = dropped
        at = text.find(" ", at + 1)
    return out


def _dropped_spaces(space: Glyph, after: Glyph) -> list[Glyph]:
    """The spaces of a run pdfium collapsed into its first one, from the gap they left.

    Only inside one text object (one Tj/TJ) and on one baseline, and only when the gap
    is a whole number of space widths: a gap made by moving the text position is kept.
    """
    width = space.x1 - space.x0
    if width <= 0 or space.bottom != after.bottom:
        return []
    ratio = (after.x0 - space.x1) / width
    count = round(ratio)
    if count < 1 or abs(ratio - count) > 0.1:
        return []
    return [
        Glyph(" ", space.x1 + k * width, space.x1 + (k + 1) * width, space.top, space.bottom,
              space.size)
        for k in range(count)
    ]


def _origin_y(raw: int, index: int) -> float:
    fast = _fast()
    fast.char_origin(raw, index, fast.ox_at, fast.oy_at)
    return float(fast.oy.value)


def _base_name(font: int) -> str:
    buf = ctypes.create_string_buffer(256)
    n = pdfium_c.FPDFFont_GetBaseFontName(ctypes.cast(font, pdfium_c.FPDF_FONT), buf, 256)
    return buf.value.decode("latin-1") if n else ""


def _addresses(array: Any, step: int, count: int) -> range:
    start = ctypes.addressof(array)
    return range(start, start + step * count, step)


def _drain(calls: Iterator[Any]) -> None:
    collections.deque(calls, maxlen=0)


@dataclass
class _Fast:
    """pdfium's text page calls with plain-address prototypes (addresses and ints in,
    numbers out), several times cheaper to call than pypdfium2's typed-pointer bindings,
    and the output buffers the one-at-a-time calls fill."""

    text_object: Any
    map_error: Any
    loose_box: Any
    char_origin: Any
    text_font: Any
    get_text: Any
    get_unicode: Any
    get_matrix: Any
    font_size: Any
    ox: Any = field(default_factory=ctypes.c_double)
    oy: Any = field(default_factory=ctypes.c_double)
    matrix: Any = field(default_factory=lambda: pdfium_c.FS_MATRIX())
    ox_at: int = 0
    oy_at: int = 0

    def __post_init__(self) -> None:
        self.ox_at, self.oy_at = ctypes.addressof(self.ox), ctypes.addressof(self.oy)


@functools.cache
def _fast() -> _Fast:
    vp, i, d = ctypes.c_void_p, ctypes.c_int, ctypes.c_double
    address = ctypes.c_size_t  # a pointer returned as a plain int, NULL as 0 (not None)

    def bind(fn: Any, restype: Any, *argtypes: Any) -> Any:
        return ctypes.CFUNCTYPE(restype, *argtypes)(ctypes.cast(fn, vp).value or 0)

    c = pdfium_c
    return _Fast(
        text_object=bind(c.FPDFText_GetTextObject, address, vp, i),
        map_error=bind(c.FPDFText_HasUnicodeMapError, i, vp, i),
        loose_box=bind(c.FPDFText_GetLooseCharBox, i, vp, i, vp),
        char_origin=bind(c.FPDFText_GetCharOrigin, i, vp, i, vp, vp),
        text_font=bind(c.FPDFTextObj_GetFont, address, vp),
        get_text=bind(c.FPDFText_GetText, i, vp, i, i, vp),
        get_unicode=bind(c.FPDFText_GetUnicode, ctypes.c_uint, vp, i),
        get_matrix=bind(c.FPDFText_GetMatrix, i, vp, i, vp),
        font_size=bind(c.FPDFText_GetFontSize, d, vp, i),
    )
