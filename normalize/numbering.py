"""Column-numbering rows ("1 2 3 4 …") and the column formulas they state.

Under many forms' headers a row numbers the columns; some numbers carry the relation
the column obeys: "12=10*11" (column 12 is column 10 times column 11), "5 = 3 + 4",
"гр.5 = гр.3 + гр.4".  ``row_numbering`` reads such a row; ``Formula`` is one relation,
in column numbers as printed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from svodka.schemas import Grid, Relation

if TYPE_CHECKING:
    from svodka.normalize.columns import Layout

_NUMBER = r"(?:гр(?:афа)?\.?\s*)?(\d{1,3})"
_CELL = re.compile(rf"^\s*{_NUMBER}\s*(?:=\s*(.+?))?\s*$", re.I)
_TERM = re.compile(rf"\s*([+\-*×xх·/])?\s*{_NUMBER}\s*", re.I)
_PRODUCT = frozenset("*×xх·")


@dataclass(frozen=True)
class Formula:
    """Column ``target`` = the sum (``op`` "+", terms signed) or the product (``op`` "*")
    of the columns ``terms`` (column numbers as the numbering row prints them)."""

    target: int
    op: str
    terms: tuple[int, ...]
    signs: tuple[int, ...]
    text: str


def _formula(target: int, text: str) -> Formula | None:
    pos, terms, ops = 0, list[int](), list[str]()
    while pos < len(text):
        m = _TERM.match(text, pos)
        if m is None or m.end() == pos or (terms and m.group(1) is None):
            return None
        ops.append(m.group(1) or "+")
        terms.append(int(m.group(2)))
        pos = m.end()
    kinds = {"*" if op.lower() in _PRODUCT else op for op in ops[1:]}
    if not terms or len(terms) < 2 or len(kinds) != 1 or kinds & {"/"}:
        return None
    op = "*" if "*" in kinds else "+"
    if op == "*" and ops[0] == "-":
        return None
    signs = tuple(-1 if o == "-" else 1 for o in ops)
    return Formula(target, op, tuple(terms), signs if op == "+" else (), f"{target}={text}")


def cell_numbering(text: str) -> tuple[int, Formula | None] | None:
    """(column number, formula or None) for one cell of a numbering row, else None."""
    m = _CELL.match(text)
    if m is None:
        return None
    number = int(m.group(1))
    if m.group(2) is None:
        return number, None
    formula = _formula(number, m.group(2))
    return (number, formula) if formula is not None else None


def row_numbering(texts: list[str]) -> list[int | None] | None:
    """The column numbers of a numbering row (None under a blank cell), or None when the
    row does not number the columns: at least three distinct numbers, rising, from 1."""
    out: list[int | None] = []
    for text in texts:
        if not text.strip():
            out.append(None)
            continue
        cell = cell_numbering(text)
        if cell is None:
            return None
        out.append(cell[0])
    filled = [n for n in out if n is not None]
    distinct = [n for i, n in enumerate(filled) if i == 0 or filled[i - 1] != n]
    rising = all(b > a for a, b in zip(distinct, distinct[1:], strict=False))
    return out if len(distinct) >= 3 and distinct[0] == 1 and rising else None


def row_formulas(texts: list[str]) -> list[Formula]:
    """The formulas a numbering row states, in column order."""
    if row_numbering(texts) is None:
        return []
    found = (cell_numbering(t) for t in texts if t.strip())
    return [c[1] for c in found if c is not None and c[1] is not None]


def grid_relations(grid: Grid, layout: Layout) -> list[Relation]:
    """The formulas of the grid's numbering row over its value columns, as contract
    relations (a formula naming a column that holds no values is left out)."""
    for row in grid.rows[: layout.n_header]:
        texts = [c.text.strip() for c in row]
        numbers = row_numbering(texts)
        if numbers is None:
            continue
        columns = {n: j for j, n in enumerate(numbers) if n is not None}
        paths = {v.index: list(v.path) for v in layout.values}
        out: list[Relation] = []
        for formula in row_formulas(texts):
            at = [columns.get(n) for n in (formula.target, *formula.terms)]
            if any(j is None or j not in paths for j in at) or formula.signs.count(-1):
                continue
            target, *terms = (paths[j] for j in at if j is not None)
            out.append(Relation(kind="column_formula", text=formula.text,
                                op="product" if formula.op == "*" else "sum",
                                target=target, terms=terms, page=grid.page))
        return out
    return []
