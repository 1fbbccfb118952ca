"""Office renderers: a Word report (python-docx) and a slide deck (python-pptx)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import docx
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm
from docx.shared import Pt as DocxPt
from pptx import Presentation
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.util import Emu, Inches, Pt

from .layout import Layout, Line
from .model import ReportModel
from .render_pdf import headings
from .styles import Style

WORD_FONTS = {"DejaVuSans": "DejaVu Sans", "DejaVuSerif": "DejaVu Serif",
              "LiberationSans": "Liberation Sans", "LiberationSerif": "Liberation Serif",
              "LiberationSansNarrow": "Liberation Sans Narrow"}


# --- Word -----------------------------------------------------------------------------------


def word(model: ReportModel, style: Style, tables: list[Layout], path: Path) -> Path:
    document = docx.Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE if style.landscape else WD_ORIENT.PORTRAIT
    long_side, short_side = Mm(297), Mm(210)
    section.page_width, section.page_height = ((long_side, short_side) if style.landscape
                                               else (short_side, long_side))
    for margin in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, margin, Mm(15))
    font = document.styles["Normal"].font
    font.name = WORD_FONTS.get(style.font, "Liberation Sans")
    font.size = DocxPt(style.font_size)
    for text, scale, bold in headings(model):
        paragraph(document, text, style.font_size * scale + 2, bold=bold)
    for index, layout in enumerate(tables):
        if index:
            document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        paragraph(document, layout.title, style.font_size + 2, bold=True)
        if layout.caption:
            paragraph(document, layout.caption, style.font_size, align=WD_ALIGN_PARAGRAPH.RIGHT)
        usable = section.page_width - section.left_margin - section.right_margin
        pieces = layout.pages if style.word_tables else [join_tails(layout.pages)]
        for number, lines in enumerate(pieces):
            if number:
                breaker = document.add_paragraph()
                breaker.add_run().add_break(WD_BREAK.PAGE)
                paragraph(document, "Продолжение таблицы", style.font_size,
                              align=WD_ALIGN_PARAGRAPH.RIGHT)
            header = number == 0 or layout.ts.repeat_header
            word_table(document, layout, lines, header, style, usable)
    document.core_properties.title = model.organization
    document.save(str(path))
    return path


def join_tails(pages: list[list[Line]]) -> list[Line]:
    """One Word table: a row cut by a page break is whole again (Word flows it itself)."""
    out: list[Line] = []
    for page in pages:
        for line in page:
            if line.tail and out:
                head = out[-1]
                out[-1] = Line(head.code, f"{head.label} {line.label}", head.values, head.bold)
            else:
                out.append(line)
    return out


def paragraph(document: Any, text: str, size: float, bold: bool = False,
              align: Any = None) -> None:
    p = document.add_paragraph()
    run = p.add_run(text)
    run.font.size = DocxPt(size)
    run.bold = bold
    if align is not None:
        p.alignment = align


def word_table(document: Any, layout: Layout, lines: list[Line], header: bool, style: Style,
               usable: int) -> None:
    n_head = layout.header_rows if header else 0
    grid = document.add_table(rows=n_head + len(lines), cols=layout.n_cols)
    grid.style = "Table Grid"
    n = len(layout.columns)
    code_w = int(usable * 0.06)
    value_w = int(Mm(13) if style.narrow else min(usable * 0.08, (usable - code_w) * 0.55 / n))
    widths = [code_w, usable - code_w - n * value_w, *([value_w] * n)]
    grid.autofit = False
    for column, width in zip(grid.columns, widths, strict=True):
        column.width = width
        for cell in column.cells:
            cell.width = width
    size = style.font_size
    if header:
        for span in layout.header:
            cell = grid.cell(span.row, span.col)
            if span.rowspan > 1 or span.colspan > 1:
                cell = cell.merge(grid.cell(span.row + span.rowspan - 1,
                                            span.col + span.colspan - 1))
            cell_text(cell, span.text, size, True, WD_ALIGN_PARAGRAPH.CENTER)
        if layout.ts.repeat_header:
            for r in range(n_head):
                marker = OxmlElement("w:tblHeader")
                marker.set(qn("w:val"), "true")
                grid.rows[r]._tr.get_or_add_trPr().append(marker)
    for r, line in enumerate(lines, start=n_head):
        row = grid.rows[r].cells
        cell_text(row[0], line.code, size, line.bold, None)
        cell_text(row[1], line.label, size, line.bold, None)
        for c, value in enumerate(line.values):
            cell_text(row[2 + c], value, size, line.bold, WD_ALIGN_PARAGRAPH.RIGHT)


def cell_text(cell: Any, text: str, size: float, bold: bool, align: Any) -> None:
    p = cell.paragraphs[0]
    run = p.add_run(text)
    run.font.size = DocxPt(size)
    run.bold = bold
    if align is not None:
        p.alignment = align


# --- slides ---------------------------------------------------------------------------------

SLIDE_W, SLIDE_H = Inches(13.333), Inches(7.5)
TABLE_LEFT, TABLE_TOP, TABLE_W = Inches(0.4), Inches(1.1), Inches(12.5)


def deck(model: ReportModel, style: Style, tables: list[Layout], path: Path) -> Path:
    prs = Presentation()
    prs.slide_width, prs.slide_height = SLIDE_W, SLIDE_H
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    text_box(slide, Inches(0.8), Inches(2.5), Inches(11.5), Inches(1.5), model.organization, 28,
             True)
    text_box(slide, Inches(0.8), Inches(4.0), Inches(11.5), Inches(1.0),
             headings(model)[1][0], 18, False)
    size = min(style.font_size, 9.0)
    for layout in tables:
        lines = join_tails(layout.pages)
        for number, chunk in enumerate(slide_chunks(lines, size)):
            slide = prs.slides.add_slide(prs.slide_layouts[6])
            title = layout.title
            if number and style.cont_title == "suffix":
                title += " (продолжение)"
            text_box(slide, Inches(0.4), Inches(0.2), Inches(12.5), Inches(0.8), title, 16, True)
            if layout.caption:
                text_box(slide, Inches(10.4), Inches(0.8), Inches(2.5), Inches(0.3),
                         layout.caption, 10, False, PP_ALIGN.RIGHT)
            slide_table(slide, layout, chunk, size, style)
            text_box(slide, Inches(12.3), Inches(6.95), Inches(0.8), Inches(0.4),
                     f"{len(prs.slides._sldIdLst):02d}", 12, False)
    prs.core_properties.title = model.organization
    prs.save(str(path))
    return path


def slide_chunks(lines: list[Line], size: float) -> list[list[Line]]:
    """Rows per slide: as many as fit below the header (a long label takes several lines)."""
    budget = int(5.6 * 72 / (size * 1.25))
    chunks: list[list[Line]] = [[]]
    used = 0
    for line in lines:
        need = max(1, len(line.label) // 95 + 1)
        if used + need > budget and chunks[-1]:
            chunks.append([])
            used = 0
        chunks[-1].append(line)
        used += need
    return chunks


def text_box(slide: Any, left: int, top: int, width: int, height: int, text: str, size: float,
             bold: bool, align: Any = PP_ALIGN.LEFT) -> None:
    box = slide.shapes.add_textbox(left, top, width, height)
    frame = box.text_frame
    frame.word_wrap = True
    frame.text = text
    for p in frame.paragraphs:
        p.alignment = align
        for run in p.runs:
            run.font.size = Pt(size)
            run.font.bold = bold


def slide_table(slide: Any, layout: Layout, lines: list[Line], size: float, style: Style) -> None:
    n_head = layout.header_rows
    n_rows = n_head + len(lines)
    shape = slide.shapes.add_table(n_rows, layout.n_cols, TABLE_LEFT, TABLE_TOP, TABLE_W,
                                   Emu(int(Pt(size * 1.6)) * n_rows))
    grid = shape.table
    grid.first_row = False
    grid.horz_banding = False
    n = len(layout.columns)
    code_w = int(TABLE_W * 0.05)
    value_w = int(Inches(0.62) if style.narrow else TABLE_W * 0.075)
    widths = [code_w, TABLE_W - code_w - n * value_w, *([value_w] * n)]
    for c, width in enumerate(widths):
        grid.columns[c].width = Emu(width)
    for span in layout.header:
        cell = grid.cell(span.row, span.col)
        if span.rowspan > 1 or span.colspan > 1:
            cell.merge(grid.cell(span.row + span.rowspan - 1, span.col + span.colspan - 1))
        fill(cell, span.text, size, True, PP_ALIGN.CENTER)
    for r, line in enumerate(lines, start=n_head):
        fill(grid.cell(r, 0), line.code, size, line.bold, PP_ALIGN.LEFT)
        fill(grid.cell(r, 1), line.label, size, line.bold, PP_ALIGN.LEFT)
        for c, value in enumerate(line.values):
            fill(grid.cell(r, 2 + c), value, size, line.bold, PP_ALIGN.RIGHT)


def fill(cell: Any, text: str, size: float, bold: bool, align: Any) -> None:
    cell.text = text
    cell.margin_left = cell.margin_right = Pt(3)
    cell.margin_top = cell.margin_bottom = Pt(1)
    cell.vertical_anchor = MSO_ANCHOR.MIDDLE
    for p in cell.text_frame.paragraphs:
        p.alignment = align
        for run in p.runs:
            run.font.size = Pt(size)
            run.font.bold = bold
