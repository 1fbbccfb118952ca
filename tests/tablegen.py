"""Ruled tables drawn as text-layer PDFs (reportlab) and Word tables (python-docx), for
tests of tables nobody here made: each test builds the document it reads."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import docx
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

FONT_FILE = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")  # tools/setup.sh
FONT = "DejaVuSans"
SIZE = 8.0
LEAD = 10.0
PAGE = (842.0, 595.0)  # A4 landscape, points


@dataclass
class Ruled:
    """A ruled table: row texts (lines split on "\\n"), column widths, row heights, its
    top-left corner, the cells drawn turned 90° anticlockwise and the merged spans."""

    rows: list[list[str]]
    widths: list[float]
    heights: list[float]
    x: float = 40.0
    top: float = 80.0
    vertical: set[tuple[int, int]] = field(default_factory=set)
    spans: dict[tuple[int, int], int] = field(default_factory=dict)  # (row, col) -> columns


def _font() -> None:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT, str(FONT_FILE)))


def _draw(c: canvas.Canvas, t: Ruled) -> None:
    h = PAGE[1]
    xs = [t.x]
    for w in t.widths:
        xs.append(xs[-1] + w)
    ys = [t.top]
    for ht in t.heights:
        ys.append(ys[-1] + ht)
    c.line(xs[0], h - ys[0], xs[-1], h - ys[0])
    for r, row in enumerate(t.rows):
        c.line(xs[0], h - ys[r + 1], xs[-1], h - ys[r + 1])
        j = 0
        while j < len(row):
            span = t.spans.get((r, j), 1)
            c.line(xs[j], h - ys[r], xs[j], h - ys[r + 1])
            _text(c, t, row[j], (r, j), xs[j], xs[j + span], ys[r], ys[r + 1])
            j += span
        c.line(xs[-1], h - ys[r], xs[-1], h - ys[r + 1])


def _text(c: canvas.Canvas, t: Ruled, text: str, at: tuple[int, int], x0: float, x1: float,
          top: float, bottom: float) -> None:
    h = PAGE[1]
    lines = text.split("\n")
    if at in t.vertical:
        for i, line in enumerate(lines):
            c.saveState()
            c.translate(x0 + 4 + SIZE + i * LEAD, h - bottom + 4)
            c.rotate(90)
            c.drawString(0, 0, line)
            c.restoreState()
        return
    for i, line in enumerate(lines):
        c.drawString(x0 + 3, h - top - LEAD - i * LEAD, line)


def ruled_pdf(path: Path, pages: Sequence[Sequence[Ruled | tuple[float, float, str]]]) -> Path:
    """A PDF whose pages hold ruled tables and loose lines of text ``(x, top, text)``."""
    _font()
    c = canvas.Canvas(str(path), pagesize=PAGE)
    for page in pages:
        c.setFont(FONT, SIZE)
        for item in page:
            if isinstance(item, Ruled):
                _draw(c, item)
            else:
                c.drawString(item[0], PAGE[1] - item[1], item[2])
        c.showPage()
    c.save()
    return path


def word_table(path: Path, rows: list[list[list[str]]], title: str = "") -> Path:
    """A DOCX with one table; each cell is a list of paragraphs (one value a line)."""
    document = docx.Document()
    if title:
        document.add_paragraph(title)
    table = document.add_table(rows=len(rows), cols=len(rows[0]))
    table.style = "Table Grid"
    for r, row in enumerate(rows):
        for j, paragraphs in enumerate(row):
            cell = table.cell(r, j)
            cell.paragraphs[0].text = paragraphs[0] if paragraphs else ""
            for text in paragraphs[1:]:
                cell.add_paragraph(text)
    document.save(str(path))
    return path
