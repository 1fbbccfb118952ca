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

from .conftest import CORPUS, RAW, corpus_file

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
    from svodka.export.store import Store, StoreError

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


EXPORTS = ("documents.csv", "cells.csv", "findings.csv", "failures.csv", "cells.parquet",
           "svodka.xlsx", "datapackage.json")


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _exports_agree_with_store(out: Path, query: Any) -> dict[str, int]:
    """cells.csv, cells.parquet, documents.csv and the store: the same documents, the same
    cells (by key), and every finding that names a cell joins to it on cell_key."""
    import pyarrow.parquet as pq

    cells = _csv(out / "cells.csv")
    parquet = pq.read_table(out / "cells.parquet").to_pylist()
    stored = query("SELECT sha256 FROM documents ORDER BY sha256")
    docs = sorted(r["sha256"] for r in _csv(out / "documents.csv"))
    assert docs == [r[0] for r in stored]
    assert sorted({r["sha256"] for r in cells}) == sorted({r["sha256"] for r in parquet})
    assert len(cells) == len(parquet) == query("SELECT COUNT(*) FROM cells")[0][0]
    assert [r["cell_key"] for r in cells] == [r["cell_key"] for r in parquet]
    keys = {r["cell_key"]: r for r in cells}
    assert len(keys) == len(cells)
    findings = _csv(out / "findings.csv")
    assert len(findings) == query("SELECT COUNT(*) FROM findings")[0][0]
    for f in findings:
        if f["cell_key"]:
            cell = keys[f["cell_key"]]
            assert (cell["sha256"], cell["table"], cell["row_index"]) == (
                f["sha256"], f["table"], f["row_index"])
            assert cell["measure"] == f["measure"]
            assert f["source"] in ("", cell["source"])
    return {"documents": len(docs), "cells": len(cells), "findings": len(findings)}


def _duck_query(out: Path) -> Any:
    def query(sql: str) -> list[tuple[Any, ...]]:
        with duckdb.connect(str(out / "svodka.duckdb"), read_only=True) as con:
            return con.execute(sql).fetchall()
    return query


@pytest.mark.parametrize("engine", ["duckdb", "postgresql"])
def test_two_batches_into_one_folder_keep_every_document(
        tmp_path: Path, engine: str, request: pytest.FixtureRequest) -> None:
    """Year by year: a second batch into the same folder adds its documents; the exports
    are written from the whole store, so they never shrink and agree with it.  Failed files
    are data in the store, failures.csv and the manifest until they are read."""
    from svodka.export.store import ALL_TABLES, open_store

    db: str | None = None
    if engine == "postgresql":
        db = request.getfixturevalue("postgres_url")
        with open_store(db) as store:
            for spec in ALL_TABLES:
                store.execute(f"DELETE FROM {spec.name}")
    first, second, out = tmp_path / "2019", tmp_path / "2020", tmp_path / "out"
    first.mkdir()
    second.mkdir()
    for name in GOOD_CORPUS[:2]:
        shutil.copy(corpus_file(name), first / name)
    bad = first / "письмо.pdf"
    bad.write_text("Добрый день! Отчёт во вложении.", encoding="utf-8")
    shutil.copy(RAW / "smolensk-2017-report.docx", second / "отчёт.docx")

    def query(sql: str) -> list[tuple[Any, ...]]:
        if db is None:
            return list(_duck_query(out)(sql))
        with open_store(db) as store:
            return store.query(sql)

    run_batch([first], out, db=db)
    once = _exports_agree_with_store(out, query)
    assert once["documents"] == 2
    failures = _csv(out / "failures.csv")
    assert [(Path(f["path"]).name, f["code"]) for f in failures] == [("письмо.pdf", "E_NOT_PDF")]
    assert query("SELECT code FROM failures") == [("E_NOT_PDF",)]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["failures"][str(bad)]["code"] == "E_NOT_PDF"

    run_batch([second], out, db=db)
    twice = _exports_agree_with_store(out, query)
    assert twice["documents"] == 3 and twice["cells"] > once["cells"]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert len(manifest["documents"]) == 3 and str(bad) in manifest["failures"]
    assert len(_csv(out / "failures.csv")) == 1  # an earlier batch's failure stays listed

    shutil.copy(RAW / "smolensk-2017-report.docx", bad.with_suffix(".docx"))
    bad.write_bytes((RAW / "smolensk-2017-deck.pdf").read_bytes())  # put right, same name
    run_batch([first], out, db=db)
    assert _exports_agree_with_store(out, query)["documents"] == 4  # .docx is a duplicate
    assert _csv(out / "failures.csv") == [] and query("SELECT COUNT(*) FROM failures") == [(0,)]
    _frictionless_valid(out)


def _frictionless_valid(out: Path) -> None:
    """The validator as a user runs it (its own process), on the whole package."""
    exe = Path(sys.executable).with_name("frictionless")
    result = subprocess.run([str(exe), "validate", "--json", str(out / "datapackage.json")],
                            capture_output=True, text=True, check=False, timeout=1200)
    report = json.loads(result.stdout)
    errors = [(t.get("name"), e.get("type"), e.get("note"))
              for t in report.get("tasks", []) for e in t.get("errors", [])]
    assert report["valid"] and result.returncode == 0, errors[:10]


def _snapshot(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file()}


