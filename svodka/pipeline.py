"""The batch job behind ``svodka run``: many documents in, per-document and batch outputs out.

    paths_to_files -> file_to_outcome (one worker per file) -> outcomes_to_outputs

A bad file never stops the batch: it becomes a failed outcome with a one-line
reason.  A manifest keyed by sha256 lets a re-run skip unchanged files.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from export import DIALECTS, Dialect, write_csv, write_report_json, write_text_atomic
from export.csvout import FINDING_COLUMNS, cells_rows, finding_rows, write_table_csv
from extract import SUPPORTED_SUFFIXES
from extract.common import sha256_of
from schemas import Report, Severity, SvodkaError
from schemas.frames import CELL_COLUMNS
from svodka.api import read

MANIFEST = "manifest.json"


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
    write_csv(folder / "cells.csv", CELL_COLUMNS, cells_rows(report), dialect)
    write_csv(folder / "findings.csv", FINDING_COLUMNS, finding_rows(report), dialect)
    for table in report.tables:
        write_table_csv(table, folder / f"table-{table.id}.csv", dialect)


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
    except Exception as exc:  # noqa: BLE001 - a batch goes on past any bad file
        return Outcome(str(path), sha, "failed", reason=f"E_INTERNAL: {type(exc).__name__}: {exc}")
    write_document_outputs(report, folder, DIALECTS[dialect_name])
    errors = sum(1 for f in report.findings if f.severity is Severity.ERROR)
    warnings = sum(1 for f in report.findings if f.severity is Severity.WARNING)
    status = "failed" if report.status == "failure" else "done"
    reason = next((f"{f.rule}: {f.message}" for f in report.findings
                   if report.status == "failure" and f.severity is Severity.ERROR), None)
    return Outcome(str(path), sha, status, str(folder), reason, errors, warnings)


def _load_manifest(out: Path) -> dict[str, dict[str, str]]:
    try:
        data = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
        return dict(data.get("documents", {}))
    except (OSError, ValueError):
        return {}


def _save_manifest(out: Path, outcomes: list[Outcome]) -> None:
    docs = {o.sha256: {"path": o.path, "out_dir": o.out_dir or ""}
            for o in outcomes if o.status in ("done", "skipped") and o.out_dir}
    write_text_atomic(out / MANIFEST, json.dumps({"documents": docs}, ensure_ascii=False,
                                                 indent=1, sort_keys=True))


def _skip_unchanged(files: list[Path], out: Path, force: bool) -> tuple[list[Path], list[Outcome]]:
    if force:
        return files, []
    manifest = _load_manifest(out)
    todo, skipped = [], []
    for f in files:
        sha = sha256_of(f)
        entry = manifest.get(sha)
        if entry and (Path(entry["out_dir"]) / "report.json").is_file():
            skipped.append(Outcome(str(f), sha, "skipped", entry["out_dir"]))
        else:
            todo.append(f)
    return todo, skipped


def outcomes_to_batch_outputs(outcomes: list[Outcome], out: Path, dialect: Dialect) -> None:
    cells: list[list[object]] = []
    findings: list[list[object]] = []
    for o in sorted(outcomes, key=lambda o: o.path):
        if o.out_dir is None or o.status == "failed":
            continue
        report = Report.model_validate_json((Path(o.out_dir) / "report.json").read_text("utf-8"))
        cells += cells_rows(report)
        findings += finding_rows(report)
    write_csv(out / "cells.csv", CELL_COLUMNS, cells, dialect)
    write_csv(out / "findings.csv", FINDING_COLUMNS, findings, dialect)
    _save_manifest(out, outcomes)


def run_batch(
    paths: Iterable[Path],
    out: Path,
    *,
    jobs: int = 1,
    force: bool = False,
    dialect: str = "default",
    password: str | None = None,
    on_outcome: Callable[[Outcome], None] | None = None,
) -> BatchResult:
    """Process every supported file under ``paths`` into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    files, skipped = _skip_unchanged(paths_to_files(paths), out, force)
    result = BatchResult(outcomes=list(skipped))
    for o in skipped:
        if on_outcome:
            on_outcome(o)
    with ProcessPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = [pool.submit(file_to_outcome, f, out, dialect, password) for f in files]
        for fut in futures:
            outcome = fut.result()
            result.outcomes.append(outcome)
            if on_outcome:
                on_outcome(outcome)
    outcomes_to_batch_outputs(result.outcomes, out, DIALECTS[dialect])
    return result
