"""The batch job behind ``svodka run``: many documents in, per-document and batch outputs out.

    paths_to_files -> _plan (skip unchanged files and duplicates)
      -> file_to_outcome (one worker process per file; per-document outputs)
      -> outcome_to_batch (the parent, in path order, while the workers run: batch outputs)

A bad file never stops the batch: it becomes a failed outcome with a one-line
reason.  A document is its content: a file whose bytes equal an earlier file's (in
path order) is a ``duplicate`` outcome, read once and written once.  A manifest keyed
by sha256 lets a re-run skip unchanged files.
"""

from __future__ import annotations

import json
import queue
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from export import DIALECTS, Dialect, write_csv, write_report_json, write_text_atomic
from export.csvout import FINDING_COLUMNS, cells_rows, finding_rows, write_table_csv
from extract import SUPPORTED_SUFFIXES
from extract.common import sha256_of
from schemas import Report, Severity, SvodkaError
from schemas.frames import CELL_COLUMNS
from schemas.limits import DEFAULT_MAX_PAGES
from svodka.api import read
from svodka.workers import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT, Failure, Limits, run_limited

if TYPE_CHECKING:
    from export.batch import BatchWriter

MANIFEST = "manifest.json"
BATCH_FILES = ("cells.csv", "findings.csv", "cells.parquet", "svodka.xlsx", "datapackage.json")


@dataclass
class Outcome:
    path: str
    sha256: str
    status: str  # done | failed | skipped | duplicate
    out_dir: str | None = None
    reason: str | None = None
    errors: int = 0
    warnings: int = 0
    dialect: str | None = None  # of the document's CSVs as they stand (None: unknown)


@dataclass
class BatchResult:
    outcomes: list[Outcome] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def ok(self) -> bool:
        return self.count("failed") == 0


def paths_to_files(paths: Iterable[Path]) -> list[Path]:
    """Every supported file under the given files and folders, sorted, recursively."""
    found: set[Path] = set()
    for p in paths:
        if p.is_dir():
            found.update(
                f for f in p.rglob("*")
                if f.is_file() and f.suffix.lower() in SUPPORTED_SUFFIXES
                and not any(part.startswith(".") for part in f.relative_to(p).parts)
            )
        elif p.is_file():
            found.add(p)
    return sorted(found)


def safe_name(path: Path, sha256: str) -> str:
    """A folder name that is safe anywhere: the stem's letters and digits plus a short hash."""
    stem = re.sub(r"[^\w-]+", "_", path.stem, flags=re.UNICODE).strip("_.")[:60] or "document"
    return f"{stem}-{sha256[:8]}"


def write_document_outputs(report: Report, folder: Path, dialect: Dialect) -> None:
    write_report_json(report, folder / "report.json")
    _document_csvs(report, folder, dialect)


def file_to_outcome(path: Path, out: Path, dialect_name: str, password: str | None,
                    limits: Limits | None = None) -> Outcome:
    """Process one file in a worker; never raises for a bad document.  The worker holds
    the time and memory ``limits``; the reader applies the others."""
    try:
        sha = sha256_of(path)
    except OSError as exc:
        return Outcome(str(path), "", "failed", reason=f"E_IO: {exc.strerror}")
    folder = out / safe_name(path, sha)
    try:
        report = read(path, password=password, limits=(limits or Limits()).in_process())
    except SvodkaError as exc:
        return Outcome(str(path), sha, "failed", reason=f"{exc.code}: {exc.message}")
    except MemoryError:
        raise  # the worker reports E_MEMORY
    except Exception as exc:  # noqa: BLE001 - a batch goes on past any bad file
        return Outcome(str(path), sha, "failed", reason=f"E_INTERNAL: {type(exc).__name__}: {exc}")
    write_document_outputs(report, folder, DIALECTS[dialect_name])
    errors = sum(1 for f in report.findings if f.severity is Severity.ERROR)
    warnings = sum(1 for f in report.findings if f.severity is Severity.WARNING)
    status = "failed" if report.status == "failure" else "done"
    reason = next((f"{f.rule}: {f.message}" for f in report.findings
                   if report.status == "failure" and f.severity is Severity.ERROR), None)
    return Outcome(str(path), sha, status, str(folder), reason, errors, warnings, dialect_name)


def _remove_stale_temporaries(out: Path) -> None:
    """Temporary files of an interrupted run (``.name.XXXX.tmp``) are never outputs."""
    for tmp in out.rglob(".*.tmp"):
        tmp.unlink(missing_ok=True)


def _load_manifest(out: Path) -> dict[str, dict[str, Any]]:
    try:
        data = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
        return dict(data.get("documents", {}))
    except (OSError, ValueError):
        return {}


