"""Grids to logical tables: read each grid, then join tables continued over pages.

grids_to_pieces   one grid -> its layout, title and rows
pieces_to_tables  consecutive pieces of one table -> one contract Table
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from enum import Enum

from svodka.normalize.codes import parse_code
from svodka.normalize.columns import Layout, count_header_rows, grid_to_layout, header_names_nothing
from svodka.normalize.infer import infer_sources
from svodka.normalize.labels import clean_label
from svodka.normalize.numbering import grid_relations
from svodka.normalize.positions import remap_layout
from svodka.normalize.rows import RowContext, grid_row_to_row
from svodka.normalize.stacked import split_stacked
from svodka.normalize.vocab import (
    ANY_YEAR,
    CONTINUATION_MARK,
    KIND_WORDS,
    TITLE_START,
    YEAR_IN_TITLE,
)
from svodka.schemas import Doubt, Grid, Measure, Row, Source, Status, Table, TableKind, Unit
from svodka.schemas.numformat import is_unit_caption
from svodka.schemas.words import SOURCE_WORDS


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
    parts: list[str] = []
    for ln in lines[starts[-1] :]:
        if is_unit_caption(ln) or re.fullmatch(r"\d{1,3}", ln) or _new_line_of_text(parts, ln):
            break
        parts.append(ln)
    return clean_label("\n".join(parts)) or None


_FIELD = re.compile(r"^[А-ЯЁA-Z][^:]{0,40}:")
FIGURES = re.compile(r"\d+")
TITLE_LIKENESS = 0.9
"""difflib ratio from which two titles with the same figures are one title misread."""
TITLE_KEPT = 0.6
"""A title cut short is one of another when it keeps this share of it at least."""
MIN_VALUE_COLUMNS = 2
"""Value columns both sides need for a join by continuing codes alone."""
MAX_CODE_JUMP = 3
"""Siblings a continuing code may skip (rows whose code was misread)."""


def _new_line_of_text(parts: list[str], line: str) -> bool:
    """A line after the title that is not its wrap: a field such as "Участник закупки: …",
    or a capitalised line after a title that closed with a bracket or a full stop."""
    if not parts:
        return False
    closed = parts[-1].rstrip().endswith((")", "."))
    return bool(_FIELD.match(line)) or (closed and line[:1].isupper())


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


def _seen_in_body(grid: Grid, n_header: int, previous: Piece | None) -> bool:
    """Whether the rows taken for a header are body rows of the table above, continued
    over the page: each has most of its texts already in the same columns of that table's
    body ("супруга", "земельные участки:"), which a header never repeats."""
    if previous is None or grid.n_cols != previous.grid.n_cols or not n_header:
        return False
    top = previous.layout.n_header
    seen = [{c.text.strip() for c in col} for col in zip(*previous.grid.rows[top:], strict=False)]
    for row in grid.rows[:n_header]:
        texts = [(j, c.text.strip()) for j, c in enumerate(row) if c.text.strip()]
        known = sum(1 for j, t in texts if j < len(seen) and t in seen[j])
        if not texts or known * 2 <= len(texts):
            return False
    return True


def grid_to_piece(grid: Grid, previous: Piece | None) -> Piece:
    n_header = count_header_rows(grid)
    if _seen_in_body(grid, n_header, previous):
        n_header = 0
    title = context_to_title(grid.context)
    continued = False
    carried = _carried_layout(grid, previous, n_header)
    if carried is not None and previous is not None:
        layout = carried
        continued = True
        kind = previous.kind
        title = title or previous.title
    else:
        layout = infer_sources(grid_to_layout(grid, n_header), grid)
        kind = _kind(layout, title, grid)
        layout = _with_defaults(layout, kind)
    piece = Piece(grid=grid, layout=layout, title=title, kind=kind, continued=continued)
    _read_rows(piece)
    return piece


def _read_rows(piece: Piece) -> None:
    """The piece's body rows through its layout."""
    layout, grid = piece.layout, piece.grid
    ctx = RowContext(kind=piece.kind, default_unit=_default_unit(layout, piece.kind))
    piece.rows = []
    for r in range(layout.n_header, len(grid.rows)):
        for cells in split_stacked(grid.rows[r], r, layout):
            row = grid_row_to_row(cells, r, layout, ctx)
            if row is not None:
                piece.rows.append(row)


