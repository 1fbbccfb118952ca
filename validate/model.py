"""Value types shared by the validators: cell references, terms, equations, skips."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import NamedTuple

from svodka.schemas.report import Cell, Measure, Source

from .numbers import cell_display

SOURCES_SUM = "sources_sum"
CHILDREN_SUM = "children_sum"
GRAND_TOTAL = "grand_total"
BREAKDOWN = "breakdown"
TOTAL_ROWS = "total_rows"  # any table: a total row = the rows it closes
COLUMN_FORMULA = "column_formula"  # a formula of the numbering row ("12=10*11")
COLUMN_PRODUCT = "column_product"  # price × quantity = sum, read from the numbers

OCR_SURE = 0.9
"""OCR confidence (0..1) from which a figure counts as read surely: below it the figure
may be misread, so ``ocr_correct`` may put it right and a broken equation through it is a
warning, not an error."""


class Ref(NamedTuple):
    """One value cell of a table: row index, measure, source; in a table of another form
    (no measures, no sources) the column's index among the table's header paths."""

    row: int
    measure: Measure | None
    source: Source | None
    column: int = -1


@dataclass(frozen=True)
class Term:
    """A cell as the arithmetic sees it: its value, printed scale and text for messages."""

    value: Decimal
    decimals: int  # digits printed after the decimal comma
    exact: bool  # zero, "х", "-" or a whole number: no rounding slack
    blamable: bool  # False for "х": a not-applicable mark is not a mistyped figure
    cell: Cell

    @property
    def display(self) -> str:
        """"415,8", "х", "-": the figure as messages show it."""
        return cell_display(self.cell, self.value, self.decimals)


class Bound(Enum):
    EQUAL = "="  # lhs == sum(rhs)
    AT_MOST = "<="  # sum(rhs) <= lhs: a "в том числе" breakdown may be partial


@dataclass(frozen=True)
class Equation:
    """``lhs`` (=|>=) the sum of ``rhs``; ``row`` is the index of the row it is about."""

    rule: str
    row: int
    lhs: Ref
    rhs: tuple[Ref, ...]
    bound: Bound = Bound.EQUAL
    guessed: str | None = None  # why which rows it sums is a guess (broken: a warning)

    @property
    def refs(self) -> tuple[Ref, ...]:
        return (self.lhs, *self.rhs)


@dataclass(frozen=True)
class Skipped:
    """A row left out of every sum and check, with the reason (for verbose output)."""

    code: str | None
    reason: str
