"""pandas views of a report for analysts (tidy cells, wide tables).

pandas is imported lazily so that the records themselves stay light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from schemas.report import Cell, Report, Table

CELL_COLUMNS = (
    "document", "table", "year", "code", "parent", "label", "measure", "source",
    "value", "status", "unit", "page",
)  # fmt: skip


def cell_records(report: Report) -> list[dict[str, Any]]:
    """One dict per cell, in document order (the tidy layout of cells.csv)."""
    out = []
    for table in report.tables:
        for row in table.rows:
            for cell in row.cells:
                out.append(
                    {
                        "document": report.document.path,
                        "table": table.id,
                        "year": table.year,
                        "code": row.code,
                        "parent": row.parent,
                        "label": row.label,
                        "measure": cell.measure.value if cell.measure else None,
                        "source": cell.source.value if cell.source else None,
                        "value": cell.value,
                        "status": cell.status.value,
                        "unit": cell.unit.value if cell.unit else None,
                        "page": cell.page,
                    }
                )
    return out


def report_to_cells_frame(report: Report) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame(cell_records(report), columns=list(CELL_COLUMNS))


def path_title(path: list[str]) -> str:
    """A header path as one column name: "Всего / план"."""
    return " / ".join(path)


def column_title(cell: Cell) -> str:
    """A wide column's name: the header path, else measure/source, else "value"."""
    if cell.column:
        return path_title(cell.column)
    named = [x.value for x in (cell.measure, cell.source) if x is not None]
    return " / ".join(named) if named else "value"


def _column_key(cell: Cell) -> tuple[tuple[str, ...], str | None, str | None]:
    return (
        tuple(cell.column),
        cell.measure.value if cell.measure else None,
        cell.source.value if cell.source else None,
    )


def text_columns(table: Table) -> list[tuple[str, ...]]:
    """The header paths of the text columns beside the label (row attributes), in order."""
    texts: list[tuple[str, ...]] = []
    for row in table.rows:
        for a in row.attributes:
            if tuple(a.column) not in texts:
                texts.append(tuple(a.column))
    return texts


def table_to_wide_records(table: Table) -> tuple[list[str], list[list[Any]]]:
    """Header and rows laid out like the report: code, label, the other text columns, then
    one column per value column.

    A column is keyed by header path, measure and source together, so two columns that
    print the same words are never folded into one.
    """
    keys: dict[tuple[tuple[str, ...], str | None, str | None], str] = {}
    for row in table.rows:
        for cell in row.cells:
            key = _column_key(cell)
            if key not in keys:
                title = column_title(cell)
                taken = sum(1 for t in keys.values() if t == title or t.startswith(title + " ("))
                keys[key] = title if not taken else f"{title} ({taken + 1})"
    texts = text_columns(table)
    body = []
    for row in table.rows:
        by_key = {_column_key(c): c.value if c.value is not None else c.raw for c in row.cells}
        by_text = {tuple(a.column): a.text for a in row.attributes}
        body.append([row.code, row.label, *[by_text.get(t) for t in texts],
                     *[by_key.get(k) for k in keys]])
    titles = [path_title(list(t)) or "текст" for t in texts]
    return ["code", "label", *titles, *keys.values()], body


def table_to_frame(table: Table) -> pd.DataFrame:
    import pandas as pd

    header, body = table_to_wide_records(table)
    return pd.DataFrame(body, columns=header)
