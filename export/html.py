"""An HTML report for QA: one self-contained file that needs no network.

Every table is shown as the document has it (code, label, one column per value
column, the header built from the cells' header paths, each cell's raw text).
A cell named by a finding is highlighted ("finding-error" red, "finding-warning"
yellow), carries ``data-expected`` and a visible "→ 443,5" beside its value and a
tooltip with the message.  Below each table its findings are listed with links to
the cells; for PDF inputs each error shows a picture of the page region (rendered
with pypdfium2) with the wrong cell boxed in red, as a base64 PNG data URI.

Documents are untrusted: all their text is escaped, and the page carries a
Content-Security-Policy that forbids every request (images are data: URIs only).
"""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from svodka.export.locate import SEVERITY_RU, fallback_path, worst
from svodka.export.records import ru_number
from svodka.schemas import Cell, Finding, Report, Row, Severity, Table
from svodka.schemas.frames import finding_positions
from svodka.schemas.limits import DEFAULT_MEGAPIXELS

if TYPE_CHECKING:
    from PIL.Image import Image

PDF_FORMATS = ("pdf", "image-pdf")
RENDER_SCALE = 2.0  # 144 dpi
MAX_CROPS = 200  # page pictures per document, so that a broken report stays a readable file
BOX_COLOUR = (220, 0, 0)

ColumnKey = tuple[tuple[str, ...], str | None, str | None]  # header path, measure, source

CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"

STYLE = """
body { font-family: sans-serif; font-size: 14px; margin: 1.5em; color: #222; }
h1 { font-size: 1.4em; word-break: break-all; }
h2 { font-size: 1.2em; margin-top: 2em; }
.meta { color: #555; margin: .2em 0; }
.counts span { margin-right: 1em; }
.legend > span { display: inline-block; padding: .1em .5em; margin-right: .8em;
  border: 1px solid #aaa; }
.legend-error { background: #ffd0d6; }
.legend-warning { background: #fff0b0; }
table.report { border-collapse: collapse; margin: .8em 0; }
table.report th, table.report td { border: 1px solid #999; padding: .2em .4em;
  vertical-align: top; }
table.report th { background: #eee; font-weight: 600; }
table.report td.num { text-align: right; white-space: nowrap; }
table.report td.code { white-space: nowrap; }
table.report tr.total td { font-weight: 700; }
/* the highlight colours are used by the highlighted cells only (the tests look for them) */
td.finding-error { background: #ffc7ce; outline: 2px solid #c00000; }
td.finding-warning { background: #ffeb9c; outline: 2px solid #bf8f00; }
td.finding-info { background: #ddebf7; }
.expected { color: #9c0006; font-weight: 700; margin-left: .3em; }
td.finding-warning .expected { color: #7f6000; }
td a.cell-link { color: inherit; text-decoration: none; }
ul.findings { padding-left: 1.2em; }
ul.findings li { margin: .5em 0; }
.sev { display: inline-block; padding: 0 .4em; border-radius: 3px; font-weight: 700; }
.sev-error { background: #ffd0d6; color: #9c0006; }
.sev-warning { background: #fff0b0; color: #7f6000; }
.sev-info { background: #ddebf7; color: #1f4e79; }
.rule { color: #777; font-family: monospace; }
figure { margin: .4em 0 1em 0; }
figure img { max-width: 100%; border: 1px solid #bbb; }
figcaption { color: #555; font-size: .9em; }
.unreadable { color: #9c0006; }
"""


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _pages_ru(pages: Sequence[int]) -> str:
    return "стр. " + ", ".join(map(str, pages)) if pages else ""


@dataclass
class _Column:
    key: ColumnKey
    path: list[str]


@dataclass
class _Placed:
    """Where a cell of a table stands in its HTML table."""

    anchor: str
    row: Row
    cell: Cell


@dataclass
class _TableView:
    table: Table
    prefix: str
    columns: list[_Column] = field(default_factory=list)
    placed: dict[tuple[int, int], _Placed] = field(default_factory=dict)  # by row, cell index
    findings: dict[str, list[Finding]] = field(default_factory=dict)  # anchor -> findings


def _column_key(cell: Cell) -> ColumnKey:
    return (tuple(cell.column), cell.measure.value if cell.measure else None,
            cell.source.value if cell.source else None)


