"""What the rules need to know about one table: terms, row tree, additive rows."""

from __future__ import annotations

from dataclasses import dataclass, field

from svodka.schemas.report import Cell, Measure, Source, Table, TableKind

from .additivity import non_additive_reason
from .model import Ref, Skipped, Term
from .terms import column_paths, table_terms


def norm_code(code: str | None) -> str | None:
    """"9.2." → "9.2"; blank → None."""
    if code is None:
        return None
    text = code.strip().rstrip(".").strip()
    return text or None


@dataclass
class TableContext:
    table: Table
    terms: dict[Ref, Term]
    cells: dict[Ref, Cell]
    codes: list[str | None]
    additive: list[bool]
    children: dict[int, list[int]] = field(default_factory=dict)
    top_level: list[int] = field(default_factory=list)
    totals: list[int] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    def columns(self, row: int) -> list[tuple[Measure | None, Source | None]]:
        """(measure, source) of the row's value cells, in the order they stand."""
        return [(ref.measure, ref.source) for ref in self.refs(row)]

    def refs(self, row: int) -> list[Ref]:
        """The row's value cells, in the order they stand."""
        return self._refs.get(row, [])

    def __post_init__(self) -> None:
        self._refs: dict[int, list[Ref]] = {}
        for ref in self.cells:
            self._refs.setdefault(ref.row, []).append(ref)
        self.paths = column_paths(self.table)

    def label(self, row: int) -> str:
        if self.table.rows[row].is_total:
            label = self.table.rows[row].label
            return "ИТОГО" if self.table.kind is not TableKind.OTHER else f"строка «{label}»"
        code = self.codes[row]
        label = self.table.rows[row].label
        if code and label and self.table.kind is TableKind.OTHER:
            return f"строка {code} «{_short(label)}»"  # a form's own numbers tell little
        if code:
            return f"строка {code}"
        return f"строка «{_short(label)}»" if label else "строка без номера"

    def column_name(self, ref: Ref) -> str:
        """The column of a cell in a table of another form: its header path."""
        path = self.paths[ref.column] if 0 <= ref.column < len(self.paths) else ()
        return " / ".join(path) or "графа без заголовка"


def _short(label: str, width: int = 40) -> str:
    return label if len(label) <= width else label[: width - 1].rstrip() + "…"


def build_context(table: Table) -> TableContext:
    terms, cells = table_terms(table)
    codes = [norm_code(row.code) for row in table.rows]
    additive: list[bool] = []
    skipped: list[Skipped] = []
    for row, code in zip(table.rows, codes, strict=True):
        reason = non_additive_reason(row)
        additive.append(reason is None)
        if reason is not None:
            skipped.append(Skipped(code, f"не суммируется и не проверяется: {reason}"))
    ctx = TableContext(table, terms, cells, codes, additive, skipped=skipped)

    index_of: dict[str, int] = {}
    for index, code in enumerate(codes):
        if code is not None and not table.rows[index].is_total:
            index_of.setdefault(code, index)
    for index, row in enumerate(table.rows):
        code = codes[index]
        if row.is_total:
            ctx.totals.append(index)
            continue
        parent = norm_code(row.parent)
        if parent is None and code is not None and "." in code:
            derived = code.rsplit(".", 1)[0]
            parent = derived if derived in index_of else None
        if parent is not None and parent in index_of and index_of[parent] != index:
            ctx.children.setdefault(index_of[parent], []).append(index)
        elif parent is None and code is not None and "." not in code:
            ctx.top_level.append(index)
    return ctx
