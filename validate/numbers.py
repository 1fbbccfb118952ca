"""Cells to terms (value, printed scale) and Decimals back to Russian text."""

from __future__ import annotations

import re
from decimal import Decimal

from schemas.numformat import RU
from schemas.report import Cell, Status

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


def format_ru(value: Decimal, decimals: int | None = None) -> str:
    """``Decimal("4459.3")`` → ``"4 459,3"``; ``decimals`` pads or rounds the fraction."""
    if decimals is not None:
        value = value.quantize(Decimal(1).scaleb(-decimals))
    text = format(value, "f")
    sign = "-" if text.startswith("-") else ""
    int_part, _, frac = text.lstrip("-").partition(".")
    groups: list[str] = []
    while len(int_part) > 3:
        groups.insert(0, int_part[-3:])
        int_part = int_part[:-3]
    groups.insert(0, int_part)
    return sign + RU.group_chars[0].join(groups) + (RU.decimal_chars[0] + frac if frac else "")


def cell_display(cell: Cell, value: Decimal, decimals: int) -> str:
    if cell.status is Status.NOT_APPLICABLE:
        return "х"
    if cell.status is Status.DASH:
        return "-"
    return format_ru(value, decimals)
