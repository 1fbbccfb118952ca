"""The batch job behind ``svodka run``: many documents in, per-document and batch outputs out.

    paths_to_files -> _plan (skip unchanged files and duplicates)
      -> file_to_outcome (one worker process per file; per-document outputs)
      -> outcome_to_store (the parent, in path order, while the workers run: the store)
      -> store_to_exports (the batch exports, from the whole store, replaced together)

A bad file never stops the batch: it becomes a failed outcome with a one-line
reason.  A document is its content: a file whose bytes equal an earlier file's (in
path order) is a ``duplicate`` outcome, read once and written once.  A manifest keyed
by sha256 lets a re-run skip unchanged files; it keeps every document and failed file
of earlier batches into the same folder.
"""

from __future__ import annotations

import json
import queue
import re
import shutil
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from svodka.api import failure_report, read
from svodka.export import DIALECTS, Dialect, write_csv, write_report_json, write_text_atomic
from svodka.export.atomic import recover_staging
from svodka.export.csvout import FINDING_COLUMNS, cells_rows, finding_rows, write_table_csv
from svodka.extract import SUPPORTED_SUFFIXES
from svodka.extract.common import sha256_of
from svodka.schemas import Report, Severity, SvodkaError
from svodka.schemas.frames import CELL_COLUMNS
from svodka.schemas.limits import DEFAULT_MAX_PAGES
from svodka.workers import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT, Failure, Limits, run_limited

if TYPE_CHECKING:
    from svodka.export.batch import Folder, StoreWriter
    from svodka.export.store import Store

MANIFEST = "manifest.json"


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
    empty: bool = False  # no supported file under the paths: nothing was done

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
        if tmp.is_dir():
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            tmp.unlink(missing_ok=True)


class Manifest:
    """``manifest.json``: every document read into ``out`` so far (by sha256: path, folder,
    counts, the dialect of its CSVs) and every file that failed (by path: sha256, code,
    reason), merged over batches; ``batch`` describes the store state the batch exports
    were last written from."""

    def __init__(self, out: Path, data: dict[str, Any]) -> None:
        self.out = out
        self.documents: dict[str, dict[str, Any]] = dict(data.get("documents", {}))
        self.failures: dict[str, dict[str, Any]] = dict(data.get("failures", {}))
        self.batch: Any = data.get("batch")

    @classmethod
    def load(cls, out: Path) -> Manifest:
        try:
            data = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = {}
        return cls(out, data if isinstance(data, dict) else {})

    def record(self, o: Outcome) -> None:
        if o.status in ("done", "skipped") and o.out_dir:
            self.documents[o.sha256] = {"path": o.path, "out_dir": o.out_dir,
                                        "errors": o.errors, "warnings": o.warnings,
                                        "dialect": o.dialect}
            self.failures.pop(o.path, None)
        elif o.status == "failed":
            code, message = failure_code(o.reason)
            self.failures[o.path] = {"sha256": o.sha256, "code": code, "message": message}
        elif o.status == "duplicate":
            self.failures.pop(o.path, None)

    def save(self, batch: dict[str, Any] | None = None) -> None:
        """Written atomically; ``batch`` only once every batch export was written."""
        self.batch = batch
        data: dict[str, Any] = {"documents": self.documents, "failures": self.failures}
        if batch is not None:
            data["batch"] = batch
        write_text_atomic(self.out / MANIFEST, json.dumps(data, ensure_ascii=False, indent=1,
                                                          sort_keys=True))

    def folders(self, dialect: Dialect) -> dict[str, Folder]:
        """The documents whose CSV folders stand in ``out``, with their CSVs' dialect."""
        from svodka.export.batch import Folder

        found = {}
        for sha, entry in self.documents.items():
            folder = Path(entry.get("out_dir", ""))
            if folder.name and folder.parent.resolve() == self.out.resolve() \
                    and (folder / "report.json").is_file():
                found[sha] = Folder(folder.name, DIALECTS.get(entry.get("dialect") or "",
                                                              dialect))
        return found


def failure_code(reason: str | None) -> tuple[str, str]:
    """``"E_CODE: reason"`` → (code, reason)."""
    code, _, message = (reason or "").partition(": ")
    if not re.fullmatch(r"[A-Za-z_][\w.]*", code) or not message:
        return "E_INTERNAL", reason or ""
    return code, message


