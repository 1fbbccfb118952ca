"""The Russian number format, declared once (frictionless-style).

Extractors use it to recognise number-shaped text when they lay out columns;
the normaliser uses it to parse.  Nothing else should spell these characters.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NumberFormat:
    decimal_chars: str = ",."
    group_chars: str = " \u00a0\u202f\u2009"
    minus_chars: str = "-\u2212\u2013"
    dash_chars: str = "-\u2013\u2014\u2212"
    not_applicable: tuple[str, ...] = ("х", "Х", "x", "X")
    footnote_chars: str = "*¹²³⁴⁵⁶⁷⁸⁹⁰"


RU = NumberFormat()
