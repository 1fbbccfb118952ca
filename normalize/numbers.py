"""Parse one table cell's text into a number, a symbol, or "unreadable".

The characters come from ``schemas.numformat.RU``; this module only checks the
*shape* of the text.  Rules, in order:

* empty or whitespace only → ``empty``; a unit alone (``ед.``, ``тыс. руб.``) → ``empty``
  with that unit (a blank cell of a form);
* a lone dash (``-`` ``–`` ``—`` ``−``) → ``dash``; ``х``/``Х``/``x``/``X`` → ``not_applicable``
  (either may carry a footnote mark: ``х*``);
* otherwise ``[sign] digits [decimal digits] [footnote] [unit] [footnote]`` where

  - the sign is a leading minus character directly before the digits, or brackets
    around the whole number: ``(1 226,8)``;
  - digits are either ungrouped (``17416,6``) or grouped in threes after a first
    group of 1-3 digits, each separator exactly one group character
    (``1 234 567``); ``1 2 3``, ``5603 4459,3`` and ``9 705,1 0`` are unreadable
    because they are more likely several cells glued together than one number;
    a line break is never a group separator (``814\\n339,5`` is two values);
  - a leading zero is only allowed as the whole integer part (``0``, ``0,5``);
  - exactly one decimal character, comma or point, with digits on both sides;
    the scale is kept (``5 230,0`` → ``Decimal("5230.0")``);
  - **a point is always a decimal point**: ``1.5`` is 1.5 and ``1.234`` is 1.234.
    Point-grouped thousands (``1.234.567``) are unreadable, never guessed: in these
    reports two points are far more likely a date or a code than a number;
  - the unit is named by a word after the number (``тыс. руб.``, ``%``, ``ед.``);
    an unknown word (``4 кв. 2017``, ``2018 г.``, ``1,5 млн руб.``) makes the
    cell unreadable rather than dropping the word.

Anything else is ``unreadable`` with the text kept in ``raw``; nothing raises and
nothing becomes a silent zero.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from decimal import Decimal

from svodka.schemas.numformat import RU, NumberFormat
from svodka.schemas.report import Status, Unit

_UNIT_WORDS: dict[str, Unit] = {
    # keys are lower-cased with spaces and dots removed: "тыс. руб." → "тысруб"
    "тысруб": Unit.THOUSAND_RUB,
    "тысрублей": Unit.THOUSAND_RUB,
    "тысячруб": Unit.THOUSAND_RUB,
    "тысячрублей": Unit.THOUSAND_RUB,
    "тыср": Unit.THOUSAND_RUB,
    "руб": Unit.RUB,
    "рубль": Unit.RUB,
    "рубля": Unit.RUB,
    "рублей": Unit.RUB,
    "р": Unit.RUB,
    "ед": Unit.COUNT,
    "единица": Unit.COUNT,
    "единицы": Unit.COUNT,
    "единиц": Unit.COUNT,
    "шт": Unit.COUNT,
    "штук": Unit.COUNT,
    "штуки": Unit.COUNT,
    "%": Unit.PERCENT,
    "процент": Unit.PERCENT,
    "процента": Unit.PERCENT,
    "процентов": Unit.PERCENT,
}


@dataclass(frozen=True)
class ParsedNumber:
    """One cell's text, classified.  ``value`` is set iff ``status`` is ``number``."""

    value: Decimal | None
    status: Status
    unit: Unit | None
    footnote: str | None
    raw: str


@functools.lru_cache(maxsize=1 << 16)
def parse_number(text: str, fmt: NumberFormat = RU) -> ParsedNumber:
    """Classify and parse ``text``; never raises (see the module docstring).

    Memoised: a table's cells are classified while its columns are found, then parsed
    (the same texts), and marks such as "х" or "-" repeat everywhere; the result is
    immutable."""
    core = text.strip()
    if not core:
        return ParsedNumber(None, Status.EMPTY, None, None, text)
    body, unit_text = _split_unit(core)
    body, mark = _split_footnote(body, fmt)
    if unit_text is not None:
        unit_text, unit_mark = _split_footnote(unit_text, fmt)
        if mark is not None and unit_mark is not None:
            return _unreadable(text)
        mark = mark or unit_mark
    if unit_text is None and mark is None and _unit_key(body) in _UNIT_WORDS:
        # a unit with no number ("ед.", "тыс. руб."): a blank cell of a form
        return ParsedNumber(None, Status.EMPTY, _UNIT_WORDS[_unit_key(body)], None, text)
    symbol = _symbol_status(body, fmt)
    if symbol is not None:
        if unit_text is not None:
            return _unreadable(text)
        return ParsedNumber(None, symbol, None, mark, text)
    unit = None if unit_text is None else _UNIT_WORDS.get(_unit_key(unit_text))
    value = _parse_signed(body, fmt)
    if value is None or (unit_text is not None and unit is None):
        return _unreadable(text)
    return ParsedNumber(value, Status.NUMBER, unit, mark, text)


