"""Batch outputs: XLSX for people, parquet, the Data Package, and the store behind `svodka run`."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from frictionless import Package

from svodka.export import DIALECTS
from svodka.export.parquet import write_cells_parquet
from svodka.export.records import ru_number
from svodka.export.store import open_store
from svodka.export.xlsx import FINDINGS_SHEET, write_xlsx
from svodka.pipeline import Outcome, outcomes_to_batch_outputs, safe_name, write_document_outputs
from svodka.schemas import Cell, Document, Finding, Measure, Report, Row, Severity, Source, Table

from .test_store import corpus_reports

RED = "FFC7CE"


def _tricky_report() -> Report:
    """Formula-like text, a code Excel would turn into a date, a negative amount."""
    cells = [
        Cell(measure=Measure.PLAN, source=Source.TOTAL, value=Decimal("-12.5"), raw="-12,5"),
        Cell(measure=Measure.FACT, source=Source.TOTAL, value=Decimal("443.5"), raw="443,5"),
    ]
    rows = [
        Row(code="9.10", label="=HYPERLINK(\"http://example.invalid\",\"x\")", cells=cells),
        Row(code="1.1", label="+7 (495) 000-00-00", cells=[c.model_copy() for c in cells]),
        Row(code="1.2", label="@SUM(A1:A2)", cells=[c.model_copy() for c in cells]),
        Row(code="1.3", label="-прочие", cells=[c.model_copy() for c in cells]),
    ]
    finding = Finding(severity=Severity.ERROR, rule="sources_sum", table="t1", code="9.10",
                      measure=Measure.FACT, source=Source.TOTAL, actual=Decimal("443.5"),
                      expected=Decimal("4459.3"), message="9.10 факт: 443,5 ≠ 4 459,3", page=2)
    return Report(
        document=Document(path="=cmd|' /C calc'!A0.pdf", sha256="ab" * 32, format="pdf",
                          pages=3),
        tables=[Table(id="t1", title="-Расходы", rows=rows)],
        findings=[finding],
    )


def test_ru_number() -> None:
    assert ru_number(Decimal("443.5")) == "443,5"
    assert ru_number(Decimal("4459.3")) == "4 459,3"
    assert ru_number(Decimal("-1234567")) == "-1 234 567"
    assert ru_number(Decimal("0.05")) == "0,05"


def test_xlsx_highlights_every_finding_with_expected_value(tmp_path: Path) -> None:
    reports = corpus_reports()
    path = tmp_path / "svodka.xlsx"
    write_xlsx(reports, path)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[0] == FINDINGS_SHEET
    assert len(wb.sheetnames) == 1 + sum(len(r.tables) for r in reports)

    findings = [f for r in reports for f in r.findings]
    fsheet = wb[FINDINGS_SHEET]
    assert fsheet.max_row - 1 == len(findings) > 0

    highlighted = 0
    for row in fsheet.iter_rows(min_row=2):
        link = row[2].hyperlink
        assert link is not None and link.location, [c.value for c in row]
        sheet, coordinate = link.location.rsplit("!", 1)
        cell = wb[sheet.strip("'")][coordinate]
        assert cell.comment is not None
        expected = row[9].value
        if expected is not None:
            assert f"ожидалось {ru_number(Decimal(str(expected)))}" in cell.comment.text
        assert cell.fill.fgColor.rgb.endswith(("FFC7CE", "FFEB9C", "DDEBF7"))
        highlighted += 1
    assert highlighted == len(findings)

    # A known one: dev01 t2, row 2, plan, total is 7 where 4 + 2 = 6.
    dev01 = next(n for n in wb.sheetnames if n.startswith("dev01") and n.endswith(" t2"))
    ws = wb[dev01]
    header = [c.value for c in ws[4]]
    col = header.index("Всего, план") + 1
    row2 = next(r for r in range(5, ws.max_row + 1) if ws.cell(r, 1).value == "2")
    cell = ws.cell(row2, col)
    assert cell.value == 7
    assert cell.fill.fgColor.rgb.endswith(RED)
    assert cell.comment.text.startswith("ожидалось 6\n")


def test_xlsx_codes_are_text_and_formulas_are_neutralised(tmp_path: Path) -> None:
    path = tmp_path / "svodka.xlsx"
    write_xlsx([_tricky_report()], path)
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
    ws = wb.worksheets[1]
    codes = {ws.cell(r, 1).value: ws.cell(r, 1) for r in range(5, ws.max_row + 1)}
    assert codes["9.10"].data_type == "s" and codes["9.10"].number_format == "@"
    labels = [ws.cell(r, 2) for r in range(5, ws.max_row + 1)]
    assert [c.value[0] for c in labels] == ["=", "+", "@", "-"]  # text kept as in the report
    assert all(c.quotePrefix for c in labels)  # …and Excel shows it as text, never a formula
    nine_ten = ws.cell(5, 4)
    assert nine_ten.value == Decimal("443.5") or nine_ten.value == 443.5
    assert nine_ten.comment.text.startswith("ожидалось 4 459,3")
    assert ws.cell(5, 3).value == -12.5  # negative numbers stay numbers


def test_xlsx_rewrite_of_same_content_keeps_bytes(tmp_path: Path) -> None:
    path = tmp_path / "svodka.xlsx"
    write_xlsx([_tricky_report()], path)
    first = path.read_bytes()
    write_xlsx([_tricky_report()], path)
    assert path.read_bytes() == first


def test_parquet_values_are_exact_decimals(tmp_path: Path) -> None:
    reports = corpus_reports()
    path = tmp_path / "cells.parquet"
    write_cells_parquet(reports, path)
    table = pq.read_table(path)
    assert table.schema.field("value").type == pa.decimal128(38, 6)
    assert table.schema.field("code").type == pa.string()
    cells = [c for r in reports for t in r.tables for row in t.rows for c in row.cells]
    assert table.num_rows == len(cells)
    values = table.column("value").to_pylist()
    assert all(v is None or isinstance(v, Decimal) for v in values)
    assert sum(v for v in values if v is not None) == sum(c.value for c in cells
                                                         if c.value is not None)


def _batch(tmp_path: Path, dialect: str, db: str | None = None,
           status: str = "done") -> tuple[Path, list[Report], list[Outcome]]:
    """What `svodka run` does after its workers: per-document outputs, then the batch."""
    out = tmp_path / "out"
    reports = [*corpus_reports(), _tricky_report()]
    outcomes = []
    for r in reports:
        folder = out / safe_name(Path(r.document.path), r.document.sha256)
        write_document_outputs(r, folder, DIALECTS[dialect])
        outcomes.append(Outcome(r.document.path, r.document.sha256, status, str(folder)))
    outcomes_to_batch_outputs(outcomes, out, DIALECTS[dialect], db)
    return out, reports, outcomes


@pytest.mark.parametrize("dialect", ["default", "excel-ru"])
def test_datapackage_passes_frictionless_validate(tmp_path: Path, dialect: str) -> None:
    out, reports, _ = _batch(tmp_path, dialect)
    for name in ("cells.csv", "findings.csv", "cells.parquet", "svodka.xlsx",
                 "datapackage.json", "svodka.duckdb"):
        assert (out / name).is_file(), name
    package = Package(str(out / "datapackage.json"))
    expected_resources = 4 + sum(2 + len(r.tables) for r in reports)  # 4 batch files
    assert len(package.resources) == expected_resources
    report = package.validate()
    assert report.valid, report.flatten(["resourcePath", "rowNumber", "fieldName", "type",
                                         "note"])[:10]
    cells = next(r for r in package.resources if r.name == "cells")
    assert cells.schema.get_field("value").type == "number"
    raw = (out / "cells.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    if dialect == "excel-ru":
        assert raw.splitlines()[0].count(b";") == len(cells.schema.fields) - 1
        assert cells.schema.get_field("value").decimal_char == ","


def test_batch_csv_neutralises_formulas(tmp_path: Path) -> None:
    out, _, _ = _batch(tmp_path, "excel-ru")
    with (out / "cells.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter=";"))
    tricky = [r for r in rows if r["document"].startswith("'=cmd")]
    assert {r["label"][:2] for r in tricky} == {"'=", "'+", "'@", "'-"}
    assert "-12,5" in {r["value"] for r in tricky}  # numbers are not neutralised


def test_batch_store_holds_every_document_once(tmp_path: Path) -> None:
    out, reports, outcomes = _batch(tmp_path, "default")
    for status in ("skipped", "done"):  # an unchanged re-run, then --force
        for o in outcomes:
            o.status = status
        outcomes_to_batch_outputs(outcomes, out, DIALECTS["default"])
    with open_store(out / "svodka.duckdb") as store:
        assert store.documents() == sorted(r.document.sha256 for r in reports)
        (cells,), = store.query("SELECT COUNT(*) FROM cells")
        assert cells == sum(len(row.cells) for r in reports for t in r.tables for row in t.rows)


def test_batch_store_into_postgres(tmp_path: Path, postgres_url: str) -> None:
    with open_store(postgres_url) as store:
        store.execute("DELETE FROM documents")
        for table in ("tables", "rows", "row_attributes", "cells", "findings"):
            store.execute(f"DELETE FROM {table}")
    _, reports, _ = _batch(tmp_path, "default", db=postgres_url)
    with open_store(postgres_url) as store:
        assert store.documents() == sorted(r.document.sha256 for r in reports)
        tricky = _tricky_report().document.sha256
        assert store.query("SELECT label FROM rows WHERE sha256 = ? ORDER BY row_index",
                           [tricky])[0][0].startswith("=HYPERLINK")  # data, not neutralised
        assert store.query("SELECT expected FROM findings WHERE sha256 = ?",
                           [tricky]) == [(Decimal("4459.3"),)]


def test_parquet_in_several_row_groups_equals_one_table(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """The streaming writer flushes a row group every ROW_GROUP cells: same rows, in order."""
    import svodka.export.parquet as parquet_module

    reports = corpus_reports()
    whole = tmp_path / "whole.parquet"
    write_cells_parquet(reports, whole)
    monkeypatch.setattr(parquet_module, "ROW_GROUP", 50)
    parts = tmp_path / "parts.parquet"
    write_cells_parquet(reports, parts)
    assert pq.ParquetFile(parts).metadata.num_row_groups > 3
    assert pq.ParquetFile(whole).metadata.num_row_groups == 1
    assert pq.read_table(parts).equals(pq.read_table(whole))


def test_failed_batch_leaves_every_earlier_output_as_it_was(tmp_path: Path) -> None:
    """An error in the middle of the streaming pass (here: a report.json gone bad) changes
    none of the batch files: each replaces its old version only when all went well."""
    out, _, outcomes = _batch(tmp_path, "default")
    names = ("cells.csv", "findings.csv", "cells.parquet", "svodka.xlsx", "datapackage.json")
    before = {n: (out / n).read_bytes() for n in names}
    (Path(outcomes[-1].out_dir or "") / "report.json").write_text("{", encoding="utf-8")
    with pytest.raises(ValueError):
        outcomes_to_batch_outputs(outcomes, out, DIALECTS["excel-ru"])
    assert {n: (out / n).read_bytes() for n in names} == before
    assert not list(out.glob(".*.tmp")) and not list(out.glob("tmp*"))


def test_wide_table_has_the_text_columns_after_the_label() -> None:
    from svodka.schemas import TextCell
    from svodka.schemas.frames import table_to_wide_records

    cell = Cell(column=["2021 год"], value=Decimal("328699"), raw="328 699")
    rows = [Row(code="1", label="Процентные доходы", cells=[cell],
                attributes=[TextCell(column=["Символ"], text="2011"),
                            TextCell(column=["Пункт примечаний"], text="4.20.")]),
            Row(code="2", label="Прочие", cells=[cell.model_copy()],
                attributes=[TextCell(column=["Пункт примечаний"], text="4.27.")])]
    header, body = table_to_wide_records(Table(id="t1", rows=rows))
    assert header == ["code", "label", "Символ", "Пункт примечаний", "2021 год"]
    assert body == [["1", "Процентные доходы", "2011", "4.20.", Decimal("328699")],
                    ["2", "Прочие", None, "4.27.", Decimal("328699")]]


def test_two_headerless_cells_of_one_row_are_two_wide_columns() -> None:
    from svodka.schemas.frames import table_to_wide_records

    row = Row(code=None, label="", cells=[Cell(raw="1", value=Decimal("1")), Cell(raw="")])
    header, body = table_to_wide_records(Table(id="t1", rows=[row]))
    assert header == ["code", "label", "value", "value (2)"]
    assert body == [[None, "", Decimal("1"), ""]]  # the figure is not lost to the blank


def test_staged_files_switch_together_even_when_killed_between_renames(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The switch of the batch files: killed after the first rename, the journal is left
    and ``recover_staging`` completes the set; staged files equal to their targets leave
    the targets alone."""
    import svodka.export.atomic as atomic

    names = ("a.csv", "b.csv", "c.csv")
    for name in names:
        (tmp_path / name).write_text(f"old {name}", encoding="utf-8")
    staging = atomic.Staging(tmp_path)
    for name in names:
        staging.path(tmp_path / name).write_text(f"new {name}", encoding="utf-8")
    real_replace = atomic.os.replace
    calls: list[str] = []

    def dying_replace(src: str, dst: str | Path) -> None:
        calls.append(str(dst))
        if len([c for c in calls if not c.endswith(atomic.JOURNAL)]) == 2:
            raise KeyboardInterrupt  # as a kill: nothing after it runs
        real_replace(src, dst)

    monkeypatch.setattr(atomic.os, "replace", dying_replace)
    with pytest.raises(KeyboardInterrupt):
        staging.commit()
    monkeypatch.setattr(atomic.os, "replace", real_replace)
    texts = [(tmp_path / n).read_text(encoding="utf-8") for n in names]
    assert texts == ["new a.csv", "old b.csv", "old c.csv"]  # a mix, but the journal…
    assert (tmp_path / atomic.JOURNAL).is_file()
    assert atomic.recover_staging(tmp_path)  # …is completed by the next run
    assert [(tmp_path / n).read_text(encoding="utf-8") for n in names] == [
        f"new {n}" for n in names]
    assert not (tmp_path / atomic.JOURNAL).exists() and not list(tmp_path.glob(".*.tmp"))

    before = (tmp_path / "a.csv").stat().st_mtime_ns
    same = atomic.Staging(tmp_path)
    same.path(tmp_path / "a.csv").write_text("new a.csv", encoding="utf-8")
    same.commit()
    assert (tmp_path / "a.csv").stat().st_mtime_ns == before
    assert not list(tmp_path.glob(".*.tmp"))


def test_workbook_process_failure_reaches_the_parent(tmp_path: Path) -> None:
    """The batch workbook is written by a child process; its failure is the parent's
    WorkbookFailed (the batch then discards the staged exports), never a silent hang."""
    import svodka
    from svodka.export.xlsx_child import WorkbookFailed, WorkbookProcess

    from .conftest import RAW

    report = svodka.read(RAW / "smolensk-2017-deck.pptx")
    with WorkbookProcess() as workbook:
        workbook.add(report)
        workbook.save_as(tmp_path / "good.xlsx")
    assert (tmp_path / "good.xlsx").stat().st_size > 0
    with pytest.raises(WorkbookFailed), WorkbookProcess() as workbook:
        workbook.add(report)
        workbook.save_as(tmp_path / "no-such-folder" / "bad.xlsx")