def _view(table: Table, prefix: str) -> _TableView:
    view = _TableView(table, prefix)
    index: dict[ColumnKey, int] = {}
    for row in table.rows:
        for cell in row.cells:
            key = _column_key(cell)
            if key not in index:
                index[key] = len(view.columns)
                view.columns.append(_Column(key, fallback_path(cell)))
    for ri, row in enumerate(table.rows):
        for ci, cell in enumerate(row.cells):
            view.placed[(ri, ci)] = _Placed(f"{prefix}-r{ri}-c{index[_column_key(cell)]}",
                                            row, cell)
    return view


# --- page pictures -------------------------------------------------------------------


class _PageImages:
    """Pages of one PDF rendered on demand (pypdfium2), cropped around a row."""

    def __init__(self, path: Path, password: str | None) -> None:
        self._path, self._password = path, password
        self._doc: Any = None
        self._failed = False
        self._pages: dict[int, tuple[Image, float]] = {}
        self.made = 0

    def _open(self) -> Any:
        if self._doc is None and not self._failed:
            try:
                import pypdfium2 as pdfium

                self._doc = pdfium.PdfDocument(self._path, password=self._password)
            except Exception:  # a missing or unreadable source: no pictures, still a report
                self._failed = True
        return self._doc

    def _page(self, number: int) -> tuple[Image, float] | None:
        """The page as an image and its scale (pixels per point), at most
        ``DEFAULT_MEGAPIXELS`` large (a huge page is drawn smaller)."""
        if number in self._pages:
            return self._pages[number]
        doc = self._open()
        if doc is None or not 1 <= number <= len(doc):
            return None
        try:
            page = doc[number - 1]
            # pdfplumber measures from the media box; pdfium renders the crop box.
            mediabox = page.get_mediabox()
            page.set_cropbox(*mediabox)
            area = max(1.0, (mediabox[2] - mediabox[0]) * (mediabox[3] - mediabox[1]))
            scale = min(RENDER_SCALE, (DEFAULT_MEGAPIXELS * 1e6 / area) ** 0.5)
            image: Image = page.render(scale=scale).to_pil().convert("RGB")
        except Exception:
            return None
        self._pages[number] = image, scale
        return image, scale

    def crop(self, row: Row, cell: Cell) -> str | None:
        """A PNG data URI: the row's band of the page with ``cell`` boxed in red."""
        if cell.page is None or cell.bbox is None or self.made >= MAX_CROPS:
            return None
        rendered = self._page(cell.page)
        if rendered is None:
            return None
        image, s = rendered
        from PIL import ImageDraw

        same_page = [c.bbox for c in row.cells if c.page == cell.page and c.bbox is not None]
        top = min(b[1] for b in same_page)
        bottom = max(b[3] for b in same_page)
        margin = max(24.0, 1.5 * (bottom - top))
        box = (0, max(0, int((top - margin) * s)), image.width,
               min(image.height, int((bottom + margin) * s)))
        if box[3] <= box[1]:
            return None
        region = image.crop(box)
        x0, y0, x1, y1 = cell.bbox
        draw = ImageDraw.Draw(region)
        draw.rectangle((x0 * s - 3, y0 * s - box[1] - 3, x1 * s + 3, y1 * s - box[1] + 3),
                       outline=BOX_COLOUR, width=4)
        buf = io.BytesIO()
        # a palette of 128 colours keeps a slide's picture at a third of its size
        region.quantize(128).save(buf, format="PNG", optimize=True)
        self.made += 1
        return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")

    def close(self) -> None:
        if self._doc is not None:
            self._doc.close()


# --- HTML -----------------------------------------------------------------------------


def _header_rows(columns: list[_Column]) -> Iterator[str]:
    """The table head: one row per header level, equal leading paths merged (colspan)."""
    depth = max((len(c.path) for c in columns), default=1)
    for level in range(depth):
        cells: list[str] = []
        if level == 0:
            cells.append(f'<th rowspan="{depth}">Код</th>')
            cells.append(f'<th rowspan="{depth}">Наименование</th>')
        i = 0
        while i < len(columns):
            path = columns[i].path
            if len(path) <= level:
                i += 1
                continue
            if len(path) == level + 1:  # a leaf: spans the remaining levels
                rowspan = depth - level
                span = f' rowspan="{rowspan}"' if rowspan > 1 else ""
                cells.append(f"<th{span}>{_e(path[level])}</th>")
                i += 1
                continue
            j = i + 1
            while (j < len(columns) and len(columns[j].path) > level + 1
                   and columns[j].path[: level + 1] == path[: level + 1]):
                j += 1
            span = f' colspan="{j - i}"' if j - i > 1 else ""
            cells.append(f"<th{span}>{_e(path[level])}</th>")
            i = j
        yield "<tr>" + "".join(cells) + "</tr>"


