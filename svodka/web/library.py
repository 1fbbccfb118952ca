"""What ``svodka serve`` keeps and reads: uploads, their reports and downloads, the store.

Under the output folder (``--out``):

* ``uploads/<sha256><suffix>``: every uploaded file, named by the sha256 of its bytes (never
  by the name the browser sent; the suffix is kept, cleaned, because it names the format);
* ``web/<sha256>/``: what the server made of it — ``report.json`` (the contract, with the
  browser's file name as ``document.path``; status ``failure`` for an unreadable file),
  ``cells.csv``, ``findings.csv``, ``table-tN.csv`` and ``report.xlsx``;
* the store (``svodka.duckdb`` or ``--db``): each upload is put into it like a batch
  document (a read document replaces the one with the same sha256; an unreadable file is a
  failure row), so the data officer's page lists it.

Documents imported by ``svodka run`` are found through the batch's ``manifest.json`` (their
full report.json) or, failing that, in the store; their downloads are made on first use.
Reads run through ``svodka.read`` under the command's limits (a child process each), at
most ``READS_AT_ONCE`` at a time.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import re
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from svodka.api import failure_report, read
from svodka.export import DIALECTS, write_text_atomic
from svodka.export.html import PDF_FORMATS
from svodka.export.jsonout import report_to_json
from svodka.export.store import FailedFile, Store, StoreError, open_store
from svodka.export.xlsx import write_xlsx
from svodka.pipeline import Manifest, safe_name, write_document_outputs
from svodka.schemas import Report, Severity, SvodkaError
from svodka.schemas.limits import Limits

READS_AT_ONCE = 2  # documents read at the same time (the machine this was built for: 2 cores)
SHA256 = re.compile(r"[0-9a-f]{64}")
DOWNLOAD = re.compile(r"(report\.json|report\.xlsx|cells\.csv|findings\.csv|table-[\w.-]+\.csv)")
CHUNK = 1024 * 1024
STATUS_RU = {"success": "прочитан", "partial": "прочитан частично", "failure": "не прочитан"}


def display_name(name: str | None) -> str:
    """The browser's file name as text to show: the last path part, no control characters,
    at most 200 characters (never used to name a file)."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = "".join(ch for ch in base if ch.isprintable()).strip()
    return base[:200] or "документ"


def clean_suffix(name: str) -> str:
    """The suffix of ``name`` (it tells the reader the format) when it is short letters and
    digits, else none."""
    suffix = Path(display_name(name)).suffix.lower()
    return suffix if re.fullmatch(r"\.[a-z0-9]{1,8}", suffix) else ""


@dataclass(frozen=True)
class Checked:
    """One uploaded file, read: its sha256, the name to show and the report (status
    ``failure`` for a file that could not be read)."""

    sha256: str
    report: Report
    store_error: str | None = None

    @property
    def failed(self) -> bool:
        return self.report.status == "failure"

    def summary(self) -> dict[str, Any]:
        """What the QA page's progress list says about the file."""
        return {"sha256": self.sha256, "name": self.report.document.path,
                "status": self.report.status, "errors": _count(self.report, Severity.ERROR),
                "warnings": _count(self.report, Severity.WARNING),
                "line": failure_line(self.report), "store_error": self.store_error}


def _count(report: Report, severity: Severity) -> int:
    return sum(1 for f in report.findings if f.severity is severity)


def failure_line(report: Report) -> str | None:
    """``FILE: STAGE: CODE: reason`` for a document that could not be read, else None."""
    if report.status != "failure":
        return None
    code, stage, message = error_of(report)
    return f"{report.document.path}: {stage}: {code}: {message}"


def error_of(report: Report) -> tuple[str, str, str]:
    """Code, stage and reason of a failed document."""
    if report.error is not None:
        return report.error.code, report.error.stage, report.error.message
    first = next((f for f in report.findings if f.severity is Severity.ERROR), None)
    if first is None:
        return "E_INTERNAL", "extract", "документ не прочитан"
    return first.rule, "extract", first.message


