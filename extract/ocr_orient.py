"""Page orientation of a scan: is the page image turned 90°, 180° or 270°?

Run before deskewing.  Two tests, the cheap one first:

    text_direction   the direction from each letter-sized ink blob to its nearest
                     neighbour (rules removed): letters of a line stand closer to each
                     other than lines do, so on a page of horizontal lines most of these
                     steps are horizontal, on a sideways page most are vertical.  A clear
                     majority of horizontal steps settles the page as upright.
    osd_rotation     otherwise Tesseract's orientation and script detection (``--psm 0``)
                     on the page without its specks and rules, shrunk within Tesseract's
                     image limit; its rotation is taken when it is confident
    reads_better     a turn OSD gives with little confidence (noisy scans) is taken only
                     when the part of the page with the most letters, turned so, reads
                     better (more and surer words) than as it comes; on a sideways page
                     the same test chooses between the two sides.

A page with clear horizontal lines is never sent to OSD (costly): a page turned 180°
looks the same to the blob test, so such a page is read as it comes.  On a sideways
page OSD only chooses between 90° and 270°.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray

from svodka.extract.ocr_image import Gray, _otsu_inv, _shrink, line_masks, remove_specks
from svodka.extract.ocr_tess import MAX_SIDE, TEXT_LANG, TIMEOUT, run_tesseract

VOTE_SIDE = 2000
"""Pixels: the long side of the copy the blobs are found on."""
BLOB_PX = (5, 40)
"""Pixels (on that copy): heights of a letter-sized blob."""
MIN_BLOBS = 30
CLEAR_LOG_RATIO = 0.5
"""|log(horizontal steps / vertical steps)| from which the direction is clear."""
CHUNK = 400
OSD_SIDE = 3600
"""Pixels: OSD reads the page shrunk to this long side at most (it needs the letters)."""
SURE_OSD_CONFIDENCE = 5.0
"""Tesseract's orientation confidence from which its answer is taken as it is ..."""
MIN_OSD_CONFIDENCE = 0.5
"""... and below which it is not considered at all; in between ``reads_better`` decides."""
PROBE_SHARE = 0.5
"""The part of the page read to compare two turns: this share of each side."""
MIN_WORD_CHARS = 3
ROTATE_RE = re.compile(r"^Rotate:\s*(\d+)", re.M)
CONF_RE = re.compile(r"^Orientation confidence:\s*([\d.]+)", re.M)


def orient_page(gray: Gray) -> tuple[Gray, int]:
    """The page turned upright, and the turn applied (degrees counter-clockwise, 0, 90,
    180 or 270)."""
    direction = text_direction(gray)
    if direction == "horizontal":
        return gray, 0
    turn, confidence = osd_rotation(gray)
    sure = confidence >= SURE_OSD_CONFIDENCE
    if direction == "vertical":  # sideways: OSD only chooses the side
        if turn not in (90, 270):
            turn, sure = 270, False
        if not sure and reads_better(turn_image(gray, turn), 180):
            turn = (turn + 180) % 360
    elif turn and not sure and not reads_better(gray, turn):
        turn = 0
    return (turn_image(gray, turn) if turn else gray), turn