def _cell_html(view: _TableView, anchor: str, cell: Cell | None,
               finding_ids: dict[int, str]) -> str:
    if cell is None:
        return "<td></td>"
    text = cell.raw if cell.raw else (ru_number(cell.value) if cell.value is not None else "")
    found = view.findings.get(anchor)
    if not found:
        return f'<td class="num" id="{anchor}">{_e(text)}</td>'
    top = worst(found)
    sev = top.severity.value
    expected = next((f.expected for f in found if f.expected is not None
                     and f.severity is top.severity), None)
    tip = "\n".join(f"{SEVERITY_RU[f.severity]}: {f.message}" for f in found)
    attrs = f' data-severity="{sev}"'
    shown = _e(text)
    if expected is not None:
        exp = ru_number(expected)
        attrs += f' data-expected="{_e(exp)}"'
        shown += f' <span class="expected">→ {_e(exp)}</span>'
    link = finding_ids.get(id(top))
    if link:
        shown = f'<a class="cell-link" href="#{link}">{shown}</a>'
    return (f'<td class="num finding-{sev}" id="{anchor}"{attrs} title="{_e(tip)}">'
            f"{shown}</td>")


def _table_html(view: _TableView, finding_ids: dict[int, str]) -> str:
    by_row: list[dict[ColumnKey, Cell]] = []
    for row in view.table.rows:
        cells: dict[ColumnKey, Cell] = {}
        for cell in row.cells:
            cells.setdefault(_column_key(cell), cell)
        by_row.append(cells)
    out = ['<table class="report">', "<thead>", *_header_rows(view.columns), "</thead>",
           "<tbody>"]
    for ri, (row, cells) in enumerate(zip(view.table.rows, by_row, strict=True)):
        cls = ' class="total"' if row.is_total else ""
        tds = [f'<td class="code">{_e(row.code or "")}</td>', f"<td>{_e(row.label)}</td>"]
        for ci, column in enumerate(view.columns):
            tds.append(_cell_html(view, f"{view.prefix}-r{ri}-c{ci}", cells.get(column.key),
                                  finding_ids))
        out.append(f"<tr{cls}>" + "".join(tds) + "</tr>")
    out += ["</tbody>", "</table>"]
    return "\n".join(out)


def _finding_html(f: Finding, fid: str, placed: _Placed | None,
                  images: _PageImages | None) -> str:
    sev = f.severity.value
    parts = [f'<li class="finding finding-item-{sev}" id="{fid}">',
             f'<span class="sev sev-{sev}">{_e(SEVERITY_RU[f.severity])}</span> ',
             f'<span class="rule">{_e(f.rule)}</span> ', _e(f.message)]
    if f.expected is not None:
        parts.append(f" — ожидалось {_e(ru_number(f.expected))}")
    if placed is not None:
        parts.append(f' <a href="#{placed.anchor}">к ячейке</a>')
    if images is not None and placed is not None and f.severity is Severity.ERROR:
        uri = images.crop(placed.row, placed.cell)
        if uri is not None:
            where = f"стр. {placed.cell.page}"
            if placed.row.code:
                where += f", строка {placed.row.code}"
            parts.append(f'<figure><img src="{uri}" alt="{_e(where)}: фрагмент страницы">'
                         f"<figcaption>{_e(where)}: ошибочная ячейка обведена красным"
                         "</figcaption></figure>")
    parts.append("</li>")
    return "".join(parts)


def _counts_html(findings: list[Finding]) -> str:
    n = {s: sum(1 for f in findings if f.severity is s) for s in Severity}
    return (f'<p class="counts"><span class="sev sev-error">ошибок: {n[Severity.ERROR]}</span>'
            f'<span class="sev sev-warning">предупреждений: {n[Severity.WARNING]}</span>'
            f'<span class="sev sev-info">инфо: {n[Severity.INFO]}</span></p>')


