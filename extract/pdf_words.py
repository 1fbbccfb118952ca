"""Unruled tables: whitespace-separated columns, right-aligned numbers.

Flow: ``lines_to_runs`` (runs of text lines that carry numbers in several
segments, plus the wrapped-label and "в том числе:" lines between them) →
``run_to_header`` (the lines just above a run that look like a header) →
``body_to_bounds`` (column boundaries at the blank vertical gaps of the body's
segments) → ``body_to_blocks`` (lines → logical rows, glyphs → columns) and
``header_to_blocks`` (header phrases → cells → columns) → ``blocks_to_grid``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from statistics import median

from svodka.extract.pdf_table import (
    Block,
    blocks_to_grid,
    column_of,
    glyphs_bbox,
    lines_to_logical_rows,
    merge_wrapped,
    row_glyphs_by_column,
)
from svodka.extract.pdf_text import (
    WRAP_FIT,
    Glyph,
    Line,
    Segment,
    glyphs_to_cell_text,
    glyphs_to_text,
    is_number_shaped,
    trim_blanks,
)
from svodka.schemas.grid import Grid
from svodka.schemas.numformat import is_unit_caption


@dataclass(frozen=True)
class Run:
    """Body lines of one unruled table and the x where its value columns begin; the first
    ``tail`` lines end a label from the page before (``label_tail``)."""

    lines: tuple[Line, ...]
    value_x: float
    tail: int = 0


def is_data_line(line: Line) -> bool:
    """A line with at least two segments, one of them (not the first) a number."""
    return len(line.segments) >= 2 and any(is_number_shaped(s.text) for s in line.segments[1:])


def _value_x(line: Line) -> float:
    return min(s.x0 for s in line.segments[1:] if is_number_shaped(s.text))


def lines_to_runs(lines: Sequence[Line]) -> list[Run]:
    """Maximal runs of body lines holding at least one data line."""
    runs: list[Run] = []
    current: list[Line] = []
    value_x = 0.0
    for line in lines:
        if current and _continues(current, value_x, line):
            current.append(line)
            if is_data_line(line):
                value_x = min(value_x, _value_x(line))
            continue
        runs.append(Run(tuple(current), value_x))
        current, value_x = ([line], _value_x(line)) if is_data_line(line) else ([], 0.0)
    runs.append(Run(tuple(current), value_x))
    return [_trim(r) for r in runs if any(map(is_data_line, r.lines))]


def _continues(current: Sequence[Line], value_x: float, line: Line) -> bool:
    last = current[-1]
    size = max(last.size, line.size)
    if line.top - last.bottom > 2.5 * size or abs(line.size - current[0].size) > 0.15 * size:
        return False
    if is_data_line(line) or line.x1 < value_x or _wrapped_tails(line, value_x):
        return True
    left = min(x.x0 for x in current)
    return len(line.segments) >= 3 and abs(line.x0 - left) < 2.0


_TAIL = re.compile(r"^[,.]?\d{1,3}(?:[,.]\d{0,3})?$")


def _wrapped_tails(line: Line, value_x: float) -> bool:
    """A line whose figures are the ends of numbers wrapped in narrow cells (",6", "5")."""
    tails = [s for s in line.segments if s.x1 > value_x]
    return bool(tails) and all(_TAIL.match(s.text) for s in tails)


def _trim(run: Run) -> Run:
    """Drop trailing non-data lines (a note under the table is not a row)."""
    lines = list(run.lines)
    while (lines and not is_data_line(lines[-1]) and lines[-1].x0 > run.value_x
           and not _wrapped_tails(lines[-1], run.value_x)):
        lines.pop()
    return Run(tuple(lines), run.value_x)


def run_to_header(run: Run, above: Sequence[Line]) -> list[Line]:
    """Header lines: the tight block of same-size lines right above the body."""
    header: list[Line] = []
    edge = run.lines[0].top
    size = run.lines[0].size
    left = min(x.x0 for x in run.lines)
    for i in range(len(above) - 1, -1, -1):
        line = above[i]
        if edge - line.bottom > 1.2 * size or line.size > 1.15 * size or is_data_line(line):
            break
        single = len(line.segments) == 1
        if single and abs(line.x0 - left) < 2.0 and line.x1 > run.value_x:
            break  # a title or caption across the table
        if single and is_unit_caption(line.text) and not _ends_a_phrase(line, above[:i]):
            break  # "(тыс. рублей)" above the last column names the unit, not a column
        header.insert(0, line)
        edge = min(edge, line.top)
    return _without_wrapped_caption(header)


def _ends_a_phrase(line: Line, above: Sequence[Line]) -> bool:
    """Whether ``line`` is the last line of a header phrase ("Всего," over "тыс. руб."): a
    line right above it (at line pitch) has a segment over it that is no caption itself."""
    for upper in reversed(above):
        if line.top - upper.bottom > 0.6 * line.size:
            return False
        for seg in upper.segments:
            if min(seg.x1, line.x1) > max(seg.x0, line.x0) and not is_unit_caption(seg.text):
                return True
    return False


def _without_wrapped_caption(header: list[Line]) -> list[Line]:
    """Drop a unit caption wrapped over the top lines ("(тыс." over "рублей)")."""
    for k in (3, 2):
        top = header[:k]
        if len(top) == k and all(len(x.segments) == 1 for x in top):
            if is_unit_caption(" ".join(x.text for x in top)):
                return header[k:]
    return header


def label_tail(run: Run, above: Sequence[Line]) -> list[Line]:
    """Lines right above the first data line that continue a label from the page before:
    one phrase each, starting where the body's wrapped label lines start, at line pitch;
    the topmost of them does not open with a capitalised word (a header cell such as
    "Наименование" does; an abbreviation such as "МСП, являющихся …" may open a label's
    tail, and a line inside it may start with a name: "Центр кластерного развития …")."""
    starts = [ln.x0 for ln in run.lines
              if not is_data_line(ln) and len(ln.segments) == 1 and ln.x1 < run.value_x]
    if not starts:  # no wrapped label lines: where the data lines' labels start
        found = (_label_x(ln, run.value_x) for ln in run.lines if is_data_line(ln))
        starts = [x for x in found if x is not None]
    if not starts:
        return []
    label_x = median(starts)
    tail: list[Line] = []
    edge = run.lines[0].top
    size = run.lines[0].size
    for line in reversed(above):
        aligned = len(line.segments) == 1 and abs(line.x0 - label_x) < 2.0
        far = edge - line.bottom > 1.2 * size
        if not aligned or far or line.x1 > run.value_x:
            break
        tail.insert(0, line)
        edge = line.top
    while tail and _capitalised(tail[0].text):  # the phrase opens with it: a header cell
        tail.pop(0)
    return tail


def _capitalised(text: str) -> bool:
    return text[:1].isupper() and text[1:2].islower()


def _label_x(line: Line, value_x: float) -> float | None:
    """Where the label of a data line starts: its last text segment before the figures."""
    texts = [s for s in line.segments if s.x1 < value_x and not is_number_shaped(s.text)]
    return texts[-1].x0 if texts else None


def body_to_bounds(lines: Sequence[Line], header: Sequence[Line]) -> list[float]:
    """Column boundaries: the middles of the blank vertical gaps between body segments."""
    spans = sorted((s.x0, s.x1) for line in lines for s in line.segments)
    gaps: list[float] = []
    right = spans[0][1]
    for x0, x1 in spans[1:]:
        if x0 - right > 2.0:
            gaps.append((x0 + right) / 2)
        right = max(right, x1)
    every = [*lines, *header]
    return [min(x.x0 for x in every) - 1, *gaps, max(x.x1 for x in every) + 1]


def _stacking(lines: Sequence[Line], bounds: Sequence[float]) -> set[int]:
    """Label-like columns (mostly not numbers), where wrapped lines stack in one cell.

    The first column of a table with three or more columns holding only short
    texts is a code column: a new code starts a new row, so it does not stack.
    """
    texts: dict[int, list[str]] = {}
    for line in lines:
        for s in line.segments:
            texts.setdefault(column_of(s.x0, s.x1, bounds), []).append(s.text)
    out = {c for c, ts in texts.items() if sum(map(is_number_shaped, ts)) * 2 < len(ts)}
    if len(bounds) > 3 and all(len(t) <= 10 for t in texts.get(0, [])):
        out.discard(0)
    return out


def _max_pitch(lines: Sequence[Line]) -> float:
    """Largest top-to-top distance still read as a wrapped line inside one row."""
    size = median(line.size for line in lines)
    steps = [b.top - a.top for a, b in zip(lines, lines[1:], strict=False)]
    tight = [s for s in steps if s >= 0.9 * size]
    return 1.3 * min(tight) if tight else 2.0 * size


def cell_widths(lines: Sequence[Line], bounds: Sequence[float]) -> list[float]:
    """The width each column's cells had, as far as the page shows it: an unruled table's
    slot between ``bounds`` takes in the blank gap beside it (a label column's gap can be
    wider than the figures), so a column is taken as wide as its widest line of text, the
    room a wrapped line lacked (``WRAP_FIT``), and never wider than its slot."""
    widest = [0.0] * (len(bounds) - 1)
    for line in lines:
        for seg in line.segments:
            col = column_of(seg.x0, seg.x1, bounds)
            widest[col] = max(widest[col], seg.x1 - seg.x0)
    slots = [b - a for a, b in zip(bounds, bounds[1:], strict=False)]
    return [min(slot, w / WRAP_FIT) if w else slot for slot, w in zip(slots, widest, strict=True)]


def body_to_blocks(lines: Sequence[Line], bounds: Sequence[float], first_row: int,
                   tail: int = 0) -> list[Block]:
    """Body lines → cell blocks, row by row; the first ``tail`` lines (a label's end from
    the page before) are a row of their own, never the start of the next row's label."""
    stacking = _stacking(lines, bounds)
    widths = cell_widths(lines, bounds)
    pitch = _max_pitch(lines)
    rows = [lines_to_logical_rows(part, bounds, stacking, pitch)
            for part in (lines[:tail], lines[tail:]) if part]
    groups = merge_wrapped([g for part in rows for g in part], bounds, stacking, widths)
    blocks: list[Block] = []
    for i, group in enumerate(groups):
        top = min(line.top for line in group)
        bottom = max(line.bottom for line in group)
        for col, glyphs in sorted(row_glyphs_by_column(group, bounds).items()):
            bbox = (bounds[col], top, bounds[col + 1], bottom)
            text = glyphs_to_cell_text(glyphs, widths[col])
            blocks.append(Block(first_row + i, col, text, bbox))
    return blocks


