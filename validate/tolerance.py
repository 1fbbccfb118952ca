"""Rounding: when does an equation hold?

Figures printed at the equation's finest scale are taken as exact, so a difference
of one unit in the last digit (0,1 on one-decimal amounts, 1 on counts) is an error.
A figure printed with fewer decimals than the finest term of the same equation
(1 320,0 against 1 319,96) may be rounded: it adds half a unit of its last digit
to the slack.  Whole numbers, zeros, "х" and "-" are exact (reports drop ",0").
"""

from __future__ import annotations

from decimal import Decimal

from .model import Bound, Equation, Ref, Term


def finest_decimals(eq: Equation, terms: dict[Ref, Term]) -> int:
    return max((terms[ref].decimals for ref in eq.refs), default=0)


def tolerance(eq: Equation, terms: dict[Ref, Term]) -> Decimal:
    finest = finest_decimals(eq, terms)
    slack = Decimal(0)
    for ref in eq.refs:
        term = terms[ref]
        if not term.exact and term.decimals < finest:
            slack += Decimal(5).scaleb(-term.decimals - 1)
    return slack


def within(eq: Equation, diff: Decimal, slack: Decimal) -> bool:
    """Whether an equation with residual ``diff`` (lhs − Σ rhs) holds, given its slack."""
    if eq.bound is Bound.AT_MOST:
        return diff >= -slack
    return abs(diff) <= slack


def residual(eq: Equation, values: dict[Ref, Decimal]) -> Decimal:
    """lhs − Σ rhs."""
    return values[eq.lhs] - sum((values[ref] for ref in eq.rhs), Decimal(0))


def falls_short(eq: Equation, values: dict[Ref, Decimal], slack: Decimal) -> bool:
    """A breakdown whose rows add up to less than the parent (incomplete)."""
    return eq.bound is Bound.AT_MOST and residual(eq, values) > slack
