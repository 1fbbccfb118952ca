"""PDF renderers (reportlab): a ruled grid (platypus ``Table``) and whitespace columns (canvas)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from .layout import Layout, Line
from .model import ReportModel
from .render import FONT_FILES, available_fonts, font_path
from .styles import Style

MARGIN = 15 * mm


def fonts(style: Style) -> tuple[str, str]:
    """(regular, bold) reportlab names of the style's font, registered on first use."""
    name = style.font if style.font in available_fonts() else available_fonts()[0]
    regular, bold = FONT_FILES[name]
    for face, file in ((name, regular), (f"{name}-Bold", bold)):
        if face not in pdfmetrics.getRegisteredFontNames():
            path = font_path(file)
            assert path is not None
            pdfmetrics.registerFont(TTFont(face, str(path)))
    return name, f"{name}-Bold"


def page_size(style: Style) -> tuple[float, float]:
    return landscape(A4) if style.landscape else A4


def column_widths(layout: Layout, style: Style, usable: float) -> list[float]:
    n = len(layout.columns)
    code = max(style.font_size * 3.6, usable * 0.05)
    if style.narrow:  # "16 284,5" wraps as "16 284," over "5"; "1 320,0" still fits
        regular = style.font if style.font in available_fonts() else available_fonts()[0]
        value = pdfmetrics.stringWidth("00 000,", f"{regular}-Bold", style.font_size) + 2 * GAP
    else:
        value = min(usable * 0.08, (usable - code) * 0.55 / n)
    label = usable - code - n * value
    if label < usable * 0.32:  # a label's longest word always fits: words are never cut
        label = usable * 0.32
        value = (usable - code - label) / n
    return [code, label, *([value] * n)]


def headings(model: ReportModel) -> list[tuple[str, float, bool]]:
    return [(model.organization, 1.5, True),
            (f"Отчет о деятельности центра кластерного развития {model.region} за "
             f"{model.year} год", 1.0, False)]


# --- ruled ----------------------------------------------------------------------------------


def ruled_pdf(model: ReportModel, style: Style, tables: list[Layout], path: Path) -> Path:
    regular, bold = fonts(style)
    size = style.font_size
    width, height = page_size(style)
    doc = SimpleDocTemplate(str(path), pagesize=(width, height), leftMargin=MARGIN,
                            rightMargin=MARGIN, topMargin=MARGIN, bottomMargin=MARGIN,
                            title=model.organization)
    para = {
        "code": ParagraphStyle("code", fontName=regular, fontSize=size, leading=size * 1.2),
        "label": ParagraphStyle("label", fontName=regular, fontSize=size, leading=size * 1.2,
                                alignment=TA_LEFT, splitLongWords=0),
        "value": ParagraphStyle("value", fontName=regular, fontSize=size, leading=size * 1.2,
                                alignment=TA_RIGHT),
        "head": ParagraphStyle("head", fontName=bold, fontSize=size, leading=size * 1.2,
                               alignment=TA_CENTER),
        "bold": ParagraphStyle("bold", fontName=bold, fontSize=size, leading=size * 1.2,
                               splitLongWords=0),
        "boldv": ParagraphStyle("boldv", fontName=bold, fontSize=size, leading=size * 1.2,
                                alignment=TA_RIGHT),
    }
    story: list[Any] = []
    for text, scale, is_bold in headings(model):
        story.append(Paragraph(escape(text), ParagraphStyle(
            "h", fontName=bold if is_bold else regular, fontSize=size * scale + 2,
            leading=(size * scale + 2) * 1.3)))
    story.append(Spacer(1, 6))
    usable = width - 2 * MARGIN
    for index, layout in enumerate(tables):
        if index:
            story.append(PageBreak())
        story.append(Paragraph(escape(layout.title), ParagraphStyle(
            "t", fontName=bold, fontSize=size + 2, leading=(size + 2) * 1.3)))
        if layout.caption:
            story.append(Paragraph(layout.caption, ParagraphStyle(
                "c", fontName=regular, fontSize=size, alignment=TA_RIGHT)))
        story.append(Spacer(1, 3))
        widths = column_widths(layout, style, usable)
        for number, lines in enumerate(layout.pages):
            if number:
                story.append(PageBreak())
            header = number == 0 or layout.ts.repeat_header
            story.append(ruled_table(layout, lines, header, widths, para))
    doc.build(story)
    return path