def _batch_key(outcomes: list[Outcome], dialect: str, db: str | None) -> dict[str, Any]:
    shas = sorted(o.sha256 for o in outcomes if o.status in ("done", "skipped"))
    return {"dialect": dialect, "db": db or "", "documents": shas}


def _batch_is_current(out: Path, outcomes: list[Outcome], dialect: str, db: str | None) -> bool:
    """Nothing new since the last complete run: its batch outputs stand as they are."""
    try:
        data = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (
        data.get("batch") == _batch_key(outcomes, dialect, db)
        and all(o.status == "skipped" for o in outcomes)
        and all((out / name).is_file() for name in BATCH_FILES)
        and (db is not None or (out / "svodka.duckdb").is_file())
    )


def _save_manifest(
    out: Path, outcomes: list[Outcome], batch: dict[str, Any] | None = None
) -> None:
    docs = {o.sha256: {"path": o.path, "out_dir": o.out_dir or "", "errors": o.errors,
                       "warnings": o.warnings, "dialect": o.dialect}
            for o in outcomes if o.status in ("done", "skipped") and o.out_dir}
    data: dict[str, Any] = {"documents": docs}
    if batch is not None:
        data["batch"] = batch  # set only once every batch output was written
    write_text_atomic(out / MANIFEST, json.dumps(data, ensure_ascii=False, indent=1,
                                                 sort_keys=True))


def _plan(files: list[Path], out: Path, force: bool) -> tuple[list[Path], list[Outcome]]:
    """The files to read, and the outcomes known without reading: ``skipped`` (unchanged
    since the manifest's run, unless ``force``) and ``duplicate`` (the same bytes and
    suffix as an earlier file; empty files are left to fail one by one).  A file that
    cannot be hashed here is left to its worker, which reports it."""
    manifest = {} if force else _load_manifest(out)
    todo: list[Path] = []
    known: list[Outcome] = []
    first: dict[tuple[str, str], Path] = {}
    for f in files:
        try:
            sha, empty = sha256_of(f), f.stat().st_size == 0
        except OSError:
            todo.append(f)
            continue
        key = (sha, f.suffix.lower())
        if key in first and not empty:
            known.append(Outcome(str(f), sha, "duplicate",
                                 reason=f"то же содержимое, что у {first[key]}"))
            continue
        first.setdefault(key, f)
        entry = manifest.get(sha)
        if entry and (Path(entry["out_dir"]) / "report.json").is_file():
            known.append(Outcome(str(f), sha, "skipped", str(entry["out_dir"]),
                                 errors=int(entry.get("errors", 0)),
                                 warnings=int(entry.get("warnings", 0)),
                                 dialect=entry.get("dialect")))
        else:
            todo.append(f)
    return todo, known


def _document_csvs(report: Report, folder: Path, dialect: Dialect) -> None:
    write_csv(folder / "cells.csv", CELL_COLUMNS, cells_rows(report), dialect)
    write_csv(folder / "findings.csv", FINDING_COLUMNS, finding_rows(report), dialect)
    for table in report.tables:
        write_table_csv(table, folder / f"table-{table.id}.csv", dialect)


def outcomes_to_batch_outputs(
    outcomes: list[Outcome], out: Path, dialect: Dialect, db: str | None = None
) -> None:
    """Batch outputs of every good document (done or skipped), in path order, one report in
    memory at a time (``export.batch.BatchWriter``).

    Files: cells.csv, findings.csv, cells.parquet, svodka.xlsx, datapackage.json (describing
    every CSV).  Store: ``db`` (a PostgreSQL URL or a DuckDB file; default
    ``out/svodka.duckdb``) gets every document that is new or redone; a skipped one only
    when the store lacks it.  Raises ``StoreError`` when the store cannot be written.
    """
    from export.batch import BatchWriter  # openpyxl, pyarrow, duckdb: only for a batch

    with BatchWriter(out, dialect, db) as batch:
        for o in sorted(outcomes, key=lambda o: o.path):
            outcome_to_batch(o, batch, out, dialect)


def outcome_to_batch(o: Outcome, batch: BatchWriter, out: Path, dialect: Dialect) -> None:
    """Add one good document's report to the batch outputs (others are not outputs)."""
    if o.out_dir is None or o.status not in ("done", "skipped"):
        return
    folder = Path(o.out_dir)
    report = Report.model_validate_json((folder / "report.json").read_text("utf-8"))
    if o.status == "skipped" and o.dialect != dialect.name:  # an earlier run, other dialect
        _document_csvs(report, folder, dialect)
        o.dialect = dialect.name
    inside = folder.resolve().parent == out.resolve()
    batch.add(report, folder=folder.name if inside else None, keep_stored=o.status == "skipped")