def _report_html(report: Report, di: int, source: Path | None, password: str | None) -> str:
    doc = report.document
    views = [_view(t, f"d{di}-t{ti}") for ti, t in enumerate(report.tables)]
    by_id = {v.table.id: v for v in views}
    finding_ids: dict[int, str] = {}
    located: dict[int, _Placed] = {}
    loose: list[tuple[int, Finding]] = []
    per_table: dict[str, list[tuple[int, Finding]]] = {}
    positions = finding_positions(report)
    for fi, f in enumerate(report.findings):
        finding_ids[id(f)] = f"d{di}-f{fi}"
        view = by_id.get(f.table or "")
        if view is None:
            loose.append((fi, f))
            continue
        per_table.setdefault(view.prefix, []).append((fi, f))
        ri, ci = positions[fi]
        placed = view.placed.get((ri, ci)) if ri is not None and ci is not None else None
        if placed is not None:
            located[id(f)] = placed
            view.findings.setdefault(placed.anchor, []).append(f)

    images = None
    if doc.format in PDF_FORMATS:
        images = _PageImages(source or Path(doc.path), password)
    out = [f'<section class="document" id="d{di}">', f"<h1>{_e(doc.path)}</h1>"]
    meta = [f"формат: {doc.format}", f"страниц: {doc.pages}"]
    if doc.organization:
        meta.append(f"организация: {doc.organization}")
    if doc.region:
        meta.append(f"регион: {doc.region}")
    if report.status != "success":
        meta.append({"partial": "прочитан частично",
                     "failure": "не прочитан"}.get(report.status, report.status))
    out += [f'<p class="meta">{_e(m)}</p>' for m in meta]
    out.append(_counts_html(report.findings))
    try:
        if loose:
            out.append("<h2>Находки по документу</h2>")
            out.append('<ul class="findings">')
            out += [_finding_html(f, f"d{di}-f{fi}", None, None) for fi, f in loose]
            out.append("</ul>")
        for view in views:
            t = view.table
            title = f"{t.id}: {t.title or 'без заголовка'}"
            out.append(f'<h2 id="{view.prefix}">{_e(title)}</h2>')
            meta = [f"год: {t.year}" if t.year else "год не указан"]
            if t.pages:
                meta.append(_pages_ru(t.pages))
            out.append(f'<p class="meta">{_e(", ".join(meta))}</p>')
            out.append(_table_html(view, finding_ids))
            found = per_table.get(view.prefix, [])
            if found:
                out.append(f"<h3>Находки ({len(found)})</h3>")
                out.append('<ul class="findings">')
                out += [_finding_html(f, f"d{di}-f{fi}", located.get(id(f)), images)
                        for fi, f in found]
                out.append("</ul>")
    finally:
        if images is not None:
            images.close()
    out.append("</section>")
    return "\n".join(out)


def reports_to_html(reports: Sequence[Report], *, sources: Sequence[Path] | None = None,
                    password: str | None = None, unreadable: Sequence[str] = ()) -> str:
    """One self-contained HTML page for QA.

    ``sources`` are the files the reports were read from (default: each report's
    ``document.path``); PDF pages are rendered from them.  ``unreadable`` lists the
    one-line reasons of files that could not be read.
    """
    if sources is not None and len(sources) != len(reports):
        raise ValueError("sources: one path per report")
    body = []
    if len(reports) > 1 or unreadable:
        body.append("<nav><h2>Документы</h2><ul>")
        for di, r in enumerate(reports):
            n_err = sum(1 for f in r.findings if f.severity is Severity.ERROR)
            body.append(f'<li><a href="#d{di}">{_e(r.document.path)}</a> — ошибок: {n_err}</li>')
        body += [f'<li class="unreadable">{_e(line)}</li>' for line in unreadable]
        body.append("</ul></nav>")
    for di, r in enumerate(reports):
        body.append(_report_html(r, di, sources[di] if sources is not None else None, password))
    legend = ('<p class="legend"><span class="legend-error">ошибка</span>'
              '<span class="legend-warning">предупреждение</span>'
              '<span>123,4 <span class="expected">→ ожидаемое значение</span></span></p>')
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="ru">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>svodka: проверка отчётов</title>",
        f"<style>{STYLE}</style>",
        "</head>",
        "<body>",
        "<header><p><b>svodka</b> — проверка арифметики отчётов</p>" + legend + "</header>",
        *body,
        "</body>",
        "</html>",
        "",
    ])