def _read_header(piece: Piece) -> bool:
    """A header read for sure: a form's, every value column with its own meaning."""
    meaning = piece.layout.meaning
    return (meaning is not None and len(set(meaning)) == len(meaning)
            and piece.kind is not TableKind.OTHER)


def borrow_layouts(members: list[Piece]) -> None:
    """Pieces of one table whose header says nothing sure (a scan's header misread: no
    source read for a column, or two columns read as one) read through the layout of a
    piece of the same table whose header was read, its columns found by their positions
    (``remap_layout``); a piece whose columns do not map one to one keeps its own."""
    known = [p for p in members if _read_header(p)]
    for piece in members:
        if _read_header(piece) or piece.continued or not known:
            continue
        donor = min(known, key=lambda q: abs(q.grid.page - piece.grid.page))
        layout = remap_layout(donor.layout, donor.grid, piece.grid, piece.layout.n_header)
        if layout is None:
            continue
        piece.layout, piece.kind = layout, donor.kind
        _read_rows(piece)


def _carried_layout(grid: Grid, previous: Piece | None, n_header: int) -> Layout | None:
    """The layout a headerless grid takes from the piece above: the same columns when it
    has as many, else the same columns found by their positions (``remap_layout``)."""
    if previous is None or not header_names_nothing(grid, n_header):
        return None
    if grid.n_cols == previous.grid.n_cols:
        return dataclasses.replace(previous.layout, n_header=n_header)
    return remap_layout(previous.layout, previous.grid, grid, n_header)


def _default_unit(layout: Layout, kind: TableKind) -> Unit | None:
    units = {v.unit for v in layout.values if v.unit}
    if len(units) == 1:
        return units.pop()
    return Unit.THOUSAND_RUB if kind is TableKind.EXPENSES else None


def _stack(header: Grid, body: Grid) -> Grid:
    """A header printed alone at the foot of a page over the body on the next page: one
    grid (the header's page; each cell keeps its own page)."""
    shift = len(header.rows)
    rows = [
        [c.model_copy(update={"origin": (c.origin[0] + shift, c.origin[1]) if c.origin else None})
         for c in row]
        for row in body.rows
    ]
    return header.model_copy(update={"rows": header.rows + rows})


def _header_only(grid: Grid) -> bool:
    n = count_header_rows(grid)
    return bool(grid.rows) and n == len(grid.rows) and not header_names_nothing(grid, n)


def stack_lone_headers(grids: list[Grid]) -> list[Grid]:
    """Join each grid that is all header to the headless grid after it with as many
    columns (a header kept apart from its body by a page break)."""
    out: list[Grid] = []
    for grid in grids:
        head = out[-1] if out else None
        if (head is not None and _header_only(head) and grid.n_cols == head.n_cols
                and header_names_nothing(grid, count_header_rows(grid))):
            out[-1] = _stack(head, grid)
        else:
            out.append(grid)
    return out


def grids_to_pieces(grids: list[Grid]) -> list[Piece]:
    pieces: list[Piece] = []
    for grid in stack_lone_headers(grids):
        if not grid.rows:
            continue
        piece = grid_to_piece(grid, pieces[-1] if pieces else None)
        if piece.rows:
            pieces.append(piece)
    return pieces


class Join(Enum):
    """How a piece was found to continue the table above it."""

    NONE = "none"
    SURE = "sure"  # the header repeated word for word, or the row codes go on
    GUESSED = "guessed"  # same columns, but neither the header words nor the codes tell


def _join(piece: Piece, current: Piece, rows_so_far: list[Row]) -> Join:
    """Whether ``piece`` continues the table whose last piece is ``current``.

    A piece without a header of its own continues a table with as many columns; a piece
    with a header continues one whose value columns say the same: the same header text,
    or the same measures and sources in the same order however worded ("Итого" for
    "Всего", "ФБ" for "Федеральный бюджет").  Titles must not contradict, and the first
    row code must be new to the table.  The join is sure when the header repeats word for
    word or the first code follows the last one; otherwise it is a guess."""
    if piece.continued:
        same_text = False
    else:
        same_text = piece.layout.signature == current.layout.signature
        meaning = piece.layout.meaning
        same_meaning = (
            meaning is not None
            and meaning == current.layout.meaning
            and piece.layout.text_paths == current.layout.text_paths
        )
        if not (same_text or same_meaning):
            return _codes_carry_on(piece, current, rows_so_far)
        if piece.grid.page == current.grid.page:
            return Join.NONE  # a header again on the same page: the next table, not a page break
        if piece.title and current.title and not same_title(piece.title, current.title):
            return Join.NONE
    first = next((r.code for r in piece.rows if r.code), None)
    seen = {r.code for r in rows_so_far}
    if first is not None and first in seen:
        return Join.NONE
    last = next((r.code for r in reversed(rows_so_far) if r.code), None)
    if same_text or code_follows(last, first) or _label_goes_on(piece):
        return Join.SURE
    if _closes_with_total(piece, rows_so_far):
        return Join.SURE
    return Join.GUESSED


