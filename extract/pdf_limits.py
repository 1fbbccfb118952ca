"""Cheap checks before expensive PDF work (``schemas.limits``): refuse or scale down first.

    check_pages(path, n, limits)       more pages than ``max_pages`` → E_LIMIT
    check_inflated(pdf, path, limits)  every stream but images inflated and counted, never
                                       kept: past ``inflate_mb`` in total → E_LIMIT (a
                                       decompression bomb ends here, in about a second)
    page_paint(page)                   images, painted paths, shadings of a page without
                                       glyphs: none at all → the page is blank, no OCR
    image_problem(paint, page_no, ...) the images of a page to be rendered decode to more
                                       than ``inflate_mb`` → a page problem, no rendering
    render_scale(w, h, scale, ...)     the scale, lowered so the page stays within
                                       ``megapixels``

Streams are counted with zlib in bounded steps (1 MiB of output at a time), so counting a
bomb costs its inflate time and no memory.  Only Flate is inflated (after ASCIIHex or
ASCII85 when they come first); LZW and RunLength streams count their raw size: the time and
memory limits of the process bound them.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
import zlib
from typing import Any

import pikepdf

from svodka.extract.pdf_pdfium import Paint
from svodka.extract.pdf_pdfium import page_paint as pdfium_paint
from svodka.schemas.errors import SvodkaError
from svodka.schemas.grid import Problem
from svodka.schemas.limits import MIB, Limits

STEP = MIB
"""Bytes of output per inflate step."""
SKIPPED_TYPES = {"/ObjStm", "/XRef", "/EmbeddedFile"}
"""Streams qpdf has already read (object and cross-reference streams) or nobody decodes
(attachments)."""


def check_pages(path: str, pages: int, limits: Limits) -> None:
    if limits.max_pages and pages > limits.max_pages:
        raise SvodkaError(path, f"в PDF {pages} стр., больше лимита {limits.max_pages} "
                          "(--max-pages)", code="E_LIMIT")


def check_inflated(pdf: pikepdf.Pdf, path: str, limits: Limits) -> None:
    """Raise E_LIMIT when the file's streams (images aside) inflate past ``inflate_mb``."""
    budget = limits.inflate_bytes
    if not budget:
        return
    used = 0
    for obj in pdf.objects:
        if not isinstance(obj, pikepdf.Stream) or _skipped(obj):
            continue
        used += stream_size(obj, budget - used)
        if used > budget:
            raise SvodkaError(
                path, f"потоки PDF распаковываются больше чем в {limits.inflate_mb} МБ "
                f"(лимит распакованных данных на файл, {limits.inflate_mb} МБ; превышен на "
                f"объекте {obj.objgen[0]} {obj.objgen[1]} R)", code="E_LIMIT")


def _skipped(stream: pikepdf.Stream) -> bool:
    return str(stream.get("/Subtype", "")) == "/Image" or str(stream.get("/Type", "")) in \
        SKIPPED_TYPES


def stream_size(stream: pikepdf.Stream, cap: int) -> int:
    """The stream's decoded size, counted up to a little past ``cap``."""
    try:
        data = bytes(stream.read_raw_bytes())
    except pikepdf.PdfError:
        return 0  # unreadable: the readers report it, it costs nothing here
    for name in _filters(stream):
        if name in ("/FlateDecode", "/Fl"):
            return inflated_size(data, cap)
        if name in ("/ASCIIHexDecode", "/AHx"):
            data = _ascii_hex(data)
        elif name in ("/ASCII85Decode", "/A85"):
            data = _ascii85(data)
        else:
            break
    return len(data)


def _filters(stream: pikepdf.Stream) -> list[str]:
    f = stream.get("/Filter")
    if isinstance(f, pikepdf.Array):
        return [str(x) for x in f]
    return [str(f)] if f is not None else []


def inflated_size(data: bytes, cap: int) -> int:
    """Bytes ``data`` inflates to, counted STEP bytes at a time, stopping past ``cap``."""
    inflater = zlib.decompressobj()
    total = 0
    try:
        while total <= cap:
            out = inflater.decompress(data, STEP)
            total += len(out)
            data = inflater.unconsumed_tail
            if inflater.eof or not (out or data):
                break
    except zlib.error:
        pass  # a damaged stream: what inflated so far is what a reader gets
    return total


def _ascii_hex(data: bytes) -> bytes:
    digits = re.sub(rb"[^0-9A-Fa-f]", b"", data.split(b">", 1)[0])
    try:
        return binascii.a2b_hex(digits + b"0" * (len(digits) % 2))
    except binascii.Error:
        return data


def _ascii85(data: bytes) -> bytes:
    body = re.sub(rb"\s", b"", data).removeprefix(b"<~").split(b"~>", 1)[0]
    try:
        return base64.a85decode(body)
    except ValueError:
        return data


def page_paint(page: Any) -> Paint:
    """What a pdfplumber page paints besides text: pdfium's objects, else pdfminer's."""
    paint = pdfium_paint(page)
    if paint is not None:
        return paint
    found = Paint(paths=len(page.lines) + len(page.rects) + len(page.curves))
    for image in page.images:
        w, h = (int(v) for v in image.get("srcsize", (0, 0)))
        found.images += 1
        found.image_bytes += w * h * 4
        found.largest = max(found.largest, (w, h), key=lambda s: s[0] * s[1])
    return found


def image_problem(paint: Paint, page_no: int, limits: Limits) -> Problem | None:
    """E_LIMIT for a page whose images would decode past ``inflate_mb`` when rendered."""
    budget = limits.inflate_bytes
    if not budget or paint.image_bytes <= budget:
        return None
    w, h = paint.largest
    message = (f"страница {page_no} не распознавалась: её изображения (самое большое "
               f"{w} × {h} пикс.) заняли бы при отрисовке до {paint.image_bytes // MIB} МБ, "
               f"больше лимита распакованных данных {limits.inflate_mb} МБ")
    return Problem(code="E_LIMIT", message=message, page=page_no)


def render_scale(width: float, height: float, scale: float, limits: Limits) -> float:
    """``scale`` (pixels per point), lowered so a ``width`` × ``height`` pt page stays
    within ``megapixels``."""
    cap = limits.max_pixels
    area = max(width, 1.0) * max(height, 1.0)
    if cap and area * scale * scale > cap:
        return math.sqrt(cap / area)
    return scale


def scaled_problem(width: float, height: float, scale: float, wanted: float, page_no: int,
                   limits: Limits) -> Problem:
    """The finding of a page rendered below the resolution OCR wants."""
    mm = 25.4 / 72
    message = (f"страница {page_no} ({width * mm:.0f} × {height * mm:.0f} мм) распознана с "
               f"разрешением {scale * 72:.0f} dpi вместо {wanted * 72:.0f}: лимит "
               f"{limits.megapixels:g} Мпикс на отрисовку страницы")
    return Problem(code="W_RENDER_LIMIT", message=message, page=page_no)


__all__ = ["check_inflated", "check_pages", "image_problem", "inflated_size", "page_paint",
           "render_scale", "scaled_problem", "stream_size"]
