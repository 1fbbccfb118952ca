"""The public Python API: read, findings, pandas views."""

from __future__ import annotations

from decimal import Decimal

import pytest

import svodka
from schemas import Measure, Source, Status

from .conftest import RAW


@pytest.fixture(scope="module")
def report() -> svodka.Report:
    return svodka.read(RAW / "smolensk-2017-deck.pptx")


def test_read_gives_the_document_facts(report: svodka.Report) -> None:
    doc = report.document
    assert (doc.format, doc.pages) == ("pptx", 20)
    assert doc.organization == "АНО «ЦКР Смоленской области»"
    assert doc.region == "Смоленская область"
    assert [t.kind.value for t in report.tables] == ["expenses", "expenses", "kpi", "kpi"]
    assert [t.year for t in report.tables] == [2017, 2018, 2017, 2018]


def test_cells_are_decimal_with_provenance(report: svodka.Report) -> None:
    total = next(r for r in report.tables[0].rows if r.is_total)
    cell = next(c for c in total.cells if c.measure is Measure.PLAN and c.source is Source.TOTAL)
    assert cell.value == Decimal("6979.8") and isinstance(cell.value, Decimal)
    assert (cell.raw, cell.page, cell.status) == ("6 979,8", 6, Status.NUMBER)
    assert cell.column == ["Всего", "план"]


def test_cells_frame_is_tidy(report: svodka.Report) -> None:
    frame = report.cells_frame()
    assert list(frame.columns) == [
        "document", "table", "year", "code", "parent", "label", "measure", "source",
        "value", "status", "unit", "page",
    ]  # fmt: skip
    assert len(frame) == sum(len(r.cells) for t in report.tables for r in t.rows)
    row = frame[(frame.table == "t1") & (frame.code == "9.6") & (frame.measure == "fact")
                & (frame.source == "total")]
    assert row.value.tolist() == [Decimal("415.8")]
    assert row.parent.tolist() == ["9"]


def test_table_to_frame_is_laid_out_like_the_report(report: svodka.Report) -> None:
    wide = report.tables[1].to_frame()
    assert list(wide.columns)[:2] == ["code", "label"]
    assert "Финансирование / ФБ" in wide.columns
    first = wide.iloc[0]
    assert (first["code"], first["Финансирование / ФБ"]) == ("1", "X")
    assert len(wide) == 60
