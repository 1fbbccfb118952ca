"""The batch job behind ``svodka run``: many documents in, per-document and batch outputs out.

    paths_to_files -> file_to_outcome (one worker per file) -> outcomes_to_batch_outputs

A bad file never stops the batch: it becomes a failed outcome with a one-line
reason.  A manifest keyed by sha256 lets a re-run skip unchanged files.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from export import DIALECTS, Dialect, write_csv, write_report_json, write_text_atomic
from export.csvout import FINDING_COLUMNS, cells_rows, finding_rows, write_table_csv
from extract import SUPPORTED_SUFFIXES
from extract.common import sha256_of
from schemas import Report, Severity, SvodkaError
from schemas.frames import CELL_COLUMNS
from svodka.api import read
from svodka.workers import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT, Failure, Limits, run_limited

MANIFEST = "manifest.json"
BATCH_FILES = ("cells.csv", "findings.csv", "cells.parquet", "svodka.xlsx", "datapackage.json")


@dataclass
class Outcome:
    path: str
    sha256: str
    status: str  # done | failed | skipped
    out_dir: str | None = None
    reason: str | None = None
    errors: int = 0
    warnings: int = 0


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


def file_to_outcome(path: Path, out: Path, dialect_name: str, password: str | None) -> Outcome:
    """Process one file in a worker; never raises for a bad document."""
    try:
        sha = sha256_of(path)
    except OSError as exc:
        return Outcome(str(path), "", "failed", reason=f"E_IO: {exc.strerror}")
    folder = out / safe_name(path, sha)
    try:
        report = read(path, password=password)
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
    return Outcome(str(path), sha, status, str(folder), reason, errors, warnings)


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
                       "warnings": o.warnings}
            for o in outcomes if o.status in ("done", "skipped") and o.out_dir}
    data: dict[str, Any] = {"documents": docs}
    if batch is not None:
        data["batch"] = batch  # set only once every batch output was written
    write_text_atomic(out / MANIFEST, json.dumps(data, ensure_ascii=False, indent=1,
                                                 sort_keys=True))


def _skip_unchanged(files: list[Path], out: Path, force: bool) -> tuple[list[Path], list[Outcome]]:
    if force:
        return files, []
    manifest = _load_manifest(out)
    todo, skipped = [], []
    for f in files:
        sha = sha256_of(f)
        entry = manifest.get(sha)
        if entry and (Path(entry["out_dir"]) / "report.json").is_file():
            skipped.append(Outcome(str(f), sha, "skipped", str(entry["out_dir"]),
                                   errors=int(entry.get("errors", 0)),
                                   warnings=int(entry.get("warnings", 0))))
        else:
            todo.append(f)
    return todo, skipped


def _document_csvs(report: Report, folder: Path, dialect: Dialect) -> None:
    write_csv(folder / "cells.csv", CELL_COLUMNS, cells_rows(report), dialect)
    write_csv(folder / "findings.csv", FINDING_COLUMNS, finding_rows(report), dialect)
    for table in report.tables:
        write_table_csv(table, folder / f"table-{table.id}.csv", dialect)


def outcomes_to_batch_outputs(
    outcomes: list[Outcome], out: Path, dialect: Dialect, db: str | None = None
) -> None:
    """Batch outputs of every good document (done or skipped), written by the parent only.

    Files: cells.csv, findings.csv, cells.parquet, svodka.xlsx, datapackage.json (describing
    every CSV), manifest.json.  Store: ``db`` (a PostgreSQL URL or a DuckDB file; default
    ``out/svodka.duckdb``) gets every document that is new or redone; a skipped one only
    when the store lacks it.  Raises ``StoreError`` when the store cannot be written.
    """
    # heavy writers (openpyxl, pyarrow, duckdb) load only when a batch is written
    from export.datapackage import DocumentCsvs, write_datapackage
    from export.parquet import write_cells_parquet
    from export.store import open_store
    from export.xlsx import write_xlsx

    good: list[tuple[Outcome, Report]] = []
    for o in sorted(outcomes, key=lambda o: o.path):
        if o.out_dir is None or o.status == "failed":
            continue
        folder = Path(o.out_dir)
        report = Report.model_validate_json((folder / "report.json").read_text("utf-8"))
        if o.status == "skipped":  # written by an earlier run, maybe in another dialect
            _document_csvs(report, folder, dialect)
        good.append((o, report))
    reports = [r for _, r in good]
    cells: list[list[object]] = []
    findings: list[list[object]] = []
    for report in reports:
        cells += cells_rows(report)
        findings += finding_rows(report)
    write_csv(out / "cells.csv", CELL_COLUMNS, cells, dialect)
    write_csv(out / "findings.csv", FINDING_COLUMNS, findings, dialect)
    write_cells_parquet(reports, out / "cells.parquet")
    write_xlsx(reports, out / "svodka.xlsx")
    described = []
    for o, report in good:
        folder = Path(o.out_dir or "")
        if folder.resolve().parent == out.resolve():
            described.append(DocumentCsvs(report, folder.name))
    write_datapackage(out / "datapackage.json", described, dialect)
    with open_store(db or out / "svodka.duckdb") as store:
        for o, report in good:
            if o.status == "skipped" and store.has_document(report.document.sha256):
                continue
            store.replace_document(report)


@dataclass(frozen=True)
class _Task:
    """``file_to_outcome`` with the batch's settings, run in a worker process per file."""

    out: Path
    dialect: str
    password: str | None

    def __call__(self, path: Path) -> Outcome:
        return file_to_outcome(path, self.out, self.dialect, self.password)

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
) -> BatchResult:
    """Process every supported file under ``paths`` into ``out``.

    ``db``: the store, a ``postgresql://`` URL or a DuckDB file (default out/svodka.duckdb).
    Workers only read documents; the parent writes every batch output and the store.
    Each file runs in its own process under ``timeout`` seconds and ``memory_mb`` MiB of
    address space (None: no limit); past a limit it fails with E_TIMEOUT / E_MEMORY and
    the batch goes on.
    """
    out.mkdir(parents=True, exist_ok=True)
    _remove_stale_temporaries(out)
    files, skipped = _skip_unchanged(paths_to_files(paths), out, force)
    result = BatchResult(outcomes=list(skipped))
    for o in skipped:
        if on_outcome:
            on_outcome(o)

    def journal(outcome: Outcome) -> None:
        """Record each finished document at once, so a killed run resumes where it stopped."""
        result.outcomes.append(outcome)
        _save_manifest(out, result.outcomes)
        if on_outcome:
            on_outcome(outcome)

    run_limited(
        files, _Task(out, dialect, password), _Task.failed, jobs=jobs,
        limits=Limits(timeout, memory_mb), on_result=journal,
    )
    if _batch_is_current(out, result.outcomes, dialect, db):
        return result
    outcomes_to_batch_outputs(result.outcomes, out, DIALECTS[dialect], db)
    _save_manifest(out, result.outcomes, _batch_key(result.outcomes, dialect, db))
    return result
