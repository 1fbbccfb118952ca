"""How a report is printed, drawn from a seed: the variation real documents show.

A ``Style`` holds the document-wide choices (renderer, number format, page, fonts, page
breaks) and one ``TableStyle`` per table (header wording, source order, header layout, unit
placement), since one document's tables may be worded differently.  ``FAMILIES`` names the
style features the long run reports pass rates for.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from .model import EXPENSE_SOURCES, KPI_SOURCES, ReportModel

RENDERERS = ("pdf-ruled", "pdf-unruled", "docx", "pptx")

SOURCE_WORDS: dict[str, tuple[str, ...]] = {
    "total": ("Всего", "Итого", "Всего (тыс. руб.)", "ВСЕГО", "Всего, тыс. руб."),
    "federal": ("Федеральный бюджет", "ФБ", "Ф.Б.", "Фед. бюджет", "Средства федерального бюджета"),
    "regional": ("Бюджет субъекта Российской Федерации", "Региональный бюджет", "РБ",
                 "бюджет области", "Областной бюджет", "Средства субъекта", "Бюджет субъекта РФ"),
    "extrabudgetary": ("Внебюджетные источники", "ВБ", "Внебюджет. средства",
                       "Внебюджетные средства", "Внебюджетные источники*"),
}
KPI_SOURCE_WORDS: dict[str, tuple[str, ...]] = {
    "total": ("Всего", "Итого"),
    "federal": ("ФБ", "Федеральный бюджет", "Ф.Б."),
    "regional": ("РБ", "Региональный бюджет", "Бюджет субъекта РФ"),
}
MEASURE_WORDS = (("План", "Факт"), ("план", "факт"), ("План", "Факт*"),
                 ("Плановое значение", "Фактическое значение"))
CODE_HEADERS = ("N п/п", "№ п/п", "№")
EXPENSE_LABEL_HEADERS = ("Направления расходования субсидии", "Наименование расходов",
                         "Мероприятия")
KPI_LABEL_HEADERS = ("Наименование показателя", "Показатель")
FONTS = ("DejaVuSans", "LiberationSans", "DejaVuSerif", "LiberationSerif", "LiberationSansNarrow")

FAMILIES: dict[str, str] = {
    "renderer": "renderer",
    "words": "header wording (any non-standard word)",
    "order": "source column order",
    "layout": "source-major or measure-major header",
    "sep": "thousands separator",
    "na": "not-applicable mark",
    "zero": "zero printed as 0 or -",
    "decimals": "always one decimal",
    "code_dot": "trailing dot on codes",
    "unit": "unit caption above the table or unit in the header",
    "breakdown_line": "'в том числе:' lines",
    "narrow": "narrow value columns (numbers wrap)",
    "breaks": "page breaks at random rows",
    "repeat_header": "header repeated after a break",
    "split_row": "a row split by a page break",
    "orientation": "portrait or landscape",
    "continuation": "continued table: second Word table / slide title with (продолжение)",
}


@dataclass
class TableStyle:
    words: dict[str, str]
    order: list[str]  # source columns left to right
    measure_words: tuple[str, str]
    measure_major: bool  # План over its sources (True) or a source over План/Факт (False)
    unit_caption: bool  # "(тыс. рублей)" right-aligned above the table, else unit in a header
    code_header: str
    label_header: str
    group_header: str | None  # "Финансирование" over the sources of a one-measure table
    breakdown_line: bool  # "в том числе:" line before breakdown rows
    breaks: list[int] = field(default_factory=list)  # body row indices that start a new page
    repeat_header: bool = True
    split_rows: list[int] = field(default_factory=list)  # breaks that cut the row's label


@dataclass
class Style:
    seed: int
    renderer: str
    sep: str  # thousands separator: "", " ", "\u00a0"
    na: str  # "х", "Х", "X", "-"
    zero: str  # "0" or "-"
    always_decimal: bool
    code_dot: str  # none | all | short (only codes without a dot get one)
    font: str
    font_size: float
    narrow: bool
    landscape: bool
    word_tables: bool  # DOCX: a table continued after a break is a second Word table
    cont_title: str  # slides: a continued table's title is the "same" or has a "suffix"
    tables: dict[str, TableStyle] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def families(self) -> dict[str, str]:
        """The style's value in every family, for the long run's per-family figures."""
        words = any(ts.words[s] not in ("Всего", "Федеральный бюджет",
                                        "Бюджет субъекта Российской Федерации",
                                        "Внебюджетные источники") for ts in self.tables.values()
                    for s in ts.order if s in ("total", "federal", "regional", "extrabudgetary")
                    and ts.words.get(s))
        first = next(iter(self.tables.values()))
        breaks = any(ts.breaks for ts in self.tables.values())
        return {
            "renderer": self.renderer,
            "words": "varied" if words else "standard",
            **{f"word.{s}": first.words[s] for s in first.order},
            "order": "ФБ-first" if first.order[1] == "federal" else "other",
            "layout": "measure-major" if first.measure_major else "source-major",
            "sep": {"": "none", " ": "space", "\u00a0": "nbsp"}[self.sep],
            "na": self.na,
            "zero": self.zero,
            "decimals": "always" if self.always_decimal else "as-is",
            "code_dot": self.code_dot,
            "unit": "caption" if first.unit_caption else "header",
            "breakdown_line": str(any(ts.breakdown_line for ts in self.tables.values())),
            "narrow": str(self.narrow),
            "breaks": str(breaks),
            "repeat_header": str(all(ts.repeat_header for ts in self.tables.values()
                                     if ts.breaks)) if breaks else "n/a",
            "split_row": str(any(ts.split_rows for ts in self.tables.values())),
            "orientation": "landscape" if self.landscape else "portrait",
            "continuation": self.continuation(),
        }

    def continuation(self) -> str:
        if self.renderer == "pptx":
            return f"slide title {self.cont_title}"
        if self.renderer == "docx":
            return "word tables" if self.word_tables else "one word table"
        return "n/a"


def draw_style(seed: int, model: ReportModel, renderer: str | None = None,
               table_pins: dict[str, Any] | None = None, **pins: Any) -> Style:
    """A style for ``model`` drawn from ``seed``; ``pins`` fix any top-level field and
    ``table_pins`` any field of every table's style (``words`` is merged)."""
    rng = random.Random(seed * 7919 + 13)
    chosen = renderer or rng.choice(RENDERERS)
    style = Style(
        seed=seed,
        renderer=chosen,
        sep=rng.choice(("", " ", "\u00a0")),
        na=rng.choice(("х", "Х", "X", "-")),
        zero=rng.choice(("0", "-")),
        always_decimal=rng.random() < 0.4,
        code_dot=rng.choice(("none", "all", "short")),
        font=rng.choice(FONTS),
        font_size=rng.choice((7.0, 8.0, 9.0, 10.0)),
        narrow=rng.random() < 0.35,
        landscape=rng.random() < 0.6,
        word_tables=rng.random() < 0.3,
        cont_title="same" if rng.random() < 0.7 else "suffix",
    )
    for key, value in pins.items():
        if key != "tables":
            setattr(style, key, value)
    for table in model.tables:
        ts = draw_table_style(rng, style, table.kind, table.measures, len(table.rows))
        for key, value in (table_pins or {}).items():
            if key == "words":
                ts.words.update({s: w for s, w in value.items() if s in ts.words})
            else:
                setattr(ts, key, value)
        style.tables[table.id] = ts
    return style


