"""OCR of image-only PDF pages: page image → tables as ``Grid`` + text lines.

The flow, top to bottom::

    render_page           the page as an image (pdfplumber → pypdfium2, ~300 dpi)
    ocr_image_page        (extract.pdf runs it for two pages at once, in threads)
        prepare_page      turn upright (ocr_orient), deskew, binarise, ruling
                          lines, table cells                               (ocr_image)
      the words reading (one table reader for text layers and scans):
        page_words        one tesseract run over the page: words, boxes, confidence
        complete_words    ink the page reading left without a word (a lone "0", "Х"),
                          or read unsurely or in part, read on its own    (ocr_missed)
        level_page        the page without its text: shading and gaps     (ocr_words)
        edge_lines, gap_lines, rule_lines
                          cell boundaries the image shows: steps between shaded bands,
                          white gaps between cells, dark rules (line objects)
        words_to_glyphs   the words as a text layer gives them
        glyphs_to_grids   the text-layer engines: ruled cells, whitespace columns (pdf)
        _reread_numbers   number and code cells read unsurely or not at all: again on
                          their crop, restricted to digits and number signs
      the cell-by-cell reading, for ruled tables the words did not read faultlessly:
        cell_crop         each cell's ink, inset from its rules, trimmed
        ocr_crops         pass 1: every cell, Russian + English            (ocr_tess)
        column_kinds      a column whose cells read mostly as numbers (or codes)
        ocr_crops         pass 2: those cells again, restricted to digits, ",", "-",
                          "х" … (codes: digits and ".")
        blocks_to_grid    merged cells repeated with ``origin``           (pdf_table)
      choose_grids        per table, the reading with the better ``grid_score``
      attach_context      the words outside tables → ``lines``; those just above a
                          table → ``Grid.context``

Every cell keeps the mean confidence of its words (0..1) in ``GridCell.confidence``.
Engines: ``ocr-ruled`` / ``ocr-words`` (the text-layer engines on OCR words), ``ocr``
(cell by cell).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np
from PIL import Image

from svodka.extract.ocr_image import (
    CellBox,
    Gray,
    PageImage,
    TableBox,
    prepare_page,
    soft_crop,
    to_gray,
)
from svodka.extract.ocr_missed import complete_words
from svodka.extract.ocr_orient import orient_page
from svodka.extract.ocr_tess import (
    NUMBER_CHARS,
    NUMBER_LANG,
    OcrText,
    ocr_crops,
    tesseract_available,
)
from svodka.extract.ocr_words import (
    LevelledPage,
    OcrWord,
    cell_sides,
    continue_columns,
    drop_strokes,
    edge_lines,
    gap_lines,
    join_collinear,
    level_page,
    page_words,
    rule_lines,
    words_to_glyphs,
)
from svodka.extract.pdf import attach_context, glyphs_to_grids
from svodka.extract.pdf_table import (
    Block,
    blocks_to_grid,
    drop_empty_lines,
    grid_quality,
    grid_score,
)
from svodka.extract.pdf_text import Line, is_number_shaped
from svodka.schemas.grid import BBox, Grid, GridCell, Problem, TextLine

DPI = 300
INSET = 7
"""Pixels cut from each side of a cell before reading it (the ruling line and its blur)."""
DASH_MAX_HEIGHT = 9
"""Pixels: an ink blob this flat (and at least twice as wide) in a number cell is a dash."""
DASH_CONFIDENCE = 0.9
GROUP_GAP = 0.22
"""A blank gap at least this share of the digits' height separates digit groups."""
MAX_RETRIES = 12
"""Cells read again on their own (one or two tesseract calls each) per page, at most."""
RETRY_JOBS = 2
MIN_INK = 30
"""Ink pixels below which a cell (or text band) is empty."""
SHORT_READING = 3
"""Characters: a reading this short in a number column is read again as a number."""
REREAD_BELOW = 0.9
"""Number cells of the word reading with less confidence are read again, digits only
(the confidence ``validate.ocr_correct`` trusts)."""
INT_PART_RE = re.compile(r"(\(?-?)(\d{4,})([,.]\d+)?(\)?)")
SEPARATOR_RE = re.compile(r"\d[,.]\d")
TEXT_STRAYS = "`'‘’‚|_[]"
STRAY_HEAD = TEXT_STRAYS + ",.:;"
STRAY_TAIL = TEXT_STRAYS + ":;"
"""Marks OCR puts at the edges of a figure (grain, a rule's end): never part of it."""
TEXT_STRAYS_RE = re.compile(f"^[{re.escape(TEXT_STRAYS)}]+\\s*(?=[^\\W\\d_])")
CODE_RE = re.compile(r"^\d{1,2}(?:[.,]\d{1,2})*[.,]?$")
LOOKALIKES = str.maketrans("оОoODЗзбIl|", "00000336111")
"""Letters the general pass reads for digits in number cells."""
BRACES = str.maketrans("{}", "()")
"""Tesseract reads round brackets as braces, which these reports do not print."""

