"""Stage 4: reports to files (contract JSON, CSV, …), always written atomically."""

from svodka.export.atomic import atomic_open, write_text_atomic
from svodka.export.csvout import DIALECTS, Dialect, neutralise, write_csv
from svodka.export.jsonout import report_to_json, write_report_json

__all__ = [
    "DIALECTS",
    "Dialect",
    "atomic_open",
    "neutralise",
    "report_to_json",
    "write_csv",
    "write_report_json",
    "write_text_atomic",
]
