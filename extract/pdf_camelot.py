"""camelot as a fallback engine: a second reading of a page where our own engines look weak.

Our engines (``pdf_ruled``, ``pdf_words``) read the whole corpus right and are several
times faster than camelot, so camelot is never the first choice.  ``camelot_fallback``
runs it on one page only, when

* an own grid's ``grid_score`` without the arithmetic part (coverage × header fit:
  does the reading look broken?) is below ``FALLBACK_BELOW``, or
* the page has at least ``NUMERIC_LINES`` text lines outside every grid that carry two
  or more number-shaped segments (a table the own engines did not see),

with camelot's *lattice* flavour when the page has ruling lines, else *stream*.  Each
camelot table becomes a ``Grid`` (engine ``camelot-lattice`` / ``camelot-stream``) and
is scored the same way.  A camelot grid replaces the own grids it overlaps when its full
``grid_score`` (with arithmetic) is higher than all of theirs (ties keep the own engine);
a camelot grid over no own grid is added when it passes the same test as the trigger
(coverage × header fit at least ``FALLBACK_BELOW``).  Any exception from camelot keeps the
own grids and adds a ``W_CAMELOT_FAILED`` problem: camelot never fails a document.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from svodka.extract.pdf_table import Block, blocks_to_grid, drop_empty_lines, grid_score
from svodka.extract.pdf_text import Line, is_number_shaped
from svodka.schemas.grid import BBox, Grid, Problem

FALLBACK_BELOW = 0.6
"""An own grid scoring below this is read again by camelot (the corpus minimum is 0.71)."""

NUMERIC_LINES = 3
"""This many loose lines with two or more numbers each suggest a table no engine found."""

_OVERLAP = 0.5  # share of the smaller box two grids must share to be readings of one table

Source = str | bytes


def needs_fallback(grids: Sequence[Grid], free: Sequence[Line]) -> bool:
    """True when a page's own reading looks weak (see the module docstring)."""
    if any(looks_broken(g) for g in grids):
        return True
    numeric = [x for x in free if sum(is_number_shaped(s.text) for s in x.segments) >= 2]
    return len(numeric) >= NUMERIC_LINES


def looks_broken(grid: Grid) -> bool:
    """Coverage × header fit below the threshold (arithmetic left out: see ``grid_score``).

    A grid with no digit right of its first column (a blank form, boxes of a diagram) is
    text, not a badly read table of numbers: another engine has no figures to find in it.
    """
    if not any(ch.isdigit() for row in grid.rows for c in row[1:] for ch in c.text):
        return False
    return grid_score(grid.rows, arithmetic=False) < FALLBACK_BELOW


def camelot_fallback(
    page: Any, page_no: int, own: list[Grid], *, ruled: bool
) -> tuple[list[Grid], list[Problem]]:
    """The page's grids after offering camelot's reading; own grids kept on any failure."""
    try:
        source, password = pdf_source(page)
        theirs = page_to_camelot_grids(
            source, page_no, ruled, page_height=float(page.height), password=password
        )
    except MemoryError:
        raise
    except Exception as exc:  # noqa: BLE001 - camelot must never fail a document
        why = f"{type(exc).__name__}: {exc}"[:200]
        message = (
            f"страница {page_no}: запасной разбор camelot не удался ({why}); "
            "оставлены таблицы своих движков"
        )
        return own, [Problem(code="W_CAMELOT_FAILED", message=message, page=page_no)]
    return choose_grids(own, theirs), []


def pdf_source(page: Any) -> tuple[Source, str | None]:
    """What camelot can open for a pdfplumber page's document: its path, or its bytes."""
    pdf = page.pdf
    password = getattr(pdf, "password", None) or None
    if getattr(pdf, "path", None) is not None:
        return str(pdf.path), password
    stream = pdf.stream
    if isinstance(stream, io.BytesIO):
        return stream.getvalue(), password
    stream.seek(0)
    return bytes(stream.read()), password


