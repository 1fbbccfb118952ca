"""The public Python API: read, findings, pandas views."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

import svodka
from svodka.schemas import Measure, Source, Status

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
        "value", "status", "unit", "page", "row_index", "cell_index",
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


def _readme_examples() -> list[str]:
    import re

    from .conftest import ROOT

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Python API"):text.index("## How it works")]
    return re.findall(r"```python\n(.*?)```", section, re.S)


def test_readme_python_examples_run(tmp_path: Path) -> None:
    """The README's examples, each saved as a script and run from the repo as a user would."""
    import subprocess
    import sys

    from .conftest import ROOT

    examples = _readme_examples()
    assert len(examples) == 2
    outputs = []
    for i, code in enumerate(examples):
        script = tmp_path / f"example{i}.py"
        script.write_text(code, encoding="utf-8")
        done = subprocess.run([sys.executable, str(script)], cwd=ROOT, capture_output=True,
                              text=True, timeout=600, check=False)
        assert done.returncode == 0, done.stderr
        outputs.append(done.stdout)
    assert "415,8 ≠ 0 + 415,8 + 27,7 = 443,5" in outputs[0]
    assert "443.5" in outputs[0]  # the expected value beside the cell it names
    assert outputs[1].splitlines() == [
        f"raw/{name} 4 tables 9 findings" for name in
        ("smolensk-2017-deck.pdf", "smolensk-2017-deck.pptx", "smolensk-2017-report.docx")]


def test_read_many_yields_reports_and_failures_in_path_order(tmp_path: Path) -> None:
    (tmp_path / "b-письмо.pdf").write_text("Добрый день!", encoding="utf-8")
    (tmp_path / "c-пустой.pptx").write_bytes(b"")
    (tmp_path / "a.pptx").write_bytes((RAW / "smolensk-2017-deck.pptx").read_bytes())
    got = list(svodka.read_many([tmp_path], jobs=2))
    assert [Path(r.document.path).name for r in got] == ["a.pptx", "b-письмо.pdf",
                                                         "c-пустой.pptx"]
    assert got[0].status == "success" and got[0].error is None and len(got[0].tables) == 4
    assert [(r.status, r.error.code if r.error else None) for r in got[1:]] == [
        ("failure", "E_NOT_PDF"), ("failure", "E_EMPTY")]
    assert got[1].document.sha256 and got[1].findings[0].rule == "E_NOT_PDF"


def test_findings_frame_names_the_row_and_cell_of_each_finding(report: svodka.Report) -> None:
    frame = report.findings_frame()
    assert len(frame) == len(report.findings)
    for f, row in zip(report.findings, frame.itertuples(), strict=True):
        assert (row.rule, row.message) == (f.rule, f.message)
        if f.table is None:
            assert row.row_index is pd_na() and row.cell_index is pd_na()
            continue
        table = next(t for t in report.tables if t.id == f.table)
        target = table.rows[row.row_index]
        assert target.code == f.code
        cell = target.cells[row.cell_index]
        assert (cell.measure, cell.value) == (f.measure, f.actual)


def pd_na() -> object:
    import pandas as pd

    return pd.NA
