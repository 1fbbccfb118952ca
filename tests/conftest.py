"""Shared paths: the repo's samples, the shared corpus and real documents."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

pytest_plugins = ["tests.pg"]

ROOT = Path(__file__).resolve().parent.parent
RAW = ROOT / "raw"
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus"
REALDOCS = SHARED / "realdocs"


def corpus_file(name: str) -> Path:
    path = CORPUS / name
    if not path.exists():
        pytest.skip(f"shared corpus not present: {path}")
    return path


def score_module() -> ModuleType:
    """The corpus's own grader (shared/tools/score.py), so tests use the owner's figures."""
    path = SHARED / "tools" / "score.py"
    if not path.exists():
        pytest.skip("shared/tools/score.py not present")
    spec = importlib.util.spec_from_file_location("svodka_score", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
