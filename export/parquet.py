"""``cells.parquet``: the records of ``cells.csv`` with real types, for analysts.

Columns are ``schemas.frames.CELL_COLUMNS`` plus ``sha256``.  ``value`` is
decimal128(38, 6) — exact, never float (``export.records``); ``year`` and
``page`` are int32; everything else is text.  Written atomically.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from export.atomic import atomic_open
from export.records import AMOUNT_PRECISION, AMOUNT_SCALE, amount
from schemas import Report
from schemas.frames import CELL_COLUMNS, cell_records

PARQUET_COLUMNS = (*CELL_COLUMNS, "sha256")


def cells_schema() -> Any:
    import pyarrow as pa

    types = {"year": pa.int32(), "page": pa.int32(),
             "value": pa.decimal128(AMOUNT_PRECISION, AMOUNT_SCALE)}
    return pa.schema(
        [pa.field(name, types.get(name, pa.string())) for name in PARQUET_COLUMNS],
        metadata={b"svodka.value": b"exact decimal, 6 places; thousand_rub/rub/count/percent "
                                   b"per the unit column"},
    )


def cells_table(reports: Iterable[Report]) -> Any:
    """A pyarrow Table of every cell of ``reports``, in document order."""
    import pyarrow as pa

    columns: dict[str, list[Any]] = {name: [] for name in PARQUET_COLUMNS}
    for report in reports:
        for rec in cell_records(report):
            for name in CELL_COLUMNS:
                value = rec[name]
                columns[name].append(amount(value) if name == "value" else value)
            columns["sha256"].append(report.document.sha256)
    return pa.Table.from_pydict(columns, schema=cells_schema())


def write_cells_parquet(reports: Iterable[Report], path: Path) -> None:
    import pyarrow.parquet as pq

    table = cells_table(reports)
    with atomic_open(path, "wb") as fh:
        pq.write_table(table, fh, compression="zstd")
