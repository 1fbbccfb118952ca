"""Tesseract, batched: many small crops → one strip image → one ``tesseract … tsv`` call.

Starting tesseract and loading its Russian model costs far more than reading a
cell, so crops (cells, text bands) are stacked top to bottom with blank gaps
into a few tall strips, each strip is read once (``--psm 6``, a block of text),
and the words are handed back to their crop by their vertical position.  Strips
are read in parallel, one tesseract process per core (``OMP_THREAD_LIMIT=1``).

Crops are ink masks (255 = ink) as ``ocr_image`` makes them; they are drawn
black on white.  Each result keeps its words' mean confidence (0..1).
"""

from __future__ import annotations

import dataclasses
import functools
import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from svodka.extract.ocr_image import Gray

TEXT_LANG = "rus"
NUMBER_LANG = "rus"
NUMBER_CHARS = "0123456789,.-–()хХxX%*"
"""Digits, separators, signs and the not-applicable mark "х" (Cyrillic and Latin)."""
PAD = 16
GAP = 48
ROW_ITEMS = 6
"""Crops per line when laid out side by side."""
ROW_GAP = 90
MAX_STRIP = 12000
"""Pixels: a strip taller than this is split (tesseract slows down on huge images)."""
LINE = 45
"""Pixels: about one text line of a cell at 300 dpi (line pitch)."""
MIN_WORK = 20 * 1000
"""Less work than this (``_cost``: px of text line, about 20 lines of a wide cell) is
not worth starting a second tesseract."""
TIMEOUT = 300
DASHES = frozenset("-–—")
EN_DASH_WIDTH = 0.45
"""A lone dash among words at least this wide (share of the line's median word height)
is a dash ("МСП – участников"), narrower a hyphen: tesseract reads both as "-"."""
MAX_SIDE = 32767
"""Pixels: tesseract refuses an image wider or taller than this (Leptonica's limit)."""


class OcrImageTooLarge(ValueError):
    """An image over tesseract's size limit: never handed to it."""


@dataclass(frozen=True)
class OcrText:
    text: str
    confidence: float | None


@dataclass(frozen=True)
class _Word:
    text: str
    conf: float
    line: tuple[int, int, int]
    left: int
    xc: float
    yc: float
    top: int = 0
    width: int = 0
    height: int = 0


Word = _Word
"""A word tesseract read: text, confidence 0..100, its line (block, paragraph, line) and
its box in pixels (``left``, ``top``, ``width``, ``height``; ``xc``, ``yc`` its centre)."""


