"""normalize.numbers: Russian number cells → ParsedNumber."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from svodka.normalize.numbers import ParsedNumber, looks_like_number, parse_number
from svodka.schemas.numformat import format_ru
from svodka.schemas.report import Status, Unit

NUMBERS: list[tuple[str, str]] = [
    # plain, grouping with every group character, scale kept
    ("0", "0"),
    ("0,0", "0.0"),
    ("942,3", "942.3"),
    ("5 230,0", "5230.0"),
    ("1 320", "1320"),
    ("6\u00a0979,8", "6979.8"),
    ("6\u202f979,8", "6979.8"),
    ("6\u2009979,8", "6979.8"),
    ("1 234 567,89", "1234567.89"),
    ("1\u00a0234 567", "1234567"),
    ("17416,6", "17416.6"),
    ("525000", "525000"),
    # decimal point
    ("361011.4", "361011.4"),
    ("1.5", "1.5"),
    ("1.234", "1.234"),
    ("1 234.5", "1234.5"),
    # negatives
    ("-12,5", "-12.5"),
    ("\u221212,5", "-12.5"),
    ("\u201312,5", "-12.5"),
    ("-10190,0", "-10190.0"),
    ("(12,5)", "-12.5"),
    ("(1 226,8)", "-1226.8"),
    ("( 1 226,8 )", "-1226.8"),
    ("-0,0", "0.0"),
    ("(0)", "0"),
    # stray whitespace and line breaks around
    ("1 320\n", "1320"),
    (" 12,5 ", "12.5"),
    ("\n\t942,3\u00a0\n", "942.3"),
]


@pytest.mark.parametrize(("text", "expected"), NUMBERS)
def test_numbers(text: str, expected: str) -> None:
    parsed = parse_number(text)
    assert parsed == ParsedNumber(Decimal(expected), Status.NUMBER, None, None, text)
    assert str(parsed.value) == expected  # scale kept


@pytest.mark.parametrize(
    ("text", "expected", "unit"),
    [
        ("5%", "5", Unit.PERCENT),
        ("5 %", "5", Unit.PERCENT),
        ("12,5%", "12.5", Unit.PERCENT),
        ("525000 тыс.рублей", "525000", Unit.THOUSAND_RUB),
        ("200 тыс. рублей", "200", Unit.THOUSAND_RUB),
        ("1 200 тыс. руб.", "1200", Unit.THOUSAND_RUB),
        ("1 200 тыс.руб.", "1200", Unit.THOUSAND_RUB),
        ("200\nтыс. рублей", "200", Unit.THOUSAND_RUB),
        ("12 руб.", "12", Unit.RUB),
        ("12 рублей", "12", Unit.RUB),
        ("3 ед.", "3", Unit.COUNT),
        ("3 единиц", "3", Unit.COUNT),
        ("3 Ед.", "3", Unit.COUNT),
        ("-1,5 %", "-1.5", Unit.PERCENT),
    ],
)
def test_units(text: str, expected: str, unit: Unit) -> None:
    parsed = parse_number(text)
    assert parsed == ParsedNumber(Decimal(expected), Status.NUMBER, unit, None, text)


@pytest.mark.parametrize(
    ("text", "expected", "mark", "unit"),
    [
        ("4*", "4", "*", None),
        ("4**", "4", "**", None),
        ("12¹", "12", "¹", None),
        ("4 *", "4", "*", None),
        ("(12,5)*", "-12.5", "*", None),
        ("5%*", "5", "*", Unit.PERCENT),
        ("200* тыс. рублей", "200", "*", Unit.THOUSAND_RUB),
        ("200 тыс. рублей*", "200", "*", Unit.THOUSAND_RUB),
    ],
)
def test_footnotes(text: str, expected: str, mark: str, unit: Unit | None) -> None:
    parsed = parse_number(text)
    assert parsed == ParsedNumber(Decimal(expected), Status.NUMBER, unit, mark, text)


@pytest.mark.parametrize(
    ("text", "status", "mark"),
    [
        ("-", Status.DASH, None),
        ("–", Status.DASH, None),
        ("—", Status.DASH, None),
        ("\u2212", Status.DASH, None),
        (" - \n", Status.DASH, None),
        ("х", Status.NOT_APPLICABLE, None),
        ("Х", Status.NOT_APPLICABLE, None),
        ("x", Status.NOT_APPLICABLE, None),
        ("X", Status.NOT_APPLICABLE, None),
        (" х\n", Status.NOT_APPLICABLE, None),
        ("х*", Status.NOT_APPLICABLE, "*"),
        ("", Status.EMPTY, None),
        ("   ", Status.EMPTY, None),
        ("\u00a0\n\t", Status.EMPTY, None),
    ],
)
def test_symbols(text: str, status: Status, mark: str | None) -> None:
    assert parse_number(text) == ParsedNumber(None, status, None, mark, text)


UNREADABLE = [
    "1 2 3",  # groups not of three
    "9 705,1 0",  # grouping inside the fraction
    "5603 4459,3",  # two cells glued: first group too long
    "10 608,1 9 705,1",
    "12 3456",
    "1  320",  # double space: two cells?
    "814\n339,5",  # stacked values, a line break never groups
    "1.234.567",  # point grouping is not guessed
    "1,234.5",
    "01.02.2018",
    "9.5.1",
    "007",
    "0 123",
    ",5",
    "12,",
    "12.",
    "- 12,5",  # dash then number: two cells
    "--12",
    "-(12,5)",
    "(12,5",
    "12,5)",
    "—12,5",  # em dash is a dash, never a minus
    "4 кв. 2017",
    "2018 г.",
    "1,5 млн руб.",
    "12 руб. 50 коп.",
    "*",
    "- тыс. руб.",
    "х тыс. руб.",
    "4* тыс. руб.*",
    "хх",
    "abc",
    "1e5",
    "١٢",  # non-ASCII digits
    "12⁵⁵x",
    "²",
    "N п/п",
]


@pytest.mark.parametrize("text", UNREADABLE)
def test_unreadable(text: str) -> None:
    assert parse_number(text) == ParsedNumber(None, Status.UNREADABLE, None, None, text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("12,5", True), ("-", True), ("х", True), ("5%", True), ("", False), ("1 2 3", False)],
)
def test_looks_like_number(text: str, expected: bool) -> None:
    assert looks_like_number(text) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("6979.8", "6 979,8"),
        ("5230.0", "5 230,0"),
        ("0.0", "0,0"),
        ("0", "0"),
        ("999", "999"),
        ("1000", "1 000"),
        ("1234567.89", "1 234 567,89"),
        ("-1226.8", "-1 226,8"),
        ("-12.5", "-12,5"),
        ("1E+3", "1 000"),
    ],
)
def test_format_ru(value: str, expected: str) -> None:
    assert format_ru(Decimal(value)) == expected


# --- properties ---------------------------------------------------------------------------

GROUPS = ["", " ", "\u00a0", "\u202f", "\u2009"]
MINUS_STYLES = ["-", "\u2212", "\u2013", "()"]
SUFFIXES = [
    ("", None),
    ("%", Unit.PERCENT),
    (" %", Unit.PERCENT),
    (" тыс. рублей", Unit.THOUSAND_RUB),
]

decimals = st.builds(
    lambda units, places: Decimal(units).scaleb(-places),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.integers(min_value=0, max_value=2),
)


def _render(value: Decimal, group: str, point: str, minus: str) -> str:
    int_part, _, frac = format(abs(value), "f").partition(".")
    groups: list[str] = []
    while group and len(int_part) > 3:
        groups.insert(0, int_part[-3:])
        int_part = int_part[:-3]
    body = group.join([int_part, *groups]) + (point + frac if frac else "")
    if value >= 0:
        return body
    return f"({body})" if minus == "()" else minus + body


@given(
    value=decimals,
    group=st.sampled_from(GROUPS),
    point=st.sampled_from([",", "."]),
    minus=st.sampled_from(MINUS_STYLES),
    suffix=st.sampled_from(SUFFIXES),
    footnote=st.sampled_from(["", "*"]),
)
def test_round_trip(
    value: Decimal,
    group: str,
    point: str,
    minus: str,
    suffix: tuple[str, Unit | None],
    footnote: str,
) -> None:
    text = _render(value, group, point, minus) + footnote + suffix[0]
    parsed = parse_number(text)
    assert parsed.status is Status.NUMBER, text
    assert parsed.value == value
    assert parsed.value is not None
    assert parsed.value.as_tuple().exponent == value.as_tuple().exponent
    assert parsed.unit is suffix[1]
    assert parsed.footnote == (footnote or None)
    assert parsed.raw == text


@given(decimals)
def test_format_ru_round_trips(value: Decimal) -> None:
    parsed = parse_number(format_ru(value))
    assert parsed.value == value
    assert parsed.value is not None
    assert str(parsed.value) == str(value.copy_abs() if value.is_zero() else value)


NUMBERISH = st.lists(
    st.sampled_from([*"0123456789 ,.-−–—()%*¹х\u00a0\u202f\n", "тыс. руб.", "ед", "123"]),
    max_size=20,
).map("".join)


@given(st.one_of(st.text(), NUMBERISH))
def test_never_raises_and_is_consistent(text: str) -> None:
    parsed = parse_number(text)
    assert isinstance(parsed, ParsedNumber)
    assert parsed.raw == text
    assert (parsed.value is not None) == (parsed.status is Status.NUMBER)
    if parsed.status in (Status.EMPTY, Status.UNREADABLE):
        assert parsed.footnote is None
    if parsed.status is Status.EMPTY and parsed.unit is not None:
        assert text.strip() and not any(ch.isdigit() for ch in text)  # a unit alone
    elif parsed.status is not Status.NUMBER:
        assert parsed.unit is None
    assert looks_like_number(text) == (
        parsed.status in (Status.NUMBER, Status.DASH, Status.NOT_APPLICABLE)
    )


@pytest.mark.parametrize(
    ("text", "unit"), [("ед.", Unit.COUNT), ("тыс. руб.", Unit.THOUSAND_RUB), ("%", Unit.PERCENT)]
)
def test_unit_alone_is_an_empty_cell_with_its_unit(text: str, unit: Unit) -> None:
    parsed = parse_number(text)
    expected = (None, Status.EMPTY, unit, text)
    assert (parsed.value, parsed.status, parsed.unit, parsed.raw) == expected
