"""Flat records of a report shared by the batch outputs (parquet, database).

Amounts stay ``Decimal`` all the way: they are stored with ``AMOUNT_SCALE``
decimal places (NUMERIC(38, 6) in databases, decimal128(38, 6) in parquet).
Reports print at most three decimals, so the quantisation never changes a
reported value; a value beyond 6 places would be rounded half-even.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

from schemas.numformat import format_ru

AMOUNT_PRECISION = 38
AMOUNT_SCALE = 6
_QUANTUM = Decimal(1).scaleb(-AMOUNT_SCALE)


def amount(value: Decimal | None) -> Decimal | None:
    """``value`` with exactly ``AMOUNT_SCALE`` decimal places (None stays None)."""
    if value is None:
        return None
    return value.quantize(_QUANTUM, rounding=ROUND_HALF_EVEN)


def ru_number(value: Decimal) -> str:
    """A number for people in Russian, as the findings print it: ``4459.3`` → ``4 459,3``."""
    return format_ru(value)
