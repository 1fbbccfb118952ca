"""Scanned page image → deskewed, cleaned ink and the ruled tables on it.

Flow: ``to_gray`` → ``estimate_skew`` (projection profile of the ink, coarse then
fine) → ``rotate`` → ``binarize`` (Otsu, ink = 255, specks removed) →
``line_masks`` (morphological opening with long horizontal / vertical kernels)
→ ``find_tables`` (connected groups of ruling lines; row and column boundaries
from the line positions; two neighbouring grid positions are one merged cell when
no ruling line separates them).

Everything works in pixels of the processed image; the caller converts to points.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image

from svodka.extract.pdf_table import cluster_positions

Gray = NDArray[np.uint8]

SPECK_AREA = 10
"""Connected ink blobs smaller than this (pixels, at ~300 dpi) are scan noise."""
LINE_COVER = 0.6
"""Share of a boundary segment that must be drawn for two positions to be separate cells."""
MIN_TABLE_SIDE = 120
"""Pixels: ruling-line groups smaller than this in either direction are not tables."""


@dataclass(frozen=True)
class CellBox:
    """One printed cell: the grid positions it covers and its pixel rectangle."""

    row: int
    col: int
    rowspan: int
    colspan: int
    x0: int
    y0: int
    x1: int
    y1: int


@dataclass(frozen=True)
class TableBox:
    x0: int
    y0: int
    x1: int
    y1: int
    cells: tuple[CellBox, ...]


@dataclass
class PageImage:
    """A page ready for OCR: deskewed ``gray`` and its binarised ``ink`` (255 = ink)."""

    gray: Gray
    ink: Gray
    tables: list[TableBox]
    skew: float
    turn: int = 0
    """Degrees (counter-clockwise) the page image was turned to stand upright."""


def to_gray(image: Image.Image) -> Gray:
    return np.asarray(image.convert("L"), dtype=np.uint8)


def prepare_page(gray: Gray, turn: int = 0) -> PageImage:
    """Deskew, binarise and find the ruled tables of one upright page image (``turn``:
    the degrees it was turned to stand upright, ``ocr_orient``)."""
    skew = estimate_skew(gray)
    if abs(skew) >= 0.02:
        gray = rotate(gray, skew)
    ink = binarize(gray)
    hmask, vmask = line_masks(ink)
    tables = find_tables(hmask, vmask)
    return PageImage(gray=gray, ink=ink, tables=tables, skew=skew, turn=turn)


def _otsu_inv(gray: Gray) -> Gray:
    _, out = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    return np.asarray(out, dtype=np.uint8)


def estimate_skew(gray: Gray, limit: float = 3.0) -> float:
    """Rotation (degrees, for ``rotate``) that makes text lines and rules horizontal:
    the angle whose row profile of the ink is sharpest, coarse on a small copy first.

    The profile at an angle is a histogram of the ink pixels' rotated row positions,
    which is the row sums of the rotated image without drawing it."""
    small = _shrink(gray, 1600)
    fine, coarse = _otsu_inv(small), _otsu_inv(_shrink(small, 800))
    coarse_pts, fine_pts = _ink_points(coarse), _ink_points(fine)
    steps = np.arange(-limit, limit + 1e-9, 0.25)
    best = max(steps, key=lambda a: _profile_score(coarse_pts, a))
    steps = np.arange(best - 0.25, best + 0.25 + 1e-9, 0.025)
    best = max(steps, key=lambda a: _profile_score(fine_pts, a))
    return round(float(best), 3)


def _shrink(gray: Gray, side: int) -> Gray:
    h, w = gray.shape
    factor = min(1.0, side / max(h, w))
    small = cv2.resize(gray, (int(w * factor), int(h * factor)), interpolation=cv2.INTER_AREA)
    return np.asarray(small, dtype=np.uint8)


InkPoints = tuple[NDArray[np.float64], NDArray[np.float64]]


def _ink_points(ink: Gray) -> InkPoints:
    """Ink pixel positions relative to the image centre (x, y)."""
    xs, ys = _nonzero(ink)
    h, w = ink.shape
    return xs - w / 2, ys - h / 2


def _nonzero(mask: Gray) -> tuple[NDArray[np.int32], NDArray[np.int32]]:
    """x and y of the mask's set pixels, row by row (``np.nonzero`` is several times slower)."""
    points = cv2.findNonZero(mask)
    if points is None:
        empty = np.zeros(0, dtype=np.int32)
        return empty, empty
    xy = np.asarray(points, dtype=np.int32).reshape(-1, 2)
    return xy[:, 0], xy[:, 1]


