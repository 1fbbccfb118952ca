"""The public Python API: the CLI is a thin layer over these functions.

    >>> import svodka
    >>> report = svodka.read("raw/smolensk-2017-deck.pdf")
    >>> [f.message for f in report.findings if f.severity == "error"]
    >>> report.cells_frame().head()          # tidy pandas view
    >>> report.tables[0].to_frame()          # laid out like the report

Every read runs under ``schemas.limits.Limits`` (README, "Limits"): by default in a child
process bounded in wall time and memory, with the PDF reader's own checks (pages, inflated
stream bytes, rendered pixels) on.  ``svodka.read(path, limits=svodka.NO_LIMITS)`` reads
in the caller's process with no limit at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from svodka.extract import document_to_raw, preload
from svodka.extract.common import sha256_of
from svodka.normalize import raw_to_report
from svodka.schemas import Document, Finding, Report, Severity, SvodkaError
from svodka.schemas.limits import Limits
from svodka.schemas.report import DocumentError
from svodka.validate import report_to_ocr_corrections, report_to_validation
from svodka.workers import Failure, call_limited, can_start_children, current_stage, note_stage


def read(
    path: str | Path,
    *,
    password: str | None = None,
    validate: bool = True,
    limits: Limits | None = None,
) -> Report:
    """Read one document: extract its tables, type every cell, check the arithmetic.

    OCR misreadings the arithmetic pins down are corrected first (status ``ocr_corrected``,
    an info finding each), so the check sees the corrected figures.

    ``limits`` (default ``Limits()``: 120 s, 2048 MiB, 5000 pages, 512 MiB inflated, 40
    megapixels a rendered page): with a time or memory limit the read runs in a child
    process, stopped when it passes one; inside a daemonic process, which cannot start one,
    only the reader's own checks apply.

    Raises ``schemas.SvodkaError`` (with a stable ``code``) when the file cannot be read or
    a limit trips: ``E_TIMEOUT``, ``E_MEMORY``, ``E_LIMIT`` (pages, inflated bytes),
    ``E_CRASH`` (the child died), ``E_INTERNAL`` (a bug, in the child).
    """
    limits = Limits() if limits is None else limits
    if not limits.isolated or not can_start_children():
        return read_here(path, password=password, validate=validate, limits=limits.in_process())
    preload(Path(path))  # imported here once, not in every child
    task = _LimitedRead(str(path), password, validate, limits.in_process())
    out = call_limited(task, None, limits)
    if isinstance(out, Failure):
        raise SvodkaError(str(path), out.reason, code=out.code, stage=out.stage)
    if isinstance(out, SvodkaError):
        raise out
    return out


def read_here(
    path: str | Path, *, password: str | None = None, validate: bool = True,
    limits: Limits | None = None,
) -> Report:
    """``read`` in this process, under the reader's own checks only (``limits``'s pages,
    inflated bytes and pixels; its time and memory are not enforced here)."""
    note_stage("extract")
    raw = document_to_raw(Path(path), password=password, limits=limits)
    raw.path = str(path)
    note_stage("normalize")
    report = raw_to_report(raw)
    if validate:
        note_stage("validate")
        report, corrected = report_to_ocr_corrections(report)
        findings, checks = report_to_validation(report)
        report.findings = [*report.findings, *corrected, *findings]
        report.checks = checks
    if report.status == "failure" and report.error is None:
        first = next((f for f in report.findings if f.severity is Severity.ERROR), None)
        if first is not None:
            report.error = DocumentError(code=first.rule, message=first.message)
    return report


def failure_report(path: str | Path, code: str, message: str, stage: str = "extract") -> Report:
    """The contract document of a file that could not be read: status ``failure``, the
    error (code, stage, reason) and the same as one error finding whose rule is the code."""
    try:
        sha = sha256_of(Path(path))
    except OSError:
        sha = ""
    suffix = Path(path).suffix.lower().lstrip(".")
    return Report(
        document=Document(path=str(path), sha256=sha, format=suffix or "unknown", pages=0),
        status="failure",
        findings=[Finding(severity=Severity.ERROR, rule=code, message=message)],
        error=DocumentError(code=code, stage=stage, message=message),
    )


@dataclass(frozen=True)
class _LimitedRead:
    """``read_here`` in the child process; its errors come back as values (an exception
    raised there would be a crash to the parent)."""

    path: str
    password: str | None
    validate: bool
    limits: Limits

    def __call__(self, _: None) -> Report | SvodkaError:
        try:
            return read_here(self.path, password=self.password, validate=self.validate,
                             limits=self.limits)
        except SvodkaError as exc:
            return exc
        except MemoryError:
            raise  # the parent reports E_MEMORY
        except Exception as exc:  # noqa: BLE001 - a bug: the caller gets a code, not a crash
            return SvodkaError(self.path, f"{type(exc).__name__}: {exc}"[:300],
                               code="E_INTERNAL", stage=current_stage())
