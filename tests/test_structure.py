"""Reading unseen reports (issue 18): header vocabulary, wrapped numbers and codes, unit
captions, column meanings from the numbers, joins over pages and structural doubts."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from svodka.extract.pdf_text import join_wrapped_number
from svodka.normalize.codes import parse_code
from svodka.normalize.document import _organization
from svodka.normalize.infer import infer_sources, sum_agrees
from svodka.normalize.tables import code_follows, grids_to_pieces, pieces_to_tables
from svodka.normalize.vocab import match_measure, match_source
from svodka.schemas import Grid, GridCell, Measure, Severity, Source
from svodka.schemas.numformat import format_ru, is_unit_caption
from svodka.validate import table_to_findings

T, FB, RB, VB = Source.TOTAL, Source.FEDERAL, Source.REGIONAL, Source.EXTRABUDGETARY


@pytest.mark.parametrize(
    ("text", "source"),
    [
        ("Всего (тыс. руб.)", T), ("Итого", T), ("Сумма, тыс. руб.", T),
        ("ФБ", FB), ("Ф.Б.", FB), ("Фед. бюджет", FB), ("Федераль ный бюджет", FB),
        ("Федеральный бюджет¹", FB),
        ("РБ", RB), ("бюджет области", RB), ("Региональный бюджет", RB),
        ("Средства субъекта", RB), ("Бюджет субъекта Российск ой Федераци и", RB),
        ("Областной бюджет", RB), ("Краевой бюджет", RB),
        ("ВБ", VB), ("Внебюджет. средства", VB), ("Внебюдж етные источник и", VB),
        ("ВБ*", VB),
        ("Местный бюджет", None), ("Финансирование", None), ("Наименование показателя", None),
    ],
)
def test_source_vocabulary(text: str, source: Source | None) -> None:
    assert match_source(text) is source


@pytest.mark.parametrize(
    ("text", "measure"),
    [("План", Measure.PLAN), ("Утверждено", Measure.PLAN), ("Плановое значение", Measure.PLAN),
     ("Факт", Measure.FACT), ("Фактическое исполнение", Measure.FACT),
     ("Исполнено", Measure.FACT), ("Всего", None), ("Финансирование", None)],
)
def test_measure_vocabulary(text: str, measure: Measure | None) -> None:
    assert match_measure(text) is measure


@pytest.mark.parametrize(
    ("text", "caption"),
    [("(тыс. рублей)", True), ("тыс. руб.", True), ("Единица измерения: тыс. рублей", True),
     ("(в рублях)", True), ("млн рублей", True),
     ("рублей", False), ("Всего (тыс. руб.)", False), ("ВБ", False)],
)
def test_unit_caption(text: str, caption: bool) -> None:
    assert is_unit_caption(text) is caption


def test_wrapped_number_joined_only_when_the_line_filled_the_cell() -> None:
    assert join_wrapped_number(["16 284,", "5"], [30.0, 5.0], 32.0) == "16 284,5"
    assert join_wrapped_number(["583", "000"], [30.0, 15.0], 32.0) == "583 000"
    # a short first line: two values in one cell, never glued into one
    assert join_wrapped_number(["814", "339,5"], [12.0, 22.0], 60.0) is None
    assert join_wrapped_number(["Всего", "5"], [30.0, 5.0], 32.0) is None


def test_number_wrapped_over_three_lines() -> None:
    assert join_wrapped_number(["34", "829,", "2"], [10.0, 20.0], 30.0) == "34 829,2"
    # gathered line by line, the first two lines are a number still to be finished
    assert join_wrapped_number(["34", "829,"], [10.0], 30.0, unfinished=True) == "34 829,"
    assert join_wrapped_number(["34", "829,"], [10.0], 30.0) is None
    assert join_wrapped_number(["2", "045,", "6"], [7.0, 22.0], 33.0) == "2 045,6"


@pytest.mark.parametrize(
    ("name", "next_line", "whole"),
    [("Центр кластерного развития Республики", "Башкортостан",
      "Центр кластерного развития Республики Башкортостан"),
     ("Центр кластерного развития Ханты-Мансийского", "автономного округа – Югры за 2022 год",
      "Центр кластерного развития Ханты-Мансийского автономного округа – Югры"),
     ("Центр кластерного развития Тульской области", "Отчет за 2022 год",
      "Центр кластерного развития Тульской области"),
     ("Центр кластерного развития", "Тульской области", "Центр кластерного развития")],
)
def test_organisation_wrapped_inside_its_region(name: str, next_line: str, whole: str) -> None:
    assert _organization([name, next_line]) == whole


@given(st.decimals(min_value=0, max_value=10**7, places=1, allow_nan=False), st.data())
def test_wrapped_number_round_trip(value: Decimal, data: st.DataObject) -> None:
    text = format_ru(value)
    if len(text) < 2:
        return
    cut = data.draw(st.integers(min_value=1, max_value=len(text) - 1))
    head, tail = text[:cut].rstrip(), text[cut:].lstrip()
    if not head or not tail:
        return
    joined = join_wrapped_number([head, tail], [30.0, 10.0], 31.0)
    assert joined is not None
    assert Decimal(joined.replace(" ", "").replace(",", ".")) == value


def test_code_wrapped_after_a_dot() -> None:
    code = parse_code("9.12.\n1.")
    assert code is not None and code.canonical == "9.12.1"


@pytest.mark.parametrize(
    ("last", "first", "follows"),
    [("9", "9.1", True), ("9.1.5", "9.1.6", True), ("9.1.5", "9.2", True), ("9.13", "10", True),
     ("9.9", "9.10", True), ("9.1", "9.3", False), ("4", "11.2", False), (None, "3", False)],
)
def test_code_follows(last: str | None, first: str, follows: bool) -> None:
    assert code_follows(last, first) is follows


# --- grids built by hand: the normaliser's decisions -------------------------------------


def _grid(rows: list[list[str]], page: int = 1, context: list[str] | None = None) -> Grid:
    return Grid(page=page, engine="test",
                rows=[[GridCell(text=t, page=page) for t in row] for row in rows],
                context=context or [])


HEADER = [["№", "Наименование", "План", "План", "План", "План"],
          ["№", "Наименование", "Всего", "ФБ", "РБ", "ВБ"]]
BODY = [["1", "Фонд оплаты труда", "30", "10", "15", "5"],
        ["2", "Начисления", "9", "3", "4", "2"],
        ["3", "Связь", "7,5", "2,5", "5", "-"],
        ["4", "Аренда", "12", "x", "12", "0"]]


def test_unnamed_total_column_read_from_the_numbers() -> None:
    header = [row[:] for row in HEADER]
    header[1][2] = "Объём средств"  # no vocabulary word: the sums say it is Всего
    tables = pieces_to_tables(grids_to_pieces(
        [_grid(header + BODY, context=["Отчет о расходовании субсидии"])]))
    (table,) = tables
    assert table.rows[0].cells[0].source is T
    assert [d.reason for d in table.doubts] == ["inferred_column"]
    assert table.confidence is not None and table.confidence < 1


def test_unnamed_source_by_elimination_and_unknown_column_kept() -> None:
    header = [row[:] for row in HEADER]
    header[1][4] = "Прочие"  # the one funding source lacking: РБ
    (table,) = pieces_to_tables(grids_to_pieces(
        [_grid(header + BODY, context=["Отчет о расходовании субсидии"])]))
    assert [c.source for c in table.rows[0].cells] == [T, FB, RB, VB]
    # and a column whose numbers do not fit stays unknown, with a doubt
    body = [row[:] for row in BODY]
    for row in body:
        row[4] = "1"
    (table,) = pieces_to_tables(grids_to_pieces(
        [_grid(header + body, context=["Отчет о расходовании субсидии"])]))
    assert table.rows[0].cells[2].source is None
    assert [d.reason for d in table.doubts] == ["unknown_column"]


def test_error_through_an_inferred_column_is_a_warning() -> None:
    header = [row[:] for row in HEADER]
    header[1][2] = "Объём средств"
    body = [row[:] for row in BODY] + [["5", "Командировки", "11", "3", "4", "2"]]
    body += [["6", "Прочие", "6", "1", "3", "2"]]
    (table,) = pieces_to_tables(grids_to_pieces(
        [_grid(header + body, context=["Отчет о расходовании субсидии"])]))
    findings, _ = table_to_findings(table)
    assert findings and all(f.severity is Severity.WARNING for f in findings)
    assert "не установлена надёжно" in findings[0].message


def test_continuation_joined_by_meaning_not_wording() -> None:
    first = _grid(HEADER + BODY[:2], page=1, context=["Отчет о расходовании субсидии"])
    other = [row[:] for row in HEADER]
    other[1][2:] = ["Итого", "Федеральный бюджет", "Бюджет субъекта", "Внебюджетные источники"]
    second = _grid(other + BODY[2:], page=2)
    (table,) = pieces_to_tables(grids_to_pieces([first, second]))
    assert [r.code for r in table.rows] == ["1", "2", "3", "4"]
    assert table.doubts == [] and table.confidence == 1.0


def test_headerless_piece_without_continuing_codes_is_a_guessed_join() -> None:
    first = _grid(HEADER + BODY[:2], page=1, context=["Отчет о расходовании субсидии"])
    second = _grid([["7", "Прочие", "5", "1", "2", "2"]], page=2)
    (table,) = pieces_to_tables(grids_to_pieces([first, second]))
    assert [d.reason for d in table.doubts] == ["guessed_join"]
    assert table.doubts[0].from_row == 2
    # and one that goes on with the next code is sure
    second = _grid([["3", "Связь", "7,5", "2,5", "5", "-"]], page=2)
    (table,) = pieces_to_tables(grids_to_pieces([first, second]))
    assert table.doubts == []


def test_sum_agrees_needs_enough_rows() -> None:
    d = Decimal
    assert sum_agrees([d(3), d(5), d(7)], [[d(1), d(2), d(3)], [d(2), d(3), d(4)]])
    assert not sum_agrees([d(3), d(5)], [[d(1), d(2)], [d(2), d(3)]])
    assert not sum_agrees([d(3), d(9), d(7)], [[d(1), d(2), d(3)], [d(2), d(3), d(9)]])


def test_infer_leaves_named_layouts_alone() -> None:
    from svodka.normalize.columns import grid_to_layout

    grid = _grid(HEADER + BODY)
    layout = grid_to_layout(grid)
    assert infer_sources(layout, grid) is layout


def _placed(rows: list[list[str]], xs: list[float], page: int) -> Grid:
    """A grid whose cells stand at the x ranges ``xs`` (column edges), 12 pt per row."""
    cells = []
    for r, row in enumerate(rows):
        cells.append([
            GridCell(text=t, page=page, bbox=(xs[c], 100 + 12 * r, xs[c + 1], 110 + 12 * r)
                     if t else None)
            for c, t in enumerate(row)
        ])
    return Grid(page=page, engine="test", rows=cells,
                context=["Отчет о расходовании субсидии"] if page == 1 else [])


def test_continuation_cut_differently_is_matched_by_position() -> None:
    xs = [40, 60, 300, 340, 380, 420, 460]
    first = _placed(HEADER + BODY[:2], xs, page=1)
    # page 2: no header, the code run into the label (one column fewer), same value columns
    body = [[f"{r[0]}. {r[1]}", *r[2:]] for r in BODY[2:]]
    second = _placed(body, [40, 300, 340, 380, 420, 460], page=2)
    (table,) = pieces_to_tables(grids_to_pieces([first, second]))
    assert [r.code for r in table.rows] == ["1", "2", "3", "4"]
    assert table.rows[2].label == "Связь"
    assert [c.source for c in table.rows[3].cells] == [T, FB, RB, VB]
    assert table.doubts == []


def test_code_merged_into_the_label_column_is_split_off() -> None:
    header = [["№ Наименование", "План", "План", "План", "План"],
              ["№ Наименование", "Всего", "ФБ", "РБ", "ВБ"]]
    body = [["11.2. количество мероприятий", "7", "3", "2", "2"],
            ["11.3. количество выставок", "4", "1", "2", "1"],
            ["12 Количество брендов", "5", "2", "2", "1"]]
    (table,) = pieces_to_tables(grids_to_pieces(
        [_grid(header + body, context=["Отчет о расходовании субсидии"])]))
    assert [r.code for r in table.rows] == ["11.2", "11.3", "12"]
    assert table.rows[0].label == "количество мероприятий"


def test_a_layout_without_value_columns_is_not_carried_to_the_next_page() -> None:
    # A scanned slide whose grid read as text only, then a continuation: no crash, no join.
    from svodka.normalize.columns import Layout
    from svodka.normalize.positions import remap_layout

    old = _grid([["Наименование", "Примечание"], ["Фонд оплаты труда", "текст"]])
    new = _grid([["1", "Фонд оплаты труда", "100,0"]], page=2)
    assert remap_layout(Layout(n_header=1, code_col=None, label_col=0), old, new, 0) is None


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("Отчет о расходовании субсидии на обеспечение деятельности центра кластерного "
         "развития в 2020 году",
         "Отчет о расходовании субсидии на обеспечение деятельности ентая кл развития в 2020 "
         "году", True),  # a scan's title misread a little
        ("Отчет о расходовании субсидии на обеспечение деятельности центра кластерного "
         "развития в 2023 году",
         "Отчет о расходовании субсидии на обеспечение деятельности центра кластерного.",
         True),  # its last line not read
        ("Смета расходов центра кластерного развития на 2020 год",
         "Смета расходов центра кластерного развития на 2021 год", False),  # two years
        ("Смета расходов на 2021 год", "Отчет о расходовании субсидии в 2021 году", False),
    ],
)
def test_titles_of_one_table(a: str, b: str, same: bool) -> None:
    from svodka.normalize.tables import same_title

    assert same_title(a, b) is same and same_title(b, a) is same


@pytest.mark.parametrize(
    ("last", "first", "goes_on"),
    [("9.3", "9.4", True), ("9.2.3", "9.4", True), ("9.1.1", "9.1.2", True),
     ("9.2.3", "9.8", False), ("9.2.3", "9.2.3", False), ("5", "1", False), (None, "9.4", False)],
)
def test_code_goes_on_over_a_lost_row(last: str | None, first: str, goes_on: bool) -> None:
    from svodka.normalize.tables import code_goes_on

    assert code_goes_on(last, first) is goes_on


def test_scan_page_with_a_misread_header_joins_the_table_by_its_codes() -> None:
    head = _grid([*HEADER, *BODY], page=1, context=["Смета расходов на 2021 год"])
    # the next page's header read differently ("лан", "ФЬ" for "ФБ"), its codes go on
    rest = _grid([["№", "Наименование", "лан", "План", "План", "План"],
                  ["№", "Наименование", "Всего", "ФЬ", "РБ", "ВБ"],
                  ["5", "Связь", "3", "1", "1", "1"]], page=2,
                 context=["Смета расходов на 2021 год"])
    [table] = pieces_to_tables(grids_to_pieces([head, rest]))
    assert [r.code for r in table.rows] == ["1", "2", "3", "4", "5"]
    assert any(d.reason == "guessed_join" for d in table.doubts)


def test_a_figure_merged_over_header_columns_does_not_end_the_header() -> None:
    from svodka.normalize.columns import count_header_rows

    def merged(texts: list[str], r: int) -> list[GridCell]:
        cells, start = [], 0
        for j, t in enumerate(texts):
            if j and t == texts[j - 1]:
                cells.append(GridCell(text=t, page=1, origin=(r, start)))
            else:
                start = j
                cells.append(GridCell(text=t, page=1, origin=(r, j) if j + 1 < len(texts)
                                      and texts[j + 1] == t else None))
        return cells

    rows = [merged(["№", "Наименование", "Всего", "Всего", "56", "56"], 0),
            merged(["№", "Наименование", "план", "факт", "план", "факт"], 1),
            merged(["1", "Фонд оплаты труда", "10", "9", "x", "x"], 2)]
    assert count_header_rows(Grid(page=1, engine="test", rows=rows)) == 2


def _at_edges(rows: list[list[str]], page: int, edges: list[float],
            context: list[str] | None = None) -> Grid:
    """A grid whose cells stand between ``edges`` (x positions), as a page gives them."""
    return Grid(page=page, engine="test", context=context or [], rows=[
        [GridCell(text=t, page=page, bbox=(edges[j], 10.0 * r, edges[j + 1], 10.0 * r + 8))
         for j, t in enumerate(row)] for r, row in enumerate(rows)])


def test_a_page_whose_header_was_misread_borrows_the_layout_of_its_table() -> None:
    title = ["Смета расходов на 2021 год"]
    edges = [0.0, 20.0, 200.0, 260.0, 320.0, 380.0, 440.0]
    # page 1: the header unreadable (no source in it), the label cut into two columns
    first = _at_edges([["№", "Мероп", "риятия", "лан", "6", "Р", "В"],
                     ["1", "Фонд оплаты", "труда", "30", "10", "15", "5"],
                     ["2", "Начисления", "", "9", "3", "4", "2"]], 1,
                    [0.0, 20.0, 80.0, *edges[2:]], title)
    second = _at_edges([*HEADER, ["3", "Связь", "7,5", "2,5", "5", "0"]], 2, edges, title)
    [table] = pieces_to_tables(grids_to_pieces([first, second]))
    assert table.kind.value == "expenses"
    [row] = [r for r in table.rows if r.code == "1"]
    assert [(c.measure.value if c.measure else None, c.source.value if c.source else None,
             c.raw) for c in row.cells] == [
        ("plan", "total", "30"), ("plan", "federal", "10"), ("plan", "regional", "15"),
        ("plan", "extrabudgetary", "5")]
    assert "труда" in row.label + " ".join(a.text for a in row.attributes)


def test_a_header_cell_read_with_the_cell_over_it_names_its_column_by_its_own_words() -> None:
    from svodka.normalize.columns import _value_column

    column = _value_column(3, ("Финансирование РБ", "План"))
    assert (column.measure, column.source) == (Measure.PLAN, Source.REGIONAL)
    assert _value_column(3, ("Финансирование",)).source is None