def _batch_key(store: Store, dialect: str, db: str | None) -> dict[str, Any]:
    return {"dialect": dialect, "db": db or "", "store": store.state()}


def _exports_are_current(manifest: Manifest, store: Store, dialect: str,
                         db: str | None) -> bool:
    """Nothing changed in the store since the last exports were written from it."""
    from svodka.export.batch import EXPORT_FILES

    return (manifest.batch == _batch_key(store, dialect, db)
            and all((manifest.out / name).is_file() for name in EXPORT_FILES))


def _plan(files: list[Path], out: Path, force: bool,
          manifest: Manifest | None = None) -> tuple[list[Path], list[Outcome]]:
    """The files to read, and the outcomes known without reading: ``skipped`` (unchanged
    since the manifest's run, unless ``force``) and ``duplicate`` (the same bytes and
    suffix as an earlier file; empty files are left to fail one by one).  A file that
    cannot be hashed here is left to its worker, which reports it."""
    documents = {} if force else (manifest or Manifest.load(out)).documents
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
        entry = documents.get(sha)
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
    """The store and the batch exports for outcomes already known (what ``run_batch`` does
    after its workers): every good document (done or skipped) and every failed file into
    the store, in path order, one report in memory at a time; then every export from the
    whole store (``export.batch.store_to_exports``) and the manifest.

    ``db``: a PostgreSQL URL or a DuckDB file (default ``out/svodka.duckdb``).  Raises
    ``StoreError`` when the store cannot be opened or written; then no export changes.
    """
    from svodka.export.batch import StoreWriter
    from svodka.export.store import open_store

    manifest = Manifest.load(out)
    with open_store(db or out / "svodka.duckdb") as store:
        writer = StoreWriter(store)
        for o in sorted(outcomes, key=lambda o: o.path):
            outcome_to_store(o, writer, out, dialect)
            manifest.record(o)
        _finish_batch(writer, manifest, dialect, db)


def _finish_batch(writer: StoreWriter, manifest: Manifest, dialect: Dialect,
                  db: str | None) -> None:
    from svodka.export.batch import store_to_exports

    writer.flush()
    store_to_exports(writer.store, manifest.out, dialect, manifest.folders(dialect))
    manifest.save(_batch_key(writer.store, dialect.name, db))


def outcome_to_store(o: Outcome, writer: StoreWriter, out: Path, dialect: Dialect) -> None:
    """One outcome into the store: a good document's report (a skipped one only when the
    store lacks it), a failed file's code and reason; a duplicate is nothing new."""
    from svodka.export.store import FailedFile

    if o.status == "failed":
        code, message = failure_code(o.reason)
        writer.fail(FailedFile(o.path, o.sha256, code, message))
        return
    if o.out_dir is None or o.status not in ("done", "skipped"):
        return
    folder = Path(o.out_dir)
    stale_csvs = o.status == "skipped" and o.dialect != dialect.name  # another dialect
    if o.status == "skipped" and not stale_csvs and writer.store.has_document(o.sha256):
        return
    report = Report.model_validate_json((folder / "report.json").read_text("utf-8"))
    if stale_csvs:
        _document_csvs(report, folder, dialect)
        o.dialect = dialect.name
    writer.add(report, keep_stored=o.status == "skipped")


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


