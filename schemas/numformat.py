"""The Russian number format, declared once (frictionless-style).

Extractors use it to recognise number-shaped text when they lay out columns;
the normaliser uses it to parse.  Nothing else should spell these characters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class NumberFormat:
    decimal_chars: str = ",."
    group_chars: str = " \u00a0\u202f\u2009"
    minus_chars: str = "-\u2212\u2013"
    dash_chars: str = "-\u2013\u2014\u2212"
    not_applicable: tuple[str, ...] = ("х", "Х", "x", "X")
    footnote_chars: str = "*¹²³⁴⁵⁶⁷⁸⁹⁰"


RU = NumberFormat()


def format_ru(value: Decimal, decimals: int | None = None, fmt: NumberFormat = RU) -> str:
    """A number for people: ``Decimal("6979.8")`` → ``"6 979,8"`` (scale kept).

    ``decimals`` pads or rounds the fraction to that many digits.
    """
    if not value.is_finite():
        return str(value)
    if decimals is not None:
        value = value.quantize(Decimal(1).scaleb(-decimals))
    text = format(value, "f")
    sign = fmt.minus_chars[0] if text.startswith("-") else ""
    int_part, _, frac = text.lstrip("-").partition(".")
    groups: list[str] = []
    while len(int_part) > 3:
        groups.insert(0, int_part[-3:])
        int_part = int_part[:-3]
    groups.insert(0, int_part)
    grouped = fmt.group_chars[0].join(groups)
    return sign + grouped + (fmt.decimal_chars[0] + frac if frac else "")


UNIT_CAPTION = re.compile(
    r"^\s*\(?\s*(?:ед(?:\.|иница)?\s*изм(?:\.|ерения)?\s*[:\-–]?\s*)?(?:в\s+)?"
    r"(?:(?:тыс\.?|тысяч[а-я]*|млн\.?|миллион[а-я]*)\s*)?(?:руб\.?|рубл[а-я]*)\s*\)?\s*\.?\s*$",
    re.I,
)
"""A caption that names only the unit of a table: "(тыс. рублей)", "тыс. руб.",
"Единица измерения: тыс. рублей", "(в рублях)". It sits above or beside a table and is
never one of its header cells. A bare "рублей" is not a caption: it may be the second
line of a header cell ("Сумма, / рублей")."""

_CAPTION_MARK = re.compile(r"^\s*\(|тыс|млн|милл|изм|^\s*в\s", re.I)


def is_unit_caption(text: str) -> bool:
    return bool(UNIT_CAPTION.match(text) and _CAPTION_MARK.search(text))