def ruled_table(layout: Layout, lines: list[Line], header: bool, widths: list[float],
                para: dict[str, ParagraphStyle]) -> Table:
    n_head = layout.header_rows if header else 0
    data: list[list[Any]] = [[""] * layout.n_cols for _ in range(n_head)]
    commands: list[Any] = [("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                           ("VALIGN", (0, 0), (-1, -1), "TOP"),
                           ("LEFTPADDING", (0, 0), (-1, -1), 2),
                           ("RIGHTPADDING", (0, 0), (-1, -1), 2)]
    if header:
        for span in layout.header:
            data[span.row][span.col] = Paragraph(escape(span.text), para["head"])
            if span.rowspan > 1 or span.colspan > 1:
                commands.append(("SPAN", (span.col, span.row),
                                 (span.col + span.colspan - 1, span.row + span.rowspan - 1)))
        commands.append(("VALIGN", (0, 0), (-1, n_head - 1), "MIDDLE"))
    for line in lines:
        label_style = para["bold"] if line.bold else para["label"]
        value_style = para["boldv"] if line.bold else para["value"]
        data.append([Paragraph(escape(line.code), para["code"]),
                     Paragraph(escape(line.label), label_style),
                     *[Paragraph(escape(v), value_style) for v in line.values]])
    return Table(data, colWidths=widths, repeatRows=n_head if layout.ts.repeat_header else 0,
                 style=TableStyle(commands))


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# --- unruled --------------------------------------------------------------------------------


class Pen:
    """A canvas with a cursor: text flows down the page, a new page when it is full."""

    def __init__(self, path: Path, style: Style) -> None:
        self.style = style
        self.regular, self.bold = fonts(style)
        self.size = style.font_size
        self.leading = self.size * 1.25
        self.width, self.height = page_size(style)
        self.canvas = Canvas(str(path), pagesize=(self.width, self.height))
        self.y = self.height - MARGIN
        self.fresh = True

    def new_page(self) -> None:
        self.canvas.showPage()
        self.y = self.height - MARGIN
        self.fresh = True

    def room(self, needed: float) -> bool:
        return self.y - needed >= MARGIN

    def text(self, x: float, y: float, text: str, bold: bool = False, align: str = "left",
             size: float | None = None) -> None:
        font = self.bold if bold else self.regular
        self.canvas.setFont(font, size or self.size)
        if align == "right":
            self.canvas.drawRightString(x, y, text)
        elif align == "center":
            self.canvas.drawCentredString(x, y, text)
        else:
            self.canvas.drawString(x, y, text)
        self.fresh = False

    def wrap(self, text: str, width: float, bold: bool = False) -> list[str]:
        return wrap(text, self.bold if bold else self.regular, self.size, width)


def wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Lines of ``text`` within ``width``: broken at spaces (never at a no-break space),
    a word longer than the width broken between characters (as Word does)."""
    def fits(s: str) -> bool:
        return pdfmetrics.stringWidth(s, font, size) <= width

    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        candidate = f"{current} {word}" if current else word
        if fits(candidate):
            current = candidate
            continue
        if current:
            lines.append(current)
        current = ""
        while not fits(word) and len(word) > 1:
            cut = len(word) - 1
            while cut > 1 and not fits(word[:cut]):
                cut -= 1
            lines.append(word[:cut])
            word = word[cut:]
        current = word
    if current or not lines:
        lines.append(current)
    return lines


def unruled_pdf(model: ReportModel, style: Style, tables: list[Layout], path: Path) -> Path:
    pen = Pen(path, style)
    for text, scale, is_bold in headings(model):
        pen.text(MARGIN, pen.y - pen.size * scale, text, bold=is_bold,
                 size=pen.size * scale + 2)
        pen.y -= (pen.size * scale + 2) * 1.6
    usable = pen.width - 2 * MARGIN
    for index, layout in enumerate(tables):
        if index:
            pen.new_page()
        widths = column_widths(layout, style, usable)
        edges = [MARGIN]
        for w in widths:
            edges.append(edges[-1] + w)
        for line in pen.wrap(layout.title, usable, bold=True):
            pen.y -= pen.leading * 1.2
            pen.text(MARGIN, pen.y, line, bold=True, size=pen.size + 2)
        pen.y -= pen.leading * 0.6
        if layout.caption:
            pen.y -= pen.leading
            pen.text(edges[-1], pen.y, layout.caption, align="right")
        draw_header(pen, layout, edges)
        for number, lines in enumerate(layout.pages):
            if number:
                pen.new_page()
                if layout.ts.repeat_header:
                    draw_header(pen, layout, edges)
            for line in lines:
                draw_line(pen, layout, line, edges)
    pen.canvas.save()
    return path


GAP = 4.0


def draw_header(pen: Pen, layout: Layout, edges: list[float]) -> None:
    """Header cells centred in their spans, each header row padded like a table cell's."""
    wrapped = {id(s): pen.wrap(s.text, edges[s.col + s.colspan] - edges[s.col] - GAP, True)
               for s in layout.header}
    pad = pen.leading * 0.6
    heights = [pen.leading + pad] * layout.header_rows
    for span in layout.header:
        if span.rowspan == 1:
            need = len(wrapped[id(span)]) * pen.leading + pad
            heights[span.row] = max(heights[span.row], need)
    top = pen.y
    for span in layout.header:
        lines = wrapped[id(span)]
        above = sum(heights[: span.row])
        room = sum(heights[span.row: span.row + span.rowspan])
        start = top - above - (room - len(lines) * pen.leading) / 2
        centre = (edges[span.col] + edges[span.col + span.colspan]) / 2
        for i, text in enumerate(lines):
            pen.text(centre, start - (i + 1) * pen.leading + 2, text, bold=True, align="center")
    pen.y = top - sum(heights) - pen.leading * 0.3


def draw_line(pen: Pen, layout: Layout, line: Line, edges: list[float]) -> None:
    label = pen.wrap(line.label, edges[2] - edges[1] - GAP, line.bold)
    values = [pen.wrap(v, edges[3 + i] - edges[2 + i] - GAP, line.bold) if v else []
              for i, v in enumerate(line.values)]
    n = max([len(label), *[len(v) for v in values]])
    needed = n * pen.leading + pen.leading * 0.4
    if not pen.room(needed):
        pen.new_page()
        if layout.ts.repeat_header:
            draw_header(pen, layout, edges)
    top = pen.y
    if line.code:
        pen.text(edges[0], top - pen.leading + 2, line.code, bold=line.bold)
    for i, text in enumerate(label):
        pen.text(edges[1], top - (i + 1) * pen.leading + 2, text, bold=line.bold)
    for col, lines in enumerate(values):
        for i, text in enumerate(lines):
            pen.text(edges[3 + col] - GAP, top - (i + 1) * pen.leading + 2, text,
                     bold=line.bold, align="right")
    pen.y = top - needed