def choose_grids(own: list[Grid], theirs: Sequence[Grid]) -> list[Grid]:
    """Per table, the higher-scoring reading; ties keep the own engine."""
    chosen = list(own)
    for grid in sorted(theirs, key=lambda g: -grid_score(g.rows)):
        score = grid_score(grid.rows)
        rivals = [g for g in chosen if _overlap(g.bbox, grid.bbox) >= _OVERLAP]
        if rivals and score > max(grid_score(g.rows) for g in rivals):
            chosen = [g for g in chosen if g not in rivals] + [grid]
        elif not rivals and not looks_broken(grid):
            chosen.append(grid)
    return sorted(chosen, key=lambda g: g.bbox[1] if g.bbox else 0.0)


def _overlap(a: BBox | None, b: BBox | None) -> float:
    """Shared area as a share of the smaller box."""
    if a is None or b is None:
        return 0.0
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return w * h / smaller if w > 0 and h > 0 and smaller > 0 else 0.0


def page_to_camelot_grids(
    path: Source | Path,
    page_no: int,
    ruled: bool,
    *,
    page_height: float,
    password: str | None = None,
) -> list[Grid]:
    """camelot's tables on one page (lattice when ``ruled``, else stream) as ``Grid``s.

    camelot measures from the bottom-left corner; boxes are turned to top-left
    coordinates with ``page_height``.  Cells that camelot finds unbounded on the left
    (or top) continue their neighbour: such a run becomes one merged cell, repeated
    with ``origin`` like every other engine's.
    """
    import camelot

    flavor = "lattice" if ruled else "stream"
    source = str(path) if isinstance(path, Path) else path
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "no tables found" and similar notes
        tables = camelot.read_pdf(  # type: ignore[attr-defined]
            source, pages=str(page_no), flavor=flavor, password=password, suppress_stdout=True
        )
    grids = [_table_to_grid(t, page_no, f"camelot-{flavor}", page_height) for t in tables]
    return [g for g in grids if g is not None]


def _table_to_grid(table: Any, page_no: int, engine: str, height: float) -> Grid | None:
    cells = table.cells
    n_rows = len(cells)
    n_cols = max((len(r) for r in cells), default=0)
    if n_rows < 2 or n_cols < 2:
        return None
    parent = {(r, c): (r, c) for r in range(n_rows) for c in range(len(cells[r]))}

    def find(key: tuple[int, int]) -> tuple[int, int]:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for r, row in enumerate(cells):
        for c, cell in enumerate(row):
            if c > 0 and not cell.left:
                parent[find((r, c))] = find((r, c - 1))
            if r > 0 and not cell.top and c < len(cells[r - 1]):
                parent[find((r, c))] = find((r - 1, c))
    regions: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for key in sorted(parent):
        regions.setdefault(find(key), []).append(key)
    blocks = [_region_block(cells, keys, height) for keys in regions.values()]
    blocks = drop_empty_lines([b for b in blocks if b.text])
    if not blocks:
        return None
    x0, y0, x1, y1 = (float(v) for v in table._bbox)
    return blocks_to_grid(blocks, page_no, engine, (x0, height - y1, x1, height - y0))


def _region_block(cells: Any, keys: list[tuple[int, int]], height: float) -> Block:
    rows = [r for r, _ in keys]
    cols = [c for _, c in keys]
    members = [cells[r][c] for r, c in sorted(keys)]
    lines = [x.strip() for m in members for x in str(m.text).splitlines()]
    bbox = (
        float(min(m.x1 for m in members)),
        float(height - max(m.y2 for m in members)),
        float(max(m.x2 for m in members)),
        float(height - min(m.y1 for m in members)),
    )
    return Block(
        row=min(rows),
        col=min(cols),
        text="\n".join(x for x in lines if x),
        bbox=bbox,
        rowspan=max(rows) - min(rows) + 1,
        colspan=max(cols) - min(cols) + 1,
    )
