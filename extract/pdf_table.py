"""Shared table assembly: placed blocks → a rectangular ``Grid``, row grouping, quality.

A *block* is one printed cell: its text and the rectangle of grid positions it
covers.  Both engines (ruled and whitespace) end by handing blocks to
``blocks_to_grid``, so merged-cell repetition and ``origin`` are done once.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from svodka.extract.pdf_text import (
    Glyph,
    Line,
    glyphs_to_baselines,
    glyphs_to_cell_text,
    glyphs_to_text,
    is_number_shaped,
    join_wrapped_number,
)
from svodka.schemas.grid import BBox, Grid, GridCell


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


def cluster_positions(values: Sequence[float], gap: float) -> list[float]:
    """Means of chains of sorted positions closer than ``gap`` (double-drawn rules → one)."""
    out: list[list[float]] = []
    for v in sorted(values):
        if out and v - out[-1][-1] <= gap:
            out[-1].append(v)
        else:
            out.append([v])
    return [sum(c) / len(c) for c in out]


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


def merge_wrapped(
    groups: list[list[Line]], bounds: Sequence[float], stacking: set[int]
) -> list[list[Line]]:
    """Rejoin a printed row that only looked like two: numbers wrapped in narrow cells.

    A group goes back into the one above when it lies at line pitch below it (not row
    spacing), every value column it fills holds the tail of a number wrapped there
    ("24 585," over "2") and its label text, if any, goes on rather than opening a total
    ("ИТОГО", "Всего")."""
    out: list[list[Line]] = []
    for group in groups:
        if out and _wraps_into(out[-1], group, bounds, stacking):
            out[-1] = out[-1] + group
        else:
            out.append(group)
    return out


def _wraps_into(
    above: list[Line], group: list[Line], bounds: Sequence[float], stacking: set[int]
) -> bool:
    size = max(line.size for line in above)
    if group[0].top - above[-1].top > 1.35 * size:
        return False
    top, below = row_glyphs_by_column(above, bounds), row_glyphs_by_column(group, bounds)
    tails = 0
    for col, glyphs in below.items():
        if col in stacking:
            if _OPENS_ROW.match(glyphs_to_text(glyphs_to_baselines(glyphs)[0])):
                return False  # "ИТОГО", "Всего": a row of its own
            continue
        if col not in top:
            return False
        last = glyphs_to_baselines(top[col])[-1]
        span = max(g.x1 for g in last) - min(g.x0 for g in last)
        texts = [glyphs_to_text(last), glyphs_to_cell_text(glyphs)]
        width = bounds[col + 1] - bounds[col]
        if "\n" in texts[1]:
            return False
        if join_wrapped_number(texts, [span], width) is None and not _code_goes_on(*texts):
            return False
        tails += 1
    return tails > 0


_OPENS_ROW = re.compile(r"^\s*(?:(?i:итого|всего)|[А-ЯЁA-Z]{5,}\b)")
_CODE_HEAD = re.compile(r"^\d{1,2}(?:\.\d{1,2})*\.$")
_CODE_TAIL = re.compile(r"^\d{1,2}\.?$")


def _code_goes_on(head: str, tail: str) -> bool:
    """A row code wrapped after one of its dots in a narrow cell: "9.12." over "5"."""
    return bool(_CODE_HEAD.match(head) and _CODE_TAIL.match(tail))


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


def grid_score(rows: Sequence[Sequence[GridCell]], *, arithmetic: bool = True) -> float:
    """How far a grid can be trusted as a table of numbers, 0..1; chooses between engines.

    ``grid_quality`` measured where it is fair, times two checks it cannot see::

        score = coverage × header fit × (1 + arithmetic) / 2

    * coverage — share of filled cells in value columns that are number-shaped,
      counted in the body only (rows from the first one with a number in a value
      column), so a tall header does not lower it.  Value columns are those mostly of
      figures — number-shaped, or digits without letters, which is how glued or split
      numbers look — right of the first label column (a code column is not one);
    * header fit — share of the columns with body text that have some text in the
      header rows (1.0 when there are none: a table continued from the previous page).
      A column split in two or numbers shifted into the wrong column leaves headless
      columns;
    * arithmetic — share of body rows with three or more numbers in which one number
      is the sum of other nonzero numbers of the row (a total and its parts); 1.0 when
      no row has three numbers.  It only halves at worst: reports do contain errors.
      Two readings of the same numbers share it, so it only tells readings apart;
      ``arithmetic=False`` leaves it out (scores whether one reading looks broken:
      a table of years has no sums and is not broken for that).

    0.0 when the grid has no value column.
    """
    n_cols = max((len(r) for r in rows), default=0)
    value_cols = _amount_columns(rows, n_cols)
    if not value_cols:
        return 0.0
    start = next(
        (i for i, r in enumerate(rows) if any(_shaped(r, c) for c in value_cols)), len(rows)
    )
    body, header = rows[start:], rows[:start]
    cells = [
        r[c].text
        for i, r in enumerate(body, start)
        for c in value_cols
        if c < len(r) and r[c].text.strip() and _own(r[c], i, c)
    ]
    coverage = sum(is_number_shaped(t) for t in cells) / len(cells) if cells else 0.0
    texted = [c for c in range(n_cols) if any(c < len(r) and r[c].text.strip() for r in body)]
    headed = [c for c in texted if any(c < len(r) and r[c].text.strip() for r in header)]
    fit = len(headed) / len(texted) if header and texted else 1.0
    if not arithmetic:
        return round(coverage * fit, 3)
    return round(coverage * fit * (1 + _arithmetic(body, value_cols)) / 2, 3)


def _amount_columns(rows: Sequence[Sequence[GridCell]], n_cols: int) -> list[int]:
    """Columns of figures: mostly numbers or digits without words (``5 5`` is two glued
    numbers, not a label), right of the first label column (a code column is no amount)."""
    numeric = [c for c in range(n_cols) if _is_value_column(rows, c)]
    labels = [
        c
        for c in range(n_cols)
        if c not in numeric and any(c < len(r) and r[c].text.strip() for r in rows)
    ]
    first_label = min(labels, default=-1)
    return [c for c in numeric if c > first_label]


def _is_value_column(rows: Sequence[Sequence[GridCell]], c: int) -> bool:
    cells = [r[c] for r in rows if c < len(r) and r[c].text and r[c].origin is None]
    hits = sum(_figure_like(x.text) for x in cells)
    return bool(cells) and hits * 2 >= len(cells)


def _figure_like(text: str) -> bool:
    """Number-shaped, or digits with no letters (numbers glued or split by a bad reading)."""
    if is_number_shaped(text):
        return True
    return any(ch.isdigit() for ch in text) and not any(ch.isalpha() for ch in text)


def _shaped(row: Sequence[GridCell], c: int) -> bool:
    return c < len(row) and bool(row[c].text.strip()) and is_number_shaped(row[c].text)


def _own(cell: GridCell, r: int, c: int) -> bool:
    """A position holding its own text: not a repetition of a merged cell."""
    return cell.origin is None or cell.origin == (r, c)


def _arithmetic(body: Sequence[Sequence[GridCell]], cols: Sequence[int]) -> float:
    checked = held = 0
    for row in body:
        values = [v for c in cols if c < len(row) for v in [_hundredths(row[c].text)] if v]
        if len(values) < 3:
            continue
        checked += 1
        held += any(_is_sum(v, values[:i] + values[i + 1 :]) for i, v in enumerate(values))
    return held / checked if checked else 1.0


def _hundredths(text: str) -> int | None:
    """A number-shaped cell as an integer count of hundredths; None for text, dashes, marks."""
    core = "".join(ch for ch in text if ch not in " \u00a0\u202f\n").replace(",", ".")
    try:
        return round(float(core) * 100) if is_number_shaped(text) else None
    except ValueError:
        return None


def _is_sum(target: int, others: Sequence[int], tolerance: int = 10) -> bool:
    """``target`` is the sum of a non-empty subset of ``others`` (within 0.1 for rounding)."""
    sums: set[int] = set()
    for v in others[:12]:
        sums |= {v} | {s + v for s in sums}
    return any(abs(s - target) <= tolerance for s in sums)
