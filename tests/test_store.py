"""The store: DuckDB and a real PostgreSQL hold the same records; re-import replaces."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from svodka.export.store import TABLES, StoreError, open_store
from svodka.schemas import Report
from svodka.schemas.frames import finding_positions

from .conftest import CORPUS


def _truth_to_report(truth: Path) -> Report:
    """A contract Report from a corpus truth file (real tables and findings)."""
    data = json.loads(truth.read_text(encoding="utf-8"))
    data.pop("generator", None)
    data.pop("findings_tolerated", None)
    stem = truth.name.removesuffix(".truth.json")
    docs = [p for p in truth.parent.glob(stem + ".*") if not p.name.endswith(".truth.json")]
    blob = docs[0].read_bytes() if docs else stem.encode()
    data["document"]["sha256"] = hashlib.sha256(blob).hexdigest()
    for table in data["tables"]:
        if table.get("pages") is None:
            table.pop("pages", None)
    return Report.model_validate(data)


def corpus_reports() -> list[Report]:
    truths = sorted(CORPUS.glob("*.truth.json"))
    if not truths:
        pytest.skip(f"shared corpus not present: {CORPUS}")
    return [_truth_to_report(t) for t in truths]


# Queries a user of the store would run; every engine must answer them alike.
QUERIES = [
    "SELECT sha256, path, format, pages, organization, region, status, tables_count, errors,"
    " warnings FROM documents ORDER BY sha256",
    "SELECT sha256, table_id, ordinal, kind, title, year, pages, engine FROM tables"
    " ORDER BY sha256, table_id",
    "SELECT sha256, table_id, row_index, code, label, parent, is_total FROM rows"
    " ORDER BY sha256, table_id, row_index",
    "SELECT sha256, table_id, row_index, cell_index, code, parent, label, header, measure,"
    " source, value, status, unit, footnote, raw, page FROM cells"
    " ORDER BY sha256, table_id, row_index, cell_index",
    "SELECT sha256, finding_index, severity, rule, table_id, code, measure, source, actual,"
    " expected, message, page FROM findings ORDER BY sha256, finding_index",
    "SELECT d.region, c.source, c.measure, SUM(c.value), COUNT(*) FROM cells c"
    " JOIN documents d ON d.sha256 = c.sha256 JOIN tables t"
    " ON t.sha256 = c.sha256 AND t.table_id = c.table_id"
    " WHERE t.kind = 'expenses' AND c.status = 'number' AND c.unit = 'thousand_rub'"
    " GROUP BY d.region, c.source, c.measure ORDER BY d.region, c.source, c.measure",
    "SELECT rule, severity, COUNT(*), SUM(expected - actual) FROM findings"
    " GROUP BY rule, severity ORDER BY rule, severity",
    "SELECT code, COUNT(DISTINCT sha256) FROM cells WHERE code IS NOT NULL"
    " GROUP BY code ORDER BY code",
]


def _normalise(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    # Decimal('443.500000') == Decimal('443.5'); ints/bools compare as Python values.
    return [tuple(v.normalize() if isinstance(v, Decimal) else v for v in r) for r in rows]


def _counts(store: Any) -> dict[str, int]:
    return {t.name: store.query(f"SELECT COUNT(*) FROM {t.name}")[0][0] for t in TABLES}


def _expected_counts(reports: list[Report]) -> dict[str, int]:
    return {
        "documents": len(reports),
        "tables": sum(len(r.tables) for r in reports),
        "rows": sum(len(t.rows) for r in reports for t in r.tables),
        "row_attributes": sum(len(row.attributes) for r in reports for t in r.tables
                              for row in t.rows),
        "cells": sum(len(row.cells) for r in reports for t in r.tables for row in t.rows),
        "findings": sum(len(r.findings) for r in reports),
    }


def _check_reimport_replaces(url: str) -> None:
    reports = corpus_reports()
    with open_store(url) as store:
        for r in reports:
            store.replace_document(r)
        for r in reports[:3]:  # re-import: still once each
            store.replace_document(r)
        assert _counts(store) == _expected_counts(reports)
        assert store.documents() == sorted(r.document.sha256 for r in reports)

        # A changed report under the same sha256 replaces every row of the old one.
        changed = reports[0].model_copy(deep=True)
        changed.tables = changed.tables[:1]
        changed.findings = []
        store.replace_document(changed)
        assert _counts(store) == _expected_counts([changed, *reports[1:]])
        sha = changed.document.sha256
        assert store.query("SELECT COUNT(*) FROM findings WHERE sha256 = ?", [sha]) == [(0,)]
        assert store.query("SELECT COUNT(DISTINCT table_id) FROM cells WHERE sha256 = ?",
                           [sha]) == [(1,)]


def _check_failed_import_keeps_old_rows(url: str) -> None:
    report = corpus_reports()[1]
    with open_store(url) as store:
        store.replace_document(report)
        before = _counts(store)
        broken = report.model_copy(deep=True)
        broken.tables.append(broken.tables[0])  # duplicate (sha256, table_id): key violation
        with pytest.raises(StoreError):
            store.replace_document(broken)
        assert _counts(store) == before


def test_duckdb_reimport_replaces(tmp_path: Path) -> None:
    _check_reimport_replaces(str(tmp_path / "svodka.duckdb"))


def test_duckdb_failed_import_is_rolled_back(tmp_path: Path) -> None:
    _check_failed_import_keeps_old_rows(str(tmp_path / "svodka.duckdb"))


def test_duckdb_amounts_are_exact_decimals(tmp_path: Path) -> None:
    reports = corpus_reports()
    expected = sum((c.value for r in reports for t in r.tables for row in t.rows
                    for c in row.cells if c.value is not None), Decimal(0))
    with open_store(tmp_path / "svodka.duckdb") as store:
        for r in reports:
            store.replace_document(r)
        (total,), = store.query("SELECT SUM(value) FROM cells")
        (type_name,), = store.query(
            "SELECT data_type FROM information_schema.columns"
            " WHERE table_name = 'cells' AND column_name = 'value'")
    assert isinstance(total, Decimal) and total == expected
    assert "DECIMAL(38,6)" in type_name.replace(" ", "").upper()


def test_duckdb_file_survives_reopen(tmp_path: Path) -> None:
    path = tmp_path / "svodka.duckdb"
    reports = corpus_reports()[:2]
    with open_store(path) as store:
        for r in reports:
            store.replace_document(r)
    with open_store(f"duckdb:{path}") as store:
        assert _counts(store) == _expected_counts(reports)


def test_postgres_reimport_replaces(postgres_url: str) -> None:
    _reset(postgres_url)
    _check_reimport_replaces(postgres_url)


def test_postgres_failed_import_is_rolled_back(postgres_url: str) -> None:
    _reset(postgres_url)
    _check_failed_import_keeps_old_rows(postgres_url)


def test_duckdb_and_postgres_give_identical_results(postgres_url: str, tmp_path: Path) -> None:
    _reset(postgres_url)
    reports = corpus_reports()
    answers = {}
    for url in (str(tmp_path / "svodka.duckdb"), postgres_url):
        with open_store(url) as store:
            for r in reports:
                store.replace_document(r)
            for r in reports[::2]:
                store.replace_document(r)
            answers[store.engine] = [_normalise(store.query(q)) for q in QUERIES]
    duck, pgres = answers["duckdb"], answers["postgresql"]
    for query, a, b in zip(QUERIES, duck, pgres, strict=True):
        assert a, query
        assert a == b, query
    assert len(duck[3]) == _expected_counts(reports)["cells"]


def _reset(url: str) -> None:
    with open_store(url) as store:
        for spec in TABLES:
            store.execute(f"DELETE FROM {spec.name}")


def test_row_attributes_are_stored_beside_their_rows(tmp_path: Path) -> None:
    from svodka.schemas import Document, Row, Table, TextCell

    row = Row(code="1", label="Процентные доходы",
              attributes=[TextCell(column=["Символ"], text="2011", page=1),
                          TextCell(column=["Пункт", "примечаний"], text="4.20.", page=1)])
    report = Report(document=Document(path="x.pdf", sha256="cd" * 32, format="pdf", pages=1),
                    tables=[Table(id="t1", rows=[row])])
    with open_store(tmp_path / "s.duckdb") as store:
        store.replace_document(report)
        store.replace_document(report)  # replaced, not doubled
        got = store.query("SELECT r.label, a.header, a.text FROM rows r JOIN row_attributes a"
                          " USING (sha256, table_id, row_index) ORDER BY a.attribute_index")
    assert got == [("Процентные доходы", "Символ", "2011"),
                   ("Процентные доходы", "Пункт / примечаний", "4.20.")]


def test_replace_documents_in_one_group_equals_one_by_one(tmp_path: Path) -> None:
    reports = corpus_reports()
    with open_store(tmp_path / "one.duckdb") as one, open_store(tmp_path / "group.duckdb") as grp:
        for r in reports:
            one.replace_document(r)
        grp.replace_documents([*reports, reports[0]])  # the same document twice: stored once
        grp.replace_documents(reports[:2])  # replaced, not doubled
        assert _counts(grp) == _counts(one) == _expected_counts(reports)


def _check_failures_are_data(url: str) -> None:
    """A failed file is a row (path, sha256, code, reason); a later failure of the path
    replaces it; reading a document from the path removes it."""
    from svodka.export.store import FailedFile

    report = corpus_reports()[0]
    path = report.document.path
    with open_store(url) as store:
        store.execute("DELETE FROM failures")
        store.record_failures([FailedFile(path, "", "E_NOT_PDF", "не PDF"),
                               FailedFile("другой.pdf", "ab" * 32, "E_EMPTY", "пустой")])
        store.record_failures([FailedFile(path, "cd" * 32, "E_TIMEOUT", "долго")])
        assert sorted(store.query("SELECT path, sha256, code, message FROM failures")) == [
            (path, "cd" * 32, "E_TIMEOUT", "долго"), ("другой.pdf", "ab" * 32, "E_EMPTY", "пустой")]
        before = store.state()
        store.replace_document(report)
        assert store.query("SELECT path FROM failures") == [("другой.pdf",)]
        assert store.state() != before


def test_duckdb_failures_are_data(tmp_path: Path) -> None:
    _check_failures_are_data(str(tmp_path / "svodka.duckdb"))


def test_postgres_failures_are_data(postgres_url: str) -> None:
    _reset(postgres_url)
    _check_failures_are_data(postgres_url)


def test_store_gives_back_the_reports_it_holds(tmp_path: Path, postgres_url: str) -> None:
    """``Store.reports()`` (what the workbook of a batch is written from) rebuilds every
    document as imported, but for what the store does not keep (boxes, confidences)."""
    _reset(postgres_url)
    reports = corpus_reports()

    def number(text: str | None) -> Decimal | None:  # 889.0 == 889: the same amount
        return None if text is None else Decimal(text).normalize()

    def stripped(r: Report) -> dict[str, Any]:
        data = r.model_dump(mode="json")
        for table in data["tables"]:
            for row in table["rows"]:
                for cell in row["cells"]:
                    cell.update(bbox=None, confidence=None, ocr_raw_value=None,
                                value=number(cell["value"]))
        for f in data["findings"]:  # positions: compared below
            f.update(actual=number(f["actual"]), expected=number(f["expected"]),
                     row_index=None, cell_index=None)
        return data

    expected = [stripped(r) for r in sorted(reports, key=lambda r: (r.document.path,
                                                                    r.document.sha256))]
    for url in (str(tmp_path / "s.duckdb"), postgres_url):
        with open_store(url) as store:
            store.replace_documents(reports)
            back = list(store.reports())
            assert [stripped(r) for r in back] == expected, url
            by_sha = {r.document.sha256: r for r in reports}
            for r in back:  # the position of each finding, as the store computed it
                assert [(f.row_index, f.cell_index) for f in r.findings] == \
                    finding_positions(by_sha[r.document.sha256]), url


def test_a_store_of_an_earlier_version_gets_the_new_columns(tmp_path: Path) -> None:
    """Opening a store made before findings had row/cell indexes and before the failures
    table adds them; its rows stay."""
    import duckdb

    path = tmp_path / "old.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE findings (sha256 TEXT NOT NULL, finding_index INTEGER NOT NULL,"
                    " severity TEXT NOT NULL, rule TEXT NOT NULL, table_id TEXT, code TEXT,"
                    " measure TEXT, source TEXT, actual NUMERIC(38, 6), expected NUMERIC(38, 6),"
                    " message TEXT NOT NULL, page INTEGER, PRIMARY KEY (sha256, finding_index))")
        con.execute("INSERT INTO findings VALUES ('x', 0, 'info', 'r', NULL, NULL, NULL, NULL,"
                    " NULL, NULL, 'старая находка', NULL)")
    report = corpus_reports()[0]
    with open_store(path) as store:
        store.replace_document(report)
        assert store.query("SELECT message, row_index FROM findings WHERE sha256 = 'x'") == [
            ("старая находка", None)]
        assert store.query("SELECT COUNT(*) FROM findings WHERE sha256 = ?"
                           " AND row_index IS NOT NULL", [report.document.sha256])[0][0] > 0
        assert store.query("SELECT COUNT(*) FROM failures") == [(0,)]
