"""OCR as a text layer: a scanned page's words become ``Glyph`` in page points and the cell
boundaries the image shows become line objects, so the text-layer table engines
(``extract.pdf.glyphs_to_grids``: ruled cells, whitespace columns) read a scan the way
they read a PDF.

    level_page        the deskewed page with its background levelled: ink is what stands
                      out from the local background, dark or light (white text on a dark
                      header cell), drawn dark on white; long strokes (rules, band edges)
                      and specks removed
    page_words        one tesseract run over the deskewed page, words with boxes and
                      confidence
    words_to_glyphs   words → visual rows (boxes overlapping vertically) → one glyph per
                      character on the row's common baseline, a blank between words
    edge_lines        cell boundaries of shaded tables: crests of long straight steps
                      in the page without its text (bands of different shade, table
                      and paper), smoothed along the edge against the grain
    gap_lines         white gaps between cells (a white top-hat of the closed page),
                      also between dark header cells
    rule_lines        dark ruling lines (``ocr_image.line_masks``), and any thin long
                      mask component, as line objects
    join_collinear    pieces of one boundary joined into one line
    drop_strokes      no vertical line through a word (letter stems of titles and of
                      light text on dark cells)
    cell_sides        only lines running along most of a cell's side
    continue_columns  a column boundary carried through the rows where it is too faint
                      to see, cut where words cross it

Everything is converted to points with the page's ``scale`` (pixels per point).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from statistics import median
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from svodka.extract.ocr_image import Gray, _boxes, line_masks, remove_specks
from svodka.extract.ocr_tess import TEXT_LANG, Word, run_tesseract
from svodka.extract.pdf_text import Glyph

BG_SHRINK = 4
"""The background is estimated on a copy this many times smaller (a median filter)."""
BG_KERNEL = 31
DARK_BACKGROUND = 128
"""A coarse background darker than this is a dark cell holding light text."""
INK_CONTRAST = 50
LONG_STROKE_PT = 40.0
"""Grey levels a pixel must differ from its local background by to be ink."""
BLOCK_PSM = 6
"""tesseract --psm: one block of text lines.  Sparse text (11) drops most lone figures
("0", "Х") of a table; a block reads them along their rows."""
MIN_WORD_CONF = 20.0
"""Words read with less confidence (0..100) and no digit are noise."""
MIN_SHORT_CONF = 60.0
"""The same for words of one or two letters: specks read as "у", "Е", "т"."""
DASHES = frozenset("-–—")
NA_MARKS = frozenset("хХxX")
LONE_REACH = 2.0
"""Word heights: a letter with no other word this near on its line stands alone."""
LONE_DIGIT_CONF = 0.1
"""A lone digit read with less confidence is grain too."""
MIN_DASH_PT = 1.2
"""Points: the least width of a dash (a hyphen of small print is some 2.5 pt wide)."""
SAME_SIZE = 1.3
MIN_SIZE_CHARS = 8
"""Characters a row needs for its words' widths to tell its font size."""
CHAR_EM = 0.56
"""Average advance of a character of Cyrillic or digits in sans fonts, in font sizes."""
SHADE_CLOSING_PT = 6.0
"""Points: dark strokes thinner than this (text, rules) vanish from the plain page."""
EDGE_REACH_PT = 0.7
"""Points: a boundary is a step in shade between pixels this far on either side."""
EDGE_STEP = 4
"""Grey levels a step must have to be a cell boundary."""
MIN_EDGE_PT = 9.0
SIDE_COVER = 0.75
CLUSTER_PT = 4.5
"""Points: boundaries this close are one (as ``pdf_ruled.CLUSTER``)."""
GAP_MAX_PT = 2.5
"""Points: a white gap between cells is narrower than this."""
GAP_CONTRAST = 30
EDGE_SHARE = 0.7
LEVEL_PT = 1.5
JOIN_PT = 1.5
"""Points: pieces of one boundary lie this close across and end to end."""
STROKE_MARGIN_PT = 1.0
"""Points: a vertical line this far inside a word's box passes through the word."""
STROKE_LINES = 4.0
"""Word heights: a vertical line longer than this is a rule, whatever it crosses."""
MAX_RULE_PX = 9
"""Pixels: a ruling line is at most this thick (a solid dark block is no rule)."""

