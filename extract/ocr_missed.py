"""Ink that tesseract's page reading left without a word: read on its own and added.

Tesseract reading a whole page as one block drops many short tokens standing alone in
wide blanks: a lone "0" or "Х" in a table cell, a header "РБ" over a column.  Every
token still shows as ink, so the text layer is completed from the image itself:

    ink_tokens      the levelled page's ink joined within a letter gap, as boxes:
                    letters of one token merge, words and cells stay apart
    uncovered       the token boxes of text size that no word's box covers
    reread_tokens   the tokens whose words were read unsurely, or cover them only in
                    part (a first letter lost: "юджет" for "бюджет")
    complete_words  those crops read side by side in one tesseract call; a reading with
                    a digit or the mark "х", or a sure word, joins the page's words; a
                    token read again replaces its words when surer or longer

The table engines then see the page's words as a text layer would give them, with the
figures a whole-page reading missed in their cells.
"""

from __future__ import annotations

from collections.abc import Sequence
from statistics import median

import cv2
import numpy as np
from numpy.typing import NDArray

from svodka.extract.ocr_image import Gray, PageImage, _boxes, soft_crop
from svodka.extract.ocr_tess import TEXT_LANG, ocr_crops
from svodka.extract.ocr_words import NA_MARKS, LevelledPage, OcrWord

LETTER_GAP_PT = 0.9
"""Points: ink closer than this horizontally is one token (letters of a word; a word
space or a digit-group space is wider)."""
MIN_HEIGHT_SHARE = 0.4
MAX_HEIGHT_SHARE = 1.6
"""A token's height against the page's median word height: smaller is a speck or a
dash's neighbour, larger a picture or a stamp."""
MAX_WIDTH_SHARE = 12.0
COVER_PT = 1.0
"""Points a word's box is widened by when telling whether it covers a token."""
MIN_LETTERS_CONF = 0.75
"""A missed token of letters only is kept when read this surely (specks read as "у")."""
UNSURE_WORD = 0.6
"""Words read with less confidence are read again on the ink they lie on."""
SPILL_SHARE = 0.4
"""Word heights of a token left uncovered by its words beyond which it is read again."""
REREAD_GAIN = 0.1
MIN_FIGURE_CONF = 0.3
MIN_MARK_CONF = 0.6
MAX_TOKENS = 400
"""Tokens read again per page, at most (a noisy scan must not cost an unbounded pass)."""


def complete_words(
    levelled: LevelledPage, words: Sequence[OcrWord], scale: float
) -> list[OcrWord]:
    """``words`` completed from the ink: the text-sized tokens no word covers read and
    added; the tokens a word covers only in part ("юджет" over the ink of "бюджет") or
    covers with words read unsurely (below ``UNSURE_WORD``, no digit: figures are read
    again later, restricted to digits) read again whole, their reading taken when it
    is surer or longer.  All in one tesseract call (points, confidence 0..1)."""
    if not words:
        return list(words)
    height = median(w.bottom - w.top for w in words)
    tokens = sized_tokens(ink_tokens(levelled.ink, scale), height, scale)
    missed = uncovered(tokens, words, scale)[:MAX_TOKENS]
    redo = reread_tokens(tokens, words, height, scale)[:MAX_TOKENS]
    boxes = [*missed, *(box for box, _ in redo)]
    if not boxes:
        return list(words)
    page = PageImage(gray=levelled.gray, ink=levelled.ink, tables=[], skew=0.0)
    crops = [soft_crop(page, (y0, y1, x0, x1)) for x0, y0, x1, y1 in boxes]
    texts = ocr_crops(crops, lang=TEXT_LANG, side_by_side=True)
    out = list(words)
    for box, t in zip(missed, texts[: len(missed)], strict=True):
        text = t.text.replace("\n", " ").strip()
        if _worth_keeping(text, t.confidence or 0.0):
            out.append(_word(text, t.confidence or 0.0, box, scale))
    for (box, old), t in zip(redo, texts[len(missed):], strict=True):
        text = t.text.replace("\n", " ").strip()
        if _better(text, t.confidence or 0.0, old) and all(w in out for w in old):
            out = [w for w in out if w not in old] + [_word(text, t.confidence or 0.0, box, scale)]
    return out


def _word(text: str, conf: float, box: tuple[int, int, int, int], scale: float) -> OcrWord:
    x0, y0, x1, y1 = box
    return OcrWord(text, round(conf, 3), x0 / scale, y0 / scale, x1 / scale, y1 / scale)


