"""Body rows of one grid to contract rows (code, label, typed cells)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from normalize.codes import parse_code, split_leading_code
from normalize.columns import Layout, ValueColumn
from normalize.labels import clean_label
from normalize.numbers import parse_number
from normalize.vocab import BREAKDOWN, MONEY_LABEL, PERCENT_LABEL, TOTAL_LABEL
from schemas import Cell, GridCell, Row, Status, TableKind, TextCell, Unit

LINE_CODE = re.compile(r"^\s*\d{1,4}\s*$")


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


def _cell(gc: GridCell, column: ValueColumn, ctx: RowContext, label: str) -> Cell:
    parsed = parse_number(gc.text)
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


def grid_row_to_row(cells: list[GridCell], r: int, layout: Layout, ctx: RowContext) -> Row | None:
    """One body row; None for "в том числе" lines and rows with nothing in them."""
    code, label = _row_code_and_label(cells, layout)
    values = [
        _cell(cells[v.index], v, ctx, label)
        for v in layout.values
        if v.index < len(cells) and cells[v.index].origin in (None, (r, v.index))
    ]
    has_values = any(c.status is not Status.EMPTY for c in values)
    if not code and not has_values:
        if not label or BREAKDOWN.match(label):
            return None
    is_total = code is None and bool(TOTAL_LABEL.match(label)) and has_values
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
