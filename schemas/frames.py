"""pandas views of a report for analysts (tidy cells, wide tables).

pandas is imported lazily so that the records themselves stay light.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    import pandas as pd

    from svodka.schemas.report import Cell, Finding, Report, Row, Table

CELL_COLUMNS = (
    "document", "table", "year", "code", "parent", "label", "measure", "source",
    "value", "status", "unit", "page",
)  # fmt: skip


def cell_records(report: Report) -> list[dict[str, Any]]:
    """One dict per cell, in document order (the tidy layout of cells.csv, plus the cell's
    ``row_index`` and ``cell_index`` in its table)."""
    out = []
    for table in report.tables:
        for ri, row in enumerate(table.rows):
            for ci, cell in enumerate(row.cells):
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
                        "row_index": ri,
                        "cell_index": ci,
                    }
                )
    return out


def report_to_cells_frame(report: Report) -> pd.DataFrame:
    import pandas as pd

    frame = pd.DataFrame(cell_records(report),
                         columns=[*CELL_COLUMNS, "row_index", "cell_index"])
    return frame.astype({"row_index": "Int64", "cell_index": "Int64"})


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


def _row_keys(row: Row) -> list[tuple[tuple[tuple[str, ...], str | None, str | None], int]]:
    """Each cell's column key with its rank among the row's cells of the same key: two
    headerless columns of unknown meaning in one row are two columns, not one."""
    seen: dict[tuple[tuple[str, ...], str | None, str | None], int] = {}
    out = []
    for cell in row.cells:
        key = _column_key(cell)
        seen[key] = seen.get(key, -1) + 1
        out.append((key, seen[key]))
    return out


def table_to_wide_records(table: Table) -> tuple[list[str], list[list[Any]]]:
    """Header and rows laid out like the report: code, label, the other text columns, then
    one column per value column.

    A column is keyed by header path, measure and source together, so two columns that
    print the same words are never folded into one (nor two cells of one row with the same
    key: the second goes to a column of its own).
    """
    keys: dict[tuple[tuple[tuple[str, ...], str | None, str | None], int], str] = {}
    for row in table.rows:
        for cell, key in zip(row.cells, _row_keys(row), strict=True):
            if key not in keys:
                title = column_title(cell)
                taken = sum(1 for t in keys.values() if t == title or t.startswith(title + " ("))
                keys[key] = title if not taken else f"{title} ({taken + 1})"
    texts = text_columns(table)
    body = []
    for row in table.rows:
        by_key = {k: c.value if c.value is not None else c.raw
                  for c, k in zip(row.cells, _row_keys(row), strict=True)}
        by_text = {tuple(a.column): a.text for a in row.attributes}
        body.append([row.code, row.label, *[by_text.get(t) for t in texts],
                     *[by_key.get(k) for k in keys]])
    titles = [path_title(list(t)) or "текст" for t in texts]
    return ["code", "label", *titles, *keys.values()], body


def table_to_frame(table: Table) -> pd.DataFrame:
    import pandas as pd

    header, body = table_to_wide_records(table)
    return pd.DataFrame(body, columns=header)


# Where a finding stands: the cell it names, keyed by (row code, measure, source).
CellKey = tuple[str | None, str | None, str | None]  # row code, measure, source
T = TypeVar("T")


def cell_key(row: Row, cell: Cell) -> CellKey:
    return (row.code, cell.measure.value if cell.measure else None,
            cell.source.value if cell.source else None)


def place(placed: dict[CellKey, T], row: Row, cell: Cell, where: T) -> None:
    """Record where ``cell`` of ``row`` stands: the first cell of a key wins, but a total row
    without a code takes its key (a finding without a code names the total row)."""
    key = cell_key(row, cell)
    if row.code is None and row.is_total:
        placed[key] = where
    else:
        placed.setdefault(key, where)


def locate(placed: Mapping[CellKey, T], f: Finding) -> T | None:
    """The cell a finding names; a finding without a source names the "total" column."""
    measure = f.measure.value if f.measure else None
    source = f.source.value if f.source else None
    found = placed.get((f.code, measure, source))
    if found is None and source is None:
        found = placed.get((f.code, measure, "total"))
    return found


Position = tuple[int | None, int | None]  # row index, cell index within the table


def finding_positions(report: Report) -> list[Position]:
    """For each finding of ``report``, the row and the cell of its table it is about (as
    indexes into ``table.rows`` and ``row.cells``): where the finding says it stands
    (``row_index``, ``cell_index``), else the cell it names (``locate``), else the row of
    its code; (None, None) for a finding about a whole table or document."""
    cells: dict[str, dict[CellKey, tuple[int, int]]] = {}
    rows: dict[str, dict[str | None, int]] = {}
    for table in report.tables:
        placed = cells.setdefault(table.id, {})
        codes = rows.setdefault(table.id, {})
        for ri, row in enumerate(table.rows):
            for ci, cell in enumerate(row.cells):
                place(placed, row, cell, (ri, ci))
            if row.code is not None:
                codes.setdefault(row.code, ri)
    out: list[Position] = []
    for f in report.findings:
        if f.row_index is not None:  # the finding says where it stands
            out.append((f.row_index, f.cell_index))
            continue
        if f.code is None and f.measure is None and f.source is None:
            out.append((None, None))  # about a whole table or document
            continue
        where = locate(cells.get(f.table or "", {}), f)
        if where is not None:
            out.append(where)
        elif f.code is not None and f.code in rows.get(f.table or "", {}):
            out.append((rows[f.table or ""][f.code], None))
        else:
            out.append((None, None))
    return out


FINDING_FRAME_COLUMNS = (
    "document", "sha256", "severity", "rule", "table", "code", "measure", "source", "actual",
    "expected", "page", "message", "row_index", "cell_index",
)  # fmt: skip


def report_to_findings_frame(report: Report) -> pd.DataFrame:
    import pandas as pd

    doc = report.document
    records = [
        {"document": doc.path, "sha256": doc.sha256, "severity": f.severity.value,
         "rule": f.rule, "table": f.table, "code": f.code,
         "measure": f.measure.value if f.measure else None,
         "source": f.source.value if f.source else None, "actual": f.actual,
         "expected": f.expected, "page": f.page, "message": f.message,
         "row_index": ri, "cell_index": ci}
        for f, (ri, ci) in zip(report.findings, finding_positions(report), strict=True)
    ]  # fmt: skip
    frame = pd.DataFrame(records, columns=list(FINDING_FRAME_COLUMNS))
    for name in ("row_index", "cell_index", "page"):
        frame[name] = frame[name].astype("Int64")
    return frame