def reread_tokens(
    tokens: NDArray[np.int32], words: Sequence[OcrWord], height: float, scale: float
) -> list[tuple[tuple[int, int, int, int], list[OcrWord]]]:
    """Tokens to read again, each with the words (no digit among them) it would replace:
    those words read unsurely, or leaving a glyph's width of the token uncovered."""
    out = []
    for row in tokens:
        x0, y0, x1, y1 = (int(v) for v in row)
        box = (x0 / scale, y0 / scale, x1 / scale, y1 / scale)
        over = [w for w in words if _overlaps(w, box)]
        if not over or any(ch.isdigit() for w in over for ch in w.text):
            continue
        unsure = min(w.conf for w in over) < UNSURE_WORD
        left, right = min(w.x0 for w in over), max(w.x1 for w in over)
        sticks_out = max(left - box[0], box[2] - right) > SPILL_SHARE * height
        if unsure or sticks_out:
            out.append(((x0, y0, x1, y1), over))
    return out


def _overlaps(w: OcrWord, box: tuple[float, float, float, float]) -> bool:
    """Does the word lie on the token: boxes crossing, most of the word's height shared?"""
    x0, top, x1, bottom = box
    shared = min(w.bottom, bottom) - max(w.top, top)
    return w.x0 < x1 and x0 < w.x1 and shared >= 0.5 * (w.bottom - w.top)


def _better(text: str, conf: float, old: Sequence[OcrWord]) -> bool:
    """A second reading of a token is taken when it holds letters and is surer than the
    words it replaces, or as sure (``MIN_LETTERS_CONF``) and longer."""
    if sum(ch.isalpha() for ch in text) < 2 or any(ch.isdigit() for ch in text):
        return False
    before = min(w.conf for w in old)
    length = sum(len(w.text) for w in old)
    return conf > before + REREAD_GAIN or (conf >= MIN_LETTERS_CONF and len(text) > length)


def ink_tokens(ink: Gray, scale: float) -> NDArray[np.int32]:
    """Boxes (x0, y0, x1, y1 in pixels, end exclusive) of the ink joined horizontally
    within ``LETTER_GAP_PT``."""
    gap = max(1, round(LETTER_GAP_PT * scale))
    joined = cv2.dilate(ink, np.ones((1, gap), np.uint8))
    _, boxes = _boxes(np.asarray(joined, dtype=np.uint8))
    if not boxes:
        return np.zeros((0, 4), dtype=np.int32)
    arr = np.asarray(boxes, dtype=np.int32)  # x, y, w, h
    half = gap // 2
    return np.stack([arr[:, 0] + half, arr[:, 1], arr[:, 0] + arr[:, 2] - half,
                     arr[:, 1] + arr[:, 3]], axis=1)


def sized_tokens(tokens: NDArray[np.int32], height: float, scale: float) -> NDArray[np.int32]:
    """The tokens of text size (``height``: the page's median word height, points)."""
    if tokens.size == 0:
        return tokens
    h = (tokens[:, 3] - tokens[:, 1]) / scale
    w = (tokens[:, 2] - tokens[:, 0]) / scale
    sized = (h >= MIN_HEIGHT_SHARE * height) & (h <= MAX_HEIGHT_SHARE * height)
    sized &= w <= MAX_WIDTH_SHARE * height
    return tokens[sized]


def uncovered(
    tokens: NDArray[np.int32], words: Sequence[OcrWord], scale: float
) -> list[tuple[int, int, int, int]]:
    """The tokens whose centre no word's box (widened by ``COVER_PT``) holds, top to
    bottom."""
    if tokens.size == 0:
        return []
    xc = (tokens[:, 0] + tokens[:, 2]) / 2 / scale
    yc = (tokens[:, 1] + tokens[:, 3]) / 2 / scale
    boxes = np.asarray([(b.x0, b.top, b.x1, b.bottom) for b in words], dtype=np.float64)
    x0, top, x1, bottom = (boxes[None, :, k] for k in range(4))
    inside = (
        (xc[:, None] >= x0 - COVER_PT) & (xc[:, None] <= x1 + COVER_PT)
        & (yc[:, None] >= top - COVER_PT) & (yc[:, None] <= bottom + COVER_PT)
    )
    left = tokens[~inside.any(axis=1)]
    order = np.lexsort((left[:, 0], left[:, 1]))
    return [tuple(int(v) for v in left[k]) for k in order]  # type: ignore[misc]


def _worth_keeping(text: str, confidence: float) -> bool:
    """A figure, a not-applicable mark ("х", read surely: white letters on a dark header
    cell come out as one), or a word read surely."""
    if not text:
        return False
    if any(ch.isdigit() for ch in text):
        return confidence >= MIN_FIGURE_CONF
    if text in NA_MARKS:
        return confidence >= MIN_MARK_CONF
    letters = sum(ch.isalpha() for ch in text)
    return letters >= 2 and confidence >= MIN_LETTERS_CONF
