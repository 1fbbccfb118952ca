"""Cells to terms (value, printed scale) and Decimals back to Russian text."""

from __future__ import annotations

import re
from decimal import Decimal

from svodka.schemas.numformat import format_ru
from svodka.schemas.report import Cell, Status

_DECIMALS = re.compile(r"\d[\d \u00a0\u202f\u2009]*[.,](\d+)")


def printed_decimals(cell: Cell, value: Decimal) -> int:
    """Digits after the decimal comma as printed: from the raw text, else the value's exponent."""
    from_raw = 0
    match = _DECIMALS.search(cell.raw)
    if match:
        from_raw = len(match.group(1))
    exponent = value.as_tuple().exponent
    from_value = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return max(from_raw, from_value)


def cell_display(cell: Cell, value: Decimal, decimals: int) -> str:
    if cell.status is Status.NOT_APPLICABLE:
        return "х"
    if cell.status is Status.DASH:
        return "-"
    return format_ru(value, decimals)