class BatchInputError(Exception):
    """An input path of the batch does not exist (one line, ``PATH: run: E_IO: reason``)."""


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
    Workers only read documents; the parent writes the store (every good document, every
    failed file) and then every batch export from the whole store.  Each file runs in its
    own process under ``timeout`` seconds and ``memory_mb`` MiB of address space (None: no
    limit); past a limit it fails with E_TIMEOUT / E_MEMORY and the batch goes on.  A PDF
    of more than ``max_pages`` pages fails with E_LIMIT.

    Raises ``BatchInputError`` for a missing input path and ``StoreError`` when the store
    cannot be opened or written; in both cases no batch export changes.  A batch with no
    file to read (``BatchResult.empty``) changes nothing either.
    """
    paths = list(paths)
    for p in paths:
        if not p.exists():
            raise BatchInputError(f"{p}: run: E_IO: нет такого файла или папки")
    if out.is_dir():
        recover_staging(out)  # an interrupted commit of the last batch's exports
    limits = Limits(timeout, memory_mb, max_pages)
    files = paths_to_files(paths)
    if not files:
        return BatchResult(empty=True)
    from svodka.export.batch import StoreWriter  # openpyxl, pyarrow, duckdb: only for a batch
    from svodka.export.store import open_store

    out.mkdir(parents=True, exist_ok=True)
    with open_store(db or out / "svodka.duckdb") as store:
        _remove_stale_temporaries(out)
        manifest = Manifest.load(out)
        todo, known = _plan(files, out, force, manifest)
        result = BatchResult(outcomes=list(known))
        for o in known:
            manifest.record(o)
            if on_outcome:
                on_outcome(o)
        if not todo and _exports_are_current(manifest, store, dialect, db):
            return result
        writer = StoreWriter(store)
        with _InPathOrder(
            files, lambda o: outcome_to_store(o, writer, out, DIALECTS[dialect])
        ) as ordered:
            for o in known:
                ordered.push(o)

            def journal(outcome: Outcome) -> None:
                """Record each finished document at once (a killed run resumes where it
                stopped), then pass it on to the store."""
                result.outcomes.append(outcome)
                manifest.record(outcome)
                manifest.save()
                if on_outcome:
                    on_outcome(outcome)
                ordered.push(outcome)

            run_limited(
                todo, _Task(out, dialect, password, limits), _Task.failed, jobs=jobs,
                limits=limits, on_result=journal,
            )
        for o in known:  # a skipped document's CSVs may have been rewritten in the dialect
            manifest.record(o)
        _finish_batch(writer, manifest, DIALECTS[dialect], db)
    return result


@dataclass(frozen=True)
class _ReadTask:
    """``read`` one file in a worker process: its report, or its failure document."""

    password: str | None
    limits: Limits

    def __call__(self, path: Path) -> Report:
        try:  # the worker holds the time and memory limits; the reader applies the others
            return read(path, password=self.password, limits=self.limits.in_process())
        except SvodkaError as exc:
            return failure_report(path, exc.code, exc.message, exc.stage)
        except MemoryError:
            raise  # the worker reports E_MEMORY
        except Exception as exc:  # noqa: BLE001 - one bad file never stops the others
            return failure_report(path, "E_INTERNAL", f"{type(exc).__name__}: {exc}")

    @staticmethod
    def failed(path: Path, failure: Failure) -> Report:
        return failure_report(path, failure.code, failure.reason, "run")


class _Stop(Exception):
    """The caller of ``read_many`` stopped early: the workers are stopped too."""


def read_many(
    paths: Iterable[str | Path],
    *,
    jobs: int = 1,
    password: str | None = None,
    timeout: float | None = DEFAULT_TIMEOUT,
    memory_mb: int | None = DEFAULT_MEMORY_MB,
    max_pages: int | None = DEFAULT_MAX_PAGES,
) -> Iterator[Report]:
    """Read every supported file under ``paths`` (files and folders), ``jobs`` worker
    processes at a time, each under the batch's limits, and yield one ``Report`` per file
    in path order: a read report, or for a file that could not be read a ``failure`` one
    (``report.error.code``: E_NOT_PDF, E_TIMEOUT, …).  Writes nothing.  Leaving the loop
    early stops the workers."""
    files = paths_to_files(Path(p) for p in paths)
    limits = Limits(timeout, memory_mb, max_pages)
    arrived: queue.SimpleQueue[tuple[int, Report] | BaseException | None] = queue.SimpleQueue()
    index = {f: i for i, f in enumerate(files)}
    stop = threading.Event()

    def on_result(report: Report) -> None:
        if stop.is_set():
            raise _Stop
        arrived.put((index[Path(report.document.path)], report))

    def work() -> None:
        try:
            run_limited(files, _ReadTask(password, limits), _ReadTask.failed, jobs=jobs,
                        limits=limits, on_result=on_result)
            arrived.put(None)
        except _Stop:
            arrived.put(None)
        except BaseException as exc:  # noqa: BLE001 - raised in the caller's thread
            arrived.put(exc)

    thread = threading.Thread(target=work, name="read-many", daemon=True)
    thread.start()
    waiting: dict[int, Report] = {}
    nxt = 0
    try:
        while nxt < len(files):
            item = arrived.get()
            if item is None:
                break
            if isinstance(item, BaseException):
                raise item
            waiting[item[0]] = item[1]
            while nxt in waiting:
                yield waiting.pop(nxt)
                nxt += 1
    finally:
        stop.set()
        thread.join()
