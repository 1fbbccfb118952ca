"""Ruled tables: ruling lines and cell rectangles → cell grid → ``Grid``.

Flow: ``page_to_edges`` (lines, hairline rects and rect borders as horizontal
and vertical segments) → ``edges_to_regions`` (connected groups of crossing
segments, one per table) → ``region_to_blocks`` (column and row boundaries
from the segment positions; two neighbouring grid positions belong to one
merged cell when no segment separates them) → ``split_bands`` (a band holding
several printed rows when the row rules are missing) → ``blocks_to_grid``.

The page's glyphs are indexed once (``GlyphIndex``: sorted by centre y), so each
region and each band takes its glyphs by bisection instead of a page-wide scan.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from svodka.extract.pdf_table import (
    Block,
    blocks_to_grid,
    cluster_positions,
    column_of,
    drop_empty_lines,
    lines_to_logical_rows,
    merge_wrapped,
    row_glyphs_by_column,
)
from svodka.extract.pdf_text import Glyph, glyphs_to_cell_text, glyphs_to_lines, is_number_shaped
from svodka.schemas.grid import BBox, Grid

SNAP = 3.0
"""Points: segment ends and positions closer than this are the same rule."""
CLUSTER = 4.5
"""Points: rule positions this close (chained) are one boundary (double-drawn borders)."""
HAIRLINE = 2.5
"""A filled rect thinner than this is a drawn rule, not a cell."""


@dataclass(frozen=True)
class Edge:
    pos: float  # y of a horizontal edge, x of a vertical one
    a: float  # start along the edge
    b: float  # end along the edge


@dataclass(frozen=True)
class Region:
    hs: tuple[Edge, ...]
    vs: tuple[Edge, ...]


class GlyphIndex:
    """A page's glyphs bucketed once by centre: a box query bisects on y, not a full scan.

    ``within`` returns exactly the glyphs whose centre lies in the closed box, in
    page order, i.e. ``[g for g in glyphs if x0 <= g.xc <= x1 and top <= g.yc <= bottom]``.
    """

    def __init__(self, glyphs: Sequence[Glyph]) -> None:
        self.glyphs = list(glyphs)
        yc = [(g.top + g.bottom) / 2 for g in self.glyphs]  # = g.yc, without the property
        # a NaN centre is in no box (every comparison is False) and would break the sort
        order = sorted((i for i, y in enumerate(yc) if y == y), key=yc.__getitem__)
        self._order = order
        self._ys = [yc[i] for i in order]
        self._xs = [(g.x0 + g.x1) / 2 for g in self.glyphs]  # = g.xc

    def within(self, x0: float, x1: float, top: float, bottom: float) -> list[Glyph]:
        if not top <= bottom:
            return []
        lo, hi = bisect_left(self._ys, top), bisect_right(self._ys, bottom)
        xs, gs = self._xs, self.glyphs
        return [gs[i] for i in sorted(i for i in self._order[lo:hi] if x0 <= xs[i] <= x1)]


def _as_index(glyphs: Sequence[Glyph] | GlyphIndex) -> GlyphIndex:
    return glyphs if isinstance(glyphs, GlyphIndex) else GlyphIndex(glyphs)


def _slots_of(centres: Sequence[float], bounds: Sequence[float]) -> list[int]:
    """``[column_of(c, c, bounds) for c in centres]``, by bisection when ``bounds`` increase."""
    if not all(a < b for a, b in zip(bounds, bounds[1:], strict=False)):
        return [column_of(c, c, bounds) for c in centres]  # unsorted or NaN: the plain scan
    inner = list(bounds[1:-1])
    return [bisect_right(inner, (c + c) / 2) for c in centres]


def page_to_edges(
    lines: Sequence[dict[str, Any]], rects: Sequence[dict[str, Any]], width: float, height: float
) -> tuple[list[Edge], list[Edge]]:
    """Horizontal and vertical segments from line objects and rect borders."""
    hs: list[Edge] = []
    vs: list[Edge] = []
    for obj in (*lines, *rects):
        x0, x1 = float(obj["x0"]), float(obj["x1"])
        top, bottom = float(obj["top"]), float(obj["bottom"])
        w, h = x1 - x0, bottom - top
        if w > 0.9 * width and h > 0.9 * height:
            continue  # page background
        if h < HAIRLINE and w >= HAIRLINE:
            hs.append(Edge((top + bottom) / 2, x0, x1))
        elif w < HAIRLINE and h >= HAIRLINE:
            vs.append(Edge((x0 + x1) / 2, top, bottom))
        elif w >= HAIRLINE and h >= HAIRLINE and obj.get("object_type") == "rect":
            hs += [Edge(top, x0, x1), Edge(bottom, x0, x1)]
            vs += [Edge(x0, top, bottom), Edge(x1, top, bottom)]
    return merge_edges(hs), merge_edges(vs)


def merge_edges(edges: Sequence[Edge]) -> list[Edge]:
    """Join collinear segments that overlap or nearly touch."""
    out: list[Edge] = []
    for e in sorted(edges, key=lambda e: (round(e.pos), e.a)):
        last = out[-1] if out else None
        if last and abs(last.pos - e.pos) <= 1.0 and e.a <= last.b + SNAP:
            out[-1] = Edge(last.pos, last.a, max(last.b, e.b))
        else:
            out.append(e)
    return out


def edges_to_regions(hs: Sequence[Edge], vs: Sequence[Edge]) -> list[Region]:
    """Connected groups of crossing horizontal and vertical segments."""
    if not hs or not vs:
        return []
    h = np.array([(e.pos, e.a, e.b) for e in hs])
    v = np.array([(e.pos, e.a, e.b) for e in vs])
    cross = (
        (h[:, None, 0] >= v[None, :, 1] - SNAP)
        & (h[:, None, 0] <= v[None, :, 2] + SNAP)
        & (v[None, :, 0] >= h[:, None, 1] - SNAP)
        & (v[None, :, 0] <= h[:, None, 2] + SNAP)
    )
    regions: list[Region] = []
    seen_h: set[int] = set()
    for start in range(len(hs)):
        if start in seen_h or not cross[start].any():
            continue
        comp_h, comp_v = _component(cross, start)
        seen_h |= comp_h
        regions.append(Region(tuple(hs[i] for i in comp_h), tuple(vs[j] for j in comp_v)))
    return regions


def _component(cross: np.ndarray[Any, Any], start: int) -> tuple[set[int], set[int]]:
    comp_h: set[int] = {start}
    comp_v: set[int] = set()
    todo_h = [start]
    while todo_h:
        new_v = set(np.nonzero(cross[todo_h].any(axis=0))[0].tolist()) - comp_v
        comp_v |= new_v
        new_h = set(np.nonzero(cross[:, sorted(new_v)].any(axis=1))[0].tolist()) - comp_h
        comp_h |= new_h
        todo_h = sorted(new_h)
    return comp_h, comp_v


def snap_positions(values: Sequence[float]) -> list[float]:
    """Cluster positions closer than CLUSTER; each cluster → its mean."""
    return cluster_positions(values, CLUSTER)


def _covered(edges: Sequence[Edge], pos: float, at: float) -> bool:
    return any(abs(e.pos - pos) <= CLUSTER and e.a - SNAP <= at <= e.b + SNAP for e in edges)


def region_to_blocks(region: Region, glyphs: Sequence[Glyph] | GlyphIndex) -> list[Block]:
    """Cell blocks of one ruled region, text from the glyphs whose centre lies inside."""
    xs = snap_positions([e.pos for e in region.vs])
    ys = snap_positions([e.pos for e in region.hs])
    if len(xs) < 3 or len(ys) < 2:
        return []
    inside = _as_index(glyphs).within(xs[0], xs[-1], ys[0], ys[-1])
    xcs = [(g.x0 + g.x1) / 2 for g in inside]  # = g.xc, g.yc without the properties
    ycs = [(g.top + g.bottom) / 2 for g in inside]
    xs, ys = _drop_slivers(xs, xcs), _drop_slivers(ys, ycs)
    if len(xs) < 3 or len(ys) < 2 or not inside:
        return []
    owner = _merge_cells(region, xs, ys)
    members: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for pos, root in owner.items():
        members.setdefault(root, []).append(pos)
    text_at: dict[tuple[int, int], list[Glyph]] = {}
    for g, r, c in zip(inside, _slots_of(ycs, ys), _slots_of(xcs, xs), strict=True):
        text_at.setdefault((r, c), []).append(g)
    return [_block(cells, owner, text_at, xs, ys) for cells in members.values()]


def _drop_slivers(bounds: list[float], centres: Sequence[float]) -> list[float]:
    """Remove boundaries that make empty slots thinner than 4 pt (double rules)."""
    ordered = sorted(c for c in centres if c == c)  # NaN lies in no slot
    out = [bounds[0]]
    for b in bounds[1:]:
        thin = b - out[-1] < 4.0
        if thin and len(out) > 1 and not _any_between(ordered, out[-1], b):
            continue
        out.append(b)
    if len(out) > 2 and out[-1] - out[-2] < 4.0:
        out.pop(-2)
    return out


def _any_between(ordered: Sequence[float], lo: float, hi: float) -> bool:
    """``any(lo <= c <= hi for c in ordered)`` for sorted, NaN-free ``ordered``."""
    if not lo <= hi:
        return False
    i = bisect_left(ordered, lo)
    return i < len(ordered) and ordered[i] <= hi


def _merge_cells(region: Region, xs: list[float], ys: list[float]) -> dict[tuple[int, int], Any]:
    """Union grid positions not separated by a rule; returns position → root position."""
    parent: dict[tuple[int, int], tuple[int, int]] = {
        (r, c): (r, c) for r in range(len(ys) - 1) for c in range(len(xs) - 1)
    }

    def find(p: tuple[int, int]) -> tuple[int, int]:
        while parent[p] != p:
            parent[p] = parent[parent[p]]
            p = parent[p]
        return p

    def union(p: tuple[int, int], q: tuple[int, int]) -> None:
        a, b = find(p), find(q)
        if a != b:
            parent[max(a, b)] = min(a, b)

    for r in range(len(ys) - 1):
        ymid = (ys[r] + ys[r + 1]) / 2
        for c in range(len(xs) - 1):
            xmid = (xs[c] + xs[c + 1]) / 2
            if c + 2 < len(xs) and not _covered(region.vs, xs[c + 1], ymid):
                union((r, c), (r, c + 1))
            if r + 2 < len(ys) and not _covered(region.hs, ys[r + 1], xmid):
                union((r, c), (r + 1, c))
    return {p: find(p) for p in parent}


def _block(
    cells: list[tuple[int, int]],
    owner: dict[tuple[int, int], Any],
    text_at: dict[tuple[int, int], list[Glyph]],
    xs: list[float],
    ys: list[float],
) -> Block:
    r0, r1 = min(r for r, _ in cells), max(r for r, _ in cells)
    c0, c1 = min(c for _, c in cells), max(c for _, c in cells)
    glyphs = [g for p in cells for g in text_at.get(p, [])]
    return Block(
        row=r0,
        col=c0,
        text=glyphs_to_cell_text(glyphs, xs[c1 + 1] - xs[c0]),
        bbox=(xs[c0], ys[r0], xs[c1 + 1], ys[r1 + 1]),
        rowspan=r1 - r0 + 1,
        colspan=c1 - c0 + 1,
    )


def split_bands(blocks: list[Block], glyphs: Sequence[Glyph] | GlyphIndex) -> list[Block]:
    """Split a grid row that holds several printed rows (missing row rules) into rows."""
    bounds = sorted({b.bbox[0] for b in blocks} | {b.bbox[2] for b in blocks})
    stacking = _stacking_columns(blocks)
    index = _as_index(glyphs)
    starting: dict[int, list[Block]] = {}
    spanned: set[int] = set()  # rows covered by a block spanning several rows
    for b in blocks:
        starting.setdefault(b.row, []).append(b)
        if b.rowspan > 1:
            spanned.update(range(b.row, b.row + b.rowspan))
    out: list[Block] = []
    shift = 0
    for r in range(max(b.row + b.rowspan for b in blocks)):
        band = sorted(starting.get(r, []), key=lambda b: b.col)
        spans_rows = r in spanned
        groups = [] if spans_rows or not band else _band_groups(band, index, bounds, stacking)
        if len(groups) <= 1:
            out += [_shifted(b, shift) for b in band]
            continue
        out += _split_band(band, groups, bounds, r + shift)
        shift += len(groups) - 1
    return out


def _stacking_columns(blocks: Sequence[Block]) -> set[int]:
    """Columns whose cells are mostly not number-shaped (labels, which wrap)."""
    by_col: dict[int, list[str]] = {}
    for b in blocks:
        if b.text and b.colspan == 1:
            by_col.setdefault(b.col, []).append(b.text)
    return {c for c, ts in by_col.items() if sum(map(is_number_shaped, ts)) * 2 < len(ts)}


def _band_groups(
    band: Sequence[Block], glyphs: GlyphIndex, bounds: list[float], stacking: set[int]
) -> list[list[Any]]:
    if not any("\n" in b.text for b in band):
        return []
    x0, top, x1, bottom = band[0].bbox[0], band[0].bbox[1], band[-1].bbox[2], band[0].bbox[3]
    inside = glyphs.within(x0, x1, top, bottom)
    groups = merge_wrapped(lines_to_logical_rows(glyphs_to_lines(inside), bounds, stacking),
                            bounds, stacking)
    numeric = all(
        any(is_number_shaped(s.text) for line in group for s in line.segments) for group in groups
    )
    return list(groups) if numeric else []


def _split_band(
    band: Sequence[Block], groups: Sequence[Sequence[Any]], bounds: list[float], first_row: int
) -> list[Block]:
    out: list[Block] = []
    for i, lines in enumerate(groups):
        by_col = row_glyphs_by_column(lines, bounds)
        top = min(line.top for line in lines)
        bottom = max(line.bottom for line in lines)
        for b in band:
            col_glyphs = [g for c in range(b.col, b.col + b.colspan) for g in by_col.get(c, [])]
            bbox: BBox = (b.bbox[0], top, b.bbox[2], bottom)
            out.append(
                Block(first_row + i, b.col, glyphs_to_cell_text(col_glyphs, b.bbox[2] - b.bbox[0]),
                      bbox, 1, b.colspan)
            )
    return out


def _shifted(b: Block, shift: int) -> Block:
    return Block(b.row + shift, b.col, b.text, b.bbox, b.rowspan, b.colspan)


def page_to_ruled_grids(
    page_no: int,
    lines: Sequence[dict[str, Any]],
    rects: Sequence[dict[str, Any]],
    size: tuple[float, float],
    glyphs: Sequence[Glyph],
) -> list[Grid]:
    """All ruled tables on a page, top to bottom."""
    hs, vs = page_to_edges(lines, rects, *size)
    regions = edges_to_regions(hs, vs)
    if not regions:
        return []
    index = GlyphIndex(glyphs)
    grids: list[Grid] = []
    for region in regions:
        blocks = region_to_blocks(region, index)
        if sum(bool(b.text) for b in blocks) < 2:
            continue
        blocks = drop_empty_lines(split_bands(blocks, index))
        bbox = (
            min(b.bbox[0] for b in blocks),
            min(b.bbox[1] for b in blocks),
            max(b.bbox[2] for b in blocks),
            max(b.bbox[3] for b in blocks),
        )
        grids.append(blocks_to_grid(blocks, page_no, "pdf-ruled", bbox))
    return sorted(grids, key=lambda g: g.bbox[1] if g.bbox else 0.0)