def header_to_cells(header: Sequence[Line]) -> list[list[Segment]]:
    """Header phrases that overlap horizontally and touch vertically form one cell.

    A phrase is first cut where two strings stand side by side (``cut_apart``): the
    lines of two neighbouring narrow header cells ("ый бюджет" | "Российской") belong to
    two cells."""
    cells: list[list[Segment]] = []
    segments = (part for line in header for s in line.segments for part in cut_apart(s))
    for seg in sorted(segments, key=lambda s: s.top):
        for cell in cells:
            if any(_stacked(seg, other) for other in cell):
                cell.append(seg)
                break
        else:
            cells.append([seg])
    return cells


def cut_apart(seg: Segment) -> list[Segment]:
    """``seg`` split wherever two words stand apart with no blank glyph between them: two
    strings printed side by side (two cells' lines), not one phrase (a phrase's words
    are separated by blank glyphs, however wide a group header spreads them)."""
    parts: list[list[Glyph]] = [[]]
    last_ink: Glyph | None = None
    blank = False
    for g in seg.glyphs:
        ink = bool(g.text.strip())
        if ink and last_ink is not None and parts[-1]:
            if not blank and g.x0 - last_ink.x1 > 0.4 * max(g.size, 1.0):
                parts.append([])
        blank = not ink and last_ink is not None
        if ink or parts[-1]:
            parts[-1].append(g)
        if ink:
            last_ink, blank = g, False
    return [Segment(trim_blanks(p)) for p in parts if any(g.text.strip() for g in p)]


