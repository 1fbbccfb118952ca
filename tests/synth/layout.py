"""A model table laid out in a style: header spans, value columns and printed body lines.

Every renderer draws the same ``Layout``; ``render`` only decides how (ruled PDF, whitespace
PDF, Word, slides).  A body ``Line`` is a row (code, label, printed figures), a "в том числе:"
note, or the tail of a row whose label a page break cut (``Line.tail``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .model import MRow, MTable, ReportModel
from .styles import Style, TableStyle, format_code, format_value

UNIT_CAPTION = "(тыс. рублей)"


@dataclass
class Span:
    text: str
    row: int
    col: int
    rowspan: int = 1
    colspan: int = 1


@dataclass
class Line:
    code: str
    label: str
    values: list[str]
    bold: bool = False
    note: bool = False  # "в том числе:"
    tail: bool = False  # the rest of the row above it, cut by a page break


@dataclass
class Layout:
    table: MTable
    ts: TableStyle
    title: str
    header: list[Span]
    header_rows: int
    columns: list[tuple[str, str]]  # (measure, source) of each value column
    lines: list[Line]
    pages: list[list[Line]] = field(default_factory=list)  # lines per forced page
    caption: str | None = None

    @property
    def n_cols(self) -> int:
        return 2 + len(self.columns)


def layouts(model: ReportModel, style: Style) -> list[Layout]:
    return [table_layout(t, style.tables[t.id], style) for t in model.tables]


def table_layout(table: MTable, ts: TableStyle, style: Style) -> Layout:
    header, n_header, columns = header_spans(table, ts)
    lines: list[Line] = []
    row_start: list[int] = []  # index in ``lines`` where each body row starts
    parents = {r.parent for r in table.rows if r.parent}
    for row in table.rows:
        if ts.breakdown_line and row.parent and row.code and row.code.endswith(".1") and (
                table.kind == "kpi" or row.parent == "9"):
            lines.append(Line("", "в том числе:", [""] * len(columns), note=True))
        row_start.append(len(lines))
        lines.append(body_line(row, table, columns, style, bold=row.is_total or (
            table.kind == "expenses" and row.parent is None and row.code in parents)))
    pages = paginate(lines, row_start, ts)
    caption = UNIT_CAPTION if ts.unit_caption and table.money else None
    return Layout(table, ts, table.title, header, n_header, columns, lines, pages, caption)


def header_spans(table: MTable, ts: TableStyle) -> tuple[list[Span], int, list[tuple[str, str]]]:
    words = dict(ts.words)
    if table.money and not ts.unit_caption and "тыс" not in words["total"]:
        words["total"] += ", тыс. руб."
    spans = [Span(ts.code_header, 0, 0), Span(ts.label_header, 0, 1)]
    if len(table.measures) == 1:
        columns = [(table.measures[0], s) for s in ts.order]
        if ts.group_header is None:
            spans += [Span(words[s], 0, 2 + i) for i, s in enumerate(ts.order)]
            return spans, 1, columns
        for span in spans:
            span.rowspan = 2
        spans.append(Span(words["total"], 0, 2, rowspan=2))
        spans.append(Span(ts.group_header, 0, 3, colspan=len(ts.order) - 1))
        spans += [Span(words[s], 1, 3 + i) for i, s in enumerate(ts.order[1:])]
        return spans, 2, columns
    for span in spans:
        span.rowspan = 2
    measure_word = dict(zip(("plan", "fact"), ts.measure_words, strict=True))
    col = 2
    columns = []
    if ts.measure_major:
        for m in table.measures:
            spans.append(Span(measure_word[m], 0, col, colspan=len(ts.order)))
            for s in ts.order:
                spans.append(Span(words[s], 1, col))
                columns.append((m, s))
                col += 1
    else:
        for s in ts.order:
            spans.append(Span(words[s], 0, col, colspan=len(table.measures)))
            for m in table.measures:
                spans.append(Span(measure_word[m], 1, col))
                columns.append((m, s))
                col += 1
    return spans, 2, columns


def body_line(row: MRow, table: MTable, columns: list[tuple[str, str]], style: Style,
              bold: bool) -> Line:
    values = []
    for measure, source in columns:
        cell = row.cell(measure, source)
        values.append(format_value(cell.value, style, table.money, cell.na))
    code = "" if row.code is None else format_code(row.code, style)
    return Line(code, row.label, values, bold=bold)


def paginate(lines: list[Line], row_start: list[int], ts: TableStyle) -> list[list[Line]]:
    """Lines per forced page: a break before body row b, or inside it when b is a split row."""
    pages: list[list[Line]] = []
    current: list[Line] = []
    starts = {row_start[b]: b for b in ts.breaks if b < len(row_start)}
    for index, line in enumerate(lines):
        if index in starts and current:
            b = starts[index]
            if b in ts.split_rows and len(line.label.split()) >= 6 and not line.note:
                head, tail = split_label(line.label)
                current.append(Line(line.code, head, line.values, line.bold))
                pages.append(current)
                current = [Line("", tail, [""] * len(line.values), line.bold, tail=True)]
                continue
            pages.append(current)
            current = []
        current.append(line)
    pages.append(current)
    return pages


def split_label(label: str) -> tuple[str, str]:
    words = label.split()
    cut = max(2, len(words) // 2)
    return " ".join(words[:cut]), " ".join(words[cut:])
