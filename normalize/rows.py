"""Body rows of one grid to contract rows (code, label, typed cells)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from svodka.normalize.codes import parse_code, split_leading_code
from svodka.normalize.columns import Layout, ValueColumn
from svodka.normalize.labels import clean_label
from svodka.normalize.numbers import parse_number
from svodka.normalize.vocab import BREAKDOWN, MONEY_LABEL, PERCENT_LABEL, TOTAL_LABEL
from svodka.schemas import Cell, GridCell, Row, Status, TableKind, TextCell, Unit

LINE_CODE = re.compile(r"^\s*\d{1,4}\s*$")
FIGURE_AT_END = re.compile(r"[:\s]\s*-?\d[\d \u00a0]*(?:[.,]\d+)?\s*$")


@dataclass
class RowContext:
    kind: TableKind
    default_unit: Unit | None


def _row_code_and_label(cells: list[GridCell], layout: Layout) -> tuple[str | None, str]:
    code_text = cells[layout.code_col].text if layout.code_col is not None else ""
    if (
        layout.code_col is not None
        and layout.label_col is not None
        and cells[layout.code_col].origin is not None
        and cells[layout.code_col].origin == cells[layout.label_col].origin
    ):
        code_text = ""  # one merged cell over the code and label columns (ИТОГО)
    if layout.label_col is not None:
        label = clean_label(cells[layout.label_col].text)
    else:  # no label column: the text columns are all the label there is
        label = clean_label("\n".join(cells[c].text for c in layout.text_cols
                                      if c < len(cells) and cells[c].text.strip()))
    code = parse_code(code_text) if code_text.strip() else None
    if code is not None:
        return code.canonical, label
    if not code_text.strip():
        code, label = split_leading_code(label)
        return (code.canonical if code else None), label
    if LINE_CODE.match(code_text):  # a form's line code such as "010" or "520"
        return code_text.strip(), label
    # the code column holds the label too ("11.2. количество …": columns cut narrower)
    code, label = split_leading_code(clean_label(f"{code_text}\n{label}"))
    return (code.canonical if code else None), label


def _cell_unit(ctx: RowContext, column: ValueColumn, label: str, parsed_unit: Unit | None) -> Unit:
    if parsed_unit is not None:
        return parsed_unit
    if ctx.kind is TableKind.KPI:
        if PERCENT_LABEL.match(label):
            return Unit.PERCENT
        if MONEY_LABEL.search(label):
            return Unit.THOUSAND_RUB
        return Unit.COUNT
    return column.unit or ctx.default_unit or Unit.THOUSAND_RUB


def _figure_text(text: str) -> str:
    """The figure of a cell that adds a note on the lines below it ("45535622" over "(с
    учетом продажи имущества)"): the first line, when the others hold no figure of their
    own; ``raw`` keeps the note."""
    first, _, rest = text.strip().partition("\n")
    if not rest or parse_number(first).status is not Status.NUMBER:
        return text
    if any(parse_number(ln).status is Status.NUMBER for ln in rest.split("\n")):
        return text
    return first


def _cell(gc: GridCell, column: ValueColumn, ctx: RowContext, label: str) -> Cell:
    parsed = parse_number(_figure_text(gc.text))
    unit = _cell_unit(ctx, column, label, parsed.unit) if parsed.status is Status.NUMBER else None
    if ctx.kind is TableKind.OTHER and parsed.status is Status.NUMBER and parsed.unit is None:
        unit = column.unit or ctx.default_unit
    return Cell(
        column=list(column.path),
        measure=column.measure,
        source=column.source,
        value=parsed.value,
        status=parsed.status,
        unit=unit,
        footnote=parsed.footnote,
        raw=gc.text,
        page=gc.page,
        bbox=_round_bbox(gc.bbox),
        confidence=gc.confidence,
    )


def _total_word_column(cells: list[GridCell], layout: Layout, label: str) -> int | None:
    """A row with no label of its own whose word "ИТОГО" stands in another column (under
    the last text column, or in a value column left of the figures): that column."""
    if label:
        return None
    for j, cell in enumerate(cells):
        if j != layout.label_col and TOTAL_LABEL.match(cell.text) and not parse_code(cell.text):
            return j
    return None


def _value_cells(cells: list[GridCell], r: int, layout: Layout) -> list[ValueColumn]:
    """The value columns holding the row's own figures.  A figure merged over several value
    columns (an ИТОГО over "Количество … Итого стоимость") stands under the last of them:
    the column that sums up the row."""
    out: list[ValueColumn] = []
    indexes = {v.index for v in layout.values}
    for k, v in enumerate(layout.values):
        if v.index >= len(cells):
            continue
        origin = cells[v.index].origin
        if origin is not None and (origin[0] != r or origin[1] not in indexes):
            continue  # merged down from a row above, or from a text column
        following = layout.values[k + 1] if k + 1 < len(layout.values) else None
        if (origin is not None and following is not None and following.index < len(cells)
                and cells[following.index].origin == origin):
            continue  # the merged figure goes on to the right
        out.append(v)
    return out


def grid_row_to_row(cells: list[GridCell], r: int, layout: Layout, ctx: RowContext) -> Row | None:
    """One body row; None for "в том числе" lines and rows with nothing in them."""
    code, label = _row_code_and_label(cells, layout)
    word = _total_word_column(cells, layout, label) if code is None else None
    if word is not None:
        label = clean_label(cells[word].text)
    values = [
        _cell(cells[v.index], v, ctx, label)
        for v in _value_cells(cells, r, layout)
        if v.index != word
    ]
    has_values = any(c.status is not Status.EMPTY for c in values)
    if not code and not has_values:
        if not label or BREAKDOWN.match(label):
            return None
    # "ИТОГО: 1311" with the figure in the label's own cell is a total too: kept as a row
    # of its own (its figure in the label), never joined to the label above
    is_total = code is None and bool(TOTAL_LABEL.match(label)) and (
        has_values or bool(FIGURE_AT_END.search(label)))
    return Row(code=code, label=label, parent=_parent(code), is_total=is_total, cells=values,
               attributes=_attributes(cells, layout))


def _attributes(cells: list[GridCell], layout: Layout) -> list[TextCell]:
    """The text columns beside the label (none when they make the label: no label column)."""
    if layout.label_col is None:
        return []
    out = []
    for c, path in zip(layout.text_cols, layout.text_paths, strict=True):
        if c >= len(cells):
            continue
        text = clean_label(cells[c].text)
        if text:
            out.append(TextCell(column=list(path), text=text, page=cells[c].page))
    return out


def _parent(code: str | None) -> str | None:
    if not code or "." not in code or code.startswith("0"):
        return None
    return code.rsplit(".", 1)[0]


def _round_bbox(
    bbox: tuple[float, float, float, float] | None,
) -> tuple[float, float, float, float] | None:
    """Hundredths of a point are plenty for locating a cell on a page."""
    if bbox is None:
        return None
    x0, top, x1, bottom = (round(v, 2) for v in bbox)
    return (x0, top, x1, bottom)