__all__ = ["OcrPage", "ocr_available", "ocr_image_page", "render_page"]


@dataclass
class OcrPage:
    grids: list[Grid] = field(default_factory=list)
    lines: list[TextLine] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def ocr_available() -> bool:
    """Tesseract with the Russian and English models is installed."""
    return tesseract_available()


def render_page(page: Any, scale: float | None = None) -> tuple[Image.Image, float]:
    """A pdfplumber page as an image at ``scale`` pixels per point (default ``DPI``; the
    caller lowers it for a huge page, ``extract.pdf_limits.render_scale``), and the scale."""
    scale = scale or DPI / 72
    return page.to_image(resolution=scale * 72).original, scale


def ocr_image_page(image: Image.Image, page_no: int, scale: float) -> OcrPage:
    """Read the tables and the loose text of one page image (``scale`` px per point).

    Two readings, one table reader: the page's OCR words as a text layer for the
    text-layer engines (``ocr_words``: ruled cells from dark rules or shaded bands,
    whitespace columns), and the ruled tables cell by cell (``_cell_grids``); each ruled
    table keeps the reading with the better ``grid_score``.
    """
    prepared = prepare_page(*orient_page(to_gray(image)))
    with ThreadPoolExecutor(max_workers=1) as pool:
        words = pool.submit(page_words, prepared.gray, scale)  # tesseract, in its process
        levelled = level_page(prepared.gray, scale)
        read = complete_words(levelled, words.result(), scale)
        word_grids, free = _word_grids(levelled, read, page_no, scale)
    grids = choose_grids(_cell_grids(prepared, prepared.tables, page_no, scale), word_grids)
    attach_context(grids, free)
    lines = [TextLine(page=page_no, text=x.text.translate(BRACES)) for x in free]
    result = OcrPage(grids=grids, lines=lines)
    if prepared.turn:
        result.problems.append(
            Problem(
                code="I_OCR_ROTATED",
                message=f"страница {page_no} (скан) лежала боком или вверх ногами: "
                f"повёрнута на {prepared.turn}° против часовой стрелки перед распознаванием",
                page=page_no,
            )
        )
    if not grids:
        result.problems.append(
            Problem(
                code="W_OCR_NO_TABLE",
                message=f"на странице {page_no} (скан) не найдено таблиц",
                page=page_no,
            )
        )
    return result


def _cell_grids(
    prepared: PageImage, tables: Sequence[TableBox], page_no: int, scale: float
) -> list[Grid]:
    """Ruled tables read cell by cell: one general pass for every cell, one restricted
    pass for the number and code cells, single-cell retries for the few both miss."""
    reads = [_TableRead(t, [cell_bounds(prepared.ink, c) for c in t.cells]) for t in tables]
    crops = [ink_crop(prepared, b) for r in reads for b in r.bounds]
    general = ocr_crops(crops)
    k = 0
    for r in reads:
        r.texts = general[k : k + len(r.bounds)]
        r.kinds = column_kinds(r.table.cells, r.texts)
        k += len(r.bounds)
    _restricted_pass(prepared, reads)
    return [g for r in reads if (g := _assemble(prepared, r, page_no, scale)) is not None]


def choose_grids(cell_grids: Sequence[Grid], word_grids: Sequence[Grid]) -> list[Grid]:
    """Each cell-by-cell grid against the word grids it overlaps: the higher
    ``reading_score`` wins (a tie keeps the cell-by-cell reading); one without a rival
    stays if it holds numbers (rules found in a picture or a dark block give grids of
    letters)."""
    out = list(word_grids)
    for grid in cell_grids:
        rivals = [g for g in out if _overlap(g.bbox, grid.bbox)]
        best = max((reading_score(g) for g in rivals), default=0.0)
        score = reading_score(grid)
        if score >= best and (score > 0 or rivals):
            out = [g for g in out if g not in rivals] + [grid]
    return sorted(out, key=lambda g: g.bbox[1] if g.bbox else 0.0)


