"""Stage 2: raw grids to typed contract records (numbers, codes, labels, tables)."""

from svodka.normalize.document import raw_to_report

__all__ = ["raw_to_report"]
