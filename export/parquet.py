"""``cells.parquet``: the records of ``cells.csv`` with real types, for analysts.

Columns are ``schemas.frames.CELL_COLUMNS`` plus ``sha256``.  ``value`` is
decimal128(38, 6) — exact, never float (``export.records``); ``year`` and
``page`` are int32; everything else is text.  Written atomically.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from export.atomic import atomic_open
from export.records import (
    AMOUNT_COLUMNS,
    AMOUNT_PRECISION,
    AMOUNT_SCALE,
    BATCH_CELL_COLUMNS,
    INTEGER_COLUMNS,
    amount,
)
from schemas import Report
from schemas.frames import CELL_COLUMNS, cell_records

PARQUET_COLUMNS = (*CELL_COLUMNS, "sha256")
RowSink = Callable[[list[tuple[Any, ...]]], None]
ROW_GROUP = 20_000  # cells per row group: ~20 MB of Python objects at most


def cells_schema() -> Any:
    import pyarrow as pa

    types = {"year": pa.int32(), "page": pa.int32(),
             "value": pa.decimal128(AMOUNT_PRECISION, AMOUNT_SCALE)}
    return pa.schema(
        [pa.field(name, types.get(name, pa.string())) for name in PARQUET_COLUMNS],
        metadata={b"svodka.value": b"exact decimal, 6 places; thousand_rub/rub/count/percent "
                                   b"per the unit column"},
    )


def _add_columns(columns: dict[str, list[Any]], report: Report) -> None:
    for rec in cell_records(report):
        for name in CELL_COLUMNS:
            value = rec[name]
            columns[name].append(amount(value) if name == "value" else value)
        columns["sha256"].append(report.document.sha256)


def _empty_columns() -> dict[str, list[Any]]:
    return {name: [] for name in PARQUET_COLUMNS}


@contextlib.contextmanager
def cells_parquet_appender(path: Path) -> Iterator[Callable[[Report], None]]:
    """Add reports one at a time; their cells go out in row groups of about ``ROW_GROUP``
    rows, so memory stays flat however many documents a batch holds.  The file replaces
    ``path`` atomically when the block ends without an error."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = cells_schema()
    columns = _empty_columns()
    with atomic_open(path, "wb") as fh:
        writer = pq.ParquetWriter(fh, schema, compression="zstd")

        def flush() -> None:
            if columns["sha256"]:
                writer.write_table(pa.Table.from_pydict(columns, schema=schema))
            for values in columns.values():
                values.clear()

        def add(report: Report) -> None:
            _add_columns(columns, report)
            if len(columns["sha256"]) >= ROW_GROUP:
                flush()

        try:
            yield add
            flush()
        finally:
            writer.close()


def batch_cells_schema() -> Any:
    """The schema of the batch's ``cells.parquet`` (``export.records.BATCH_CELL_COLUMNS``)."""
    import pyarrow as pa

    def field(name: str) -> Any:
        if name in AMOUNT_COLUMNS:
            return pa.field(name, pa.decimal128(AMOUNT_PRECISION, AMOUNT_SCALE))
        return pa.field(name, pa.int32() if name in INTEGER_COLUMNS else pa.string())

    return pa.schema([field(n) for n in BATCH_CELL_COLUMNS], metadata=cells_schema().metadata)


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


def write_cells_parquet(reports: Iterable[Report], path: Path) -> None:
    with cells_parquet_appender(path) as add:
        for report in reports:
            add(report)