class _InPathOrder:
    """Feeds outcomes to the batch outputs in the order of the files, as they arrive from
    the workers (a few wait for a slow one), so the outputs are written while the workers
    run and are the same whatever order the workers finish in.

    The writing runs on a thread of its own: the loop that starts the next worker never
    waits for it.  The first error of the outputs (e.g. the store) stops the writing and
    is raised when the block ends; an exception in the block stops it after the current
    document."""

    def __init__(self, files: list[Path], feed: Callable[[Outcome], None]) -> None:
        self._index = {str(f): i for i, f in enumerate(files)}
        self._feed = feed
        self._waiting: dict[int, Outcome] = {}
        self._next = 0
        self._queue: queue.SimpleQueue[Outcome | None] = queue.SimpleQueue()
        self._stopped = False
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._write, name="batch-outputs", daemon=True)

    def __enter__(self) -> _InPathOrder:
        self._thread.start()
        return self

    def push(self, o: Outcome) -> None:
        self._waiting[self._index[o.path]] = o
        while self._next in self._waiting:
            self._queue.put(self._waiting.pop(self._next))
            self._next += 1

    def _write(self) -> None:
        while (o := self._queue.get()) is not None:
            if self.error is not None or self._stopped:
                continue
            try:
                self._feed(o)
            except Exception as exc:  # noqa: BLE001 - raised when the block ends
                self.error = exc

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None,
                 tb: TracebackType | None) -> None:
        if et is not None:
            self._stopped = True
        for i in sorted(self._waiting):  # files no outcome arrived for come last
            self._queue.put(self._waiting.pop(i))
        self._queue.put(None)
        self._thread.join()
        if et is None and self.error is not None:
            raise self.error


@dataclass(frozen=True)
class _Task:
    """``file_to_outcome`` with the batch's settings, run in a worker process per file."""

    out: Path
    dialect: str
    password: str | None
    limits: Limits

    def __call__(self, path: Path) -> Outcome:
        return file_to_outcome(path, self.out, self.dialect, self.password, self.limits)

    @staticmethod
    def failed(path: Path, failure: Failure) -> Outcome:
        try:
            sha = sha256_of(path)
        except OSError:
            sha = ""
        return Outcome(str(path), sha, "failed", reason=f"{failure.code}: {failure.reason}")


def run_batch(
    paths: Iterable[Path],
    out: Path,
    *,
    jobs: int = 1,
    force: bool = False,
    dialect: str = "default",
    password: str | None = None,
    db: str | None = None,
    on_outcome: Callable[[Outcome], None] | None = None,
    timeout: float | None = DEFAULT_TIMEOUT,
    memory_mb: int | None = DEFAULT_MEMORY_MB,
    max_pages: int | None = DEFAULT_MAX_PAGES,
) -> BatchResult:
    """Process every supported file under ``paths`` into ``out``.

    ``db``: the store, a ``postgresql://`` URL or a DuckDB file (default out/svodka.duckdb).
    Workers only read documents; the parent writes every batch output and the store.
    Each file runs in its own process under ``timeout`` seconds and ``memory_mb`` MiB of
    address space (None: no limit); past a limit it fails with E_TIMEOUT / E_MEMORY and
    the batch goes on.  A PDF of more than ``max_pages`` pages fails with E_LIMIT.
    """
    limits = Limits(timeout, memory_mb, max_pages)
    out.mkdir(parents=True, exist_ok=True)
    _remove_stale_temporaries(out)
    files = paths_to_files(paths)
    todo, known = _plan(files, out, force)
    result = BatchResult(outcomes=list(known))
    for o in known:
        if on_outcome:
            on_outcome(o)
    if not todo and _batch_is_current(out, known, dialect, db):
        return result
    from export.batch import BatchWriter  # openpyxl, pyarrow, duckdb: only for a batch

    with (
        BatchWriter(out, DIALECTS[dialect], db) as batch,
        _InPathOrder(files, lambda o: outcome_to_batch(o, batch, out, DIALECTS[dialect]))
        as ordered,
    ):
        for o in known:
            ordered.push(o)

        def journal(outcome: Outcome) -> None:
            """Record each finished document at once (a killed run resumes where it
            stopped), then pass it on to the batch outputs."""
            result.outcomes.append(outcome)
            _save_manifest(out, result.outcomes)
            if on_outcome:
                on_outcome(outcome)
            ordered.push(outcome)

        run_limited(
            todo, _Task(out, dialect, password, limits), _Task.failed, jobs=jobs,
            limits=limits, on_result=journal,
        )
    _save_manifest(out, result.outcomes, _batch_key(result.outcomes, dialect, db))
    return result
