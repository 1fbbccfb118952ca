"""Word documents (.docx) to ``RawDocument``: one grid per table of the body.

A table whose header row repeats over pages is still one table in the file and
so one grid.  Merges (``w:gridSpan``, ``w:vMerge``) are repeated with ``origin``;
tables nested in cells are flattened into the cell's text.  Paragraphs outside
tables (text boxes included) become ``TextLine``s; a grid's ``context`` is the
last few non-empty paragraphs before it.

Word files carry no pages, so pages are estimated: from the page breaks Word
recorded when it last saved (``w:lastRenderedPageBreak``) when there are any,
otherwise by a rough layout of paragraphs and table rows (see ``Layout``).

The XML is walked with plain lxml child iteration (``_attr``, ``_flag``, ``_run_text``)
rather than an XPath query per cell: each helper returns what the XPath in its
docstring would, at a fraction of the cost.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.section import WD_SECTION_START
from lxml import etree

from svodka.extract.common import sha256_of
from svodka.extract.office import Placed, build_rows, load_checked, text_lines, to_text_lines
from svodka.schemas.grid import Grid, RawDocument, TextLine

ENGINE = "docx"
CONTEXT_PARAGRAPHS = 3
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_P, _R, _T, _BR, _VAL = f"{W}p", f"{W}r", f"{W}t", f"{W}br", f"{W}val"
_RUN_MARKS = {f"{W}cr": "\n", f"{W}noBreakHyphen": "-", f"{W}ptab": "\t", f"{W}tab": "\t"}
"""Run children that stand for a character (python-docx ``CT_R.text``); ``w:t``/``w:br`` apart."""

# Rough typography for the page estimate (twips: 1/20 pt).
CHAR_WIDTH_EM = 0.48
"""Average glyph width of Cyrillic text in the usual serif/sans fonts, in em."""
LINE_HEIGHT_EM = 1.2
CELL_MARGIN_TWIPS = 2 * 108
DEFAULT_FONT_PT = 11.0


_BOX_PARAGRAPHS = etree.XPath(
    ".//w:txbxContent[not(ancestor::mc:Fallback)]//w:p",
    namespaces={
        "w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
        "mc": "http://schemas.openxmlformats.org/markup-compatibility/2006",
    },
)  # text boxes; the Fallback copy of a box (mc:AlternateContent) is not read twice


def docx_to_raw(path: Path) -> RawDocument:
    """Read a .docx document.

    Raises ``SvodkaError`` with code E_NOT_OFFICE, E_ZIP_BOMB or E_BROKEN_OFFICE.
    """
    document = load_checked(path, "docx", lambda p: Document(str(p)))
    reader = _Reader(Layout.for_document(document))
    reader.read_blocks(document.element.body)
    return RawDocument(
        path=str(path),
        sha256=sha256_of(path),
        format="docx",
        pages=reader.layout.page,
        lines=reader.lines,
        grids=reader.grids,
    )


# --------------------------------------------------------------------------- body


@dataclass
class _Reader:
    layout: Layout
    lines: list[TextLine] = field(default_factory=list)
    grids: list[Grid] = field(default_factory=list)
    recent: list[str] = field(default_factory=list)

    def read_blocks(self, parent: Any) -> None:
        for child in parent.iterchildren():
            if child.tag == f"{W}p":
                self._paragraph(child)
            elif child.tag == f"{W}tbl":
                self._table(child)
            elif child.tag in (f"{W}sdt", f"{W}customXml"):
                self.read_blocks(_content_of(child))

    def _paragraph(self, p: Any) -> None:
        text = paragraph_text(p)
        page = self.layout.paragraph(p, text)
        self.lines.extend(to_text_lines(text, page))
        if next(p.iter(f"{W}txbxContent"), None) is not None:  # rare: skip the XPath
            for box_p in _BOX_PARAGRAPHS(p):
                self.lines.extend(to_text_lines(paragraph_text(box_p), page))
        if text.strip():
            self.recent = (self.recent + [text])[-CONTEXT_PARAGRAPHS:]
        self.layout.after_paragraph(p)

    def _table(self, tbl: Any) -> None:
        found, n_rows, n_cols = _table_cells(tbl)
        pages = self.layout.table(tbl, found, n_rows)
        cells = [cell for cell, _ in found]
        for cell in cells:
            cell.page = pages[cell.row]
        context = [line for text in self.recent for line in text_lines(text)]
        first = pages[0] if pages else self.layout.page
        rows = build_rows(cells, n_rows, n_cols, first)
        self.grids.append(Grid(page=first, engine=ENGINE, quality=1.0, rows=rows, context=context))
        self.recent = []


def _content_of(element: Any) -> Any:
    content = element.find(f"{W}sdtContent")
    return content if content is not None else element


def paragraph_text(p: Any) -> str:
    """Text of the runs that belong to ``p`` itself (not to text boxes inside it).

    Runs in hyperlinks, content controls, fields and tracked insertions count;
    deleted text does not.  Line breaks become '\\n', tabs '\\t'.

    Same runs as the XPath ``.//w:r[count(ancestor::w:p) = count(ancestor-or-self::w:p)]``
    (no paragraph between the run and ``p``), same text as python-docx ``CT_R.text``.
    """
    parts = []
    for run in p.iter(_R):
        up = run.getparent()
        while up is not p and up.tag != _P:
            up = up.getparent()
        if up is p:
            parts.append(_run_text(run))
    return "".join(parts)


def _run_text(run: Any) -> str:
    """python-docx ``CT_R.text``: ``w:br | w:cr | w:noBreakHyphen | w:ptab | w:t | w:tab``."""
    parts = []
    for e in run.iterchildren():
        tag = e.tag
        if tag == _T:
            parts.append(e.text or "")
        elif tag == _BR:
            parts.append("\n" if e.get(f"{W}type", "textWrapping") == "textWrapping" else "")
        elif tag in _RUN_MARKS:
            parts.append(_RUN_MARKS[tag])
    return "".join(parts)


def _attr(element: Any, outer: str, inner: str, attr: str) -> str | None:
    """The first value of the XPath ``./w:{outer}/w:{inner}/@w:{attr}``, or None."""
    for a in element.iterchildren(f"{W}{outer}"):
        for b in a.iterchildren(f"{W}{inner}"):
            value = b.get(f"{W}{attr}")
            if value is not None:
                return str(value)
    return None


def _flag(element: Any, outer: str, inner: str) -> bool:
    """Whether the XPath ``./w:{outer}/w:{inner}[not(@w:val='0' or @w:val='false')]`` hits."""
    return any(
        b.get(_VAL) not in ("0", "false")
        for a in element.iterchildren(f"{W}{outer}")
        for b in a.iterchildren(f"{W}{inner}")
    )


def _has(element: Any, outer: str, inner: str) -> bool:
    """Whether the XPath ``./w:{outer}/w:{inner}`` hits."""
    return any(
        True for a in element.iterchildren(f"{W}{outer}") for _ in a.iterchildren(f"{W}{inner}")
    )


def _vals(found: str | None) -> list[str]:
    return [] if found is None else [found]


# --------------------------------------------------------------------------- tables


@dataclass
class _Slot:
    """A ``w:tc`` as laid out on the table grid."""

    col: int
    span: int
    vmerge: str | None
    tc: Any


def table_cells(tbl: Any) -> tuple[list[Placed], int, int]:
    """Placed cells of a table, with the number of rows and grid columns."""
    found, n_rows, n_cols = _table_cells(tbl)
    return [cell for cell, _ in found], n_rows, n_cols


def _table_cells(tbl: Any) -> tuple[list[tuple[Placed, Any]], int, int]:
    rows = [_row_slots(tr) for tr in tbl.iterchildren(f"{W}tr")]
    grid_cols = sum(
        1 for g in tbl.iterchildren(f"{W}tblGrid") for _ in g.iterchildren(f"{W}gridCol")
    )
    n_cols = max([grid_cols] + [s.col + s.span for row in rows for s in row])
    found: list[tuple[Placed, Any]] = []
    for r, row in enumerate(rows):
        for slot in row:
            if slot.vmerge == "continue" and _starts_merge_above(rows, r, slot):
                continue
            rowspan = _rowspan(rows, r, slot) if slot.vmerge == "restart" else 1
            found.append((Placed(r, slot.col, cell_text(slot.tc), 1, rowspan, slot.span), slot.tc))
    return found, len(rows), n_cols


def _row_slots(tr: Any) -> list[_Slot]:
    col = _int_val(_vals(_attr(tr, "trPr", "gridBefore", "val")), 0)
    slots = []
    for tc in _row_tcs(tr):
        span = max(1, _int_val(_vals(_attr(tc, "tcPr", "gridSpan", "val")), 1))
        vmerge = next(
            (v for pr in tc.iterchildren(f"{W}tcPr") for v in pr.iterchildren(f"{W}vMerge")), None
        )
        state = None
        if vmerge is not None:
            state = "restart" if vmerge.get(_VAL) == "restart" else "continue"
        slots.append(_Slot(col, span, state, tc))
        col += span
    return slots


def _row_tcs(tr: Any) -> Iterator[Any]:
    """``./w:tc | ./w:sdt/w:sdtContent/w:tc | ./w:customXml/w:tc`` in document order."""
    for child in tr.iterchildren():
        tag = child.tag
        if tag == f"{W}tc":
            yield child
        elif tag == f"{W}sdt":
            for content in child.iterchildren(f"{W}sdtContent"):
                yield from content.iterchildren(f"{W}tc")
        elif tag == f"{W}customXml":
            yield from child.iterchildren(f"{W}tc")


def _int_val(values: list[Any], default: int) -> int:
    try:
        return int(values[0]) if values else default
    except ValueError:
        return default


def _slot_at(row: list[_Slot], col: int) -> _Slot | None:
    return next((s for s in row if s.col == col), None)


def _starts_merge_above(rows: list[list[_Slot]], r: int, slot: _Slot) -> bool:
    above = _slot_at(rows[r - 1], slot.col) if r > 0 else None
    return above is not None and above.vmerge in ("restart", "continue")


def _rowspan(rows: list[list[_Slot]], r: int, slot: _Slot) -> int:
    span = 1
    for row in rows[r + 1 :]:
        below = _slot_at(row, slot.col)
        if below is None or below.vmerge != "continue":
            break
        span += 1
    return span


def cell_text(tc: Any) -> str:
    """Paragraphs joined with '\\n'; nested tables flattened cell by cell in reading order."""
    return "\n".join(_cell_parts(tc))


def _cell_parts(container: Any) -> Iterator[str]:
    for child in container.iterchildren():
        if child.tag == f"{W}p":
            yield paragraph_text(child)
        elif child.tag == f"{W}tbl":
            yield from _nested_table_parts(child)
        elif child.tag in (f"{W}sdt", f"{W}customXml"):
            yield from _cell_parts(_content_of(child))


def _nested_table_parts(tbl: Any) -> Iterator[str]:
    cells, _, _ = table_cells(tbl)
    for cell in sorted(cells, key=lambda c: (c.row, c.col)):
        if cell.text:
            yield cell.text


# --------------------------------------------------------------------------- pages


@dataclass
class _Section:
    width: int
    height: int
    new_page: bool


@dataclass
class Layout:
    """Page estimate: walks the body filling pages of the current section.

    With page breaks recorded by Word (``w:lastRenderedPageBreak``) it only counts
    those (they include the explicit breaks).  Otherwise each paragraph and table
    row takes ``lines × font size × LINE_HEIGHT_EM`` plus spacing, with lines from
    an average glyph width; explicit page breaks and new-page sections start pages,
    rows may split over pages, and repeated header rows are re-added on each page.
    Calibrated on LibreOffice renderings: dev04 (4 pages) and the raw/ report (9).
    """

    sections: list[_Section]
    default_pt: float
    default_after: int
    rendered: bool
    page: int = 1
    used: int = 0
    index: int = 0

    @classmethod
    def for_document(cls, document: Any) -> Layout:
        body = document.element.body
        sections = [_section(s) for s in document.sections] or [_Section(9638, 15138, True)]
        rendered = next(body.iter(f"{W}lastRenderedPageBreak"), None) is not None
        styles = document.styles.element
        return cls(sections, _default_pt(document), _default_after(styles), rendered)

    @property
    def section(self) -> _Section:
        return self.sections[min(self.index, len(self.sections) - 1)]

    def new_page(self) -> None:
        self.page += 1
        self.used = 0

    def paragraph(self, p: Any, text: str) -> int:
        """Lay out paragraph ``p``; return the page it starts on."""
        if self.rendered:
            self._count_rendered(p)
            return self.page
        if _flag(p, "pPr", "pageBreakBefore") and self.used:
            self.new_page()
        start = self.page
        self._advance(self._paragraph_height(p, text, self.section.width, self.default_after))
        for br in p.iter(_BR):
            if br.get(f"{W}type") == "page":
                self.new_page()
        return start

    def after_paragraph(self, p: Any) -> None:
        """A paragraph carrying ``w:sectPr`` ends its section."""
        if _has(p, "pPr", "sectPr"):
            self.index += 1
            if self.section.new_page:
                self.new_page()

    def table(self, tbl: Any, cells: list[tuple[Placed, Any]], n_rows: int) -> list[int]:
        """Lay out a table; return the page each row starts on."""
        heights = self._row_heights(tbl, cells, n_rows)
        header = self._header_height(tbl, heights)
        pages = []
        for r, tr in enumerate(tbl.iterchildren(f"{W}tr")):
            pages.append(self._row_page(tr, heights[r] if r < len(heights) else 0, header))
        return pages

    def _row_page(self, tr: Any, height: int, header: int) -> int:
        if self.rendered:
            self._count_rendered(tr)
            return self.page
        if self.used + height > self.section.height and self.used > header:
            cant_split = _flag(tr, "trPr", "cantSplit")
            if cant_split or self.section.height - self.used < min(height, _line(self.default_pt)):
                self.new_page()
                self.used = header
        start = self.page
        self._advance(height, header)
        return start

    def _advance(self, height: int, header: int = 0) -> None:
        self.used += height
        while self.used > self.section.height:
            self.used = self.used - self.section.height + header
            self.page += 1

    def _count_rendered(self, element: Any) -> None:
        if self.rendered:
            for _ in element.iter(f"{W}lastRenderedPageBreak"):
                self.new_page()

    def _row_heights(self, tbl: Any, cells: list[tuple[Placed, Any]], n_rows: int) -> list[int]:
        widths = [
            _int_val([w], 0)
            for g in tbl.iterchildren(f"{W}tblGrid")
            for col in g.iterchildren(f"{W}gridCol")
            if (w := col.get(f"{W}w")) is not None
        ]
        heights = [_min_row_height(tr) for tr in tbl.iterchildren(f"{W}tr")]
        heights += [0] * (n_rows - len(heights))
        for cell, tc in cells:
            width = sum(widths[cell.col : cell.col + cell.colspan]) or self.section.width
            need = self._cell_height(cell.text, tc, width - CELL_MARGIN_TWIPS)
            last = cell.row + cell.rowspan - 1
            heights[last] = max(heights[last], need - sum(heights[cell.row : last]))
        return heights

    def _cell_height(self, text: str, tc: Any, width: int) -> int:
        size = _font_pt(tc, self.default_pt)
        return _text_height(text, max(width, 200), size)

    def _header_height(self, tbl: Any, heights: list[int]) -> int:
        total = 0
        for r, tr in enumerate(tbl.iterchildren(f"{W}tr")):
            if not _flag(tr, "trPr", "tblHeader"):
                break
            total += heights[r] if r < len(heights) else 0
        return total

    def _paragraph_height(self, p: Any, text: str, width: int, after: int) -> int:
        size = _font_pt(p, self.default_pt)
        spacing = _vals(_attr(p, "pPr", "spacing", "after"))
        return _text_height(text, width, size) + _int_val(spacing, after)


def _section(section: Any) -> _Section:
    def twips(value: Any, default: int) -> int:
        return int(value.twips) if value is not None else default

    width = twips(section.page_width, 11906)
    width -= twips(section.left_margin, 1440) + twips(section.right_margin, 1440)
    height = twips(section.page_height, 16838)
    height -= twips(section.top_margin, 1440) + twips(section.bottom_margin, 1440)
    new_page = section.start_type != WD_SECTION_START.CONTINUOUS
    return _Section(max(width, 1440), max(height, 1440), new_page)


def _default_pt(document: Any) -> float:
    try:
        size = document.styles["Normal"].font.size
    except KeyError:
        size = None
    if size is not None:
        return float(size.pt)
    sizes = document.styles.element.xpath("./w:docDefaults/w:rPrDefault/w:rPr/w:sz/@w:val")
    return _int_val(sizes, int(DEFAULT_FONT_PT * 2)) / 2


def _default_after(styles: Any) -> int:
    return _int_val(styles.xpath("./w:docDefaults/w:pPrDefault/w:pPr/w:spacing/@w:after"), 0)


def _font_pt(element: Any, default: float) -> float:
    sizes = [  # .//w:rPr/w:sz/@w:val
        _int_val([v], 0)
        for pr in element.iter(f"{W}rPr")
        for sz in pr.iterchildren(f"{W}sz")
        if (v := sz.get(_VAL)) is not None
    ]
    sizes = [s for s in sizes if s > 0]
    return max(sizes) / 2 if sizes else default


def _min_row_height(tr: Any) -> int:
    return _int_val(_vals(_attr(tr, "trPr", "trHeight", "val")), 0)


def _line(size_pt: float) -> int:
    return int(size_pt * LINE_HEIGHT_EM * 20)


def _text_height(text: str, width_twips: int, size_pt: float) -> int:
    per_line = max(1, int(width_twips / (size_pt * 20 * CHAR_WIDTH_EM)))
    lines = sum(max(1, math.ceil(len(part) / per_line)) for part in text.split("\n"))
    return lines * _line(size_pt)