def reading_score(grid: Grid) -> float:
    """``grid_score`` (is it a table of numbers) times the mean OCR confidence of its
    filled cells (how surely its text was read): two readings of one ruled table can
    have the same structure, and then the one read more surely is the better (rule ends
    read as "[" and "|" by the page reading lower its confidence, not its shape)."""
    confs = [c.confidence for r in grid.rows for c in r
             if c.text and c.origin is None and c.confidence is not None]
    return grid_score(grid.rows) * (sum(confs) / len(confs) if confs else 1.0)


def _overlap(a: BBox | None, b: BBox | None) -> bool:
    if a is None or b is None:
        return False
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return w > 0 and h > 0 and w * h >= 0.3 * smaller


@dataclass
class _TableRead:
    table: TableBox
    bounds: list[Bounds | None]
    texts: list[OcrText] = field(default_factory=list)
    kinds: dict[int, str] = field(default_factory=dict)


Bounds = tuple[int, int, int, int]
"""y0, y1, x0, x1 in pixels of the page image."""


def cell_bounds(ink: Gray, box: CellBox) -> Bounds | None:
    """The ink of a cell, inset from its rules, as a tight rectangle (None when empty)."""
    y0, y1, x0, x1 = box.y0 + INSET, box.y1 - INSET, box.x0 + INSET, box.x1 - INSET
    inner = ink[y0:y1, x0:x1]
    if inner.size == 0 or int(np.count_nonzero(inner)) < MIN_INK:
        return None
    ys = np.flatnonzero(inner.any(axis=1))
    xs = np.flatnonzero(inner.any(axis=0))
    return y0 + int(ys[0]), y0 + int(ys[-1]) + 1, x0 + int(xs[0]), x0 + int(xs[-1]) + 1


def ink_crop(prepared: PageImage, bounds: Bounds | None) -> Gray:
    """Binary ink (255) of a cell: what the first, general pass reads."""
    if bounds is None:
        return np.zeros((0, 0), dtype=np.uint8)
    y0, y1, x0, x1 = bounds
    return np.ascontiguousarray(prepared.ink[y0:y1, x0:x1])


def _restricted_pass(prepared: PageImage, reads: list[_TableRead]) -> None:
    """Number and code cells again, enlarged, restricted to digits and number signs.

    Every such cell is read again, however confident its first reading: the general pass
    reads a "6" as "5" at 0.95 at times, where the restricted pass reads it right."""
    redo = [
        (r, i, kind)
        for r in reads
        for i, c in enumerate(r.table.cells)
        if (kind := r.kinds.get(c.col)) is not None
        and c.colspan == 1
        and r.bounds[i] is not None
        and _may_be_number(r.texts[i].text)
    ]
    soft = [soft_crop(prepared, r.bounds[i]) for r, i, _ in redo]
    again = ocr_crops(soft, lang=NUMBER_LANG, whitelist=NUMBER_CHARS)
    retry: list[tuple[_TableRead, int, str, Gray]] = []
    for (r, i, kind), t, crop in zip(redo, again, soft, strict=True):
        if t.text and (_fits(clean_cell_text(t.text, kind), kind) or not r.texts[i].text):
            r.texts[i] = _agree(r.texts[i], t)
        if _fits(clean_cell_text(r.texts[i].text, kind), kind):
            continue
        if kind == "number" and _is_dash(r.bounds[i]):
            r.texts[i] = OcrText("-", DASH_CONFIDENCE)  # too small for tesseract to see
        elif len(retry) < MAX_RETRIES:
            retry.append((r, i, kind, crop))
    _retry_cells(retry)


def _retry_cells(retry: Sequence[tuple[_TableRead, int, str, Gray]]) -> None:
    """The cells both passes missed, each on its own, two at a time (one per core)."""
    with ThreadPoolExecutor(max_workers=RETRY_JOBS) as pool:
        found = list(pool.map(lambda item: _retry_alone(item[3], item[2]), retry))
    for (r, i, _, _), t in zip(retry, found, strict=True):
        r.texts[i] = t or r.texts[i]


