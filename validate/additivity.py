"""Rows that must never be summed or checked: percentages, growth rates, averages, shares."""

from __future__ import annotations

import re

from svodka.schemas.report import Row, Unit

_LABEL_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^(прирост|темп)"), "темп роста или прироста"),
    (re.compile(r"^средн"), "среднее значение"),
    (re.compile(r"^(доля|удельн)"), "доля"),
    (re.compile(r"^(отношение|соотношение)"), "отношение"),
    (re.compile(r"(\(\s*%\s*\)|,\s*%|\bв\s*%|в процентах)"), "проценты"),
)
_LEADING_NOISE = re.compile(r"^[^0-9A-Za-zА-Яа-яЁё%]+")


def non_additive_reason(row: Row) -> str | None:
    """Why the row is not additive (Russian, for messages), or None when it is."""
    for cell in row.cells:
        if cell.unit is Unit.PERCENT or "%" in cell.raw:
            return "проценты"
    label = _LEADING_NOISE.sub("", row.label).lower()
    for pattern, reason in _LABEL_RULES:
        if pattern.search(label):
            return reason
    return None
