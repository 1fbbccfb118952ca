"""A continuation page whose columns were cut differently: its columns matched to the
table's by where they stand on the page.

Whitespace tables get their column boundaries from each page's own gaps, so a page
without a repeated header may come out with a column fewer (the code run into the label)
or more.  ``remap_layout`` maps every value column of the table's layout onto the column
of the new grid that overlaps it most horizontally; the columns left of the first value
column become the label (and the code, when there are two; of a label cut in two
columns, the wider is the label and the other a text column beside it), the table's
other text columns follow theirs.  None when the value columns do not map one to one or
a column of the new grid with text would map onto nothing.
"""

from __future__ import annotations

import dataclasses
from statistics import median

from svodka.normalize.columns import Layout
from svodka.schemas import Grid

Span = tuple[float, float]
MIN_OVERLAP = 0.5
"""Share of the narrower column two columns must share to be the same column."""


def column_spans(grid: Grid) -> list[Span | None]:
    """Each column's horizontal extent: the median edges of its own (unmerged) cells."""
    edges: list[list[Span]] = [[] for _ in range(grid.n_cols)]
    for row in grid.rows:
        for c, cell in enumerate(row):
            if cell.origin is None and cell.bbox is not None and cell.text.strip():
                edges[c].append((cell.bbox[0], cell.bbox[2]))
    return [
        (median(e[0] for e in spans), median(e[1] for e in spans)) if spans else None
        for spans in edges
    ]


def _overlap(a: Span, b: Span) -> float:
    shared = min(a[1], b[1]) - max(a[0], b[0])
    narrower = min(a[1] - a[0], b[1] - b[0])
    return shared / narrower if narrower > 0 else 0.0


def _width(span: Span | None) -> float:
    return span[1] - span[0] if span is not None else 0.0


def _best(span: Span | None, spans: list[Span | None]) -> int | None:
    if span is None:
        return None
    scored = [(_overlap(span, s), j) for j, s in enumerate(spans) if s is not None]
    score, j = max(scored, default=(0.0, -1))
    return j if score >= MIN_OVERLAP else None


def remap_layout(layout: Layout, old: Grid, new: Grid, n_header: int) -> Layout | None:
    """``layout`` (read on ``old``) moved onto the columns of ``new`` by position."""
    old_spans, new_spans = column_spans(old), column_spans(new)
    mapped = [_best(old_spans[v.index], new_spans) for v in layout.values]
    if any(j is None for j in mapped) or len(set(mapped)) != len(mapped):
        return None
    indices = [j for j in mapped if j is not None]
    if not indices:
        return None  # a layout without value columns carries nothing
    lead = [c for c in range(min(indices)) if new_spans[c] is not None]
    if not 1 <= len(lead) <= 3:
        return None
    texts = [(_best(old_spans[c], new_spans), path)
             for c, path in zip(layout.text_cols, layout.text_paths, strict=True)]
    if len(lead) == 3:  # the label cut in two columns: the wider is the label, the other
        narrow = min(lead[1:], key=lambda c: _width(new_spans[c]))  # kept beside it
        texts.append((narrow, ()))
        lead = [c for c in lead if c != narrow]
    placed = set(indices) | set(lead) | {j for j, _ in texts if j is not None}
    if any(span is not None and c not in placed for c, span in enumerate(new_spans)):
        return None  # a column with text that maps onto nothing: never dropped silently
    values = [dataclasses.replace(v, index=j) for v, j in zip(layout.values, indices, strict=True)]
    code_col = lead[0] if len(lead) == 2 else None
    kept = [(j, path) for j, path in texts if j is not None]
    return Layout(n_header=n_header, code_col=code_col, label_col=lead[-1], values=values,
                  text_cols=[j for j, _ in kept], text_paths=tuple(p for _, p in kept))