def _assemble(prepared: PageImage, read: _TableRead, page_no: int, scale: float) -> Grid | None:
    """Cleaned cell texts → ``Grid`` (merged cells repeated), each cell with its confidence."""
    blocks: list[Block] = []
    confidence: dict[tuple[int, int], float | None] = {}
    for c, t, bounds in zip(read.table.cells, read.texts, read.bounds, strict=True):
        col_kind = read.kinds.get(c.col) if c.colspan == 1 else None
        text = clean_cell_text(t.text, col_kind)
        if col_kind == "number" and _group_gap(ink_crop(prepared, bounds), text):
            text = regroup_digits(text)
        bbox = _to_points((c.x0, c.y0, c.x1, c.y1), scale)
        blocks.append(Block(c.row, c.col, text, bbox, c.rowspan, c.colspan))
        confidence[(c.row, c.col)] = t.confidence if text else None
    kept = _keep_confidence(drop_empty_lines(blocks), blocks, confidence)
    if not any(b.text for b, _ in kept):
        return None
    table = read.table
    bbox = _to_points((table.x0, table.y0, table.x1, table.y1), scale)
    grid = blocks_to_grid([b for b, _ in kept], page_no, "ocr", bbox)
    for b, conf in kept:
        for r in range(b.row, b.row + b.rowspan):
            for col in range(b.col, b.col + b.colspan):
                grid.rows[r][col].confidence = conf
    return grid


def _keep_confidence(
    kept: list[Block], original: list[Block], confidence: dict[tuple[int, int], float | None]
) -> list[tuple[Block, float | None]]:
    """Pair the blocks left by ``drop_empty_lines`` (renumbered) with their confidence."""
    by_key = {(b.text, b.bbox): confidence[(b.row, b.col)] for b in original}
    return [(b, by_key.get((b.text, b.bbox))) for b in kept]


def _may_be_number(text: str) -> bool:
    """A first reading that may be a misread number: no letters but "х" once digit
    look-alikes are mapped, or one character ("Е" for a lone "3"), or a few with a
    bracket or sign among them ("к]", "[е)": a glyph alone in its cell is what the
    general pass misreads most; short headers such as "ФБ" are letters only)."""
    text = re.sub(r"\s+", "", text)
    if len(text) <= 1 or (len(text) <= SHORT_READING and re.search(r"[^\w]", text)):
        return True
    return not re.search(r"[^\W\d_хХxX]", text.translate(LOOKALIKES))


def _is_dash(bounds: Bounds | None) -> bool:
    """A lone short flat stroke: a dash ("-", "–") meaning zero or nothing."""
    if bounds is None:
        return False
    height, width = bounds[1] - bounds[0], bounds[3] - bounds[2]
    return height <= DASH_MAX_HEIGHT and 2 * height <= width <= 12 * DASH_MAX_HEIGHT