def _profile_score(points: InkPoints, angle: float) -> float:
    """Sharpness (sum of squares) of the row profile of the ink rotated by ``angle``
    the way ``rotate`` turns it (counter-clockwise for positive degrees)."""
    dx, dy = points
    if dx.size == 0:
        return 0.0
    rad = np.deg2rad(angle)
    # floor, not rint: rint sends the half-integer rows of an odd-sized image at 0° two
    # to a bin (rounding half to even), which doubles the score there
    rows = np.floor(dy * np.cos(rad) - dx * np.sin(rad)).astype(np.int64)
    counts = np.bincount(rows - rows.min()).astype(np.float64)
    return float(np.sum(counts**2))


def rotate(img: Gray, angle: float, fill: int = 255) -> Gray:
    h, w = img.shape
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    out = cv2.warpAffine(
        img,
        matrix,
        (w, h),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=fill,
    )
    return np.asarray(out, dtype=np.uint8)


def binarize(gray: Gray) -> Gray:
    """Ink = 255: light smoothing against grain, Otsu, then specks removed."""
    smooth = cv2.medianBlur(gray, 3)
    return remove_specks(_otsu_inv(np.asarray(smooth, dtype=np.uint8)))


def remove_specks(ink: Gray, min_area: int = SPECK_AREA) -> Gray:
    n, labels = cv2.connectedComponents(ink, connectivity=8)  # stats: several times slower
    area = np.bincount(labels[ink > 0], minlength=n)
    keep = np.where(area >= min_area, 255, 0).astype(np.uint8)
    keep[0] = 0
    return np.asarray(keep[labels], dtype=np.uint8)


