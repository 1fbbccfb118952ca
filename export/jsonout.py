"""The contract JSON (one document per input file)."""

from __future__ import annotations

from pathlib import Path

from svodka.export.atomic import write_text_atomic
from svodka.schemas import Report


def report_to_json(report: Report) -> str:
    return report.model_dump_json(indent=2) + "\n"


def write_report_json(report: Report, path: Path) -> None:
    write_text_atomic(path, report_to_json(report))
