"""Header and label vocabulary of the reports (see output-contract.md).

Every word list the normaliser matches against lives here, so a newcomer can
see in one place what svodka understands.
"""

from __future__ import annotations

import re

from schemas import Measure, Source, TableKind, Unit

# Order matters: the first pattern that matches a header text wins.
SOURCE_PATTERNS: tuple[tuple[Source, re.Pattern[str]], ...] = (
    (Source.EXTRABUDGETARY, re.compile(r"внебюджет|^\s*вб\s*$", re.I)),
    (Source.FEDERAL, re.compile(r"федеральн|^\s*фб\s*$", re.I)),
    (
        Source.REGIONAL,
        re.compile(
            r"субъекта|региональн|^\s*рб\s*$|бюджет\s+(области|края|республики|округа)"
            r"|областн|краев|республиканск",
            re.I,
        ),
    ),
    (Source.TOTAL, re.compile(r"^\s*(всего|итого)\b|значение\s+показателя", re.I)),
)

MEASURE_PATTERNS: tuple[tuple[Measure, re.Pattern[str]], ...] = (
    (Measure.PLAN, re.compile(r"^\s*план\b|утвержд|назначени|^\s*plan\b", re.I)),
    (Measure.FACT, re.compile(r"^\s*факт|исполнен|^\s*fact\b", re.I)),
)

CODE_HEADER = re.compile(r"^\s*(№|n\b|n\s*п/п|№\s*п/п|код)", re.I)
# a column of identifiers, not amounts, although they are digits: "Код дохода", "Символ"
# (line symbols of Belarusian and bank forms), "Шифр"
IDENTIFIER_HEADER = re.compile(r"^\s*(код|символ|шифр)\b", re.I)
LABEL_HEADER = re.compile(r"наименовани|направлени|мероприяти|показател|статья|вид", re.I)
BREAKDOWN = re.compile(r"^\s*в\s+т(ом)?\.?\s*ч(исле)?\.?", re.I)
TOTAL_LABEL = re.compile(r"^\s*(итого|всего)\b", re.I)

TITLE_START = re.compile(
    r"^\s*(отч[её]т|смета|ключев|план\b|показател|расход|сведени|прогноз|информаци|перечень)",
    re.I,
)
UNIT_CAPTION = re.compile(r"^\s*\(?\s*(тыс\.?|млн\.?)\s*(руб|рублей)", re.I)
YEAR_IN_TITLE = re.compile(r"\b(?:в|на|за)\s+((?:19|20)\d\d)\s*(?:г\.|год)", re.I)
ANY_YEAR = re.compile(r"\b((?:19|20)\d\d)\b")

KIND_WORDS: tuple[tuple[TableKind, re.Pattern[str]], ...] = (
    (TableKind.KPI, re.compile(r"показател", re.I)),
    (TableKind.EXPENSES, re.compile(r"расход|смета|субсиди|мероприяти", re.I)),
)

HEADER_UNITS: tuple[tuple[Unit, re.Pattern[str]], ...] = (
    (Unit.THOUSAND_RUB, re.compile(r"тыс\.?\s*руб", re.I)),
    (Unit.RUB, re.compile(r"\bруб", re.I)),
    (Unit.PERCENT, re.compile(r"%|процент", re.I)),
)

# KPI rows: a label that names growth, a share or an average is not additive.
PERCENT_LABEL = re.compile(r"^\s*(прирост|темп|доля|удельн)", re.I)
MONEY_LABEL = re.compile(r"^\s*(общий\s+)?объ[её]м|выручк|тыс\.?\s*руб", re.I)


def match_source(text: str) -> Source | None:
    for source, pattern in SOURCE_PATTERNS:
        if pattern.search(text):
            return source
    return None


def match_measure(text: str) -> Measure | None:
    for measure, pattern in MEASURE_PATTERNS:
        if pattern.search(text):
            return measure
    return None


def match_header_unit(text: str) -> Unit | None:
    for unit, pattern in HEADER_UNITS:
        if pattern.search(text):
            return unit
    return None
