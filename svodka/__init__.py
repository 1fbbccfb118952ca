"""svodka: Russian public-sector reports to clean, typed, checked data.

Public API: :func:`read` returns a :class:`schemas.Report` (the JSON contract);
:func:`read_many` reads many files in worker processes, yielding a report (or a
``failure`` report) per file; ``Report.findings``, ``Report.findings_frame()``,
``Report.cells_frame()`` and ``Table.to_frame()`` give the checks and pandas views;
:class:`Limits` bounds a read (``NO_LIMITS``: none).
``svodka.pipeline.run_batch`` is the batch job.
"""

from importlib.metadata import PackageNotFoundError, version

from svodka.api import read
from svodka.pipeline import read_many
from svodka.schemas import Finding, Report, SvodkaError, Table
from svodka.schemas.limits import NO_LIMITS, Limits

try:
    __version__ = version("svodka")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0+unknown"

__all__ = ["NO_LIMITS", "Finding", "Limits", "Report", "SvodkaError", "Table", "__version__",
           "read", "read_many"]