def _stacked(a: Segment, b: Segment) -> bool:
    overlap = min(a.x1, b.x1) - max(a.x0, b.x0)
    gap = max(a.top, b.top) - min(a.bottom, b.bottom)
    return overlap > 0 and gap <= 0.6 * max(a.size, b.size)


def header_to_blocks(
    header: Sequence[Line], bounds: Sequence[float], first_value: int = 0
) -> tuple[list[Block], int]:
    """Header cells → blocks on one or two header rows; returns (blocks, header row count)."""
    cells = header_to_cells(header)
    if not cells:
        return [], 0
    size = median(s.size for c in cells for s in c)
    uppers = [c for c in cells if any(_heads(c, other, size) for other in cells)]
    leaves = [c for c in cells if c not in uppers]
    leaf_cols = {_centre_column(c, bounds): c for c in leaves}
    if not uppers or len(leaf_cols) < 2:
        return _one_level(cells, bounds), 1
    return _two_levels(uppers, leaf_cols, bounds, first_value, size), 2


def _heads(upper: Sequence[Segment], cell: Sequence[Segment], size: float) -> bool:
    """Whether ``cell`` lies wholly below ``upper`` and within reach of it sideways (half
    its width or 2.5 font sizes each way, whichever is more): ``upper`` is then a group
    header ("План" over "Всего ФБ РБ", "ФБ" over "План Факт"), however the cells under it
    are aligned vertically."""
    if min(s.top for s in cell) < max(s.bottom for s in upper) - 0.1 * size:
        return False
    x0, x1 = min(s.x0 for s in upper), max(s.x1 for s in upper)
    reach = max((x1 - x0) / 2, 2.5 * size)
    return min(s.x1 for s in cell) > x0 - reach and max(s.x0 for s in cell) < x1 + reach