def _codes_carry_on(piece: Piece, current: Piece, rows_so_far: list[Row]) -> Join:
    """A piece on the next page whose header reads differently (a scan's header words
    misread: "лан" for "план", a column split in two), under the same title or none,
    with value columns, whose first row code goes on from the table's last: a guessed
    join (its sums across the join are warnings).  Anything less is no join."""
    if piece.grid.page != current.grid.page + 1:
        return Join.NONE
    if piece.title and current.title and not same_title(piece.title, current.title):
        return Join.NONE
    if min(len(piece.layout.values), len(current.layout.values)) < MIN_VALUE_COLUMNS:
        return Join.NONE
    first = next((r.code for r in piece.rows if r.code), None)
    last = next((r.code for r in reversed(rows_so_far) if r.code), None)
    return Join.GUESSED if code_goes_on(last, first) else Join.NONE


def code_goes_on(last: str | None, first: str | None) -> bool:
    """``code_follows``, or a few siblings further on at one of the levels of ``last``
    ("9.2.3" → "9.4": the row 9.3 between them misread): what a continuation of the same
    hierarchy may show once a row's code was lost."""
    a, b = parse_code(last or ""), parse_code(first or "")
    if a is None or b is None:
        return False
    if code_follows(last, first):
        return True
    for depth in range(len(a.parts), 0, -1):
        head = a.parts[: depth - 1]
        if (len(b.parts) == depth and b.parts[:-1] == head
                and 0 < b.parts[-1] - a.parts[depth - 1] <= MAX_CODE_JUMP):
            return True
    return False


def _closes_with_total(piece: Piece, rows_so_far: list[Row]) -> bool:
    """A headerless piece that opens with the total row ("Всего", "ИТОГО") closes the table
    above, which has none yet: a table of its own never starts with its total."""
    return (piece.continued and bool(piece.rows) and piece.rows[0].is_total
            and not any(r.is_total for r in rows_so_far))


def same_title(a: str, b: str) -> bool:
    """Titles of one table: equal once a continuation mark is dropped ("… (продолжение)"),
    or the same but for a few letters (a scan's title read a little differently on each
    page: "деятельности центра" / "деятельности ен") with the same figures in them (two
    years of one report stay apart: "в 2020 году" / "в 2021 году"), or one the start of
    the other (a title's last line not read on one page) with no figure contradicting."""
    def core(t: str) -> str:
        return " ".join(CONTINUATION_MARK.sub("", t).split()).lower()

    ca, cb = sorted((core(a).rstrip(" .,:;"), core(b).rstrip(" .,:;")), key=len)
    if ca == cb:
        return True
    fa, fb = FIGURES.findall(ca), FIGURES.findall(cb)
    if fa != fb[: len(fa)]:
        return False
    if fa != fb:  # the shorter may be the longer cut short: its second line not read
        if len(ca) < TITLE_KEPT * len(cb):
            return False
        cb = cb[: len(ca)]
    return SequenceMatcher(None, ca, cb, autojunk=False).ratio() >= TITLE_LIKENESS


def _label_goes_on(piece: Piece) -> bool:
    """The piece opens with the rest of a label wrapped over the page break."""
    head = piece.rows[0] if piece.rows else None
    return head is not None and head.code is None and not head.is_total and all(
        c.status is Status.EMPTY for c in head.cells
    )


def code_follows(last: str | None, first: str | None) -> bool:
    """Whether row code ``first`` can come right after ``last``: its first child
    ("9" → "9.1"), its next sibling ("9.1.5" → "9.1.6") or an ancestor's next sibling
    ("9.1.5" → "9.2", "9.13" → "10")."""
    a, b = parse_code(last or ""), parse_code(first or "")
    if a is None or b is None:
        return False
    if b.parts == (*a.parts, 1):
        return True
    for depth in range(len(a.parts), 0, -1):
        if b.parts == (*a.parts[: depth - 1], a.parts[depth - 1] + 1):
            return True
    return False


