"""normalize.codes: row codes like "9.5.1"."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from svodka.normalize.codes import Code, parse_code, split_leading_code


@pytest.mark.parametrize(
    ("text", "canonical", "parts"),
    [
        ("9.5.1", "9.5.1", (9, 5, 1)),
        ("9.2.", "9.2", (9, 2)),
        ("9.10.", "9.10", (9, 10)),
        ("11.3 .", "11.3", (11, 3)),
        ("4.1", "4.1", (4, 1)),
        ("1", "1", (1,)),
        ("1.", "1", (1,)),
        (" 4.2", "4.2", (4, 2)),
        ("\u00a04.2\u00a0\n", "4.2", (4, 2)),
        ("1.5", "1.5", (1, 5)),
        ("99", "99", (99,)),
        ("1.2.3.4.5", "1.2.3.4.5", (1, 2, 3, 4, 5)),
    ],
)
def test_parse_code(text: str, canonical: str, parts: tuple[int, ...]) -> None:
    assert parse_code(text) == Code(canonical, parts)


@pytest.mark.parametrize(
    "text",
    [
        "2017",  # year
        "2017.",
        "2018 г.",
        "100",
        "01.02.2018",  # date
        "1.2.2018",
        "12.2018",
        "01.02",  # leading zero
        "9.05",
        "0",
        "9.0",
        "1.2.3.4.5.6",  # too deep
        "",
        " ",
        ".",
        "9..1",
        ".9",
        "9.2..",
        "9. 2",
        "9 .2",
        "9,2",
        "9.2.1 Обучающий",
        "a.1",
        "١",
        "²",
    ],
)
def test_not_a_code(text: str) -> None:
    assert parse_code(text) is None


def test_properties() -> None:
    code = parse_code("9.5.1")
    assert code is not None
    assert (code.level, code.parent, code.sort_key) == (3, "9.5", (9, 5, 1))
    top = parse_code("9")
    assert top is not None
    assert (top.level, top.parent, top.sort_key) == (1, None, (9,))
    mid = parse_code("9.10.")
    assert mid is not None
    assert mid.parent == "9"


def test_sort_order() -> None:
    texts = ["10", "9.10", "9.2", "9.9", "9.1", "9", "1.1", "9.1.1"]
    codes = [parse_code(t) for t in texts]
    ordered = sorted((c for c in codes if c is not None), key=lambda c: c.sort_key)
    expected = ["1.1", "9", "9.1", "9.1.1", "9.2", "9.9", "9.10", "10"]
    assert [c.canonical for c in ordered] == expected


@pytest.mark.parametrize(
    ("text", "canonical", "label"),
    [
        ("9.2.1 Обучающий курс «Менеджер»", "9.2.1", "Обучающий курс «Менеджер»"),
        ("9.2. Организация и проведение", "9.2", "Организация и проведение"),
        ("11.3 . Прочие расходы", "11.3", "Прочие расходы"),
        ("1 Фонд оплаты труда", "1", "Фонд оплаты труда"),
        ("1. Фонд оплаты труда", "1", "Фонд оплаты труда"),
        ("9.1\nОказание маркетинговых услуг", "9.1", "Оказание маркетинговых услуг"),
        ("4.1\n   \nколичество субъектов", "4.1", "количество субъектов"),  # seed text
        (" 4.2 количество субъектов ", "4.2", "количество субъектов"),
        ("2. МСП-участники", "2", "МСП-участники"),
        ("3 «Электронная торговля»", "3", "«Электронная торговля»"),
        ("9.2.3", "9.2.3", ""),
        ("7\u00a0Коммунальные услуги", "7", "Коммунальные услуги"),
    ],
)
def test_split_leading_code(text: str, canonical: str, label: str) -> None:
    code, rest = split_leading_code(text)
    assert code is not None
    assert (code.canonical, rest) == (canonical, label)


@pytest.mark.parametrize(
    "text",
    [
        "2 МСП – участников кластера",  # quantity, abbreviation after a bare number
        "4 кв. 2017 г.",  # quantity, lowercase after a bare number
        "2 субъекта МСП",
        "2017 год",
        "2018 г. Москва",
        "01.02.2018 Семинар",
        "9.2.1Обучающий",  # no space
        "9.2 - прочие",  # not a letter or quote
        "9.2 (в т.ч.)",
        "Фонд оплаты труда",
        "",
        "- услуги",
        "5603 4459,3",
    ],
)
def test_split_leading_code_keeps_text(text: str) -> None:
    assert split_leading_code(text) == (None, text.strip())


def test_split_leading_code_allow_lowercase() -> None:
    code, rest = split_leading_code("4 кв. 2017", allow_lowercase=True)
    assert code is not None
    assert (code.canonical, rest) == ("4", "кв. 2017")
    assert split_leading_code("2 МСП", allow_lowercase=True) == (None, "2 МСП")


PARTS = st.lists(st.integers(min_value=1, max_value=99), min_size=1, max_size=4).map(tuple)


@given(
    parts=PARTS,
    ending=st.sampled_from(["", ".", " .", "  .", ".\u00a0"]),
    pad=st.sampled_from(["", " ", "\u00a0", "\n"]),
)
def test_round_trip(parts: tuple[int, ...], ending: str, pad: str) -> None:
    canonical = ".".join(str(p) for p in parts)
    code = parse_code(pad + canonical + ending + pad)
    assert code == Code(canonical, parts)
    assert code.level == len(parts)
    assert code.parent == (None if len(parts) == 1 else canonical.rsplit(".", 1)[0])


@given(parts=PARTS, ending=st.sampled_from(["", ".", " ."]))
def test_split_round_trip(parts: tuple[int, ...], ending: str) -> None:
    canonical = ".".join(str(p) for p in parts)
    code, rest = split_leading_code(f"{canonical}{ending} Организация работ")
    assert code == Code(canonical, parts)
    assert rest == "Организация работ"


@given(st.text())
def test_never_raises(text: str) -> None:
    code = parse_code(text)
    if code is not None:
        assert parse_code(code.canonical) == code
    split_leading_code(text)
