"""Shared table assembly: placed blocks → a rectangular ``Grid``, row grouping, quality.

A *block* is one printed cell: its text and the rectangle of grid positions it
covers.  Both engines (ruled and whitespace) end by handing blocks to
``blocks_to_grid``, so merged-cell repetition and ``origin`` are done once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from extract.pdf_text import Glyph, Line, is_number_shaped
from schemas.grid import BBox, Grid, GridCell


@dataclass(frozen=True)
class Block:
    row: int
    col: int
    text: str
    bbox: BBox
    rowspan: int = 1
    colspan: int = 1


def blocks_to_grid(blocks: Sequence[Block], page: int, engine: str, bbox: BBox) -> Grid:
    """Lay blocks out on a rectangular grid, repeating merged cells with ``origin`` set."""
    n_rows = max(b.row + b.rowspan for b in blocks)
    n_cols = max(b.col + b.colspan for b in blocks)
    rows = [[GridCell(text="", page=page) for _ in range(n_cols)] for _ in range(n_rows)]
    for b in blocks:
        merged = b.rowspan > 1 or b.colspan > 1
        for r in range(b.row, b.row + b.rowspan):
            for c in range(b.col, b.col + b.colspan):
                origin = (b.row, b.col) if merged else None
                rows[r][c] = GridCell(text=b.text, page=page, bbox=b.bbox, origin=origin)
    return Grid(page=page, bbox=bbox, engine=engine, quality=grid_quality(rows), rows=rows)


def drop_empty_lines(blocks: Sequence[Block]) -> list[Block]:
    """Remove grid rows and columns in which no block with text starts (spacers, slivers)."""
    return _drop_empty_cols(_drop_empty_rows(blocks))


def _drop_empty_rows(blocks: Sequence[Block]) -> list[Block]:
    alive = sorted({b.row for b in blocks if b.text})
    index = {r: i for i, r in enumerate(alive)}
    out = []
    for b in blocks:
        kept = [index[r] for r in range(b.row, b.row + b.rowspan) if r in index]
        if kept:
            out.append(Block(kept[0], b.col, b.text, b.bbox, len(kept), b.colspan))
    return out


def _drop_empty_cols(blocks: Sequence[Block]) -> list[Block]:
    alive = sorted({b.col for b in blocks if b.text})
    index = {c: i for i, c in enumerate(alive)}
    out = []
    for b in blocks:
        kept = [index[c] for c in range(b.col, b.col + b.colspan) if c in index]
        if kept:
            out.append(Block(b.row, kept[0], b.text, b.bbox, b.rowspan, len(kept)))
    return out


def grid_quality(rows: Sequence[Sequence[GridCell]]) -> float:
    """Share of filled cells in value columns that are number-shaped.

    A value column is one where at least half the filled, unmerged cells are
    number-shaped (so header rows do not decide it).  0.0 when the grid has no
    value column: it may be a table, but it carries no numbers to trust.
    """
    shaped = filled = 0
    for c in range(max((len(r) for r in rows), default=0)):
        cells = [r[c] for r in rows if c < len(r) and r[c].text and r[c].origin is None]
        hits = sum(is_number_shaped(x.text) for x in cells)
        if cells and hits * 2 >= len(cells):
            shaped += hits
            filled += len(cells)
    return round(shaped / filled, 3) if filled else 0.0


def column_of(x0: float, x1: float, bounds: Sequence[float]) -> int:
    """Index of the column slot (between consecutive ``bounds``) a glyph centre falls in."""
    xc = (x0 + x1) / 2
    for i in range(len(bounds) - 1):
        if xc < bounds[i + 1]:
            return i
    return len(bounds) - 2


def lines_to_logical_rows(
    lines: Sequence[Line],
    bounds: Sequence[float],
    stacking: set[int],
    max_pitch: float | None = None,
) -> list[list[Line]]:
    """Group text lines into logical rows.

    A line starts a new row when it puts text into a column that is already
    filled in the current row and that column does not stack wrapped text
    (``stacking`` = label-like columns), or when it lies more than ``max_pitch``
    below the previous line (row spacing rather than line spacing).
    """
    groups: list[list[Line]] = []
    filled: set[int] = set()
    prev_top: float | None = None
    for line in lines:
        cols = {column_of(s.x0, s.x1, bounds) for s in line.segments}
        far = max_pitch is not None and prev_top is not None and line.top - prev_top > max_pitch
        clash = bool((cols & filled) - stacking)
        if not groups or far or clash:
            groups.append([])
            filled = set()
        groups[-1].append(line)
        filled |= cols
        prev_top = line.top
    return groups


def row_glyphs_by_column(lines: Sequence[Line], bounds: Sequence[float]) -> dict[int, list[Glyph]]:
    """Glyphs of a logical row, bucketed by column slot (glyph centre against bounds)."""
    out: dict[int, list[Glyph]] = {}
    for line in lines:
        for g in line.glyphs:
            out.setdefault(column_of(g.x0, g.x1, bounds), []).append(g)
    return out


def glyphs_bbox(glyphs: Sequence[Glyph]) -> BBox:
    return (
        min(g.x0 for g in glyphs),
        min(g.top for g in glyphs),
        max(g.x1 for g in glyphs),
        max(g.bottom for g in glyphs),
    )