def _centre(cell: Sequence[Segment]) -> float:
    return (min(s.x0 for s in cell) + max(s.x1 for s in cell)) / 2


def _centre_column(cell: Sequence[Segment], bounds: Sequence[float]) -> int:
    x = _centre(cell)
    return column_of(x, x, bounds)


def _cell_block(cell: Sequence[Segment], row: int, cols: Sequence[int], rowspan: int) -> Block:
    glyphs = [g for s in cell for g in s.glyphs]
    text = glyphs_to_cell_text(glyphs)
    return Block(row, min(cols), text, glyphs_bbox(glyphs), rowspan, max(cols) - min(cols) + 1)


def _overlapped_columns(cell: Sequence[Segment], bounds: Sequence[float]) -> list[int]:
    x0, x1 = min(s.x0 for s in cell), max(s.x1 for s in cell)
    cols = []
    for c in range(len(bounds) - 1):
        overlap = min(x1, bounds[c + 1]) - max(x0, bounds[c])
        if overlap > 0.25 * min(x1 - x0, bounds[c + 1] - bounds[c]):
            cols.append(c)
    return cols or [_centre_column(cell, bounds)]


def _one_level(cells: Sequence[Sequence[Segment]], bounds: Sequence[float]) -> list[Block]:
    """One header row; a cell wider than its column ("Внебюджетные" centred over narrow
    figures) spans a neighbour only where no other cell is centred on that neighbour."""
    centres = [_centre_column(c, bounds) for c in cells]
    owned = set(centres)
    blocks = []
    for cell, centre in zip(cells, centres, strict=True):
        cols = [k for k in _overlapped_columns(cell, bounds) if k == centre or k not in owned]
        cols = _run_around(cols, centre) if centre in cols else cols
        blocks.append(_cell_block(cell, 0, cols or [centre], 1))
    return blocks


def _run_around(cols: Sequence[int], centre: int) -> list[int]:
    """The consecutive columns of ``cols`` that include ``centre``."""
    lo = hi = centre
    while lo - 1 in cols:
        lo -= 1
    while hi + 1 in cols:
        hi += 1
    return list(range(lo, hi + 1))


def _two_levels(
    uppers: Sequence[Sequence[Segment]],
    leaf_cols: Mapping[int, Sequence[Segment]],
    bounds: Sequence[float],
    first_value: int,
    size: float,
) -> list[Block]:
    """Upper cells over leaf-less columns span both rows; others own the nearest leaves
    they head (``_heads``).

    Leaves left of ``first_value`` (the code and label headers) and leaves no group header
    reaches ("Всего" beside "в том числе" over "ФБ РБ ВБ") span both rows."""
    lead = {col: c for col, c in leaf_cols.items() if col < first_value}
    leaf_cols = {col: c for col, c in leaf_cols.items() if col >= first_value}
    blocks = [_cell_block(c, 0, [col], 2) for col, c in lead.items()]
    spanning: list[Sequence[Segment]] = []
    for cell in uppers:
        cols = [c for c in _overlapped_columns(cell, bounds)
                if c not in leaf_cols and c not in lead]
        if cols:
            blocks.append(_cell_block(cell, 0, cols, 2))
            spanning.append(cell)
    parents = [c for c in uppers if c not in spanning]
    owned: dict[int, list[int]] = {}
    for col, leaf in leaf_cols.items():
        if parents:
            best = min(range(len(parents)), key=lambda i: abs(_centre(parents[i]) - _centre(leaf)))
            owned.setdefault(best, []).append(col)
    for i, cols in owned.items():
        kept = _centred_run(parents[i], sorted(cols), leaf_cols, size)
        blocks.append(_cell_block(parents[i], 0, kept, 1))
        blocks += [_cell_block(leaf_cols[c], 1, [c], 1) for c in kept]
        blocks += [_cell_block(leaf_cols[c], 0, [c], 2) for c in cols if c not in kept]
    return blocks


