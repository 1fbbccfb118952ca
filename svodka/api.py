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
from normalize import raw_to_report
from schemas import Report
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
    return report