Rules = list[dict[str, Any]]


@dataclass(frozen=True)
class OcrWord:
    """A word in page points with its confidence (0..1)."""

    text: str
    conf: float
    x0: float
    top: float
    x1: float
    bottom: float

    @property
    def xc(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def yc(self) -> float:
        return (self.top + self.bottom) / 2


@dataclass(frozen=True)
class LevelledPage:
    gray: Gray
    """Darkness kept as grey (255 = paper): text dark on white wherever it was printed."""
    ink: Gray
    """255 = ink, specks and long strokes removed."""
    hrules: Gray
    vrules: Gray
    """Dark ruling lines (255): thin dark strokes far longer than letters."""
    closed: Gray
    """The page with its thin dark strokes closed over (light strokes and gaps kept)."""
    plain: Gray
    """The page without its text: thin dark strokes (text, rules) closed over, thin light
    strokes on dark cells opened away; paper and shading only."""


def level_page(gray: Gray, scale: float) -> LevelledPage:
    """Background (paper, shading, dark header cells) levelled out; text dark on white.

    The background of dark text is the page with its thin dark strokes closed over; on a
    dark background (a header cell in white letters) it is the page with its thin light
    strokes opened away.  Dark backgrounds are told apart on a coarse median, which dense
    text does not darken."""
    h, w = gray.shape
    smooth = np.asarray(cv2.medianBlur(gray, 3), dtype=np.uint8)
    kernel = np.ones((_stroke_side(scale),) * 2, np.uint8)
    closed = np.asarray(cv2.morphologyEx(smooth, cv2.MORPH_CLOSE, kernel), dtype=np.uint8)
    small = cv2.resize(smooth, (max(1, w // BG_SHRINK), max(1, h // BG_SHRINK)),
                       interpolation=cv2.INTER_AREA)
    coarse = cv2.resize(cv2.medianBlur(small, BG_KERNEL), (w, h), interpolation=cv2.INTER_NEAREST)
    dark = coarse < DARK_BACKGROUND
    if dark.any():
        opened = cv2.morphologyEx(smooth, cv2.MORPH_OPEN, kernel)
        dark &= opened < DARK_BACKGROUND  # the coarse median blurs the cell's border
        bg = np.where(dark, opened, closed).astype(np.uint8)
    else:
        bg = closed
    diff = cv2.absdiff(smooth, bg)
    ink = remove_specks(np.where(diff > INK_CONTRAST, 255, 0).astype(np.uint8))
    hrules, vrules = line_masks(ink)
    ink = np.asarray(cv2.bitwise_and(ink, cv2.bitwise_not(_long_strokes(ink, scale))), np.uint8)
    # contrast stretched to what the background allows: white on grey reads as black on white
    room = np.where(dark, 255 - bg.astype(np.int16), bg.astype(np.int16)).clip(64, 255)
    strength = (diff.astype(np.int32) * 255 // room).clip(0, 255)
    near = cv2.dilate(ink, np.ones((3, 3), np.uint8)) > 0
    levelled = np.where(near, 255 - strength, 255).astype(np.uint8)
    return LevelledPage(levelled, ink, hrules, vrules, closed, bg)


def _long_strokes(ink: Gray, scale: float) -> Gray:
    """Rules and other strokes far longer than any letter (255)."""
    length = max(9, int(LONG_STROKE_PT * scale))
    h = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((1, length), np.uint8))
    v = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((length, 1), np.uint8))
    return np.asarray(cv2.bitwise_or(h, v), dtype=np.uint8)


def _stroke_side(scale: float) -> int:
    return max(3, int(SHADE_CLOSING_PT * scale) | 1)


def page_words(gray: Gray, scale: float) -> list[OcrWord]:
    """Every word of the (deskewed) page in points, noise (no letter or digit, low
    confidence, a speck read as a dash) left out.  Tesseract reads the page as it is: it
    finds light text on dark cells itself, and reads it better than from a levelled copy."""
    words = run_tesseract(gray, lang=TEXT_LANG, psm=BLOCK_PSM)
    kept = [p for w in words if _is_word(w) and _dash_shaped(p := _to_points(w, scale))]
    return [w for w in kept if not _lone_letter(w, kept)]


def _lone_letter(w: OcrWord, words: Sequence[OcrWord]) -> bool:
    """A single letter (not the mark "х"), or a digit read with next to no confidence, with
    no word beside it on its line: grain read as "Е", "р" or "9" in a margin or a blank
    cell; a letter of a text ("в", "и") has neighbours, a lone "0" in a cell is read
    surely."""
    if len(w.text) != 1 or w.text in NA_MARKS:
        return False
    if not w.text.isalpha() and not (w.text.isdigit() and w.conf < LONE_DIGIT_CONF):
        return False
    height = w.bottom - w.top
    reach = LONE_REACH * max(height, 1.0)
    for o in words:
        if o is w or min(o.bottom, w.bottom) - max(o.top, w.top) < 0.3 * height:
            continue
        if o.x0 - reach <= w.x1 and w.x0 <= o.x1 + reach:
            return False
    return True


def _dash_shaped(w: OcrWord) -> bool:
    """False for a lone "dash" that is a speck: a dash is flat and a hyphen's width at
    least (a dot of grain is as tall as it is wide)."""
    if w.text not in DASHES:
        return True
    width, height = w.x1 - w.x0, w.bottom - w.top
    return width >= MIN_DASH_PT and width >= 2 * height


def _is_word(w: Word) -> bool:
    text = w.text.strip()
    if any(ch.isdigit() for ch in text):
        return True
    if w.conf < (MIN_SHORT_CONF if len(text) <= 2 else MIN_WORD_CONF):
        return False
    return any(ch.isalpha() for ch in text) or (text in DASHES and w.conf >= 50)


def _to_points(w: Word, scale: float) -> OcrWord:
    return OcrWord(
        text=w.text.strip(),
        conf=round(min(1.0, max(0.0, w.conf / 100)), 3),
        x0=w.left / scale,
        top=w.top / scale,
        x1=(w.left + w.width) / scale,
        bottom=(w.top + w.height) / scale,
    )


def words_to_rows(words: Sequence[OcrWord]) -> list[list[OcrWord]]:
    """Words on one visual line: their boxes overlap vertically by half the smaller height."""
    rows: list[list[OcrWord]] = []
    bands: list[tuple[float, float]] = []
    for w in sorted(words, key=lambda w: w.yc):
        for k in range(len(rows) - 1, max(-1, len(rows) - 6), -1):
            top, bottom = bands[k]
            overlap = min(bottom, w.bottom) - max(top, w.top)
            if overlap >= 0.5 * min(bottom - top, w.bottom - w.top):
                rows[k].append(w)
                bands[k] = (median(x.top for x in rows[k]), median(x.bottom for x in rows[k]))
                break
        else:
            rows.append([w])
            bands.append((w.top, w.bottom))
    return [sorted(r, key=lambda w: w.x0) for r in rows]


def word_size(w: OcrWord) -> float:
    """The font size a word's width implies (characters average ``CHAR_EM`` of the size):
    tesseract's word heights follow its line boxes at times and do not tell the size."""
    return (w.x1 - w.x0) / max(1, len(w.text)) / CHAR_EM


def row_sizes(rows: Sequence[Sequence[OcrWord]]) -> list[float]:
    """One font size per row: the body size of the page (the median over its words) for
    every row within ``SAME_SIZE`` of it, each larger or smaller row its own.  Reading
    each row's own would split the runs of a table (bold headers read wider).  A row of
    a few letters ("РБ ВБ": capitals are wider than the average) says nothing of its size
    and takes the body's."""
    own = [median(word_size(w) for w in r) for r in rows]
    if not own:
        return []
    body = median(word_size(w) for r in rows for w in r)
    return [body if body / SAME_SIZE <= size <= body * SAME_SIZE
            or sum(len(w.text) for w in r) < MIN_SIZE_CHARS else size
            for size, r in zip(own, rows, strict=True)]


def words_to_glyphs(words: Sequence[OcrWord]) -> list[Glyph]:
    """Words → glyphs as a text layer gives them: one per character (the word's box split
    evenly), every glyph of a visual row on one baseline, a blank between words."""
    glyphs: list[Glyph] = []
    rows = words_to_rows(words)
    for row, size in zip(rows, row_sizes(rows), strict=True):
        centre = median(w.yc for w in row)
        top, bottom = centre - size / 2, centre + size / 2
        for k, w in enumerate(row):
            step = (w.x1 - w.x0) / max(1, len(w.text))
            for i, ch in enumerate(w.text):
                x0 = w.x0 + i * step
                glyphs.append(Glyph(ch, x0, x0 + step, top, bottom, size))
            if k + 1 < len(row) and row[k + 1].x0 > w.x1:
                glyphs.append(Glyph(" ", w.x1, row[k + 1].x0, top, bottom, size))
    return glyphs


def edge_lines(closed: Gray, scale: float) -> Rules:
    """Cell boundaries a shaded table shows, as line objects (points): long straight steps
    in the page with its text closed over, between bands of different shade, between a
    cell and the white gap beside it, between the table and the paper.  The page is first
    smoothed along the direction of the edges sought, which averages the grain away."""
    d = max(1, round(EDGE_REACH_PT * scale))
    length = max(9, int(MIN_EDGE_PT * scale))
    along_x = cv2.blur(closed, (length // 2, 1)).astype(np.int16)
    along_y = cv2.blur(closed, (1, length // 2)).astype(np.int16)
    grad_y = np.zeros(closed.shape, dtype=np.int16)
    grad_x = np.zeros(closed.shape, dtype=np.int16)
    grad_y[d:-d, :] = np.abs(along_x[2 * d :, :] - along_x[: -2 * d, :])
    grad_x[:, d:-d] = np.abs(along_y[:, 2 * d :] - along_y[:, : -2 * d])
    step_y = np.asarray(cv2.dilate(_crest(grad_y, 0), np.ones((2 * d + 1, 1), np.uint8)), np.uint8)
    step_x = np.asarray(cv2.dilate(_crest(grad_x, 1), np.ones((1, 2 * d + 1), np.uint8)), np.uint8)
    hmask, vmask = _mostly(step_y, (length, 1)), _mostly(step_x, (1, length))
    thick = max(MAX_RULE_PX, 4 * d + 2)  # one crest, or the two of a gap's sides
    return rule_lines(hmask, vmask, scale, thick, length)


def _crest(grad: NDArray[np.int16], axis: int) -> Gray:
    """1 where the step is at least ``EDGE_STEP`` and largest across the edge (the middle
    of a blurred step, however strong: a strong step is steep over many pixels)."""
    before = np.roll(grad, 1, axis=axis)
    after = np.roll(grad, -1, axis=axis)
    return ((grad > EDGE_STEP) & (grad >= before) & (grad > after)).astype(np.uint8)


def gap_lines(closed: Gray, scale: float) -> Rules:
    """White gaps between cells as line objects (points): thin light ridges of the page
    with its dark strokes closed over (a white top-hat), long and straight.  Light text
    on a dark cell closes into word-sized blobs, too thick to be a ridge."""
    side = max(3, int(GAP_MAX_PT * scale) | 1)
    opened = cv2.morphologyEx(closed, cv2.MORPH_OPEN, np.ones((side, side), np.uint8))
    ridge = np.where(cv2.subtract(closed, opened) > GAP_CONTRAST, 255, 0).astype(np.uint8)
    length = max(9, int(MIN_EDGE_PT * scale))
    hmask, vmask = _mostly(ridge, (length, 1)), _mostly(ridge, (1, length))
    return rule_lines(hmask, vmask, scale, side, length)


def cell_sides(lines: Rules) -> Rules:
    """The line objects that run along most of a cell's side: from about one boundary
    across them to the next.  The edges of light text on a dark cell, closed into word
    blobs, end inside the cell and are left out."""
    horizontal = [d for d in lines if d["bottom"] - d["top"] < 1.0]
    vertical = [d for d in lines if d["x1"] - d["x0"] < 1.0]
    keep_h = [d for d in horizontal if _spans_side(d, vertical, across="x")]
    keep_v = [d for d in vertical if _spans_side(d, horizontal, across="y")]
    return keep_h + keep_v


def _spans_side(d: dict[str, Any], others: Rules, across: str) -> bool:
    """Does the segment cover ``SIDE_COVER`` of the gap between the boundaries crossing
    its line around its middle?  (Kept when none crosses on one side of it.)"""
    if across == "y":  # a vertical segment, the others horizontal
        pos, a, b = d["x0"], d["top"], d["bottom"]
        cuts = [o["top"] for o in others if o["x0"] - CLUSTER_PT <= pos <= o["x1"] + CLUSTER_PT]
    else:
        pos, a, b = d["top"], d["x0"], d["x1"]
        cuts = [o["x0"] for o in others if o["top"] - CLUSTER_PT <= pos <= o["bottom"] + CLUSTER_PT]
    mid = (a + b) / 2
    before = [c for c in cuts if c <= mid - CLUSTER_PT]
    after = [c for c in cuts if c >= mid + CLUSTER_PT]
    if not before or not after:
        return True
    return bool(b - a >= SIDE_COVER * (min(after) - max(before)))


def join_collinear(lines: Rules) -> Rules:
    """Pieces of one boundary joined: lines on one level (within ``LEVEL_PT``) that touch
    or overlap end to end (within ``JOIN_PT``) become one line.  An edge found in pieces
    (a band's step is weaker under a dark cell) would each be too short for a cell's
    side."""
    out: Rules = []
    for horizontal in (True, False):
        pos, lo, hi = ("top", "x0", "x1") if horizontal else ("x0", "top", "bottom")
        these = [d for d in lines if ((d["bottom"] - d["top"] < 1.0) if horizontal
                                       else (d["x1"] - d["x0"] < 1.0 <= d["bottom"] - d["top"]))]
        for level in _chains(sorted(these, key=lambda d: d[pos]), LEVEL_PT, key=pos):
            at = median(d[pos] for d in level)
            run: list[float] = []
            for d in sorted(level, key=lambda d: d[lo]):
                if run and d[lo] <= run[1] + JOIN_PT:
                    run[1] = max(run[1], d[hi])
                    continue
                if run:
                    out.append(_line(horizontal, at, run[0], run[1]))
                run = [d[lo], d[hi]]
            out.append(_line(horizontal, at, run[0], run[1]))
    return out


def _line(horizontal: bool, at: float, a: float, b: float) -> dict[str, Any]:
    if horizontal:
        return {"object_type": "line", "x0": a, "x1": b, "top": at, "bottom": at}
    return {"object_type": "line", "x0": at, "x1": at, "top": a, "bottom": b}


def drop_strokes(lines: Rules, words: Sequence[OcrWord]) -> Rules:
    """Short vertical lines lying inside a word's box: letter strokes (a tall title's
    "л", the stems of light letters on a dark header cell), not cell boundaries; a
    boundary runs between words.  A long rule stays even where a word was read across
    it (a rule's end read as "[" or "|" with the word beside it)."""
    def inside(d: dict[str, Any]) -> bool:
        x, top, bottom = d["x0"], d["top"], d["bottom"]
        return any(
            w.x0 + STROKE_MARGIN_PT < x < w.x1 - STROKE_MARGIN_PT
            and min(bottom, w.bottom) - max(top, w.top) >= 0.5 * (w.bottom - w.top)
            and bottom - top <= STROKE_LINES * (w.bottom - w.top)
            for w in words
        )

    return [d for d in lines if d["x1"] - d["x0"] >= 1.0 or not inside(d)]


def continue_columns(lines: Rules, words: Sequence[OcrWord]) -> Rules:
    """Column boundaries carried through the rows where the image does not show them.

    Between two light cells the white gap can be too faint to see; a boundary seen in
    other rows at the same x still separates them, unless a word crosses it there (a
    header cell spanning two columns).  Each vertical boundary is extended from its
    topmost to its bottommost piece, cut where words cross it."""
    vertical = sorted((d for d in lines if d["x1"] - d["x0"] < 1.0), key=lambda d: d["x0"])
    out = list(lines)
    for group in _chains(vertical, CLUSTER_PT):
        x = median(d["x0"] for d in group)
        top, bottom = min(d["top"] for d in group), max(d["bottom"] for d in group)
        crossing = sorted(
            (w.top, w.bottom) for w in words
            if w.x0 < x - 0.5 and w.x1 > x + 0.5 and w.bottom > top and w.top < bottom
        )
        y = top
        for a, b in [*crossing, (bottom, bottom)]:
            if a - y >= 1.0:
                out.append({"object_type": "line", "x0": x, "x1": x, "top": y, "bottom": a})
            y = max(y, b)
    return out


def _chains(
    objs: Sequence[dict[str, Any]], gap: float, key: str = "x0"
) -> list[list[dict[str, Any]]]:
    """Line objects (sorted by ``key``) in chains of positions closer than ``gap``."""
    out: list[list[dict[str, Any]]] = []
    for d in objs:
        if out and d[key] - out[-1][-1][key] <= gap:
            out[-1].append(d)
        else:
            out.append([d])
    return out


def _mostly(mask: Gray, window: tuple[int, int]) -> Gray:
    """255 where most of the pixels in the window (width, height) around are set: a line
    with the breaks noise leaves in it (an opening would need every pixel)."""
    share = cv2.blur(mask.astype(np.float32), window)
    return np.where((share >= EDGE_SHARE) & (mask > 0), 255, 0).astype(np.uint8)


def rule_lines(
    hmask: Gray, vmask: Gray, scale: float, thick: int = MAX_RULE_PX, length: int = 0
) -> Rules:
    """Thin lines of the masks as line objects (points): components at least ``length``
    long and on average at most ``thick`` thick (a solid dark block is no line)."""
    out: Rules = []
    for mask, horizontal in ((hmask, True), (vmask, False)):
        labels, boxes = _boxes(mask)
        area = np.bincount(labels.ravel(), minlength=len(boxes) + 1)
        for k, (x, y, w, h) in enumerate(boxes, start=1):
            long, across = (w, h) if horizontal else (h, w)
            if long < max(1, length) or area[k] > thick * long:
                continue
            if horizontal:
                out.append(_obj("line", x, y + h / 2, x + w, y + h / 2, scale))
            else:
                out.append(_obj("line", x + w / 2, y, x + w / 2, y + h, scale))
    return out


def _obj(
    kind: str, x0: float, top: float, x1: float, bottom: float, scale: float
) -> dict[str, Any]:
    return {
        "object_type": kind,
        "x0": x0 / scale,
        "x1": x1 / scale,
        "top": top / scale,
        "bottom": bottom / scale,
    }
