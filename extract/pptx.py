"""PowerPoint decks (.pptx) to ``RawDocument``: one grid per native table per slide.

Text outside tables becomes ``TextLine``s in reading order (top to bottom, then
left to right, shapes inside groups included).  A table's ``context`` is the text
of the shapes whose top lies above the table's top on the same slide.  Cell
boxes are computed from the table's position and its column widths and row
heights (the heights stored in the file, which PowerPoint grows when text
wraps, so boxes are approximate vertically).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE

from svodka.extract.common import sha256_of
from svodka.extract.office import Placed, build_rows, load_checked, text_lines
from svodka.schemas.grid import BBox, Grid, Problem, RawDocument, TextLine

ENGINE = "pptx"
EMU_PER_POINT = 12700


@dataclass(frozen=True)
class Frame:
    """An axis-aligned map from a shape tree's coordinates to the slide's (EMU)."""

    sx: float = 1.0
    ox: float = 0.0
    sy: float = 1.0
    oy: float = 0.0

    def rect(self, shape: Any) -> tuple[float, float, float, float]:
        """(left, top, width, height) of ``shape`` on the slide, in EMU."""
        left, top = _num(shape.left), _num(shape.top)
        width, height = _num(shape.width), _num(shape.height)
        return (
            left * self.sx + self.ox,
            top * self.sy + self.oy,
            width * self.sx,
            height * self.sy,
        )

    def inside(self, group: Any) -> Frame:
        """The frame of the children of ``group`` (its chOff/chExt mapped onto off/ext)."""
        left, top, width, height = self.rect(group)
        ch_off = group._element.xpath("./p:grpSpPr/a:xfrm/a:chOff")
        ch_ext = group._element.xpath("./p:grpSpPr/a:xfrm/a:chExt")
        if not ch_off or not ch_ext or not int(ch_ext[0].cx) or not int(ch_ext[0].cy):
            return self
        sx, sy = width / int(ch_ext[0].cx), height / int(ch_ext[0].cy)
        return Frame(sx, left - int(ch_off[0].x) * sx, sy, top - int(ch_off[0].y) * sy)


@dataclass
class _Text:
    top: float
    left: float
    lines: list[str]


@dataclass
class _Slide:
    number: int
    texts: list[_Text]
    tables: list[tuple[Any, Frame]]
    problems: list[Problem]


def _num(value: Any) -> float:
    return float(value) if value is not None else 0.0


def pptx_to_raw(path: Path) -> RawDocument:
    """Read a .pptx deck.

    Raises ``SvodkaError`` with code E_NOT_OFFICE, E_ZIP_BOMB or E_BROKEN_OFFICE.
    """
    prs = load_checked(path, "pptx", lambda p: Presentation(str(p)))
    doc = RawDocument(path=str(path), sha256=sha256_of(path), format="pptx", pages=0)
    slides = list(prs.slides)
    doc.pages = len(slides)
    for number, slide in enumerate(slides, start=1):
        _add_slide(doc, _collect(slide, number))
    return doc


def _collect(slide: Any, number: int) -> _Slide:
    found = _Slide(number=number, texts=[], tables=[], problems=[])
    _walk(slide.shapes, Frame(), found)
    found.texts.sort(key=lambda t: (t.top, t.left))
    return found


def _walk(shapes: Any, frame: Frame, found: _Slide) -> None:
    for shape in shapes:
        if shape.shape_type == MSO_SHAPE_TYPE.GROUP:
            _walk(shape.shapes, frame.inside(shape), found)
        elif getattr(shape, "has_table", False) and shape.has_table:
            found.tables.append((shape, frame))
        elif getattr(shape, "has_text_frame", False) and shape.has_text_frame:
            _add_text(shape, frame, found)
        else:
            _note_skipped(shape, found)


def _add_text(shape: Any, frame: Frame, found: _Slide) -> None:
    lines = text_lines(shape.text_frame.text)
    if lines:
        left, top, _, _ = frame.rect(shape)
        found.texts.append(_Text(top=top, left=left, lines=lines))


def _note_skipped(shape: Any, found: _Slide) -> None:
    if getattr(shape, "has_chart", False) and shape.has_chart:
        code, what = "W_CHART_SKIPPED", "chart"
    elif shape.shape_type == MSO_SHAPE_TYPE.PICTURE:
        code, what = "W_PICTURE_SKIPPED", "picture"
    elif shape.shape_type in (MSO_SHAPE_TYPE.LINE, MSO_SHAPE_TYPE.FREEFORM):
        return
    elif shape.shape_type in (MSO_SHAPE_TYPE.EMBEDDED_OLE_OBJECT, MSO_SHAPE_TYPE.LINKED_OLE_OBJECT):
        code, what = "W_OLE_SKIPPED", "embedded object"
    elif shape.shape_type is None:
        code, what = "W_GRAPHIC_SKIPPED", "graphic (e.g. SmartArt)"
    else:
        return
    message = f"{what} {shape.name!r} not read"
    found.problems.append(Problem(code=code, message=message, page=found.number))


def _add_slide(doc: RawDocument, slide: _Slide) -> None:
    for text in slide.texts:
        doc.lines.extend(TextLine(page=slide.number, text=line) for line in text.lines)
    for shape, frame in slide.tables:
        doc.grids.append(_grid(shape, frame, slide))
    doc.problems.extend(slide.problems)


def _grid(shape: Any, frame: Frame, slide: _Slide) -> Grid:
    left, top, width, height = frame.rect(shape)
    table = shape.table
    xs = _edges(left, [_num(col.width) * frame.sx for col in table.columns])
    ys = _edges(top, [_num(row.height) * frame.sy for row in table.rows])
    placed = [
        _placed(cell, r, c, xs, ys, slide.number)
        for r, row in enumerate(table.rows)
        for c, cell in enumerate(row.cells)
        if not cell.is_spanned
    ]
    return Grid(
        page=slide.number,
        bbox=_points(left, top, left + width, top + height),
        engine=ENGINE,
        quality=1.0,
        rows=build_rows(placed, len(ys) - 1, len(xs) - 1, slide.number),
        context=[line for text in slide.texts if text.top < top for line in text.lines],
    )


def _placed(cell: Any, r: int, c: int, xs: list[float], ys: list[float], page: int) -> Placed:
    rowspan = max(1, min(int(cell.span_height), len(ys) - 1 - r))
    colspan = max(1, min(int(cell.span_width), len(xs) - 1 - c))
    bbox = _points(xs[c], ys[r], xs[c + colspan], ys[r + rowspan])
    return Placed(r, c, cell_text(cell), page, rowspan, colspan, bbox)


def cell_text(cell: Any) -> str:
    """Paragraphs joined with '\\n'; line breaks (python-pptx gives '\\v') as '\\n' too."""
    return "\n".join(p.text.replace("\v", "\n") for p in cell.text_frame.paragraphs)


def _edges(start: float, sizes: list[float]) -> list[float]:
    edges = [start]
    for size in sizes:
        edges.append(edges[-1] + size)
    return edges


def _points(x0: float, top: float, x1: float, bottom: float) -> BBox:
    return (
        round(x0 / EMU_PER_POINT, 2),
        round(top / EMU_PER_POINT, 2),
        round(x1 / EMU_PER_POINT, 2),
        round(bottom / EMU_PER_POINT, 2),
    )
