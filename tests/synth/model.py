"""One ЦКР report as data: the tables the generator renders and the comparison expects.

A model is drawn from a seed: an expenses table (план/факт × Всего/ФБ/РБ/ВБ, codes 1–10 with
9.1–9.13 and 9.x.y activities, an ИТОГО row), a KPI table (План/Факт × Всего/ФБ/РБ with its
"в том числе" breakdowns) and, optionally, next year's spending plan (one measure).  Every sum
the forms promise holds (Всего = Σ sources, parent = Σ children, ИТОГО = Σ rows 1–10; a KPI
breakdown may fall short of its parent), then 0–2 leaf totals are changed and recorded as the
injected errors.  Values are ``Decimal``: amounts in тыс. руб. with at most one decimal, KPI
counts whole.  How a value is printed ("0" or "-", "1 320,0") belongs to the style, not here.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import Decimal

from .labels import ACTIVITY_LABELS, EXPENSE_LABELS, KPI_LABELS

EXPENSE_SOURCES = ("total", "federal", "regional", "extrabudgetary")
KPI_SOURCES = ("total", "federal", "regional")
MEASURES = ("plan", "fact")

REGIONS = (
    ("Тульской области", "Тульская область"),
    ("Калужской области", "Калужская область"),
    ("Томской области", "Томская область"),
    ("Ярославской области", "Ярославская область"),
    ("Пермского края", "Пермский край"),
    ("Ульяновской области", "Ульяновская область"),
    ("Новосибирской области", "Новосибирская область"),
    ("Республики Татарстан", "Республика Татарстан"),
    ("Самарской области", "Самарская область"),
    ("Республики Башкортостан", "Республика Башкортостан"),
    ("Ханты-Мансийского автономного округа – Югры", "Ханты-Мансийский автономный округ – Югра"),
    ("Вологодской области", "Вологодская область"),
)
FEDERAL_NA = frozenset({"1", "2", "3", "4", "5", "6", "8"})
"""Expense rows federal money may not pay for: their ФБ cells print "х"."""
PERCENT_KPI = frozenset({"6", "8"})
"""Growth KPIs (percent): the same figure in every column, never summed."""
MONEY_KPI = frozenset({"7"})
KPI_TREE = {"4": ("4.1", "4.2"), "11": ("11.1", "11.2", "11.3"),
            "13": ("13.1", "13.2", "13.3", "13.4", "13.5", "13.6")}

TEN = Decimal("0.1")


@dataclass
class MCell:
    measure: str
    source: str
    value: Decimal
    na: bool = False  # printed "х": the source may not pay for the row (counts as 0)


@dataclass
class MRow:
    code: str | None  # canonical (no trailing dot); None for the ИТОГО row
    label: str
    parent: str | None = None
    is_total: bool = False
    cells: list[MCell] = field(default_factory=list)
    percent: bool = False  # KPI 6 and 8: printed with "%" in some styles

    def cell(self, measure: str, source: str) -> MCell:
        for cell in self.cells:
            if cell.measure == measure and cell.source == source:
                return cell
        raise KeyError((self.code, measure, source))


@dataclass
class MTable:
    id: str
    kind: str  # expenses | kpi
    title: str
    year: int
    measures: tuple[str, ...]
    sources: tuple[str, ...]
    rows: list[MRow] = field(default_factory=list)
    money: bool = True  # amounts (one decimal) rather than counts


@dataclass
class InjectedError:
    table: str
    code: str
    measure: str
    source: str
    old: Decimal
    new: Decimal


@dataclass
class ReportModel:
    seed: int
    region: str  # genitive: "Тульской области"
    region_name: str
    year: int
    organization: str
    tables: list[MTable] = field(default_factory=list)
    errors: list[InjectedError] = field(default_factory=list)

    def table(self, table_id: str) -> MTable:
        return next(t for t in self.tables if t.id == table_id)


def expense_title(year: int) -> str:
    return ("Отчет о расходовании субсидии на обеспечение деятельности центра кластерного "
            f"развития в {year} году")


def plan_title(year: int) -> str:
    return f"Смета расходов центра кластерного развития на {year} год"


def kpi_title(year: int) -> str:
    return ("Отчет об исполнении ключевых показателей эффективности центром кластерного "
            f"развития в {year} году")


def draw_model(seed: int, *, plan_table: bool | None = None, n_errors: int | None = None,
               expense_activities: int | None = None, region: str | None = None,
               form: str | None = None) -> ReportModel:
    """A report drawn from ``seed``; the keywords pin choices a test needs (``region`` is
    the genitive of one of ``REGIONS``, ``form`` the organisation's legal form or "")."""
    rng = random.Random(seed)
    region, region_name = rng.choice(REGIONS)
    if region is not None:
        region, region_name = next(r for r in REGIONS if r[0] == region)
    year = rng.randint(2017, 2024)
    drawn = rng.choice(("", "АНО", "ГАУ", "ГБУ"))
    form = drawn if form is None else form
    name = f"Центр кластерного развития {region}"
    model = ReportModel(seed, region, region_name, year, f"{form} «{name}»" if form else name)
    n_act = expense_activities if expense_activities is not None else rng.randint(2, 5)
    model.tables.append(expense_table(rng, "t1", expense_title(year), year, MEASURES, n_act))
    with_plan = plan_table if plan_table is not None else rng.random() < 0.4
    if with_plan:
        model.tables.append(expense_table(rng, "t2", plan_title(year + 1), year + 1, ("plan",),
                                          rng.randint(1, 3)))
    model.tables.append(kpi_table(rng, f"t{len(model.tables) + 1}", year))
    errors = n_errors if n_errors is not None else rng.choice((0, 1, 1, 2))
    for _ in range(errors):
        inject_error(rng, model)
    return model


# --- expenses -------------------------------------------------------------------------------


def expense_table(rng: random.Random, table_id: str, title: str, year: int,
                  measures: tuple[str, ...], n_activities: int) -> MTable:
    table = MTable(table_id, "expenses", title, year, measures, EXPENSE_SOURCES)
    skeleton = expense_skeleton(rng, n_activities)
    shares = source_shares(rng)
    for code, parent in skeleton:
        table.rows.append(MRow(code, expense_label(rng, code), parent))
    children = tree_children(table.rows)
    for row in table.rows:
        if row.code not in children:
            fill_expense_leaf(rng, row, measures, shares)
    for row in reversed(table.rows):
        if row.code in children:
            sum_rows(row, [r for r in table.rows if r.code in children[row.code]], measures,
                     EXPENSE_SOURCES)
    total = MRow(None, rng.choice(("ИТОГО", "Итого", "ВСЕГО", "Всего")), None, True)
    sum_rows(total, [r for r in table.rows if r.parent is None], measures, EXPENSE_SOURCES)
    table.rows.append(total)
    return table


def expense_skeleton(rng: random.Random, n_activities: int) -> list[tuple[str, str | None]]:
    """(code, parent) in printed order: 1–10, 9.1–9.13, activities under some 9.x."""
    with_activities = set(rng.sample(sorted(ACTIVITY_LABELS, key=int),
                                     min(n_activities, len(ACTIVITY_LABELS))))
    out: list[tuple[str, str | None]] = []
    for top in range(1, 11):
        out.append((str(top), None))
        if top != 9:
            continue
        for sub in range(1, 14):
            code = f"9.{sub}"
            out.append((code, "9"))
            if str(sub) in with_activities:
                for leaf in range(1, rng.randint(2, 5) + 1):
                    out.append((f"{code}.{leaf}", code))
    return out


def expense_label(rng: random.Random, code: str) -> str:
    parts = code.split(".")
    if len(parts) == 3:
        return rng.choice(ACTIVITY_LABELS[parts[1]])
    return EXPENSE_LABELS[code]


def source_shares(rng: random.Random) -> dict[str, float]:
    """How the document's money splits: regional-only, federal-heavy, mixed."""
    return {"federal": rng.choice((0.0, 0.8, 0.9)), "extrabudgetary": rng.choice((0.0, 0.05, 0.1))}


def fill_expense_leaf(rng: random.Random, row: MRow, measures: tuple[str, ...],
                      shares: dict[str, float]) -> None:
    code = row.code or ""
    top = code.split(".")[0]
    zero = rng.random() < (0.5 if top in {"3", "4", "5", "6", "7", "8", "10"} else 0.12)
    scale = {"1": 1500, "2": 500, "9": 3500}.get(top, 900)
    plan_total = Decimal(0) if zero else money(rng, 5, scale)
    for measure in measures:
        total = plan_total if measure == "plan" else fact_of(rng, plan_total)
        fed_na = top in FEDERAL_NA
        fed_share = 0.0 if fed_na else shares["federal"] * rng.uniform(0.85, 1.0)
        fed = (total * Decimal(fed_share)).quantize(TEN)
        ext = (total * Decimal(shares["extrabudgetary"] * rng.uniform(0, 1.4))).quantize(TEN)
        if rng.random() < 0.3:
            ext = Decimal(0)
        if fed + ext > total:
            ext = total - fed
        reg = total - fed - ext
        if top in {"1", "2"} and shares["federal"] > 0:
            fed, reg = Decimal(0), total - ext
        row.cells.extend([MCell(measure, "total", total),
                          MCell(measure, "federal", fed, na=fed_na),
                          MCell(measure, "regional", reg),
                          MCell(measure, "extrabudgetary", ext)])
    row.cells.sort(key=cell_order)


def money(rng: random.Random, low: int, high: int) -> Decimal:
    value = Decimal(rng.randint(low * 10, high * 10)) * TEN
    if rng.random() < 0.25:
        value = value.quantize(Decimal(1))
    return value


def fact_of(rng: random.Random, plan: Decimal) -> Decimal:
    if plan == 0 or rng.random() < 0.3:
        return plan
    return (plan * Decimal(rng.uniform(0.6, 1.08))).quantize(TEN)


def cell_order(cell: MCell) -> tuple[int, int]:
    return (MEASURES.index(cell.measure), EXPENSE_SOURCES.index(cell.source))


def tree_children(rows: list[MRow]) -> dict[str, list[str]]:
    children: dict[str, list[str]] = {}
    for row in rows:
        if row.parent is not None and row.code is not None:
            children.setdefault(row.parent, []).append(row.code)
    return children


def sum_rows(target: MRow, parts: list[MRow], measures: tuple[str, ...],
             sources: tuple[str, ...]) -> None:
    target.cells = []
    for measure in measures:
        for source in sources:
            cells = [p.cell(measure, source) for p in parts]
            value = sum((c.value for c in cells), Decimal(0))
            na = all(c.na for c in cells) and value == 0
            target.cells.append(MCell(measure, source, value, na=na))


# --- KPI ------------------------------------------------------------------------------------


def kpi_table(rng: random.Random, table_id: str, year: int) -> MTable:
    table = MTable(table_id, "kpi", kpi_title(year), year, MEASURES, KPI_SOURCES, money=False)
    for code, label in KPI_LABELS.items():
        parent = code.split(".")[0] if "." in code else None
        table.rows.append(MRow(code, label, parent, percent=code in PERCENT_KPI))
    by_code = {row.code: row for row in table.rows}
    for row in table.rows:
        if row.code in KPI_TREE:
            continue
        if row.code in PERCENT_KPI:
            value = Decimal(rng.randint(2, 12))
            row.cells = [MCell(m, s, value) for m in MEASURES for s in KPI_SOURCES]
        else:
            big = row.code in MONEY_KPI
            row.cells = [c for m in MEASURES for c in kpi_cells(rng, m, big)]
    for parent, kids in KPI_TREE.items():
        row = by_code[parent]
        row.cells = []
        for measure in MEASURES:
            slack = Decimal(rng.choice((0, 0, 0, 1, 2)))
            fed = sum((by_code[k].cell(measure, "federal").value for k in kids), Decimal(0))
            reg = sum((by_code[k].cell(measure, "regional").value for k in kids), Decimal(0))
            fed += slack
            row.cells += [MCell(measure, "total", fed + reg), MCell(measure, "federal", fed),
                          MCell(measure, "regional", reg)]
    return table


def kpi_cells(rng: random.Random, measure: str, big: bool) -> list[MCell]:
    if big:
        fed = Decimal(rng.randint(200, 900) * 1000 + (rng.randint(0, 999) if measure == "fact"
                                                       else 0))
        reg = Decimal(0)
    else:
        fed = Decimal(rng.randint(0, 40))
        reg = Decimal(rng.randint(0, 15)) if rng.random() < 0.7 else Decimal(0)
    return [MCell(measure, "total", fed + reg), MCell(measure, "federal", fed),
            MCell(measure, "regional", reg)]


# --- errors ---------------------------------------------------------------------------------


def inject_error(rng: random.Random, model: ReportModel) -> None:
    """Change one leaf total (a figure typed wrong): the sums through it no longer hold."""
    taken = {(e.table, e.code) for e in model.errors}
    candidates: list[tuple[MTable, MRow]] = []
    for table in model.tables:
        parents = {r.parent for r in table.rows}
        for row in table.rows:
            if (row.is_total or row.code in parents or row.percent or row.code is None
                    or (table.id, row.code) in taken):
                continue
            candidates.append((table, row))
    table, row = rng.choice(candidates)
    measure = rng.choice(table.measures)
    cell = row.cell(measure, "total")
    old = cell.value
    if table.money:
        delta = Decimal(rng.choice((1, -1))) * money(rng, 1, 60)
    else:
        delta = Decimal(rng.choice((1, 2, 3)) * (1 if old < 3 or rng.random() < 0.5 else -1))
    new = old + delta
    if new < 0:
        new = old - delta
    cell.value = new
    model.errors.append(InjectedError(table.id, row.code or "", measure, "total", old, new))
