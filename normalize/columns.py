"""Read a grid's header: which rows are header, what each column is.

``grid_to_layout`` decides, for one physical grid, the header rows, the code
column, the label column and, for every value column, its header path with the
measure and source it names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from statistics import median

from svodka.normalize.codes import parse_code
from svodka.normalize.labels import clean_header
from svodka.normalize.numbering import row_numbering
from svodka.normalize.numbers import looks_like_number, parse_number
from svodka.normalize.vocab import (
    BREAKDOWN,
    CODE_HEADER,
    IDENTIFIER_HEADER,
    LABEL_HEADER,
    match_header_unit,
    match_measure,
    match_source,
)
from svodka.schemas import Grid, GridCell, Measure, Source, Status, Unit

YEAR = re.compile(r"(?:19|20)\d\d")


@dataclass(frozen=True)
class ValueColumn:
    index: int
    path: tuple[str, ...]
    measure: Measure | None
    source: Source | None
    unit: Unit | None
    inferred: bool = False  # the source was read from the numbers, not the header words


@dataclass
class Layout:
    n_header: int
    code_col: int | None
    label_col: int | None
    text_cols: list[int] = field(default_factory=list)
    values: list[ValueColumn] = field(default_factory=list)
    text_paths: tuple[tuple[str, ...], ...] = ()

    @property
    def signature(self) -> tuple[tuple[str, ...], ...]:
        """What must repeat for a grid to continue a table: the headers of its value and
        extra text columns ("Код дохода" vs "Код расхода" tell two sections apart)."""
        return tuple(v.path for v in self.values) + self.text_paths

    @property
    def meaning(self) -> tuple[tuple[Measure | None, Source | None], ...] | None:
        """What the value columns mean, in order; None while a column's source is unknown
        (then only the header text can tell a continuation)."""
        if not self.values or any(v.source is None for v in self.values):
            return None
        return tuple((v.measure, v.source) for v in self.values)



def _texts(row: list[GridCell]) -> list[str]:
    return [c.text.strip() for c in row]


def _is_column_numbering(texts: list[str]) -> bool:
    """A row "1 2 3 4 …" (or "1 2 … 12=10*11 13") under a header numbers the columns; it
    is part of the header (``normalize.numbering``)."""
    return row_numbering(texts) is not None


def _is_figure(text: str) -> bool:
    """A number as a body cell holds it: not a year ("2016" heads a column), not a dash;
    in a cell of several lines, on a line of its own (a Word cell with a value a line)."""
    lines = [ln for ln in text.split("\n") if ln.strip()]
    if len(lines) > 1:
        return any(_is_figure(ln) for ln in lines)
    parsed = parse_number(text)
    if parsed.status is not Status.NUMBER or parsed.value is None:
        return False
    return not (YEAR.fullmatch(text.strip()) and parsed.value == parsed.value.to_integral())


def _figures_by_line(text: str) -> bool:
    """A cell of several lines, each a number (one value a line)."""
    lines = [ln for ln in text.split("\n") if ln.strip()]
    return len(lines) > 1 and all(looks_like_number(ln) for ln in lines)


def _own_texts(row: list[GridCell], r: int) -> list[str]:
    """The row's texts, blank where a merged cell repeats one from a row above."""
    return [c.text.strip() if c.origin is None or c.origin[0] == r else "" for c in row]


