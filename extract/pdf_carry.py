"""A label cut by a page break and ended alone on the next page.

When a table's last row on one page has a label that goes on at the top of the next page, and
that page has no table there (the table goes on lower down, or further on, or the rest of the
page is other text), the label's end is loose text on the next page.  It is put back as a row
of the table it ends: a row with only that text in the label column, which normalisation joins
to the row above (``normalize.tables._join_orphans``), so nothing of the label is lost.

The lines taken are the first lines of the page, above everything else on it, starting with
a lower-case letter or an opening bracket (a phrase going on, never a title), lying inside the
x-extent of the label column of the table that closes the page before.
"""

from __future__ import annotations

from collections.abc import Sequence

from svodka.extract.pdf_text import Line, is_number_shaped
from svodka.schemas.grid import Grid, GridCell

_SLACK = 2.0  # points a line may stand out of the label column's extent


def label_column(grid: Grid) -> int | None:
    """The column of long texts among the grid's last rows: the label column."""
    rows = grid.rows[-6:]
    best, best_len = None, 0.0
    for col in range(min(len(r) for r in rows) if rows else 0):
        texts = [r[col].text for r in rows if r[col].text.strip()]
        if not texts or sum(map(is_number_shaped, texts)) * 2 >= len(texts):
            continue
        mean = sum(map(len, texts)) / len(texts)
        if mean > best_len:
            best, best_len = col, mean
    return best if best_len >= 12 else None


def tail_lines(grid: Grid, leading: Sequence[Line]) -> list[Line]:
    """The leading lines of the next page that end a label of ``grid``'s last row."""
    col = label_column(grid)
    if col is None:
        return []
    boxes = [c.bbox for c in (r[col] for r in grid.rows) if c.bbox is not None and c.text.strip()]
    if not boxes:
        return []
    x0, x1 = min(b[0] for b in boxes), max(b[2] for b in boxes)
    out: list[Line] = []
    for line in _past_repeated_header(grid, leading):
        if out:  # the phrase's next line: same size, at line pitch
            goes_on = (abs(line.size - out[0].size) < 0.15 * out[0].size
                       and line.top - out[-1].bottom < 0.8 * line.size)
        else:
            goes_on = line.text[:1].islower() or line.text[:1] in "(«\""
        if not goes_on or line.x0 < x0 - _SLACK or line.x1 > x1 + _SLACK:
            break
        out.append(line)
    return out


def _past_repeated_header(grid: Grid, leading: Sequence[Line]) -> Sequence[Line]:
    """``leading`` without the header lines repeated at its top (every word of a line is a
    word of the grid's first rows)."""
    words = {w.lower() for r in grid.rows[:4] for c in r for w in c.text.split()}
    skip = 0
    while skip < len(leading) and all(w.lower() in words for w in leading[skip].text.split()):
        skip += 1
    return leading[skip:]


def with_tail_row(grid: Grid, tail: Sequence[Line], page: int) -> Grid:
    """``grid`` with one more row: ``tail``'s text in the label column, on ``page``."""
    col = label_column(grid)
    assert col is not None and tail
    width = len(grid.rows[-1])
    bbox = (min(x.x0 for x in tail), tail[0].top, max(x.x1 for x in tail), tail[-1].bottom)
    row = [GridCell(text="\n".join(x.text for x in tail) if c == col else "", page=page,
                    bbox=bbox if c == col else None) for c in range(width)]
    return grid.model_copy(update={"rows": [*grid.rows, row]})
