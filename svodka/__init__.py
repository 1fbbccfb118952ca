"""svodka: Russian public-sector reports to clean, typed, checked data.

Public API: :func:`read` returns a :class:`schemas.Report` (the JSON contract);
:func:`read_many` reads many files in worker processes, yielding a report (or a
``failure`` report) per file; ``Report.findings``, ``Report.findings_frame()``,
``Report.cells_frame()`` and ``Table.to_frame()`` give the checks and pandas views;
:class:`Limits` bounds a read (``NO_LIMITS``: none).
``svodka.pipeline.run_batch`` is the batch job.

The names are imported on first use (PEP 562): ``import svodka`` and ``svodka --version``
load none of the readers.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from svodka.api import read
    from svodka.pipeline import read_many
    from svodka.schemas import Finding, Report, SvodkaError, Table
    from svodka.schemas.limits import NO_LIMITS, Limits

    __version__: str

_HOME = {
    "read": "svodka.api",
    "read_many": "svodka.pipeline",
    "Finding": "svodka.schemas",
    "Report": "svodka.schemas",
    "SvodkaError": "svodka.schemas",
    "Table": "svodka.schemas",
    "NO_LIMITS": "svodka.schemas.limits",
    "Limits": "svodka.schemas.limits",
}


def __getattr__(name: str) -> Any:
    if name == "__version__":
        value: Any = _version()
    elif name in _HOME:
        value = getattr(importlib.import_module(_HOME[name]), name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("svodka")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0+unknown"


__all__ = ["NO_LIMITS", "Finding", "Limits", "Report", "SvodkaError", "Table", "__version__",
           "read", "read_many"]
