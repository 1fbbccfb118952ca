"""End to end on the shared sample corpus: every text-layer document against its truth.

The grading functions are the corpus's own (``shared/tools/score.py``), so these
tests hold svodka to the same figures the owner reads.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import svodka

from .conftest import CORPUS, score_module

TRUTHS = sorted(CORPUS.glob("*.truth.json")) if CORPUS.is_dir() else []
TEXT_LAYER = [p for p in TRUTHS if "scan" not in json.loads(p.read_text("utf-8"))
              ["generator"]["renderer"]]


def _got(truth_path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    truth = json.loads(truth_path.read_text("utf-8"))
    report = svodka.read(CORPUS / truth["document"]["path"])
    return truth, json.loads(report.model_dump_json())


@pytest.mark.parametrize("truth_path", TEXT_LAYER, ids=lambda p: p.name.split(".")[0])
def test_document_matches_truth(truth_path: Path) -> None:
    score = score_module()
    truth, got = _got(truth_path)
    res = score.score_doc(truth, got)
    precision = res["cell_tp"] / max(1, res["cell_got"])
    recall = res["cell_tp"] / max(1, res["cell_truth"])
    assert res["tables_found"] == res["tables_total"] == len(got["tables"])
    assert precision >= 0.99 and recall >= 0.99, res
    assert res["label_ok"] / res["label_n"] >= 0.97, res
    assert res["err_found"] == res["err_exp"], res
    assert res["err_good"] == res["err_got"], res


@pytest.mark.parametrize("truth_path", TEXT_LAYER, ids=lambda p: p.name.split(".")[0])
def test_document_facts_match_truth(truth_path: Path) -> None:
    truth, got = _got(truth_path)
    for key in ("pages", "organization", "region", "format"):
        assert got["document"][key] == truth["document"][key], key
    for t, g in zip(truth["tables"], got["tables"], strict=True):
        assert (g["kind"], g["title"], g["year"]) == (t["kind"], t["title"], t["year"])
        if t["pages"] is not None:
            assert g["pages"] == t["pages"]
