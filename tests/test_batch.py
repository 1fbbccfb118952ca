"""The batch job as the data officer runs it: broken files, a killed run, a re-run."""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import duckdb
import pytest

from svodka.pipeline import run_batch

from .conftest import CORPUS, RAW

GOOD_CORPUS = ["dev01-tulskaya-2019-deck.pptx", "dev03-kaluzhskaya-2020-word-pdf.pdf",
               "dev04-kaluzhskaya-2020-word.docx", "dev06-yaroslavskaya-2019-grid.pdf"]


def _inbox(tmp_path: Path, broken: bool) -> Path:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name in GOOD_CORPUS:
        if not (CORPUS / name).exists():
            pytest.skip("shared corpus not present")
        shutil.copy(CORPUS / name, inbox / name)
    for sample in RAW.glob("smolensk-*"):
        shutil.copy(sample, inbox / sample.name)
    if broken:
        (inbox / "пустой.pdf").write_bytes(b"")
        (inbox / "обрезанный.pdf").write_bytes((RAW / "smolensk-2017-deck.pdf").read_bytes()[:900])
        (inbox / "письмо.pdf").write_text("Добрый день! Отчёт во вложении.", encoding="utf-8")
    return inbox


def _store_counts(out: Path) -> dict[str, int]:
    with duckdb.connect(str(out / "svodka.duckdb"), read_only=True) as con:
        docs = con.execute("select count(*), count(distinct sha256) from documents").fetchone()
        cells = con.execute("select count(*) from cells").fetchone()
    assert docs is not None and cells is not None
    return {"documents": docs[0], "distinct": docs[1], "cells": cells[0]}


def test_batch_lists_exactly_the_broken_files_and_stores_each_good_one_once(
    tmp_path: Path,
) -> None:
    inbox, out = _inbox(tmp_path, broken=True), tmp_path / "out"
    result = run_batch([inbox], out, jobs=2)
    failed = {Path(o.path).name: o.reason or "" for o in result.outcomes if o.status == "failed"}
    assert set(failed) == {"пустой.pdf", "обрезанный.pdf", "письмо.pdf"}
    assert failed["пустой.pdf"].startswith("E_")
    assert failed["письмо.pdf"].startswith("E_NOT_PDF")
    good = len(GOOD_CORPUS) + 3
    assert result.count("done") == good
    counts = _store_counts(out)
    assert counts["documents"] == counts["distinct"] == good
    again = run_batch([inbox], out, jobs=2)
    assert again.count("skipped") == good and again.count("failed") == 3
    assert _store_counts(out) == counts


def _files(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and p.suffix not in (".duckdb", ".wal")}


def test_killed_run_resumes_without_duplicates_or_partial_files(tmp_path: Path) -> None:
    inbox, out = _inbox(tmp_path, broken=False), tmp_path / "out"
    cmd = [sys.executable, "-m", "svodka", "run", str(inbox), "--out", str(out)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True, env={**os.environ, "COLUMNS": "120"})
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list(out.glob("*/report.json"))) < 2:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    finished = list(out.glob("*/report.json"))
    assert 2 <= len(finished) < len(GOOD_CORPUS) + 3, "the kill must land mid-batch"
    for report in finished:  # every file that exists is whole
        json.loads(report.read_text("utf-8"))

    result = run_batch([inbox], out)
    assert result.count("failed") == 0
    assert result.count("skipped") >= 1  # what the killed run finished is not redone
    assert not list(out.rglob("*.tmp"))
    folders = [p for p in out.iterdir() if p.is_dir()]
    assert len(folders) == len(GOOD_CORPUS) + 3
    with (out / "cells.csv").open(encoding="utf-8-sig", newline="") as fh:
        batch_rows = list(csv.DictReader(fh))
    per_doc = 0
    for folder in folders:
        with (folder / "cells.csv").open(encoding="utf-8-sig", newline="") as fh:
            per_doc += len(list(csv.DictReader(fh)))
    assert len(batch_rows) == per_doc
    counts = _store_counts(out)
    assert counts["documents"] == counts["distinct"] == len(GOOD_CORPUS) + 3

    fresh = tmp_path / "fresh"
    run_batch([inbox], fresh)
    assert {k: v for k, v in _files(out).items() if k != "manifest.json"} == {
        k: v for k, v in _files(fresh).items() if k != "manifest.json"
    }


def test_identical_files_are_read_once_and_reported_as_duplicates(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    (inbox / "z-копии").mkdir(parents=True)
    deck = RAW / "smolensk-2017-deck.pptx"
    shutil.copy(deck, inbox / "a.pptx")
    shutil.copy(deck, inbox / "z-копии" / "копия.pptx")
    (inbox / "b.pdf").write_bytes((RAW / "smolensk-2017-deck.pdf").read_bytes())
    out = tmp_path / "out"
    for status in ("done", "skipped"):  # the first run, then an unchanged re-run
        result = run_batch([inbox], out)
        by_name = {Path(o.path).name: o for o in result.outcomes}
        assert by_name["a.pptx"].status == by_name["b.pdf"].status == status
        copy = by_name["копия.pptx"]
        assert copy.status == "duplicate" and result.ok
        assert copy.reason is not None and copy.reason.endswith(str(inbox / "a.pptx"))
        with (out / "cells.csv").open(encoding="utf-8-sig", newline="") as fh:
            documents = {row["document"] for row in csv.DictReader(fh)}
        assert {Path(d).name for d in documents} == {"a.pptx", "b.pdf"}
        assert _store_counts(out)["documents"] == 2


def test_store_failure_is_raised_after_every_document_is_read(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The batch outputs are written on a thread while the workers run; an error there
    (here: the store refuses the documents) does not stop the reading, is raised at the
    end, and leaves no batch file behind (each would have replaced its old version)."""
    from export.store import Store, StoreError

    inbox = _inbox(tmp_path, broken=False)
    calls: list[int] = []

    def refuse(self: Store, reports: Any, imported_at: Any = None) -> None:
        calls.append(len(reports))
        raise StoreError("база недоступна")

    monkeypatch.setattr(Store, "replace_documents", refuse)
    out = tmp_path / "out"
    with pytest.raises(StoreError, match="база недоступна"):
        run_batch([inbox], out, jobs=2)
    assert calls == [len(list(inbox.iterdir()))]  # one group, tried once
    assert len(list(out.glob("*/report.json"))) == len(list(inbox.iterdir()))
    assert not [p for p in out.iterdir() if p.is_file() and p.suffix in (".csv", ".xlsx")]
    assert "batch" not in json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def test_rerun_rewrites_earlier_csvs_only_for_another_dialect(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(RAW / "smolensk-2017-deck.pptx", inbox / "a.pptx")
    out = tmp_path / "out"
    run_batch([inbox], out)
    (old_csv,) = out.glob("a-*/cells.csv")
    stamp = old_csv.stat().st_mtime_ns
    shutil.copy(RAW / "smolensk-2017-report.docx", inbox / "b.docx")
    run_batch([inbox], out)  # a new file, the same dialect: a's CSVs are left alone
    assert old_csv.stat().st_mtime_ns == stamp
    shutil.copy(RAW / "smolensk-2017-deck.pdf", inbox / "c.pdf")
    result = run_batch([inbox], out, dialect="excel-ru")  # another dialect: rewritten
    assert result.count("skipped") == 2
    for csv_file in out.glob("*/cells.csv"):
        header = csv_file.read_text(encoding="utf-8-sig").splitlines()[0]
        assert header.startswith("document;"), csv_file
