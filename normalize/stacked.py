"""Cells with several values, one per line (a Word cell with a paragraph per value).

Declarations of income list a person and the family under one row: the name cell
holds "ИВАНОВ С.Б." and, lines below, "супруга"; the income cell "6311601" and, on
the same line as "супруга", "4075832"; the area cell one figure per property.  The
lines stand level with each other across the row, blank lines keeping them aligned.

``split_stacked(cells, r, layout)`` turns such a row into sub-rows, one per line
where a value column holds a figure or the label column a new name.  Sub-row k
holds, in every column, the lines from its own line down to the next sub-row's; a
sub-row without label lines takes the label of the sub-row above (the same person).
A row whose value cells hold at most one figure each is returned unchanged.
"""

from __future__ import annotations

from svodka.normalize.columns import Layout
from svodka.normalize.numbers import parse_number
from svodka.schemas import GridCell, Status

_FIGURES = (Status.NUMBER, Status.DASH, Status.NOT_APPLICABLE)


def _is_figure_line(line: str) -> bool:
    return bool(line.strip()) and parse_number(line).status in _FIGURES


def _own(cell: GridCell, r: int) -> bool:
    return cell.origin is None or cell.origin[0] == r


def _lines(cell: GridCell) -> list[str]:
    return cell.text.split("\n")


def is_stacked(cells: list[GridCell], r: int, layout: Layout) -> bool:
    """Some value cell of the row holds two or more figures on lines of their own."""
    for v in layout.values:
        if v.index < len(cells) and _own(cells[v.index], r):
            if sum(_is_figure_line(ln) for ln in _lines(cells[v.index])) >= 2:
                return True
    return False


def _starts(cells: list[GridCell], r: int, layout: Layout) -> list[int]:
    """The lines that open a sub-row: a figure in a value column, a name in the label."""
    starts: set[int] = set()
    for v in layout.values:
        if v.index < len(cells) and _own(cells[v.index], r):
            starts |= {i for i, ln in enumerate(_lines(cells[v.index])) if _is_figure_line(ln)}
    if layout.label_col is not None and layout.label_col < len(cells):
        starts |= {i for i, ln in enumerate(_lines(cells[layout.label_col])) if ln.strip()}
    return sorted(starts | {0})


def _span(cell: GridCell, lo: int, hi: int | None) -> GridCell:
    text = "\n".join(ln for ln in _lines(cell)[lo:hi] if ln.strip())
    return cell.model_copy(update={"text": text})


def split_stacked(cells: list[GridCell], r: int, layout: Layout) -> list[list[GridCell]]:
    """The row as sub-rows, one per value line (see the module notes)."""
    if not is_stacked(cells, r, layout):
        return [cells]
    starts = _starts(cells, r, layout)
    out: list[list[GridCell]] = []
    label = ""
    for k, lo in enumerate(starts):
        hi = starts[k + 1] if k + 1 < len(starts) else None
        sub = [_span(c, lo, hi) for c in cells]
        if layout.label_col is not None and layout.label_col < len(sub):
            own = sub[layout.label_col].text
            label = own or label
            sub = _with_label(sub, layout.label_col, label)
        out.append(sub)
    return out


def _with_label(sub: list[GridCell], label_col: int, label: str) -> list[GridCell]:
    """Every position of the (merged) label cell shows the sub-row's label."""
    origin = sub[label_col].origin
    return [
        c.model_copy(update={"text": label})
        if j == label_col or (origin is not None and c.origin == origin) else c
        for j, c in enumerate(sub)
    ]
