"""camelot as a fallback: used only where the own engines look weak, never fatal."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import svodka.extract.pdf as pdf
import svodka.extract.pdf_camelot as pdf_camelot
from svodka.api import read
from svodka.extract.pdf_camelot import (
    FALLBACK_BELOW,
    choose_grids,
    needs_fallback,
    page_to_camelot_grids,
)
from svodka.extract.pdf_ruled import page_to_ruled_grids
from svodka.extract.pdf_table import grid_score
from svodka.extract.pdf_text import Glyph, Line, Segment
from svodka.schemas.grid import Grid, GridCell
from tests.conftest import RAW, corpus_file

DEV06 = "dev06-yaroslavskaya-2019-grid.pdf"
DEV05 = "dev05-tomskaya-2021-unruled.pdf"


def _grid(texts: list[list[str]], engine: str = "pdf-ruled", bbox: Any = (0, 0, 100, 100)) -> Grid:
    rows = [[GridCell(text=t, page=1) for t in row] for row in texts]
    return Grid(page=1, bbox=bbox, engine=engine, rows=rows)


def _glued(grid: Grid) -> Grid:
    """The reading of a weak engine: every two value columns glued into one cell."""
    rows = []
    for row in grid.rows:
        head, values = row[:2], row[2:]
        glued = [
            GridCell(text=f"{a.text} {b.text}", page=a.page, bbox=a.bbox)
            for a, b in zip(values[::2], values[1::2], strict=False)
        ]
        rows.append([c.model_copy(update={"origin": None}) for c in head] + glued)
    return grid.model_copy(update={"rows": rows})


def _weak_page_one(real: Callable[..., list[Grid]]) -> Callable[..., list[Grid]]:
    def weak(page_no: int, *args: Any) -> list[Grid]:
        grids = real(page_no, *args)
        return [_glued(g) for g in grids] if page_no == 1 else grids

    return weak


# --- the score -------------------------------------------------------------------


def test_score_leaves_header_rows_out_of_coverage() -> None:
    grid = _grid([["№", "Показатель", "Всего", "ФБ", "РБ"], ["1", "Итого", "30,0", "10,0", "20,0"]])
    assert grid_score(grid.rows) == 1.0


def test_score_drops_for_glued_numbers_and_headless_columns() -> None:
    glued = _grid([["№", "Показатель", "Всего"], ["1", "Итого", "30,0 10,0"], ["2", "Б", "5 5"]])
    assert grid_score(glued.rows) == 0.0  # no value column left
    headless = _grid([["№", "Показатель", "Всего", ""], ["1", "Итого", "30,0", "10,0"]])
    assert grid_score(headless.rows) == 0.75


def test_arithmetic_tells_readings_apart_but_does_not_trigger() -> None:
    years = _grid([["Показатель", "2020", "2021", "2022"], ["Доходы", "361,4", "352,7", "353,7"]])
    assert grid_score(years.rows) == 0.5  # no row is a sum ...
    assert grid_score(years.rows, arithmetic=False) == 1.0  # ... but nothing looks broken
    assert not needs_fallback([years], [])


def test_choice_ties_keep_the_own_engine_and_higher_wins() -> None:
    texts = [["№", "Показатель", "Всего", "ФБ"], ["1", "Итого", "10,0", "10,0"]]
    own, theirs = _grid(texts), _grid(texts, engine="camelot-lattice")
    assert choose_grids([own], [theirs]) == [own]
    weak = _grid([["№", "Показатель", "Всего"], ["1", "Итого", "10,0 10,0"]])
    assert choose_grids([weak], [theirs]) == [theirs]
    elsewhere = _grid(texts, engine="camelot-stream", bbox=(0, 200, 100, 300))
    assert choose_grids([own], [elsewhere]) == [own, elsewhere]  # a table ours missed


def test_numeric_loose_lines_trigger_the_fallback() -> None:
    def line(top: float, *words: str) -> Line:
        segments = []
        for i, word in enumerate(words):
            glyphs = tuple(
                Glyph(ch, 100 * i + 5 * k, 100 * i + 5 * k + 5, top, top + 10, 10)
                for k, ch in enumerate(word)
            )
            segments.append(Segment(glyphs))
        return Line(tuple(segments))

    loose = [line(20 * i, "Строка", "12,5", "7,5") for i in range(3)]
    assert needs_fallback([], loose)
    assert not needs_fallback([], loose[:2])
    assert FALLBACK_BELOW < 0.71  # below every grid of the corpus


# --- camelot on real pages ---------------------------------------------------------


def test_camelot_grid_has_top_left_boxes_and_merged_header() -> None:
    path = corpus_file(DEV06)
    (grid,) = page_to_camelot_grids(path, 1, True, page_height=595.3)
    assert grid.engine == "camelot-lattice" and grid.page == 1
    assert grid.bbox is not None and grid.bbox[1] < grid.bbox[3] < 595.3
    assert grid.rows[0][3].origin == (0, 2) and grid.rows[0][3].text == "Итого"
    assert [c.text for c in grid.rows[2][2:]] == ["728,0", "511,7", "728,0", "511,7"] + [
        "х", "х", "0", "0"
    ]  # fmt: skip
    cell = grid.rows[2][2]
    assert cell.bbox is not None and grid.bbox[1] < cell.bbox[1] < cell.bbox[3] < grid.bbox[3]


def test_weak_own_grid_is_replaced_by_camelot_with_the_same_numbers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = corpus_file(DEV06)
    good = read(path)
    monkeypatch.setattr(pdf, "page_to_ruled_grids", _weak_page_one(page_to_ruled_grids))
    raw = pdf.pdf_to_raw(path)
    engines = [(g.page, g.engine) for g in raw.grids]
    assert engines[0] == (1, "camelot-lattice")
    assert all(e == "pdf-ruled" for p, e in engines if p > 1)
    assert not raw.problems
    fallback = read(path)

    def page_one(report: Any) -> list[tuple[str | None, tuple[str, ...], str | None, str]]:
        return [
            (row.code, tuple(c.column), c.value, c.raw)
            for t in report.tables
            for row in t.rows
            for c in row.cells
            if c.page == 1
        ]

    assert page_one(fallback) and page_one(fallback) == page_one(good)
    assert [f.message for f in fallback.findings] == [f.message for f in good.findings]


def test_camelot_failure_keeps_the_own_grid(monkeypatch: pytest.MonkeyPatch) -> None:
    path = corpus_file(DEV06)

    def broken(*args: Any, **kwargs: Any) -> list[Grid]:
        raise RuntimeError("camelot is broken")

    monkeypatch.setattr(pdf, "page_to_ruled_grids", _weak_page_one(page_to_ruled_grids))
    monkeypatch.setattr(pdf_camelot, "page_to_camelot_grids", broken)
    raw = pdf.pdf_to_raw(path)
    assert raw.grids[0].engine == "pdf-ruled" and raw.grids[0].page == 1
    assert "728,0 511,7" in [c.text for c in raw.grids[0].rows[2]]  # the weak reading, kept
    (problem,) = raw.problems
    assert problem.code == "W_CAMELOT_FAILED" and problem.page == 1
    assert "camelot is broken" in problem.message


@pytest.mark.parametrize(("name", "engine"), [(DEV06, "pdf-ruled"), (DEV05, "pdf-words")])
def test_corpus_pages_never_call_camelot(
    monkeypatch: pytest.MonkeyPatch, name: str, engine: str
) -> None:
    path = corpus_file(name)
    calls: list[int] = []

    def spy(page: Any, page_no: int, own: list[Grid], *, ruled: bool) -> Any:
        calls.append(page_no)
        raise AssertionError("camelot must not run on the corpus")

    monkeypatch.setattr(pdf, "camelot_fallback", spy)
    raw = pdf.pdf_to_raw(Path(path))
    assert calls == [] and raw.grids
    assert {g.engine for g in raw.grids} == {engine}


def test_text_grids_without_figures_never_call_camelot(monkeypatch: pytest.MonkeyPatch) -> None:
    """The sample deck's blank form (slide 19) and diagram (slide 20) are text, not weak tables."""
    calls: list[int] = []

    def spy(page: Any, page_no: int, own: list[Grid], *, ruled: bool) -> Any:
        calls.append(page_no)
        raise AssertionError("camelot must not run on text-only grids")

    monkeypatch.setattr(pdf, "camelot_fallback", spy)
    raw = pdf.pdf_to_raw(RAW / "smolensk-2017-deck.pdf")
    assert calls == []
    assert {g.page for g in raw.grids} >= {19, 20}