def _is_body_row(row: list[GridCell], r: int = 0) -> bool:
    texts = _texts(row)
    if not any(texts) or _is_column_numbering(texts):
        return False
    first = next(t for t in texts if t)
    if BREAKDOWN.match(first):
        return True
    if parse_code(first) is not None and len(texts) > 1:
        return True
    own = _own_texts(row, r)
    # a header names columns; a figure is data, unless merged over several columns (a
    # header cell over "план / факт" misread as a number: "ФБ" read "56" on a scan)
    if any(_is_figure(t) for j, t in enumerate(own) if j and not _merged_across(row, j)):
        return True
    numeric = sum(1 for j, t in enumerate(texts) if j and t and looks_like_number(t)
                  and not YEAR.fullmatch(t) and not _merged_across(row, j))
    return numeric >= max(1, (len([t for t in texts if t]) - 1) // 2)


def _merged_across(row: list[GridCell], j: int) -> bool:
    """Is cell ``j`` part of a cell merged over several columns of its row?"""
    origin = row[j].origin
    return origin is not None and any(
        0 <= k < len(row) and row[k].origin == origin for k in (j - 1, j + 1))


def _is_label_only(row: list[GridCell], r: int) -> bool:
    """Text in the first two columns only: the rest of a label wrapped over a page break."""
    own = [c.text.strip() if c.origin in (None, (r, j)) else "" for j, c in enumerate(row)]
    return any(own[:2]) and not any(own[2:]) and len(row) > 2


def header_names_nothing(grid: Grid, n_header: int) -> bool:
    """No header rows, or only a row numbering the columns: a continuation of a table."""
    return all(_is_column_numbering(_texts(row)) for row in grid.rows[:n_header])


def count_header_rows(grid: Grid) -> int:
    """Rows up to the first body row; a column-numbering row closes the header, however
    the rows above it look (a label wrapped under "№" is header there, not body)."""
    if _opens_with_label_tail(grid):
        return 0
    for i, row in enumerate(grid.rows):
        if _is_column_numbering(_texts(row)):
            return i + 1
        if _is_body_row(row, i):
            break
    for i, row in enumerate(grid.rows):
        if _is_body_row(row, i) or (i > 0 and _is_label_only(row, i)):
            return i
    return len(grid.rows)


def _opens_with_label_tail(grid: Grid) -> bool:
    """A page that opens with the rest of a label cut by the page break: text in the
    label columns only, no header words, and a body row right under it."""
    if len(grid.rows) < 2 or not _is_label_only(grid.rows[0], 0):
        return False
    words = " ".join(t for t in _texts(grid.rows[0]) if t)
    header_like = CODE_HEADER.match(words) or (words[:1].isupper() and LABEL_HEADER.match(words))
    return not header_like and _is_body_row(grid.rows[1], 1)


def _column_path(grid: Grid, col: int, n_header: int) -> tuple[str, ...]:
    path: list[str] = []
    for r in range(n_header):
        row = grid.rows[r]
        if col >= len(row) or _is_column_numbering(_texts(row)):
            continue
        text = clean_header(row[col].text)
        if text and (not path or path[-1] != text):
            path.append(text)
    return tuple(path)


def _body_stats(grid: Grid, n_header: int, col: int) -> tuple[int, int, int, float]:
    """(non-empty, number-like, code-like, median length) of a column's body cells (the
    median: one code run into its label, "9.1.1 В интересах …", does not make a column of
    codes one of texts)."""
    filled = numeric = codes = 0
    lengths: list[int] = []
    for r, row in enumerate(grid.rows[n_header:], start=n_header):
        if col >= len(row) or row[col].origin not in (None, (r, col)):
            continue
        text = row[col].text.strip()
        if not text:
            continue
        filled += 1
        lengths.append(len(text))
        if looks_like_number(text) or _figures_by_line(text):
            numeric += 1
        if parse_code(text) is not None:
            codes += 1
    return filled, numeric, codes, float(median(lengths)) if lengths else 0.0


def grid_to_layout(grid: Grid, n_header: int | None = None) -> Layout:
    n_header = count_header_rows(grid) if n_header is None else n_header
    n_cols = grid.n_cols
    paths = [_column_path(grid, c, n_header) for c in range(n_cols)]
    stats = [_body_stats(grid, n_header, c) for c in range(n_cols)]
    code_col = _find_code_col(paths, stats)
    label_col = _find_label_col(paths, stats, code_col)
    layout = Layout(n_header=n_header, code_col=code_col, label_col=label_col)
    for c in range(n_cols):
        if c in (code_col, label_col):
            continue
        filled, numeric, _, _ = stats[c]
        names_code = any(IDENTIFIER_HEADER.match(p) for p in paths[c])  # codes, not sums
        if names_code or (filled and numeric * 2 < filled and not _names_value(paths[c])):
            layout.text_cols.append(c)
            layout.text_paths += (paths[c],)
            continue
        layout.values.append(_value_column(c, paths[c]))
    return layout


def _names_value(path: tuple[str, ...]) -> bool:
    return any(match_source(p) or match_measure(p) for p in _phrases(path))


def _phrases(path: tuple[str, ...]) -> list[str]:
    """A header path's levels, then runs of consecutive levels read as one phrase: a
    word broken over the lines of a narrow cell can come out as levels of its own
    ("Федераль" / "ный" / "бюджет")."""
    runs = [" ".join(path[i : i + n]) for n in range(2, len(path) + 1)
            for i in range(len(path) - n + 1)]
    return [*path, *runs, *_tails(path)]


def _tails(path: tuple[str, ...]) -> list[str]:
    """The last words of each level, longest first: a header cell read together with the
    cell over it ("Финансирование РБ", a scan's two header rows in one) still names its
    column by its own words.  Tried last, after every level and run."""
    out = []
    for level in path:
        words = level.split()
        out += [" ".join(words[k:]) for k in range(1, len(words))]
    return out


def _find_code_col(
    paths: list[tuple[str, ...]], stats: list[tuple[int, int, int, float]]
) -> int | None:
    """The "N п/п" column: headed so, or holding mostly codes, among the first two; never a
    column of long texts (a code merged with its label: "11.2. количество …") and never one
    whose header names a measure or a source (a column of small whole figures)."""
    for c, path in enumerate(paths[:2]):
        short = not stats[c][0] or stats[c][3] < 12
        if path and CODE_HEADER.match(path[0]) and not LABEL_HEADER.search(path[0]) and short:
            return c
    for c, (filled, _, codes, mean_len) in enumerate(stats[:2]):
        if _names_value(paths[c]) or (c > 0 and stats[0][3] >= 12):
            continue
        if filled and codes * 2 >= filled and mean_len < 12:
            return c
    return None


def _find_label_col(
    paths: list[tuple[str, ...]], stats: list[tuple[int, int, int, float]], code_col: int | None
) -> int | None:
    for c, path in enumerate(paths[:3]):
        if c != code_col and path and LABEL_HEADER.search(" ".join(path)):
            return c
    candidates = [c for c in range(min(3, len(stats))) if c != code_col]
    if not candidates:
        return None
    best = max(candidates, key=lambda c: stats[c][3])
    return best if stats[best][0] and stats[best][1] * 2 < stats[best][0] else None


def _value_column(index: int, path: tuple[str, ...]) -> ValueColumn:
    phrases = _phrases(path)
    measure = next((m for m in map(match_measure, phrases) if m), None)
    source = next((s for s in map(match_source, phrases) if s), None)
    unit = next((u for u in (match_header_unit(p) for p in path) if u), None)
    return ValueColumn(index=index, path=path, measure=measure, source=source, unit=unit)