@dataclass(frozen=True)
class DocumentRow:
    """A line of the data officer's page: a stored document or a file that failed."""

    sha256: str | None
    file: str
    format: str | None
    region: str | None
    organization: str | None
    years: tuple[int, int] | None  # of its tables: the first and the last
    status: str  # success | partial | failure
    errors: int
    warnings: int
    imported_at: dt.datetime | None
    code: str | None = None
    message: str | None = None

    @property
    def year(self) -> str:
        if self.years is None:
            return ""
        low, high = self.years
        return str(low) if low == high else f"{low}–{high}"

    @property
    def status_ru(self) -> str:
        return STATUS_RU.get(self.status, self.status)

    def as_json(self) -> dict[str, Any]:
        return {"sha256": self.sha256, "file": self.file, "format": self.format,
                "region": self.region, "organization": self.organization,
                "years": list(self.years) if self.years else None, "status": self.status,
                "errors": self.errors,
                "warnings": self.warnings,
                "imported_at": self.imported_at.isoformat() if self.imported_at else None,
                "code": self.code, "message": self.message}


_DOCUMENTS_SQL = (
    "SELECT d.sha256, d.path, d.format, d.region, d.organization, MIN(t.year), MAX(t.year),"
    " d.status, d.errors, d.warnings, d.imported_at FROM documents d"
    " LEFT JOIN tables t ON t.sha256 = d.sha256"
    " GROUP BY d.sha256, d.path, d.format, d.region, d.organization, d.status, d.errors,"
    " d.warnings, d.imported_at")
_FAILURES_SQL = "SELECT path, sha256, code, message, failed_at FROM failures"


def _years(low: int | None, high: int | None) -> tuple[int, int] | None:
    return None if low is None or high is None else (int(low), int(high))


class Library:
    """The server's files and store (one per application; safe to use from many threads)."""

    def __init__(self, out: Path, db: str | None, limits: Limits) -> None:
        self.out = out
        self.db = db
        self.limits = limits
        self.uploads = out / "uploads"
        self.web = out / "web"
        self._store_lock = threading.Lock()  # DuckDB: one writer; open, use, close
        self._reads = threading.BoundedSemaphore(READS_AT_ONCE)

    @contextlib.contextmanager
    def store(self) -> Iterator[Store]:
        """The store, opened for one use (so a batch can have it in between); raises
        ``StoreError`` when it cannot be opened."""
        with self._store_lock:
            self.out.mkdir(parents=True, exist_ok=True)
            with open_store(self.db or self.out / "svodka.duckdb") as store:
                yield store

    # --- uploads ---------------------------------------------------------------------

    def save_upload(self, data: IO[bytes], name: str) -> Path:
        """The uploaded bytes as ``uploads/<sha256><suffix>`` (written atomically)."""
        self.uploads.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        fd, tmp = tempfile.mkstemp(prefix=".upload-", suffix=".tmp", dir=self.uploads)
        try:
            with os.fdopen(fd, "wb") as fh:
                while chunk := data.read(CHUNK):
                    digest.update(chunk)
                    fh.write(chunk)
            target = self.uploads / f"{digest.hexdigest()}{clean_suffix(name)}"
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return target

    def check_upload(self, data: IO[bytes], name: str | None,
                     password: str | None = None) -> Checked:
        """Save, read (under the limits), keep the report and its downloads, store it."""
        shown = display_name(name)
        source = self.save_upload(data, shown)
        sha = source.name[:64]
        report = self._read(source, password)
        report.document.path = shown
        self._write_outputs(sha, report)
        try:
            self._to_store(report)
        except StoreError as exc:
            return Checked(sha, report, " ".join(str(exc).split()))
        return Checked(sha, report)

    def _read(self, source: Path, password: str | None) -> Report:
        with self._reads:
            try:
                return read(source, password=password, limits=self.limits)
            except SvodkaError as exc:
                return failure_report(source, exc.code, exc.message, exc.stage)
            except Exception as exc:  # noqa: BLE001 - with no limits it reads here: a bug
                return failure_report(source, "E_INTERNAL", f"{type(exc).__name__}: {exc}"[:300])

    def _write_outputs(self, sha: str, report: Report) -> Path:
        folder = self.web / sha
        folder.mkdir(parents=True, exist_ok=True)
        if report.status == "failure":
            write_text_atomic(folder / "report.json", report_to_json(report))
            return folder
        write_document_outputs(report, folder, DIALECTS["default"])
        write_xlsx([report], folder / "report.xlsx")
        return folder

    def _to_store(self, report: Report) -> None:
        with self.store() as store:
            if report.status == "failure":
                code, _, message = error_of(report)
                store.record_failures([FailedFile(report.document.path, report.document.sha256,
                                                  code, message)])
            else:
                store.replace_document(report)

    # --- reports and downloads ---------------------------------------------------------

    def report(self, sha: str) -> Report | None:
        """The fullest report of document ``sha``: the server's own, the batch's
        report.json, the store's (no boxes), or the failure the store recorded."""
        if not SHA256.fullmatch(sha):
            return None
        for path in (self.web / sha / "report.json", self._batch_report(sha)):
            if path is not None and path.is_file():
                return Report.model_validate_json(path.read_text(encoding="utf-8"))
        with self.store() as store:
            stored = store.report(sha)
            if stored is not None:
                return stored
            failed = store.query("SELECT path, code, message FROM failures WHERE sha256 = ?"
                                 " ORDER BY failed_at DESC", [sha])
        if not failed:
            return None
        path, code, message = failed[0]
        report = failure_report(path, code, message)
        report.document.sha256 = sha
        return report

    def _batch_report(self, sha: str) -> Path | None:
        entry = Manifest.load(self.out).documents.get(sha)
        if not entry or not entry.get("out_dir"):
            return None
        return Path(entry["out_dir"]) / "report.json"

    def source(self, report: Report) -> Path | None:
        """The file a report's PDF page pictures are drawn from: the upload, else the path
        the batch read it from (when it is still there)."""
        if report.document.format not in PDF_FORMATS:
            return None
        upload = self.uploads / f"{report.document.sha256}.pdf"
        if upload.is_file():
            return upload
        found = sorted(self.uploads.glob(f"{report.document.sha256}*"))
        if found:
            return found[0]
        path = Path(report.document.path)
        return path if path.is_file() else None

    def download(self, sha: str, name: str) -> tuple[Path, str] | None:
        """A download of document ``sha`` (made on first use) and the file name to offer."""
        if not DOWNLOAD.fullmatch(name):
            return None
        report = self.report(sha)
        if report is None or report.status == "failure":
            return None
        folder = self.web / sha
        if not (folder / name).is_file():
            self._write_outputs(sha, report)
        path = folder / name
        if not path.is_file():
            return None
        return path, f"{safe_name(Path(report.document.path), sha)}-{name}"

    def downloads(self, report: Report) -> list[str]:
        """The names of the downloads of a read document."""
        tables = [f"table-{t.id}.csv" for t in report.tables]
        return ["report.xlsx", "report.json", "cells.csv", "findings.csv", *tables]

    # --- the data officer's list -------------------------------------------------------

    def documents(self) -> list[DocumentRow]:
        """Every stored document and every failed file (not read since)."""
        with self.store() as store:
            docs = store.query(_DOCUMENTS_SQL)
            failures = store.query(_FAILURES_SQL)
        rows = [DocumentRow(sha, path, fmt, region, org, _years(low, high), status,
                            int(errors), int(warnings), imported)
                for sha, path, fmt, region, org, low, high, status, errors, warnings, imported
                in docs]
        rows += [DocumentRow(sha, path, None, None, None, None, "failure", 0, 0, failed_at,
                             code, message)
                 for path, sha, code, message, failed_at in failures]
        return rows