def test_missing_path_empty_batch_and_unreachable_store_change_nothing(tmp_path: Path) -> None:
    """A batch that cannot run (a missing input, a store that cannot be reached) exits 2
    with one line; an empty batch exits 0; none of them changes a byte of the outputs."""
    out = tmp_path / "out"
    cli = [sys.executable, "-m", "svodka", "run", "--out", str(out)]
    env = {**os.environ, "COLUMNS": "120"}
    first = subprocess.run([*cli, str(RAW)], capture_output=True, text=True, env=env,
                           check=False)
    assert first.returncode == 0, first.stderr
    before = _snapshot(out)
    assert (out / "cells.csv").stat().st_size > 100_000
    empty = tmp_path / "пусто"
    empty.mkdir()
    (empty / "readme.txt").write_text("не отчёт", encoding="utf-8")
    port = _closed_port()
    for args, code in (([str(tmp_path / "нет-такой-папки")], 2), ([str(empty)], 0),
                       ([str(RAW), "--db", f"postgresql://svodka@127.0.0.1:{port}/x"], 2),
                       ([str(RAW), "--force", "--db", str(tmp_path / "папка.duckdb" / "")], 2)):
        if args[-1].endswith("папка.duckdb"):
            Path(args[-1]).mkdir()
        result = subprocess.run([*cli, *args], capture_output=True, text=True, env=env,
                                check=False)
        assert result.returncode == code, (args, result.stdout, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1, (args, result.stderr)
        assert "Traceback" not in result.stderr
        assert _snapshot(out) == before, args


def _closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # closed again when the block ends


def _exports(out: Path) -> dict[str, bytes | None]:
    return {n: (out / n).read_bytes() if (out / n).exists() else None for n in EXPORTS}


def _run_in(folder: Path, inboxes: list[Path]) -> subprocess.Popen[bytes]:
    """`svodka run` with a relative --out, so that a copied folder is a whole state."""
    cmd = [sys.executable, "-m", "svodka", "run", *map(str, inboxes), "--out", "out"]
    return subprocess.Popen(cmd, cwd=folder, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True,
                            env={**os.environ, "COLUMNS": "120",
                                 "PYTHONPATH": str(Path(__file__).resolve().parents[1])})


def test_batch_killed_at_random_points_leaves_the_old_or_the_new_exports(
        tmp_path: Path) -> None:
    """A second batch killed before, during or after its store commit and its exports:
    each export is the old file or the new one, never truncated; the set is all old or all
    new, or the journal of the switch is there and the next run completes it; the next run
    then ends with exactly the exports of an uninterrupted batch."""
    import random

    old_inbox, new_inbox = tmp_path / "a", tmp_path / "b"
    old_inbox.mkdir()
    new_inbox.mkdir()
    shutil.copy(RAW / "smolensk-2017-report.docx", old_inbox / "отчёт.docx")
    for name in ("dev01-tulskaya-2019-deck.pptx", "dev04-kaluzhskaya-2020-word.docx"):
        shutil.copy(corpus_file(name), new_inbox / name)
    (new_inbox / "пустой.pdf").write_bytes(b"")
    template = tmp_path / "template"
    template.mkdir()
    assert _run_in(template, [old_inbox]).wait() == 0
    old = _exports(template / "out")
    reference = tmp_path / "reference"
    shutil.copytree(template, reference)
    started = time.monotonic()
    assert _run_in(reference, [old_inbox, new_inbox]).wait() == 1  # пустой.pdf failed
    full = time.monotonic() - started
    new = _exports(reference / "out")
    assert all(new[n] != old[n] for n in ("cells.csv", "documents.csv", "failures.csv"))

    rng = random.Random(12)
    seen = set()
    for trial in range(4):
        folder = tmp_path / f"trial{trial}"
        shutil.copytree(template, folder)
        proc = _run_in(folder, [old_inbox, new_inbox])
        time.sleep(rng.uniform(0.2, 1.0) * full)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        got = _exports(folder / "out")
        for name in EXPORTS:
            assert got[name] in (old[name], new[name]), (trial, name)
        state = {"old" if got == old else "new" if got == new else "mixed"}
        if state == {"mixed"}:
            assert (folder / "out" / ".svodka-commit.json").is_file(), trial
        seen |= state
        assert _run_in(folder, [old_inbox, new_inbox]).wait() == 1
        assert _exports(folder / "out") == new, trial
        assert not list((folder / "out").rglob("*.tmp"))
    assert "old" in seen  # the kills landed before the switch at least once


def test_datapackage_of_the_whole_corpus_and_the_hostile_fixtures_is_valid(
        tmp_path: Path) -> None:
    """`frictionless validate` on a batch of every sample: text layers, scans, blank forms,
    unrecognised headers and every committed hostile fixture (failed files included)."""
    from tests.hostile_fixtures import HOSTILE

    if not CORPUS.is_dir():
        pytest.skip("shared corpus not present")
    src = tmp_path / "in"
    shutil.copytree(CORPUS, src / "corpus", ignore=shutil.ignore_patterns("*.json", "*.md"))
    shutil.copytree(HOSTILE, src / "hostile")
    for sample in RAW.glob("smolensk-*"):
        shutil.copy(sample, src / sample.name)
    out = tmp_path / "out"
    result = run_batch([src], out, jobs=2)
    assert result.count("failed") >= 10 and result.count("done") >= 20
    failures = _csv(out / "failures.csv")
    assert {f["path"] for f in failures} == {o.path for o in result.outcomes
                                             if o.status == "failed"}
    assert all(f["code"].startswith("E_") for f in failures)
    findings = _csv(out / "findings.csv")
    rules = {f["rule"] for f in findings}
    assert {"blank_table", "header_not_recognised"} <= rules
    scans = {o.sha256 for o in result.outcomes if "scan" in o.path and o.status == "done"}
    assert scans <= {f["sha256"] for f in findings if f["rule"] == "I_OCR"}  # read by OCR
    total_rows = [f for f in findings if f["row_key"] and not f["code"]]  # ИТОГО rows
    assert total_rows and all(f["row_key"] for f in total_rows)
    _exports_agree_with_store(out, _duck_query(out))
    _frictionless_valid(out)