def line_masks(ink: Gray) -> tuple[Gray, Gray]:
    """Horizontal and vertical ruling lines (255) by opening with long thin kernels."""
    h, w = ink.shape
    hk = cv2.getStructuringElement(cv2.MORPH_RECT, (max(40, w // 25), 1))
    vk = cv2.getStructuringElement(cv2.MORPH_RECT, (1, max(40, h // 35)))
    # bridge one-pixel print breaks only; wider closing glues bold letters into "rules"
    hclosed = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, np.ones((1, 3), np.uint8))
    vclosed = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, np.ones((3, 1), np.uint8))
    hmask = cv2.morphologyEx(hclosed, cv2.MORPH_OPEN, hk)
    vmask = cv2.morphologyEx(vclosed, cv2.MORPH_OPEN, vk)
    return np.asarray(hmask, dtype=np.uint8), np.asarray(vmask, dtype=np.uint8)


def _segments(mask: Gray, horizontal: bool) -> list[tuple[float, int, int]]:
    """(position across, start along, end along) of each line component."""
    out = []
    for x, y, w, h in _boxes(mask)[1]:
        if horizontal:
            out.append((y + h / 2, x, x + w))
        else:
            out.append((x + w / 2, y, y + h))
    return out


Box = tuple[int, int, int, int]
"""x, y, width, height in pixels."""


def _boxes(mask: Gray) -> tuple[NDArray[np.int32], list[Box]]:
    """Labels of the 8-connected components of a sparse mask and each one's box (label k
    is box k - 1): ``connectedComponentsWithStats`` without its statistics pass over the
    whole page, several times slower than gathering them from the few ink pixels."""
    _, found = cv2.connectedComponents(mask, connectivity=8)
    labels = np.asarray(found, dtype=np.int32)
    xs, ys = _nonzero(mask)
    if xs.size == 0:
        return labels, []
    lab = labels[ys, xs]
    order = np.argsort(lab, kind="stable")
    lab, ys, xs = lab[order], ys[order], xs[order]
    starts = np.flatnonzero(np.r_[True, lab[1:] != lab[:-1]])
    x0, x1 = np.minimum.reduceat(xs, starts), np.maximum.reduceat(xs, starts)
    y0, y1 = np.minimum.reduceat(ys, starts), np.maximum.reduceat(ys, starts)
    boxes = [
        (int(a), int(b), int(c) - int(a) + 1, int(d) - int(b) + 1)
        for a, b, c, d in zip(x0, y0, x1, y1, strict=True)
    ]
    return labels, boxes


def find_tables(hmask: Gray, vmask: Gray) -> list[TableBox]:
    """Ruled tables: groups of crossing lines → boundaries → cells (merged where unruled)."""
    both = cv2.dilate(hmask | vmask, np.ones((9, 9), np.uint8))
    labels, boxes = _boxes(np.asarray(both, dtype=np.uint8))
    tables = []
    for i, (x, y, w, h) in enumerate(boxes, start=1):
        if w < MIN_TABLE_SIDE or h < MIN_TABLE_SIDE:
            continue
        region = labels[y : y + h, x : x + w] == i
        hm = np.where(region, hmask[y : y + h, x : x + w], 0).astype(np.uint8)
        vm = np.where(region, vmask[y : y + h, x : x + w], 0).astype(np.uint8)
        table = _region_to_table(hm, vm, x, y)
        if table is not None:
            tables.append(table)
    return sorted(tables, key=lambda t: t.y0)


def _region_to_table(hm: Gray, vm: Gray, ox: int, oy: int) -> TableBox | None:
    h, w = hm.shape
    ys = cluster_positions([s[0] for s in _segments(hm, True) if s[2] - s[1] >= 20], 8)
    xs = cluster_positions([s[0] for s in _segments(vm, False) if s[2] - s[1] >= 20], 8)
    if len(ys) < 2 or len(xs) < 2:
        return None
    n_rows, n_cols = len(ys) - 1, len(xs) - 1
    parent = list(range(n_rows * n_cols))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    def union(a: int, b: int) -> None:
        parent[find(a)] = find(b)

    for r in range(n_rows):
        for c in range(n_cols):
            if c + 1 < n_cols and not _ruled(vm, xs[c + 1], ys[r], ys[r + 1], vertical=True):
                union(r * n_cols + c, r * n_cols + c + 1)
            if r + 1 < n_rows and not _ruled(hm, ys[r + 1], xs[c], xs[c + 1], vertical=False):
                union(r * n_cols + c, (r + 1) * n_cols + c)
    groups: dict[int, list[tuple[int, int]]] = {}
    for r in range(n_rows):
        for c in range(n_cols):
            groups.setdefault(find(r * n_cols + c), []).append((r, c))
    cells = []
    for members in groups.values():
        r0 = min(m[0] for m in members)
        r1 = max(m[0] for m in members) + 1
        c0 = min(m[1] for m in members)
        c1 = max(m[1] for m in members) + 1
        cells.append(
            CellBox(
                row=r0,
                col=c0,
                rowspan=r1 - r0,
                colspan=c1 - c0,
                x0=ox + round(xs[c0]),
                y0=oy + round(ys[r0]),
                x1=ox + round(xs[c1]),
                y1=oy + round(ys[r1]),
            )
        )
    cells.sort(key=lambda b: (b.row, b.col))
    return TableBox(
        x0=ox + round(xs[0]),
        y0=oy + round(ys[0]),
        x1=ox + round(xs[-1]),
        y1=oy + round(ys[-1]),
        cells=tuple(cells),
    )


def _ruled(mask: Gray, pos: float, a: float, b: float, *, vertical: bool) -> bool:
    """Is the boundary at ``pos`` drawn over most of the span ``a``..``b``?"""
    margin = max(3, int((b - a) * 0.15))
    lo, hi = int(a) + margin, int(b) - margin
    if hi <= lo:
        lo, hi = int(a), int(b)
    p0, p1 = max(0, int(pos) - 5), int(pos) + 6
    band = mask[lo:hi, p0:p1] if vertical else mask[p0:p1, lo:hi].T
    if band.size == 0:
        return False
    covered = (band > 0).any(axis=1)
    return float(covered.mean()) >= LINE_COVER


ZOOM = 1.5
"""Number and code cells are enlarged before the restricted pass: tesseract misses
lone digits some 25 px high (a "3" alone in its cell) and reads them once enlarged."""


def soft_crop(prepared: PageImage, bounds: tuple[int, int, int, int] | None) -> Gray:
    """Grey-level darkness of a cell's glyphs (anti-aliased edges kept, background and
    specks away from the glyphs cleared): digits read better than from the binary ink."""
    if bounds is None:
        return np.zeros((0, 0), dtype=np.uint8)
    y0, y1, x0, x1 = bounds
    y0, x0 = max(0, y0 - 2), max(0, x0 - 2)
    y1, x1 = y1 + 2, x1 + 2
    near = cv2.dilate(prepared.ink[y0:y1, x0:x1], np.ones((5, 5), np.uint8)) > 0
    dark = np.where(near, 255 - prepared.gray[y0:y1, x0:x1], 0).astype(np.uint8)
    zoomed = cv2.resize(dark, None, fx=ZOOM, fy=ZOOM, interpolation=cv2.INTER_CUBIC)
    return np.ascontiguousarray(zoomed, dtype=np.uint8)
