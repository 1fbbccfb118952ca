"""Russian words for the contract's measures and sources, as findings print them."""

from __future__ import annotations

from svodka.schemas.report import Measure, Source

MEASURE_WORDS = {Measure.PLAN: "план", Measure.FACT: "факт"}
SOURCE_WORDS = {
    Source.TOTAL: "Всего",
    Source.FEDERAL: "ФБ",
    Source.REGIONAL: "РБ",
    Source.EXTRABUDGETARY: "ВБ",
}
