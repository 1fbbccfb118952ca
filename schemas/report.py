"""The JSON record contract (``shared/spec/output-contract.md``, schema_version "1").

Field names and enum values here are the public contract: change them only with
a new ``SCHEMA_VERSION``.  Values are ``Decimal`` and serialise as strings.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

if TYPE_CHECKING:
    import pandas as pd

SCHEMA_VERSION = "1"


def _decimal_to_str(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


DecimalStr = Annotated[
    Decimal,
    PlainSerializer(_decimal_to_str, return_type=str | None, when_used="always"),
    Field(json_schema_extra={"type": "string", "pattern": r"^-?\d+(\.\d+)?$"}),
]


class TableKind(StrEnum):
    EXPENSES = "expenses"
    KPI = "kpi"
    OTHER = "other"


class Measure(StrEnum):
    PLAN = "plan"
    FACT = "fact"


class Source(StrEnum):
    TOTAL = "total"
    FEDERAL = "federal"
    REGIONAL = "regional"
    EXTRABUDGETARY = "extrabudgetary"


class Status(StrEnum):
    NUMBER = "number"
    NOT_APPLICABLE = "not_applicable"
    EMPTY = "empty"
    DASH = "dash"
    UNREADABLE = "unreadable"
    OCR_CORRECTED = "ocr_corrected"  # an OCR misreading fixed by the table's own sums


class Unit(StrEnum):
    THOUSAND_RUB = "thousand_rub"
    RUB = "rub"
    COUNT = "count"
    PERCENT = "percent"


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", use_enum_values=False)


class Document(_Model):
    path: str
    sha256: str
    format: str = Field(description="pdf | pptx | docx | xlsx | image-pdf")
    pages: int = Field(ge=0, description="pages or slides")
    organization: str | None = None
    region: str | None = None


class Cell(_Model):
    column: list[str] = Field(default_factory=list, description="header path, top to bottom")
    measure: Measure | None = None
    source: Source | None = None
    value: DecimalStr | None = None
    status: Status = Status.NUMBER
    unit: Unit | None = None
    footnote: str | None = None
    raw: str = ""
    page: int | None = None
    bbox: tuple[float, float, float, float] | None = Field(
        default=None, description="x0, top, x1, bottom in points from the page's top-left"
    )
    confidence: float | None = Field(
        default=None,
        ge=0.0,
        le=1.0,
        description="OCR confidence of the cell text, 0..1; absent (null) when not read by OCR",
    )
    ocr_raw_value: DecimalStr | None = Field(
        default=None,
        description="status ocr_corrected: the value as OCR read it (raw keeps the text read); "
        "value is the one the table's sums pin down",
    )


class TextCell(_Model):
    """A cell of a text column that is neither the code nor the label: a line symbol
    ("Символ"), a note reference ("Пункт примечаний"), a classification code ("Код
    дохода по бюджетной классификации")."""

    column: list[str] = Field(default_factory=list, description="header path, top to bottom")
    text: str = ""
    page: int | None = None


class Row(_Model):
    code: str | None = None
    label: str = ""
    parent: str | None = None
    is_total: bool = False
    cells: list[Cell] = Field(default_factory=list)
    attributes: list[TextCell] = Field(
        default_factory=list,
        description="the row's other text columns, kept apart from the label (which holds "
        "them only when the table has no label column)",
    )


class Doubt(_Model):
    """Something svodka had to guess about a table's structure.  Arithmetic through a
    doubtful column or across a guessed join is reported as a warning, never an error."""

    reason: str = Field(
        description="inferred_column (meaning read from the numbers) | unknown_column "
        "(meaning not found: cells kept without a source) | guessed_join (a piece joined "
        "over a page break without a repeated header or continuing row codes)"
    )
    message: str = Field(description="what was guessed and why, for people (Russian)")
    pages: list[int] = Field(default_factory=list)
    column: list[str] | None = Field(default=None, description="header path of the column")
    from_row: int | None = Field(
        default=None, description="guessed_join: index in rows of the first row after the join"
    )


class Relation(_Model):
    """A relation between columns the table states itself: a formula of its column-numbering
    row ("12=10*11", "5 = 3 + 4").  Checked on every body row (``Report.checks``)."""

    kind: str = Field(description="column_formula")
    text: str = Field(description="as printed: \"12=10*11\"")
    op: str = Field(description="sum | product")
    target: list[str] = Field(description="header path of the column the formula gives")
    terms: list[list[str]] = Field(description="header paths of the columns it is made of")
    page: int | None = None


class Table(_Model):
    id: str
    kind: TableKind = TableKind.OTHER
    title: str | None = None
    year: int | None = None
    pages: list[int] = Field(default_factory=list)
    engine: str | None = Field(default=None, description="extractor that found the table")
    quality: float | None = Field(default=None, description="0..1, share of value cells parsed")
    confidence: float | None = Field(
        default=None,
        ge=0.0,
        le=1.0,
        description="0..1, how sure svodka is of the table's structure (header meanings, "
        "joins over pages): 1 when nothing was guessed; each doubt lowers it",
    )
    doubts: list[Doubt] = Field(default_factory=list)
    relations: list[Relation] = Field(
        default_factory=list, description="column relations the table itself states"
    )
    rows: list[Row] = Field(default_factory=list)

    def to_frame(self) -> pd.DataFrame:
        """The table laid out like the report (wide): code, label, one column per header path."""
        from svodka.schemas.frames import table_to_frame

        return table_to_frame(self)


class Finding(_Model):
    severity: Severity
    rule: str
    table: str | None = None
    code: str | None = None
    measure: Measure | None = None
    source: Source | None = None
    actual: DecimalStr | None = None
    expected: DecimalStr | None = None
    message: str
    page: int | None = None
    row_index: int | None = Field(
        default=None, ge=0,
        description="the row the finding is about: its index in the table's rows (the ИТОГО "
        "row too, which has no code); null for a finding about a whole table or document",
    )
    cell_index: int | None = Field(
        default=None, ge=0,
        description="the cell the finding names: its index in that row's cells; null when "
        "it names none",
    )


class DocumentError(_Model):
    """Why a file could not be read at all (the report's status is then ``failure``)."""

    code: str = Field(description="stable error code: E_NOT_PDF, E_ENCRYPTED, E_TIMEOUT, …")
    stage: str = Field(default="extract", description="the stage that gave up: extract, run, …")
    message: str = Field(description="the reason for people (Russian)")


class Check(_Model):
    """One relation checked in a table, held or not: what "no errors" verified."""

    table: str
    rule: str = Field(description="sources_sum | children_sum | grand_total | breakdown | "
                      "total_rows | column_formula | column_product")
    relation: str = Field(description="the relation, for people (Russian)")
    declared: bool = Field(description="stated by the table (labels, codes, header words, "
                           "numbering row); false: read from the numbers (broken: warnings)")
    column: list[str] | None = Field(default=None, description="header path, when one column")
    equations: int = Field(ge=0, description="equations checked (rows × columns)")
    broken: int = Field(ge=0, description="of them, not holding")


class Report(_Model):
    schema_version: str = SCHEMA_VERSION
    document: Document
    status: str = Field(default="success", description="success | partial | failure")
    tables: list[Table] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    checks: list[Check] = Field(
        default_factory=list, description="every relation checked, table by table; empty: "
        "nothing was checked"
    )
    error: DocumentError | None = Field(
        default=None,
        description="status failure for a file that could not be read: its error code, "
        "stage and reason (also given as an error finding whose rule is the code)",
    )

    def cells_frame(self) -> pd.DataFrame:
        """Tidy view: one row per cell (document, table, code, … value, status, unit, page)."""
        from svodka.schemas.frames import report_to_cells_frame

        return report_to_cells_frame(self)

    def findings_frame(self) -> pd.DataFrame:
        """One row per finding (document, sha256, severity, rule, table, code, measure,
        source, actual, expected, page, message, row_index, cell_index): ``row_index`` /
        ``cell_index`` point into ``tables[…].rows`` and ``row.cells``, as in the batch
        exports, the ИТОГО row included."""
        from svodka.schemas.frames import report_to_findings_frame

        return report_to_findings_frame(self)
