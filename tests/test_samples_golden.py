"""The seed samples in raw/ against hand-checked golden files (docling-style groundtruth).

Regenerate with ``SVODKA_REGEN_GOLDEN=1 pytest tests/test_samples_golden.py`` (never in CI),
then read the diff against ``../shared/seed/`` before committing it.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

import pytest

import svodka

from .conftest import RAW, ROOT, SHARED

GOLDEN = ROOT / "tests" / "data" / "groundtruth"
SAMPLES = ["smolensk-2017-deck.pptx", "smolensk-2017-deck.pdf", "smolensk-2017-report.docx"]
GOLDEN_FILE = GOLDEN / "smolensk-2017.tables.json"
REGEN = os.environ.get("SVODKA_REGEN_GOLDEN") == "1" and os.environ.get("CI") != "true"


def _essence(report: svodka.Report) -> list[dict[str, Any]]:
    """What must be exact in every format: kind, year, codes, labels, cells."""
    return [
        {
            "kind": t.kind.value,
            "title": t.title,
            "year": t.year,
            "rows": [
                {
                    "code": r.code,
                    "label": r.label,
                    "is_total": r.is_total,
                    "cells": [
                        [c.measure.value if c.measure else None,
                         c.source.value if c.source else None,
                         c.status.value,
                         None if c.value is None else format(c.value, "f"),
                         c.unit.value if c.unit else None,
                         c.footnote,
                         " ".join(c.raw.split())]
                        for c in r.cells
                    ],
                }
                for r in t.rows
            ],
        }
        for t in report.tables
    ]


@pytest.mark.parametrize("name", SAMPLES)
def test_sample_matches_golden(name: str) -> None:
    got = _essence(svodka.read(RAW / name))
    if REGEN and name.endswith(".pptx"):
        GOLDEN_FILE.write_text(json.dumps(got, ensure_ascii=False, indent=1) + "\n", "utf-8")
    golden = json.loads(GOLDEN_FILE.read_text("utf-8"))
    for g, t in zip(got, golden, strict=True):
        assert (g["kind"], g["year"]) == (t["kind"], t["year"])
        assert [r["code"] for r in g["rows"]] == [r["code"] for r in t["rows"]]
        for gr, tr in zip(g["rows"], t["rows"], strict=True):
            assert gr == tr, f"{name}: row {tr['code']}"


def _seed_text() -> str:
    seeds = sorted((SHARED / "seed").glob("*.txt"))
    if not seeds:
        pytest.skip("shared seed not present")
    return " ".join(seeds[0].read_text("utf-8").split())


def test_golden_agrees_with_the_seed() -> None:
    """Every row's code, label words and raw numbers stand in the seed, in order."""
    seed = _seed_text()
    golden = json.loads(GOLDEN_FILE.read_text("utf-8"))
    assert [len(t["rows"]) for t in golden] == [38, 60, 24, 27]
    pos = 0
    for table in golden:
        for row in table["rows"]:
            label_head = " ".join(row["label"].split()[:3])
            found = seed.find(label_head, pos)
            assert found >= 0, f"label not in seed after position {pos}: {label_head}"
            pos = found
            for cell in row["cells"]:
                raw = cell[6]
                if raw:
                    m = re.compile(r"(?<![\d,])" + re.escape(raw) + r"(?![\d,])").search(seed, pos)
                    assert m, f"{row['code']}: {raw!r} not in seed after the label"
                    pos = m.end()


def test_seed_errors_are_in_the_samples() -> None:
    golden = json.loads(GOLDEN_FILE.read_text("utf-8"))
    row_96 = next(r for r in golden[0]["rows"] if r["code"] == "9.6")
    assert ["fact", "total", "number", "415.8", "thousand_rub", None, "415,8"] in row_96["cells"]
