"""The public Python API: the CLI is a thin layer over these functions.

    >>> import svodka
    >>> report = svodka.read("raw/smolensk-2017-deck.pdf")
    >>> [f.message for f in report.findings if f.severity == "error"]
    >>> report.cells_frame().head()          # tidy pandas view
    >>> report.tables[0].to_frame()          # laid out like the report
"""

from __future__ import annotations

from pathlib import Path

from extract import document_to_raw
from extract.common import sha256_of
from normalize import raw_to_report
from schemas import Document, Finding, Report, Severity
from schemas.report import DocumentError
from validate import report_to_ocr_corrections, report_to_validation


def read(path: str | Path, *, password: str | None = None, validate: bool = True) -> Report:
    """Read one document: extract its tables, type every cell, check the arithmetic.

    OCR misreadings the arithmetic pins down are corrected first (status ``ocr_corrected``,
    an info finding each), so the check sees the corrected figures.

    Raises ``schemas.SvodkaError`` (with a stable ``code``) when the file cannot be read.
    """
    raw = document_to_raw(Path(path), password=password)
    raw.path = str(path)
    report = raw_to_report(raw)
    if validate:
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