SORT_KEYS = ("file", "region", "organization", "years", "status", "errors", "warnings",
             "imported_at")


def select_rows(rows: list[DocumentRow], *, q: str = "", status: str = "",
                year: int | None = None,
                sort: str = "imported_at", descending: bool = True) -> list[DocumentRow]:
    """The rows whose file, region, organisation or error holds ``q`` (any case), of that
    ``status`` and ``year`` (when given), sorted by ``sort`` (empty values last)."""
    needle = q.strip().casefold()

    def keep(r: DocumentRow) -> bool:
        text = " ".join(x or "" for x in (r.file, r.region, r.organization, r.code, r.message))
        return ((not needle or needle in text.casefold())
                and (not status or r.status == status)
                and (year is None or (r.years is not None
                                      and r.years[0] <= year <= r.years[1])))

    key = sort if sort in SORT_KEYS else "imported_at"
    chosen = [r for r in rows if keep(r)]
    present = [r for r in chosen if getattr(r, key) not in (None, "")]
    empty = [r for r in chosen if getattr(r, key) in (None, "")]

    def value(r: DocumentRow) -> Any:
        v = getattr(r, key)
        return v.casefold() if isinstance(v, str) else v

    present.sort(key=lambda r: (value(r), r.file.casefold()), reverse=descending)
    return present + sorted(empty, key=lambda r: r.file.casefold())
