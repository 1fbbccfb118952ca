"""Stage 3: the arithmetic the reports promise, checked; the wrong cell named where possible."""

from .check import RULES, report_to_findings, table_to_findings
from .model import Skipped

__all__ = ["RULES", "Skipped", "report_to_findings", "table_to_findings"]