def turn_image(gray: Gray, degrees: int) -> Gray:
    """``gray`` turned by a multiple of 90° counter-clockwise."""
    return np.ascontiguousarray(np.rot90(gray, (degrees // 90) % 4))


def text_direction(gray: Gray) -> str:
    """``horizontal`` when the nearest-neighbour steps of the page's letters are clearly
    mostly horizontal, ``vertical`` when clearly mostly vertical, else ``unsure``."""
    centres = letter_centres(gray)
    if len(centres) < MIN_BLOBS:
        return "unsure"
    across, along = _neighbour_steps(centres)
    ratio = float(np.log((across + 1) / (along + 1)))
    if ratio >= CLEAR_LOG_RATIO:
        return "horizontal"
    return "vertical" if ratio <= -CLEAR_LOG_RATIO else "unsure"


def letter_centres(gray: Gray) -> NDArray[np.float64]:
    """Centres (x, y) of the letter-sized ink blobs of the page without its rules."""
    small = _shrink(gray, VOTE_SIDE)
    ink = _otsu_inv(np.asarray(cv2.medianBlur(small, 3), dtype=np.uint8))
    hrules, vrules = line_masks(ink)
    rules = cv2.dilate(cv2.bitwise_or(hrules, vrules), np.ones((3, 3), np.uint8))
    ink = np.asarray(cv2.bitwise_and(ink, cv2.bitwise_not(rules)), dtype=np.uint8)
    _, _, stats, centres = cv2.connectedComponentsWithStats(ink, connectivity=8)
    w, h, area = stats[1:, 2], stats[1:, 3], stats[1:, 4]
    low, high = BLOB_PX
    keep = (h >= low) & (h <= high) & (w >= 2) & (w <= high) & (area >= 12)
    return np.asarray(centres[1:][keep], dtype=np.float64)


def _neighbour_steps(centres: NDArray[np.float64]) -> tuple[int, int]:
    """How many blobs have their nearest neighbour clearly beside them (horizontal
    step), and how many clearly above or below."""
    horizontal = vertical = 0
    for start in range(0, len(centres), CHUNK):
        part = centres[start : start + CHUNK]
        d = part[:, None, :] - centres[None, :, :]
        dist = np.hypot(d[..., 0], d[..., 1])
        own = np.arange(len(part))
        dist[own, own + start] = np.inf
        step = d[own, dist.argmin(axis=1)]
        dx, dy = np.abs(step[:, 0]), np.abs(step[:, 1])
        horizontal += int((dx > 2 * dy).sum())
        vertical += int((dy > 2 * dx).sum())
    return horizontal, vertical


def reads_better(gray: Gray, turn: int) -> bool:
    """Does the part of the page with the most letters read better turned by ``turn``
    than as it comes?"""
    probe = _densest_part(gray)
    return _reading_score(turn_image(probe, turn)) > _reading_score(probe)


def _densest_part(gray: Gray) -> Gray:
    """The window of ``PROBE_SHARE`` of each side (of nine, overlapping) holding the most
    letter-sized blobs."""
    h, w = gray.shape
    factor = max(h, w) / min(max(h, w), VOTE_SIDE)
    centres = letter_centres(gray) * factor
    wh, ww = int(h * PROBE_SHARE), int(w * PROBE_SHARE)
    corners = [(y, x) for y in np.linspace(0, h - wh, 3) for x in np.linspace(0, w - ww, 3)]

    def count(corner: tuple[float, float]) -> int:
        y, x = corner
        inside = ((centres[:, 0] >= x) & (centres[:, 0] < x + ww)
                  & (centres[:, 1] >= y) & (centres[:, 1] < y + wh))
        return int(inside.sum())

    y, x = (int(v) for v in max(corners, key=count))
    return np.ascontiguousarray(gray[y : y + wh, x : x + ww])


def _reading_score(gray: Gray) -> float:
    """Confidence summed over the words of three letters or digits or more."""
    words = run_tesseract(_shrink(gray, MAX_SIDE), lang=TEXT_LANG)
    return sum(w.conf for w in words if sum(ch.isalnum() for ch in w.text) >= MIN_WORD_CHARS)


def _clean(gray: Gray) -> Gray:
    """Black text on white without specks and ruling lines (what OSD reads best)."""
    ink = remove_specks(_otsu_inv(np.asarray(cv2.medianBlur(gray, 3), dtype=np.uint8)))
    hrules, vrules = line_masks(ink)
    rules = cv2.dilate(cv2.bitwise_or(hrules, vrules), np.ones((3, 3), np.uint8))
    return np.asarray(255 - cv2.bitwise_and(ink, cv2.bitwise_not(rules)), dtype=np.uint8)


def osd_rotation(gray: Gray) -> tuple[int, float]:
    """Tesseract's OSD: the counter-clockwise turn (0, 90, 180, 270) that makes the page
    upright and its confidence; (0, 0.0) when it is unsure or fails."""
    small = _clean(_shrink(gray, min(OSD_SIDE, MAX_SIDE)))
    with tempfile.TemporaryDirectory(prefix="svodka-osd-") as tmp:
        png = Path(tmp) / "page.png"
        cv2.imwrite(str(png), small)
        env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
        try:
            out = subprocess.run(
                ["tesseract", str(png), "stdout", "--psm", "0", "--dpi", "300"],
                capture_output=True, text=True, timeout=TIMEOUT, check=False, env=env,
            )
        except (OSError, subprocess.SubprocessError):
            return 0, 0.0
    return parse_osd(out.stdout)


def parse_osd(text: str) -> tuple[int, float]:
    """The turn of Tesseract's OSD report ("Rotate: 90" is clockwise; returned as the
    counter-clockwise turn, 270) and its confidence, when it is at least
    ``MIN_OSD_CONFIDENCE``; else (0, 0.0)."""
    rotate, conf = ROTATE_RE.search(text), CONF_RE.search(text)
    if rotate is None or conf is None or float(conf.group(1)) < MIN_OSD_CONFIDENCE:
        return 0, 0.0
    return (360 - int(rotate.group(1))) % 360, float(conf.group(1))