def pieces_to_tables(pieces: list[Piece]) -> list[Table]:
    groups: list[tuple[Piece, list[Piece], list[Join]]] = []
    for piece in pieces:
        join = Join.NONE
        if groups:
            join = _join(piece, groups[-1][1][-1], _rows_of(groups[-1][1]))
        if join is not Join.NONE:
            groups[-1][1].append(piece)
            groups[-1][2].append(join)
        else:
            groups.append((piece, [piece], [Join.SURE]))
    for _, members, _ in groups:
        borrow_layouts(members)
    return [
        _group_to_table(i, head, members, joins)
        for i, (head, members, joins) in enumerate(groups, 1)
    ]


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


def _group_to_table(index: int, head: Piece, members: list[Piece], joins: list[Join]) -> Table:
    starts = [p.rows[0] for p in members]
    rows = _join_orphans(_rows_of(members))
    cell_pages = {c.page for r in rows for c in r.cells if c.page}
    pages = sorted(cell_pages | {p.grid.page for p in members})
    title = head.title
    cells = [c for r in rows for c in r.cells if c.status is not Status.EMPTY]
    parsed = sum(1 for c in cells if c.status is not Status.UNREADABLE)
    doubts = _column_doubts(head) + _join_doubts(rows, members, joins, starts)
    read = [p for p in members if _read_header(p)]
    kind = head.kind if head.kind is not TableKind.OTHER or not read else read[0].kind
    return Table(
        id=f"t{index}",
        kind=kind,  # the head's, or what the first piece with a header read for sure says
        title=title,
        year=_year(title, rows),
        pages=pages,
        engine=head.grid.engine,
        quality=round(parsed / len(cells), 4) if cells else 0.0,
        confidence=structure_confidence(doubts),
        doubts=doubts,
        relations=grid_relations(head.grid, head.layout),
        rows=rows,
    )


DOUBT_WEIGHT = {"inferred_column": 0.8, "unknown_column": 0.9, "guessed_join": 0.7}
"""Each doubt multiplies a table's structural confidence by its weight."""


def structure_confidence(doubts: list[Doubt]) -> float:
    value = 1.0
    for doubt in doubts:
        value *= DOUBT_WEIGHT.get(doubt.reason, 0.9)
    return round(value, 4)


def _column_doubts(head: Piece) -> list[Doubt]:
    if head.kind is TableKind.OTHER:
        return []
    pages = [head.grid.page]
    out: list[Doubt] = []
    for v in head.layout.values:
        name = " / ".join(v.path) or "без заголовка"
        if v.inferred and v.source is not None:
            out.append(Doubt(
                reason="inferred_column", pages=pages, column=list(v.path),
                message=f"стр. {pages[0]}: графа «{name}» названа не по словам заголовка, а по "
                f"числам: принята за «{SOURCE_WORDS[v.source]}»; проверки по ней — "
                "предупреждения",
            ))
        elif v.source is None:
            out.append(Doubt(
                reason="unknown_column", pages=pages, column=list(v.path),
                message=f"стр. {pages[0]}: графа «{name}» не распознана (ни бюджет, ни Всего): "
                "её значения сохранены без источника и не проверялись",
            ))
    return out


def _join_doubts(rows: list[Row], members: list[Piece], joins: list[Join],
                 starts: list[Row]) -> list[Doubt]:
    out: list[Doubt] = []
    position = {id(r): i for i, r in enumerate(rows)}
    for piece, join, start in zip(members, joins, starts, strict=True):
        if join is not Join.GUESSED:
            continue
        at = position.get(id(start))
        if at is None:  # the first row was a wrapped label, joined to the row above
            at = next((position[id(r)] for r in piece.rows if id(r) in position), len(rows))
        page = piece.grid.page
        out.append(Doubt(
            reason="guessed_join", pages=[page], from_row=at,
            message=f"стр. {page}: продолжение таблицы присоединено без повторённого заголовка "
            "и без продолжения номеров строк; суммы через разрыв страницы — предупреждения",
        ))
    return out


def _year(title: str | None, rows: list[Row]) -> int | None:
    if title:
        m = YEAR_IN_TITLE.search(title) or ANY_YEAR.search(title)
        if m:
            return int(m.group(1))
    years = Counter(int(y) for r in rows for y in ANY_YEAR.findall(r.label))
    return years.most_common(1)[0][0] if years else None
