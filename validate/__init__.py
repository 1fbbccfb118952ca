"""Stage 3: the arithmetic the reports promise, checked; the wrong cell named where possible."""

from .check import (
    RULES,
    checked_tables,
    report_to_findings,
    report_to_validation,
    table_to_findings,
)
from .model import Skipped
from .ocr_correct import report_to_ocr_corrections

__all__ = [
    "RULES",
    "Skipped",
    "checked_tables",
    "report_to_findings",
    "report_to_ocr_corrections",
    "report_to_validation",
    "table_to_findings",
]
