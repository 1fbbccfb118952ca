"""Column meanings the header words did not give, read from the table's own numbers.

``infer_sources(layout, grid)`` looks at each measure group (the value columns naming
the same measure, in the order they stand) that holds a column without a source:

* no Всего in the group: the one unnamed column that equals the sum of the group's
  other columns on at least ``AGREE`` of the rows with figures is Всего;
* Всего known and one column still unnamed: it takes the source its position has in a
  sibling group (План and Факт list the sources in the same order), or else the one
  funding source the group lacks when exactly one of ФБ/РБ/ВБ is lacking; the guess is
  kept only when Всего = the sum of the group's sources then holds on ``AGREE`` of
  the rows.

An inferred column is marked (``ValueColumn.inferred``) so the table says so and the
arithmetic through it is a warning, not an error.  A column that stays unnamed keeps
``source=None`` and becomes an ``unknown_column`` doubt of its table.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from svodka.normalize.columns import Layout, ValueColumn
from svodka.normalize.numbers import parse_number
from svodka.schemas import Grid, Measure, Source, Status

AGREE = 0.8
"""Share of the rows with figures on which a sum must hold for a meaning to be read."""
MIN_ROWS = 3
"""Fewer rows with figures than this tell nothing."""
_FUNDING = (Source.FEDERAL, Source.REGIONAL, Source.EXTRABUDGETARY)

Values = dict[int, list[Decimal | None]]


def infer_sources(layout: Layout, grid: Grid) -> Layout:
    if all(v.source is not None for v in layout.values) or len(layout.values) < 3:
        return layout
    values = _column_values(layout, grid)
    columns = list(layout.values)
    groups = _groups(columns)
    for group in groups.values():
        _infer_total(columns, group, values)
    for group in groups.values():
        _infer_funding(columns, group, groups, values)
    return dataclasses.replace(layout, values=columns)


def _groups(columns: list[ValueColumn]) -> dict[Measure | None, list[int]]:
    out: dict[Measure | None, list[int]] = {}
    for i, column in enumerate(columns):
        out.setdefault(column.measure, []).append(i)
    return out


def _column_values(layout: Layout, grid: Grid) -> Values:
    """Each value column's figures by body row: "х" and "-" count as 0, text as None."""
    out: Values = {v.index: [] for v in layout.values}
    for row in grid.rows[layout.n_header :]:
        for v in layout.values:
            parsed = parse_number(row[v.index].text) if v.index < len(row) else None
            if parsed is None or parsed.status in (Status.EMPTY, Status.UNREADABLE):
                out[v.index].append(None)
            elif parsed.status is Status.NUMBER:
                out[v.index].append(parsed.value)
            else:
                out[v.index].append(Decimal(0))
    return out


def sum_agrees(total: list[Decimal | None], parts: list[list[Decimal | None]]) -> bool:
    """Whether ``total`` = the sum of ``parts`` on at least AGREE of the rows where all
    are figures and something is not zero (rounding to one decimal per term allowed)."""
    checked = agreed = 0
    for r, value in enumerate(total):
        terms = [p[r] for p in parts]
        if value is None or any(t is None for t in terms):
            continue
        figures = [t for t in terms if t is not None]
        if value == 0 and not any(figures):
            continue
        checked += 1
        slack = Decimal("0.1") * len(figures)
        agreed += abs(value - sum(figures, Decimal(0))) <= slack
    return checked >= MIN_ROWS and agreed >= AGREE * checked


def _infer_total(columns: list[ValueColumn], group: list[int], values: Values) -> None:
    if any(columns[i].source is Source.TOTAL for i in group) or len(group) < 3:
        return
    unnamed = [i for i in group if columns[i].source is None]
    fits = [
        i for i in unnamed
        if sum_agrees(values[columns[i].index],
                      [values[columns[j].index] for j in group if j != i])
    ]
    if len(fits) == 1:
        columns[fits[0]] = dataclasses.replace(columns[fits[0]], source=Source.TOTAL,
                                               inferred=True)


def _infer_funding(
    columns: list[ValueColumn],
    group: list[int],
    groups: dict[Measure | None, list[int]],
    values: Values,
) -> None:
    unnamed = [i for i in group if columns[i].source is None]
    totals = [i for i in group if columns[i].source is Source.TOTAL]
    if len(unnamed) != 1 or len(totals) != 1:
        return
    target = unnamed[0]
    candidate = _sibling_source(columns, group, groups, target) or _lacking(columns, group)
    if candidate is None:
        return
    parts = [values[columns[j].index] for j in group if j not in totals]
    if sum_agrees(values[columns[totals[0]].index], parts):
        columns[target] = dataclasses.replace(columns[target], source=candidate, inferred=True)


def _sibling_source(
    columns: list[ValueColumn],
    group: list[int],
    groups: dict[Measure | None, list[int]],
    target: int,
) -> Source | None:
    position = group.index(target)
    taken = {columns[i].source for i in group}
    for other in groups.values():
        if other is group or len(other) != len(group):
            continue
        source = columns[other[position]].source
        if source is not None and source not in taken:
            return source
    return None


def _lacking(columns: list[ValueColumn], group: list[int]) -> Source | None:
    taken = {columns[i].source for i in group}
    lacking = [s for s in _FUNDING if s not in taken]
    return lacking[0] if len(lacking) == 1 else None