@functools.cache
def tesseract_languages() -> frozenset[str]:
    """Installed tesseract languages; empty when tesseract is missing or broken."""
    exe = shutil.which("tesseract")
    if exe is None:
        return frozenset()
    try:
        out = subprocess.run(
            [exe, "--list-langs"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    lines = out.stdout.splitlines()
    return frozenset(ln.strip() for ln in lines[1:] if ln.strip())


def tesseract_available() -> bool:
    return {"rus", "eng"} <= tesseract_languages()


def ocr_crops(
    crops: Sequence[Gray],
    *,
    lang: str = TEXT_LANG,
    whitelist: str | None = None,
    jobs: int = 2,
    side_by_side: bool = False,
) -> list[OcrText]:
    """Read each crop; empty crops (or crops tesseract finds nothing in) give ``""``.

    ``side_by_side`` lays short crops (numbers, marks) out in rows, several to a line,
    instead of one under another: tesseract drops a lone glyph on a line of its own
    far more often than one among others.
    """
    results = [OcrText("", None)] * len(crops)
    order = [i for i, c in enumerate(crops) if c.size and c.any()]
    if not order:
        return results
    chunks = _chunks(order, crops, jobs, per_line=ROW_ITEMS if side_by_side else 1)
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        done = pool.map(lambda ids: _read_strip(ids, crops, lang, whitelist, side_by_side), chunks)
        for ids, texts in zip(chunks, done, strict=True):
            for i, t in zip(ids, texts, strict=True):
                results[i] = t
    return results


def _chunks(order: list[int], crops: Sequence[Gray], jobs: int, per_line: int) -> list[list[int]]:
    """Split the crops into strips of about equal work: one per job (one in all when
    the work is small), more when a strip would grow over MAX_STRIP."""
    costs = [_cost(crops[i]) / per_line for i in order]
    height = sum((crops[i].shape[0] + GAP) / per_line for i in order)
    total = sum(costs)
    wanted = max(jobs if total >= MIN_WORK else 1, int(-(-height // MAX_STRIP)))
    n = max(1, min(len(order), wanted))
    target = total / n
    chunks: list[list[int]] = [[]]
    done, tall = 0.0, 0.0
    for i, c in zip(order, costs, strict=True):
        step = (crops[i].shape[0] + GAP) / per_line
        over = chunks[-1] and tall + step > MAX_STRIP  # never a strip past MAX_STRIP
        if chunks[-1] and (over or (done + c / 2 > target * len(chunks) and len(chunks) < n)):
            chunks.append([])
            tall = 0.0
        chunks[-1].append(i)
        done += c
        tall += step
    return chunks


def _cost(crop: Gray) -> float:
    """Tesseract's work on a crop: its recogniser runs along each text line, so the work
    grows with the crop's width times its number of lines (about LINE px each)."""
    height, width = crop.shape
    return float(width * max(1.0, height / LINE))


Place = tuple[int, int, int, int]
"""x0, y0, x1, y1 of a crop in the strip."""


def _layout(
    ids: list[int], crops: Sequence[Gray], side_by_side: bool
) -> tuple[list[Place], int, int]:
    """Where each crop goes in the strip, and the strip's width and height."""
    places: list[Place] = []
    y = GAP // 2
    if not side_by_side:
        for i in ids:
            h, w = crops[i].shape
            places.append((PAD, y, PAD + w, y + h))
            y += h + GAP
        return places, max(p[2] for p in places) + PAD, y
    for start in range(0, len(ids), ROW_ITEMS):
        line = ids[start : start + ROW_ITEMS]
        height = max(crops[i].shape[0] for i in line)
        x = PAD
        for i in line:
            h, w = crops[i].shape
            top = y + height - h  # bottom-aligned: one baseline for the line
            places.append((x, top, x + w, top + h))
            x += w + ROW_GAP
        y += height + GAP
    return places, max(p[2] for p in places) + PAD, y


def _read_strip(
    ids: list[int], crops: Sequence[Gray], lang: str, whitelist: str | None, side_by_side: bool
) -> list[OcrText]:
    places, width, height = _layout(ids, crops, side_by_side)
    strip = np.full((height, width), 255, dtype=np.uint8)
    for i, (x0, y0, x1, y1) in zip(ids, places, strict=True):
        strip[y0:y1, x0:x1] = 255 - crops[i]
    words = run_tesseract(strip, lang=lang, whitelist=whitelist)
    per: list[list[_Word]] = [[] for _ in ids]
    for w in words:
        k = _place_of(w, places)
        if k is not None:
            per[k].append(w)
    return [_join(ws) for ws in per]


def _place_of(w: _Word, places: list[Place]) -> int | None:
    """The crop a word's centre falls in (or nearest to, within half a gap)."""
    best, dist = None, float("inf")
    for k, (x0, y0, x1, y1) in enumerate(places):
        dy = max(y0 - w.yc, 0.0, w.yc - y1)
        dx = max(x0 - w.xc, 0.0, w.xc - x1)
        if dy <= GAP / 2 and dx <= ROW_GAP / 2 and dx + dy < dist:
            best, dist = k, dx + dy
    return best


def _join(words: list[_Word]) -> OcrText:
    if not words:
        return OcrText("", None)
    lines: dict[tuple[int, int, int], list[_Word]] = {}
    for w in words:
        lines.setdefault(w.line, []).append(w)
    ordered = sorted(lines.values(), key=lambda ws: min(w.yc for w in ws))
    text = "\n".join(" ".join(w.text for w in sorted(ws, key=lambda w: w.left)) for ws in ordered)
    conf = sum(w.conf for w in words) / len(words) / 100
    return OcrText(text, round(max(0.0, min(1.0, conf)), 3))


def run_tesseract(
    image: Gray, *, lang: str, whitelist: str | None = None, psm: int = 6
) -> list[_Word]:
    """Words of one image (black on white) with confidence and position.  An image over
    ``MAX_SIDE`` is refused with ``OcrImageTooLarge`` (tesseract would fail on it)."""
    height, width = image.shape[:2]
    if max(height, width) > MAX_SIDE:
        raise OcrImageTooLarge(
            f"изображение {width} × {height} пикс. больше предела Tesseract "
            f"({MAX_SIDE} пикс. по стороне), не распознавалось"
        )
    with tempfile.TemporaryDirectory(prefix="svodka-ocr-") as tmp:
        png = Path(tmp) / "in.png"
        cv2.imwrite(str(png), image)
        cmd = ["tesseract", str(png), "stdout", "-l", lang, "--psm", str(psm), "--dpi", "300"]
        if whitelist:  # with the blank: without it the LSTM joins words laid side by side
            cmd += ["-c", f"tessedit_char_whitelist={whitelist} "]
        env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
        out = subprocess.run(
            [*cmd, "tsv"], capture_output=True, timeout=TIMEOUT, check=True, env=env
        )
    return mark_dashes(parse_tsv(out.stdout.decode("utf-8", errors="replace")))


def mark_dashes(words: list[_Word]) -> list[_Word]:
    """Lone dashes standing between words, told hyphen or dash by their width."""
    lines: dict[tuple[int, int, int], list[_Word]] = {}
    for w in words:
        lines.setdefault(w.line, []).append(w)
    out = []
    for w in words:
        others = sorted(x.height for x in lines[w.line] if x.text not in DASHES)
        if w.text in DASHES and len(others) >= 2:
            wide = w.width >= EN_DASH_WIDTH * others[len(others) // 2]
            w = dataclasses.replace(w, text="–" if wide else "-")
        out.append(w)
    return out


def parse_tsv(tsv: str) -> list[_Word]:
    words = []
    for row in tsv.splitlines()[1:]:
        f = row.split("\t")
        if len(f) < 12 or f[0] != "5" or not f[11].strip():
            continue
        try:
            conf = float(f[10])
            left, top, width, height = int(f[6]), int(f[7]), int(f[8]), int(f[9])
            line = (int(f[2]), int(f[3]), int(f[4]))
        except ValueError:
            continue
        xc, yc = left + width / 2, top + height / 2
        word = _Word(f[11].strip(), max(conf, 0.0), line, left, xc, yc, top, width, height)
        words.append(word)
    return words
