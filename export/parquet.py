"""``cells.parquet``: the records of the batch's ``cells.csv`` with real types, for analysts.

Columns are ``export.records.BATCH_CELL_COLUMNS`` (with ``sha256`` and the row and cell
keys).  ``value`` is decimal128(38, 6) — exact, never float (``export.records``); the
indexes, ``year`` and ``page`` are int32; everything else is text.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from svodka.export.atomic import Staging
from svodka.export.records import (
    AMOUNT_COLUMNS,
    AMOUNT_PRECISION,
    AMOUNT_SCALE,
    BATCH_CELL_COLUMNS,
    INTEGER_COLUMNS,
    amount,
    cell_key,
    row_key,
)
from svodka.schemas import Report

RowSink = Callable[[list[tuple[Any, ...]]], None]
ROW_GROUP = 20_000  # cells per row group: ~20 MB of Python objects at most


def batch_cells_schema() -> Any:
    """The schema of ``cells.parquet`` (``export.records.BATCH_CELL_COLUMNS``)."""
    import pyarrow as pa

    def field(name: str) -> Any:
        if name in AMOUNT_COLUMNS:
            return pa.field(name, pa.decimal128(AMOUNT_PRECISION, AMOUNT_SCALE))
        return pa.field(name, pa.int32() if name in INTEGER_COLUMNS else pa.string())

    return pa.schema(
        [field(n) for n in BATCH_CELL_COLUMNS],
        metadata={b"svodka.value": b"exact decimal, 6 places; thousand_rub/rub/count/percent "
                                   b"per the unit column"},
    )


@contextlib.contextmanager
def parquet_file_writer(path: Path, schema: Any, columns: Sequence[str]) -> Iterator[RowSink]:
    """Write rows (tuples in ``columns`` order) to ``path`` in row groups of about
    ``ROW_GROUP`` rows (a temporary file of ``export.atomic.Staging``)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    pending: list[tuple[Any, ...]] = []
    with pq.ParquetWriter(str(path), schema, compression="zstd") as writer:

        def flush() -> None:
            if pending:
                data = {name: [r[i] for r in pending] for i, name in enumerate(columns)}
                writer.write_table(pa.Table.from_pydict(data, schema=schema))
                pending.clear()

        def add(rows: list[tuple[Any, ...]]) -> None:
            pending.extend(rows)
            if len(pending) >= ROW_GROUP:
                flush()

        yield add
        flush()


def report_cell_rows(report: Report) -> list[tuple[Any, ...]]:
    """A report's cells as rows of ``BATCH_CELL_COLUMNS`` (what the store gives back)."""
    doc = report.document
    rows = []
    for table in report.tables:
        for ri, row in enumerate(table.rows):
            for ci, cell in enumerate(row.cells):
                rows.append((
                    doc.path, doc.sha256, table.id, ri, ci, table.year, row.code, row.parent,
                    row.label, " / ".join(cell.column),
                    cell.measure.value if cell.measure else None,
                    cell.source.value if cell.source else None, amount(cell.value),
                    cell.status.value, cell.unit.value if cell.unit else None, cell.page,
                    row_key(doc.sha256, table.id, ri), cell_key(doc.sha256, table.id, ri, ci),
                ))  # fmt: skip
    return rows


def write_cells_parquet(reports: Iterable[Report], path: Path) -> None:
    """``cells.parquet`` of ``reports`` (in the batch's layout), written atomically."""
    staging = Staging(path.parent)
    try:
        with parquet_file_writer(staging.path(path), batch_cells_schema(),
                                 BATCH_CELL_COLUMNS) as add:
            for report in reports:
                add(report_cell_rows(report))
        staging.commit()
    except BaseException:
        staging.discard()
        raise