def draw_table_style(rng: random.Random, style: Style, kind: str, measures: tuple[str, ...],
                     n_rows: int) -> TableStyle:
    kpi = kind == "kpi"
    vocab = KPI_SOURCE_WORDS if kpi else SOURCE_WORDS
    sources = list(KPI_SOURCES if kpi else EXPENSE_SOURCES)
    rest = sources[1:]
    if rng.random() < 0.5:
        rest[0], rest[1] = rest[1], rest[0]
    words = {s: rng.choice(vocab[s]) if rng.random() < 0.7 else vocab[s][0] for s in sources}
    one_measure = len(measures) == 1
    ts = TableStyle(
        words=words,
        order=["total", *rest],
        measure_words=rng.choice(MEASURE_WORDS),
        measure_major=kpi if rng.random() < 0.7 else not kpi,
        unit_caption=(not kpi) and rng.random() < 0.5,
        code_header=rng.choice(CODE_HEADERS),
        label_header=rng.choice(KPI_LABEL_HEADERS if kpi else EXPENSE_LABEL_HEADERS),
        group_header=rng.choice((None, "Финансирование", "в том числе")) if one_measure else None,
        breakdown_line=rng.random() < (0.6 if kpi else 0.3),
    )
    if ts.unit_caption and "тыс" in ts.words["total"]:
        ts.words["total"] = "Всего"
    if style.renderer in ("pdf-ruled", "pdf-unruled", "docx") and rng.random() < 0.5:
        ts.breaks = sorted(rng.sample(range(8, n_rows - 2), rng.randint(1, 2)))
        ts.repeat_header = rng.random() < 0.6
        if style.renderer != "docx":
            ts.split_rows = [b for b in ts.breaks if rng.random() < 0.3]
    return ts


# --- printing figures -----------------------------------------------------------------------


def format_value(value: Decimal, style: Style, money: bool, na: bool = False) -> str:
    """A figure as this style prints it: "1 113,8", "х", "-", "0", "1320,0"."""
    if na:
        return style.na
    if value == 0:
        return style.zero
    if money and style.always_decimal:
        text = f"{value:.1f}"
    else:
        text = format(value.normalize(), "f") if value == value.to_integral() else f"{value:.1f}"
    whole, _, frac = text.partition(".")
    sign = "-" if whole.startswith("-") else ""
    digits = whole.lstrip("-")
    groups = []
    while len(digits) > 3:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    groups.insert(0, digits)
    out = sign + style.sep.join(groups)
    return f"{out},{frac}" if frac else out


def format_code(code: str, style: Style) -> str:
    if style.code_dot == "all" or (style.code_dot == "short" and "." not in code):
        return code + "."
    return code
