"""Grids to logical tables: read each grid, then join tables continued over pages.

grids_to_pieces   one grid -> its layout, title and rows
pieces_to_tables  consecutive pieces of one table -> one contract Table
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from dataclasses import dataclass, field

from normalize.columns import Layout, count_header_rows, grid_to_layout, header_names_nothing
from normalize.labels import clean_label
from normalize.rows import RowContext, grid_row_to_row
from normalize.vocab import ANY_YEAR, KIND_WORDS, TITLE_START, YEAR_IN_TITLE
from schemas import Grid, Measure, Row, Source, Status, Table, TableKind, Unit
from schemas.numformat import is_unit_caption


@dataclass
class Piece:
    grid: Grid
    layout: Layout
    title: str | None
    kind: TableKind = TableKind.OTHER
    rows: list[Row] = field(default_factory=list)
    continued: bool = False  # no header of its own: the previous table goes on


def context_to_title(context: list[str]) -> str | None:
    """The heading above a table: the last line that opens like a title, plus its wrap."""
    lines = [ln.strip() for ln in context if ln.strip()]
    starts = [i for i, ln in enumerate(lines) if TITLE_START.match(ln)]
    if not starts:
        return None
    parts = []
    for ln in lines[starts[-1] :]:
        if is_unit_caption(ln) or re.fullmatch(r"\d{1,3}", ln):
            break
        parts.append(ln)
    return clean_label("\n".join(parts)) or None


def _kind(layout: Layout, title: str | None, grid: Grid) -> TableKind:
    """expenses: funding sources incl. extrabudgetary or spending words; kpi: indicators by
    Всего/ФБ/РБ; anything else is other."""
    header_text = " ".join(" ".join(c.text for c in row) for row in grid.rows[: layout.n_header])
    text = f"{title or ''} {header_text}"
    sources = {v.source for v in layout.values} - {None}
    if not sources or Source.TOTAL not in sources:
        return TableKind.OTHER
    for kind, pattern in KIND_WORDS:
        if not pattern.search(text):
            continue
        if kind is TableKind.KPI and Source.EXTRABUDGETARY not in sources:
            return kind
        if kind is TableKind.EXPENSES:
            return kind
    return TableKind.EXPENSES if Source.EXTRABUDGETARY in sources else TableKind.OTHER


def _with_defaults(layout: Layout, kind: TableKind) -> Layout:
    """Expense and KPI columns that name no measure are plan; a lone value column is the total."""
    if kind is TableKind.OTHER:
        # Budget levels of other forms are not the ЦКР funding sources: keep the header path only.
        return dataclasses.replace(
            layout, values=[dataclasses.replace(v, source=None) for v in layout.values]
        )
    single = len(layout.values) == 1
    values = [
        dataclasses.replace(
            v,
            measure=v.measure or Measure.PLAN,
            source=v.source or (Source.TOTAL if single else None),
        )
        for v in layout.values
    ]
    return dataclasses.replace(layout, values=values)


def grid_to_piece(grid: Grid, previous: Piece | None) -> Piece:
    n_header = count_header_rows(grid)
    title = context_to_title(grid.context)
    continued = False
    if (
        header_names_nothing(grid, n_header)
        and previous is not None
        and grid.n_cols == previous.grid.n_cols
    ):
        layout = dataclasses.replace(previous.layout, n_header=n_header)
        continued = True
        kind = previous.kind
        title = title or previous.title
    else:
        layout = grid_to_layout(grid, n_header)
        kind = _kind(layout, title, grid)
        layout = _with_defaults(layout, kind)
    piece = Piece(grid=grid, layout=layout, title=title, kind=kind, continued=continued)
    ctx = RowContext(kind=kind, default_unit=_default_unit(layout, kind))
    for r in range(layout.n_header, len(grid.rows)):
        row = grid_row_to_row(grid.rows[r], r, layout, ctx)
        if row is not None:
            piece.rows.append(row)
    return piece


def _default_unit(layout: Layout, kind: TableKind) -> Unit | None:
    units = {v.unit for v in layout.values if v.unit}
    if len(units) == 1:
        return units.pop()
    return Unit.THOUSAND_RUB if kind is TableKind.EXPENSES else None


def grids_to_pieces(grids: list[Grid]) -> list[Piece]:
    pieces: list[Piece] = []
    for grid in grids:
        if not grid.rows:
            continue
        piece = grid_to_piece(grid, pieces[-1] if pieces else None)
        if piece.rows:
            pieces.append(piece)
    return pieces


def _continues(piece: Piece, current: Piece, rows_so_far: list[Row]) -> bool:
    if piece.continued:
        return piece.grid.n_cols == current.grid.n_cols
    if piece.layout.signature != current.layout.signature:
        return False
    if piece.title and current.title and piece.title != current.title:
        return False
    first = next((r.code for r in piece.rows if r.code), None)
    seen = {r.code for r in rows_so_far}
    return first is None or first not in seen


def pieces_to_tables(pieces: list[Piece]) -> list[Table]:
    groups: list[tuple[Piece, list[Piece]]] = []
    for piece in pieces:
        if groups and _continues(piece, groups[-1][1][-1], _rows_of(groups[-1][1])):
            groups[-1][1].append(piece)
        else:
            groups.append((piece, [piece]))
    return [_group_to_table(i, head, members) for i, (head, members) in enumerate(groups, 1)]


def _rows_of(members: list[Piece]) -> list[Row]:
    return [r for p in members for r in p.rows]


def _join_orphans(rows: list[Row]) -> list[Row]:
    """A row with neither code nor values is the rest of the previous row's wrapped label."""
    out: list[Row] = []
    for row in rows:
        orphan = (
            row.code is None
            and not row.is_total
            and all(c.status is Status.EMPTY for c in row.cells)
        )
        if orphan and out:
            out[-1].label = clean_label(f"{out[-1].label}\n{row.label}")
        elif not orphan:
            out.append(row)
    return out


def _group_to_table(index: int, head: Piece, members: list[Piece]) -> Table:
    rows = _join_orphans(_rows_of(members))
    cell_pages = {c.page for r in rows for c in r.cells if c.page}
    pages = sorted(cell_pages | {p.grid.page for p in members})
    title = head.title
    cells = [c for r in rows for c in r.cells if c.status is not Status.EMPTY]
    parsed = sum(1 for c in cells if c.status is not Status.UNREADABLE)
    return Table(
        id=f"t{index}",
        kind=head.kind,
        title=title,
        year=_year(title, rows),
        pages=pages,
        engine=head.grid.engine,
        quality=round(parsed / len(cells), 4) if cells else 0.0,
        rows=rows,
    )


def _year(title: str | None, rows: list[Row]) -> int | None:
    if title:
        m = YEAR_IN_TITLE.search(title) or ANY_YEAR.search(title)
        if m:
            return int(m.group(1))
    years = Counter(int(y) for r in rows for y in ANY_YEAR.findall(r.label))
    return years.most_common(1)[0][0] if years else None