def _centred_run(parent: Sequence[Segment], cols: list[int],
                 leaves: Mapping[int, Sequence[Segment]], size: float) -> list[int]:
    """The leaves a group header stands over: a group header is centred over its leaves,
    so of the consecutive runs of ``cols`` holding every leaf it reaches (``_heads``), the
    longest one about as well centred under it as the best ("в том числе" over "ФБ РБ
    ВБ", not over the "Всего" beside them)."""
    reached = [c for c in cols if _heads(parent, leaves[c], size)]
    if not reached:
        return cols
    lo, hi = cols.index(reached[0]), cols.index(reached[-1])
    centre = _centre(parent)

    def fit(run: list[int]) -> tuple[float, float]:
        """How far off centre the run's leaves are, and the slack allowed (centred by eye:
        a font size, or 8 % of their width)."""
        x0 = min(s.x0 for c in run for s in leaves[c])
        x1 = max(s.x1 for c in run for s in leaves[c])
        return abs((x0 + x1) / 2 - centre), max(size, 0.08 * (x1 - x0))

    runs = [cols[a : b + 1] for a in range(lo + 1) for b in range(hi, len(cols))]
    fits = [fit(r) for r in runs]
    best = min(err for err, _ in fits)
    return max((r for r, (err, slack) in zip(runs, fits, strict=True) if err <= best + slack),
               key=len)


def is_table(run: Run, header: Sequence[Line]) -> bool:
    """Two data lines make a table; one is enough under a header of several columns, or
    when it holds three figures or more (the one row of a table's page, often the last
    row before a page break or the first after it)."""
    data = [line for line in run.lines if is_data_line(line)]
    if len(data) >= 2 or (data and any(len(x.segments) >= 2 for x in header)):
        return True
    return bool(data) and sum(is_number_shaped(s.text) for s in data[0].segments) >= 3


def run_to_grid(run: Run, header: Sequence[Line], page: int) -> Grid:
    bounds = body_to_bounds(run.lines, header)
    stacking = _stacking(run.lines, bounds)
    head_blocks, n_head = header_to_blocks(header, bounds, max(stacking, default=-1) + 1)
    blocks = head_blocks + body_to_blocks(run.lines, bounds, n_head, run.tail)
    glyphs = [g for line in (*header, *run.lines) for g in line.glyphs]
    return blocks_to_grid(blocks, page, "pdf-words", glyphs_bbox(glyphs))


def split_glued_numbers(line: Line) -> Line:
    """Numbers of neighbouring narrow columns printed one space apart come out as one
    segment ("5 438,1 4 445,1"); split it where every part is a number (or the head of
    a number wrapped in its cell, "23 075,"), with as few parts as possible.  A label
    printed right up to the figures beside it ("… обучения" and "2 433,4" with no blank
    glyph between, ``LABEL_GAP`` apart) is cut from them first."""
    return Line(tuple(part for s in line.segments for part in _split_segment(s)))


_DIGITS_ONLY = re.compile(r"^[\d\s\u00a0\u202f\u2009,.\-\u2013\u2014\u2212хХxX*]+$")


LABEL_GAP = 0.4
"""Blank space (in font sizes) with no blank glyph in it that parts a label from the
figures printed after it; a phrase's words have blank glyphs or narrower gaps."""


