"""Header and label vocabulary of the reports (see output-contract.md).

Every word list the normaliser matches against lives here, so a newcomer can
see in one place what svodka understands.
"""

from __future__ import annotations

import re

from svodka.schemas import Measure, Source, TableKind, Unit

# Header wording.  A header text is matched in two normalised forms (``header_keys``):
# ``spaced`` (lower case, ё→е, units in brackets, footnote marks and punctuation removed,
# single spaces) and ``compact`` (the same with no spaces at all), so a word broken over
# two lines inside a narrow cell ("Федераль ный", "Внебюдж етные источник и") and
# abbreviations with or without dots ("Ф.Б.", "ф/б", "Внебюджет. средства") read alike.
# Rules, first match wins: (source, compact prefixes/fragments, compact whole words).
SOURCE_VOCAB: tuple[tuple[Source, tuple[str, ...], frozenset[str]], ...] = (
    (Source.EXTRABUDGETARY, ("внебюдж", "внеб", "собственныесредства", "привлеченн"),
     frozenset({"вб", "внб", "вбс"})),
    (Source.FEDERAL, ("федеральн", "федбюдж", "средствафб"),
     frozenset({"фб", "фбюджет"})),
    (Source.REGIONAL, ("субъект", "региональн", "регбюдж", "областн", "краев", "республиканск",
                       "окружн", "бюджетобласти", "бюджеткрая", "бюджетреспублики",
                       "бюджетокруга", "бюджетсубъ", "средствасубъ", "бюджетрф"),
     frozenset({"рб", "об", "кб", "бс", "бсрф", "рбюджет", "обюджет"})),
    (Source.TOTAL, ("всего", "итого", "значениепоказателя", "общийобъем", "общаясумма",
                    "объемфинансирования", "суммавсего"),
     frozenset({"сумма", "всего", "итого"})),
)
# Sources matched anywhere in the text, not only at its start (a fragment of a longer
# header: "Средства бюджета субъекта"); TOTAL words count only at the start.
_ANYWHERE = frozenset({Source.EXTRABUDGETARY, Source.FEDERAL, Source.REGIONAL})

MEASURE_VOCAB: tuple[tuple[Measure, tuple[str, ...], tuple[str, ...]], ...] = (
    # (measure, compact prefixes, compact fragments anywhere)
    (Measure.PLAN, ("план", "plan", "утвержд", "предусмотр", "запланир", "прогноз"),
     ("плановое", "плановый", "утверждено", "назначени", "лимит")),
    (Measure.FACT, ("факт", "fact", "исполн", "израсход", "освоен", "кассов"),
     ("фактическ", "исполнено", "израсходовано", "освоено")),
)

_BRACKETED_UNIT = re.compile(r"\(\s*(?:в\s+)?(?:тыс|млн|руб|ед|%|шт)[^)]*\)", re.I)
_NOT_WORD = re.compile(r"[^0-9a-zа-я ]+")


def header_keys(text: str) -> tuple[str, str]:
    """(spaced, compact) normalised forms of one header text, for matching only."""
    t = text.lower().replace("ё", "е")
    t = _BRACKETED_UNIT.sub(" ", t)
    t = re.sub(r",\s*(?:в\s+)?(?:тыс\.?|млн\.?)\s*руб\w*\.?", " ", t)
    t = _NOT_WORD.sub(" ", t)
    spaced = " ".join(t.split())
    return spaced, spaced.replace(" ", "")


CODE_HEADER = re.compile(r"^\s*(№|n\b|n\s*п/п|№\s*п/п|код)", re.I)
# a column of identifiers, not amounts, although they are digits: "Код дохода", "Символ"
# (line symbols of Belarusian and bank forms), "Шифр"
IDENTIFIER_HEADER = re.compile(r"^\s*(код|символ|шифр)\b", re.I)
LABEL_HEADER = re.compile(r"наименовани|направлени|мероприяти|показател|статья|вид", re.I)
BREAKDOWN = re.compile(r"^\s*в\s+т(ом)?\.?\s*ч(исле)?\.?", re.I)
# a total row: "ИТОГО", "Итого по разделу I", "Всего по …", "БАЛАНС" (a balance sheet's total)
TOTAL_LABEL = re.compile(r"^\s*(итого|всего|баланс)\b", re.I)

# "(продолжение)", "Продолжение таблицы 2", "(окончание)": a title that says the table goes on
CONTINUATION_MARK = re.compile(
    r"[\s(,.–—-]*\b(?:продолжение|окончание|прод\.)(?:\s+табл(?:\.|ицы)?(?:\s*№?\s*\d+)?)?"
    r"[\s).:]*$",
    re.I,
)
TITLE_START = re.compile(
    r"^\s*(отч[её]т|смета|ключев|план\b|показател|расход|сведени|прогноз|информаци|перечень"
    r"|таблица\s*(?:№\s*)?\d|сводн)",
    re.I,
)
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
    """The funding source a header text names (``SOURCE_VOCAB``), or None."""
    spaced, compact = header_keys(text)
    if not compact:
        return None
    for source, fragments, words in SOURCE_VOCAB:
        if compact in words or any(w in words for w in spaced.split()[:1]):
            return source
        if source in _ANYWHERE:
            if any(f in compact for f in fragments):
                return source
        elif compact.startswith(fragments):
            return source
    return None


def match_measure(text: str) -> Measure | None:
    """План or факт as a header text names it (``MEASURE_VOCAB``), or None."""
    _, compact = header_keys(text)
    for measure, prefixes, fragments in MEASURE_VOCAB:
        if compact.startswith(prefixes) or any(f in compact for f in fragments):
            return measure
    return None


def match_header_unit(text: str) -> Unit | None:
    for unit, pattern in HEADER_UNITS:
        if pattern.search(text):
            return unit
    return None