def looks_like_number(text: str, fmt: NumberFormat = RU) -> bool:
    """True for a number, a dash or a not-applicable mark: what a value column holds."""
    status = parse_number(text, fmt).status
    return status in (Status.NUMBER, Status.DASH, Status.NOT_APPLICABLE)


def _unreadable(text: str) -> ParsedNumber:
    return ParsedNumber(None, Status.UNREADABLE, None, None, text)


def _split_unit(core: str) -> tuple[str, str | None]:
    """Split ``"1 200 тыс. руб."`` into ``("1 200", "тыс. руб.")``; no unit → ``(core, None)``.

    The unit starts at the first letter or ``%``; a text starting with a letter
    (``х``, ``тыс. руб.``) has no number part to split off.
    """
    for index, char in enumerate(core):
        if char.isalpha() or char == "%":
            if index == 0:
                return core, None
            return core[:index].rstrip(), core[index:].strip()
    return core, None


def _split_footnote(text: str, fmt: NumberFormat) -> tuple[str, str | None]:
    """Split a trailing run of footnote marks: ``"4**"`` → ``("4", "**")``."""
    end = len(text)
    while end > 0 and text[end - 1] in fmt.footnote_chars:
        end -= 1
    mark = text[end:] or None
    return text[:end].rstrip(), mark


def _unit_key(unit_text: str) -> str:
    return "".join(ch for ch in unit_text.lower() if not ch.isspace() and ch != ".")


def _symbol_status(text: str, fmt: NumberFormat) -> Status | None:
    if len(text) == 1 and text in fmt.dash_chars:
        return Status.DASH
    if text in fmt.not_applicable:
        return Status.NOT_APPLICABLE
    return None


def _parse_signed(text: str, fmt: NumberFormat) -> Decimal | None:
    """A number with an optional sign: leading minus character or enclosing brackets."""
    negative = False
    if len(text) >= 2 and text[0] == "(" and text[-1] == ")":
        negative, text = True, text[1:-1].strip()
    elif text[:1] and text[0] in fmt.minus_chars:
        negative, text = True, text[1:]
    value = _parse_unsigned(text, fmt)
    if value is None:
        return None
    if negative:
        value = -value
    return value.copy_abs() if value.is_zero() else value


def _parse_unsigned(text: str, fmt: NumberFormat) -> Decimal | None:
    split = _split_decimal(text, fmt)
    if split is None:
        return None
    int_part, frac = split
    digits = _ungroup(int_part, fmt)
    if digits is None:
        return None
    return Decimal(digits if frac is None else f"{digits}.{frac}")


def _split_decimal(text: str, fmt: NumberFormat) -> tuple[str, str | None] | None:
    """``"1 234,5"`` → ``("1 234", "5")``; None when the decimal part is malformed."""
    positions = [i for i, ch in enumerate(text) if ch in fmt.decimal_chars]
    if not positions:
        return text, None
    if len(positions) > 1:
        return None
    frac = text[positions[0] + 1 :]
    if not _is_digits(frac):
        return None
    return text[: positions[0]], frac


def _ungroup(int_part: str, fmt: NumberFormat) -> str | None:
    """Digits of an integer part whose grouping has the right shape, else None."""
    groups = _split_groups(int_part, fmt)
    if not all(_is_digits(group) for group in groups):
        return None
    first = groups[0]
    if first.startswith("0") and int_part != "0":
        return None
    if len(groups) > 1 and (len(first) > 3 or any(len(g) != 3 for g in groups[1:])):
        return None
    return "".join(groups)


def _split_groups(int_part: str, fmt: NumberFormat) -> list[str]:
    groups = [""]
    for char in int_part:
        if char in fmt.group_chars:
            groups.append("")
        else:
            groups[-1] += char
    return groups


def _is_digits(text: str) -> bool:
    return text.isascii() and text.isdigit()