def _split_segment(seg: Segment) -> list[Segment]:
    if not any(ch.isdigit() for ch in seg.text):
        return [seg]  # no figure in it: nothing to split (most text lines)
    if not _DIGITS_ONLY.match(seg.text):
        return _label_then_figures(seg)
    strings = _glyph_words(seg.glyphs, blanks=False)  # printed apart, no space between
    if len(strings) > 1 and all(_number_head(glyphs_to_text(w)) for w in strings):
        return [Segment(w) for w in strings]
    if is_number_shaped(seg.text) or (len(strings) == 1 and _BROKEN_GROUP.match(seg.text)):
        return [seg]  # "470 25" over "0": one number broken inside its last group
    words = _glyph_words(seg.glyphs)
    parts = _fewest_number_parts([glyphs_to_text(w) for w in words])
    if parts is None or len(parts) < 2:
        return [seg]
    out, at = [], 0
    for n in parts:
        out.append(Segment(tuple(g for w in words[at : at + n] for g in w)))
        at += n
    return out


_GAP = r"[\s\u00a0\u202f\u2009]"
_BROKEN_GROUP = re.compile(rf"^\d{{1,3}}(?:{_GAP}\d{{3}})*{_GAP}\d{{1,2}}$")


def _label_then_figures(seg: Segment) -> list[Segment]:
    """``seg`` cut where its text ends and only figures follow, printed apart."""
    strings = _glyph_words(seg.glyphs, blanks=False, gap=LABEL_GAP)
    for k in range(1, len(strings)):
        tail = [g for w in strings[k:] for g in w]
        if _DIGITS_ONLY.match(glyphs_to_text(tail)) and any(g.text.isdigit() for g in tail):
            head = Segment(tuple(g for w in strings[:k] for g in w))
            if _DIGITS_ONLY.match(head.text):
                return [seg]  # figures all through: the rules below decide
            return [head, *_split_segment(Segment(tuple(tail)))]
    return [seg]


def _glyph_words(glyphs: Sequence[Glyph], blanks: bool = True,
                 gap: float = 0.2) -> list[tuple[Glyph, ...]]:
    """Runs of ink glyphs split at visible gaps with no blank glyph in them, and with
    ``blanks`` at blank glyphs too (a group space of "821 000" is a blank glyph; the gap
    between two columns' numbers is not)."""
    words: list[list[Glyph]] = [[]]
    prev: Glyph | None = None
    for g in glyphs:
        if not g.text.strip():
            if blanks:
                words.append([])
            else:
                words[-1].append(g)
                prev = None
        elif prev is not None and g.x0 - prev.x1 > gap * max(g.size, 1.0):
            words.append([g])
        else:
            words[-1].append(g)
        if g.text.strip():
            prev = g
    return [tuple(w) for w in words if w]


def _number_part(text: str) -> bool:
    if text[:1] == "0" and text[1:2].isdigit():
        return False  # "00" of "450 00" over "0": the head of a group, never a number
    return is_number_shaped(text) or (text[-1:] in ",." and is_number_shaped(text + "0"))


def _number_head(text: str) -> bool:
    """A number, or the first line of one broken between its characters in a narrow cell
    ("28 59" of "28 590,3", its groups joined by no-break spaces)."""
    return _number_part(text) or any(is_number_shaped(text + d) for d in ("0", "00"))


def _fewest_number_parts(words: list[str]) -> list[int] | None:
    """Sizes of the fewest consecutive word groups that each read as a number."""
    best: list[list[int] | None] = [[]] + [None] * len(words)
    for end in range(1, len(words) + 1):
        for start in range(end):
            head = best[start]
            if head is None or not _number_part(" ".join(words[start:end])):
                continue
            if best[end] is None or len(head) + 1 < len(best[end] or []):
                best[end] = [*head, end - start]
    return best[-1]


def lines_to_word_grids(lines: Sequence[Line], page: int) -> list[Grid]:
    """All unruled tables among a page's text lines (lines sorted top to bottom)."""
    grids: list[Grid] = []
    lines = [split_glued_numbers(line) for line in lines]
    for run in lines_to_runs(lines):
        above = [line for line in lines if line.bottom <= run.lines[0].top + 0.5]
        tail = label_tail(run, above)
        if tail:  # the rest of a label cut by the page break opens the body
            run = Run((*tail, *run.lines), run.value_x, len(tail))
            above = above[: len(above) - len(tail)]
        header = run_to_header(run, above)
        if is_table(run, header):
            grids.append(run_to_grid(run, header, page))
    return grids