def _group_gap(ink: Gray, text: str) -> bool:
    """Is there a blank gap in the number's ink where its first digit group would end?

    Tesseract reads "3 235" as "3235"; a gap as wide as a space, at the place the
    grouping predicts (after "3"), says the space was printed.  The gap beside a
    narrow "1" in "2011" is elsewhere, so it does not count.
    """
    m = INT_PART_RE.fullmatch(text)
    if ink.size == 0 or not m:
        return False
    digits = len(m.group(2))
    advance = ink.shape[1] / (len(text) + 0.5 * ((digits - 1) // 3))
    boundary = (len(m.group(1)) + (digits % 3 or 3) + 0.25) * advance
    cols = np.flatnonzero(ink.any(axis=0))
    steps = np.diff(cols)
    for k in np.flatnonzero(steps - 1 >= max(4, int(ink.shape[0] * GROUP_GAP))):
        centre = (cols[k] + cols[k + 1]) / 2
        if abs(centre - boundary) <= 0.6 * advance:
            return True
    return False


def _agree(first: OcrText, second: OcrText) -> OcrText:
    """The restricted reading, trusted as much as the general one when both read the same;
    when both read the same digits and only the first a decimal separator, the first text
    (a comma is the glyph a second reading loses most: "811,0" read again as "8110")."""
    same = _digits_only(first.text) == _digits_only(second.text)
    if same and first.confidence is not None and second.confidence is not None:
        return OcrText(second.text, max(first.confidence, second.confidence))
    if _bare_digits(first.text) == _bare_digits(second.text) and _bare_digits(first.text):
        if SEPARATOR_RE.search(first.text) and not SEPARATOR_RE.search(second.text):
            return OcrText(first.text, first.confidence)
    return second


def _bare_digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _digits_only(text: str) -> str:
    return re.sub(r"\s+", "", text.translate(LOOKALIKES))


def regroup_digits(text: str) -> str:
    """Put group spaces back into an integer part of more than three digits."""
    m = INT_PART_RE.fullmatch(text)
    if not m:
        return text
    digits = m.group(2)
    head = len(digits) % 3 or 3
    groups = [digits[:head]] + [digits[k : k + 3] for k in range(head, len(digits), 3)]
    return f"{m.group(1)}{' '.join(groups)}{m.group(3) or ''}{m.group(4)}"


def _fits(text: str, kind: str) -> bool:
    return bool(CODE_RE.match(text)) if kind == "code" else is_number_shaped(text)


def _retry_alone(crop: Gray, kind: str) -> OcrText | None:
    """One cell on its own, at two sizes: in a strip tesseract sometimes drops a lone
    digit that it reads alone (a few cells a page, so the extra calls are cheap)."""
    for zoom in (1.0, 1.35):
        img = crop if zoom == 1.0 else cv2.resize(crop, None, fx=zoom, fy=zoom)
        [t] = ocr_crops([np.asarray(img, dtype=np.uint8)], lang=NUMBER_LANG, whitelist=NUMBER_CHARS)
        if _fits(clean_cell_text(t.text, kind), kind):
            return t
    return None


def column_kinds(cells: Sequence[CellBox], texts: Sequence[OcrText]) -> dict[int, str]:
    """``number`` / ``code`` for columns whose single cells mostly read as such.

    Short integers look like codes too ("1", "12"), so only the leftmost such column,
    with no number column to its left, is the code column; the others hold numbers.
    """
    votes: dict[int, list[str]] = {}
    for c, t in zip(cells, texts, strict=True):
        if c.colspan != 1 or c.rowspan != 1 or not t.text:
            continue
        text = t.text.replace("\n", " ").strip()
        kind = "code" if CODE_RE.match(text) else "number" if _numberish(text) else "text"
        votes.setdefault(c.col, []).append(kind)
    out: dict[int, str] = {}
    for col in sorted(votes):
        kinds = votes[col]
        codes, numbers = kinds.count("code"), kinds.count("number")
        if codes * 2 > len(kinds) and not out:
            out[col] = "code"
        elif (codes + numbers) * 2 > len(kinds):
            out[col] = "number"
    return out


def _numberish(text: str) -> bool:
    t = re.sub(r"\s+", " ", text).replace("О", "0").replace("o", "0").replace("O", "0")
    return is_number_shaped(t) or bool(re.fullmatch(r"[-–—]|\(?[\d\s,.]+\)?%?\*?", t))


def clean_cell_text(text: str, kind: str | None) -> str:
    """Undo OCR habits in number and code cells: stray spaces, long dashes, Latin x."""
    text = text.strip()
    if kind == "number" and "\n" not in text:
        if not is_number_shaped(text):
            mapped = text.translate(LOOKALIKES)
            text = mapped if _numberish(mapped) else text
        t = re.sub(r"\s*([,.])\s*", r"\1", text)
        t = re.sub(r"\s+", " ", t).replace("—", "-").replace("–", "-")
        t = re.sub(r"^\(\s*", "(", t)
        t = re.sub(r"\s*\)$", ")", t)
        t = _strip_strays(t)
        if re.fullmatch(r"[хХxX]+", t.strip(STRAY_HEAD + STRAY_TAIL)):
            return "Х"  # a not-applicable mark; OCR tends to double it ("Хх")
        return t
    if kind == "code":
        code = re.sub(r"\s+", "", text).replace(",", ".")
        bare = code.lstrip(STRAY_HEAD + "#").rstrip(STRAY_TAIL)  # "'9.2.3.", "`9.3.2.`’"
        return bare if bare and CODE_RE.match(bare) else code
    return _fix_caps(_strip_text_strays(text.translate(BRACES)))


def _strip_text_strays(text: str) -> str:
    """A text cell without the marks grain and rule ends put before its first letter
    ("‚Проведение", "‘план", "| Итого"): a text opens with a letter, a digit or a bracket."""
    return TEXT_STRAYS_RE.sub("", text)


def _strip_strays(text: str) -> str:
    """A figure without the stray marks at its edges ("`811,0", "‚20 541,6", "[0", "570.",
    "5 718,4."), when what is left is number-shaped; a final "." goes only where the
    figure has no other dot ("4.1." stays: a code, not 4,1)."""
    t = text.lstrip(STRAY_HEAD).rstrip(STRAY_TAIL).strip()
    if t.endswith(".") and "." not in t[:-1]:
        t = t[:-1]
    return t if t != text and t and is_number_shaped(t) else text


def _fix_caps(text: str) -> str:
    """Tesseract sometimes reads a word of a mixed-case cell in capitals ("РОССИЙСКОЙ"
    between "Бюджет субъекта" and "Федерации"): lower it back, keeping its first letter.
    Cells in capitals throughout ("ИТОГО", "ПРИБЫЛЬ (УБЫТОК)") are left alone."""
    words = re.findall(r"[^\W\d_]+", text)
    if not any(w.islower() for w in words):
        return text
    return re.sub(
        r"\b([^\W\d_])([^\W\d_]{4,})\b",
        lambda m: m.group(1) + m.group(2).lower() if m.group(0).isupper() else m.group(0),
        text,
    )


def _to_points(box: tuple[int, int, int, int], scale: float) -> BBox:
    return (box[0] / scale, box[1] / scale, box[2] / scale, box[3] / scale)


def _word_grids(
    levelled: LevelledPage, words: Sequence[OcrWord], page_no: int, scale: float
) -> tuple[list[Grid], list[Line]]:
    """The page's words through the text-layer engines; boundaries from dark rules, white
    gaps between shaded cells and shaded areas.  Returns the grids and the free lines."""
    h, w = levelled.gray.shape
    found = [
        *edge_lines(levelled.plain, scale),
        *gap_lines(levelled.closed, scale),
        *rule_lines(levelled.hrules, levelled.vrules, scale),
    ]
    lines = continue_columns(cell_sides(drop_strokes(join_collinear(found), words)), words)
    glyphs = words_to_glyphs(words)
    grids, _, free = glyphs_to_grids(page_no, (lines, []), (w / scale, h / scale), glyphs)
    for grid in grids:
        grid.engine = "ocr-" + grid.engine.removeprefix("pdf-")
        _word_confidence(grid, words)
        _clean_word_grid(grid)
        _box_empty_cells(grid)
    _reread_numbers(levelled, grids, scale)
    for grid in grids:
        grid.quality = grid_quality(grid.rows)
    return grids, free


def _word_confidence(grid: Grid, words: Sequence[OcrWord]) -> None:
    """Each cell's confidence: the mean of the words whose centre lies in its box."""
    for row in grid.rows:
        for cell in row:
            if not cell.text or cell.bbox is None:
                continue
            x0, top, x1, bottom = cell.bbox
            confs = [
                w.conf for w in words
                if x0 - 0.5 <= w.xc <= x1 + 0.5 and top - 0.5 <= w.yc <= bottom + 0.5
            ]
            cell.confidence = round(sum(confs) / len(confs), 3) if confs else None


def _box_empty_cells(grid: Grid) -> None:
    """Empty cells of a whitespace grid get a box, their column's span across their row's
    (so a figure tesseract missed there can be read again)."""
    cols: dict[int, tuple[float, float]] = {}
    rows: dict[int, tuple[float, float]] = {}
    for r, row in enumerate(grid.rows):
        for c, cell in enumerate(row):
            if cell.bbox is None or cell.origin is not None:
                continue
            x0, top, x1, bottom = cell.bbox
            cx, ry = cols.get(c, (x0, x1)), rows.get(r, (top, bottom))
            cols[c] = (min(cx[0], x0), max(cx[1], x1))
            rows[r] = (min(ry[0], top), max(ry[1], bottom))
    for r, row in enumerate(grid.rows):
        for c, cell in enumerate(row):
            if cell.bbox is None and not cell.text and c in cols and r in rows:
                cell.bbox = (cols[c][0], rows[r][0], cols[c][1], rows[r][1])


def _clean_word_grid(grid: Grid) -> None:
    """OCR habits undone as in the cell-by-cell reading (``clean_cell_text``)."""
    kinds = grid_column_kinds(grid)
    for row in grid.rows:
        for c, cell in enumerate(row):
            cell.text = clean_cell_text(cell.text, kinds.get(c) if cell.origin is None else None)


def grid_column_kinds(grid: Grid) -> dict[int, str]:
    """``number`` / ``code`` for the columns whose own cells mostly read as such (as
    ``column_kinds``: only the leftmost code-like column, none of numbers left of it)."""
    out: dict[int, str] = {}
    for c in range(grid.n_cols):
        texts = [
            r[c].text.replace("\n", " ").strip()
            for r in grid.rows
            if c < len(r) and r[c].text and r[c].origin is None
        ]
        codes = sum(bool(CODE_RE.match(t)) for t in texts)
        numbers = sum(_numberish(t.translate(LOOKALIKES)) for t in texts)
        if texts and codes * 2 > len(texts) and not out:
            out[c] = "code"
        elif texts and numbers * 2 > len(texts):
            out[c] = "number"
    return out


def _reread_numbers(levelled: LevelledPage, grids: Sequence[Grid], scale: float) -> None:
    """Number and code cells read with less than ``REREAD_BELOW`` confidence, not as a
    number, or not at all (a lone "0" or "Х" tesseract missed) read again on their own
    crop, restricted to digits and number signs; the new reading is kept when it fits
    its column and the first did not, or it is read more surely."""
    page = PageImage(gray=levelled.gray, ink=levelled.ink, tables=[], skew=0.0)
    todo: list[tuple[GridCell, str, Bounds]] = []
    for grid in grids:
        for c, kind in grid_column_kinds(grid).items():
            for row in grid.rows:
                cell = row[c]
                if cell.origin is not None or cell.bbox is None:
                    continue
                text = clean_cell_text(cell.text, kind)
                sure = (cell.confidence or 0.0) >= REREAD_BELOW and _fits(text, kind)
                worded = cell.text and not _may_be_number(cell.text)
                if sure or (worded and (kind != "code" or _fits(text, kind))):
                    continue
                bounds = _ink_bounds(levelled.ink, cell.bbox, scale)
                if bounds is not None:
                    todo.append((cell, kind, bounds))
    crops = [soft_crop(page, b) for _, _, b in todo]
    again = ocr_crops(crops, lang=NUMBER_LANG, whitelist=NUMBER_CHARS, side_by_side=True)
    kinds = [kind for _, kind, _ in todo]
    missed = [
        i for i, t in enumerate(again) if not _fits(clean_cell_text(t.text, kinds[i]), kinds[i])
    ]
    with ThreadPoolExecutor(max_workers=RETRY_JOBS) as pool:
        alone = pool.map(lambda i: _retry_alone(crops[i], kinds[i]), missed[:MAX_RETRIES])
        for i, t in zip(missed, alone, strict=False):
            again[i] = t or again[i]
    for (cell, kind, _), t in zip(todo, again, strict=True):
        text = clean_cell_text(t.text, kind)
        if not text or not _fits(text, kind):
            continue
        if not _fits(cell.text, kind) or (t.confidence or 0.0) > (cell.confidence or 0.0):
            best = _agree(OcrText(cell.text, cell.confidence), OcrText(text, t.confidence))
            cell.text, cell.confidence = best.text, best.confidence


def _ink_bounds(ink: Gray, bbox: BBox, scale: float) -> Bounds | None:
    """The ink inside a cell's box (in points) as a tight pixel rectangle."""
    x0, top, x1, bottom = (round(v * scale) for v in bbox)
    inner = ink[max(0, top + 2) : bottom - 2, max(0, x0 + 2) : x1 - 2]
    if inner.size == 0 or int(np.count_nonzero(inner)) < MIN_INK:
        return None
    ys = np.flatnonzero(inner.any(axis=1))
    xs = np.flatnonzero(inner.any(axis=0))
    y0, x0 = max(0, top + 2), max(0, x0 + 2)
    return y0 + int(ys[0]), y0 + int(ys[-1]) + 1, x0 + int(xs[0]), x0 + int(xs[-1]) + 1
