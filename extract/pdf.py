"""PDF → ``RawDocument``: physical tables (``Grid``) and the text lines around them.

The flow, top to bottom::

    pdf_to_raw
      check_pdf_header        not a PDF → E_NOT_PDF
      open_pdf                password → E_ENCRYPTED; broken xref → pikepdf repair
                              (I_REPAIRED) → E_BROKEN_PDF; too many pages, streams that
                              inflate past the limit → E_LIMIT (pdf_limits)
      for each page (closed as soon as it is read):
        page_to_glyphs        characters with positions; none → the page is blank (no
                              images, paths or shadings either: I_BLANK_PAGES counts them)
                              or a scan: OCR (extract.ocr) when Tesseract is installed, else
                              E_NO_TEXT_LAYER; rendered within the pixel limit
                              (W_RENDER_LIMIT), not at all when its images are too big
        page_to_ruled_grids   tables drawn with rules or cell rectangles   (pdf_ruled)
        glyphs_to_lines       the remaining text as lines of segments      (pdf_text)
        lines_to_word_grids   whitespace-separated tables in that text     (pdf_words)
        camelot_fallback      only when the page looks weak (below): camelot reads it
                              again; the better reading wins, per table  (pdf_camelot)
        lines_outside_grids   everything else → ``lines``; the lines just above a
                              table → ``Grid.context``

Grid quality is the share of filled cells in number columns that are
number-shaped (see ``pdf_table.grid_quality``).

Choosing between engines (``pdf_table.grid_score``): body coverage (that share,
header rows left out) × header fit (share of columns with a header) × (1 +
arithmetic) / 2 (share of rows with three or more numbers where one is the sum of
others).  Our engines come first.  When one of their grids has coverage × header fit
below ``pdf_camelot.FALLBACK_BELOW`` (0.6; the corpus minimum is 0.71), or the page
has ``NUMERIC_LINES`` (3) loose lines with two or more numbers each, camelot reads
that page alone — lattice if it has ruling lines, else stream.  A camelot grid
replaces the own grids it overlaps if its full score is strictly higher (ties keep
ours); one over no own grid is added if its coverage × header fit reaches the
threshold.  A camelot failure keeps our grids and adds ``W_CAMELOT_FAILED``.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pdfplumber
import pikepdf

from svodka.extract.common import sha256_of
from svodka.extract.pdf_camelot import camelot_fallback, needs_fallback
from svodka.extract.pdf_carry import tail_lines, with_tail_row
from svodka.extract.pdf_limits import (
    check_inflated,
    check_pages,
    image_problem,
    page_paint,
    render_scale,
    scaled_problem,
)
from svodka.extract.pdf_pdfium import Rules, close_document, page_glyphs, page_rules
from svodka.extract.pdf_ruled import page_to_ruled_grids
from svodka.extract.pdf_text import Glyph, Line, chars_to_glyphs, glyphs_to_lines
from svodka.extract.pdf_words import lines_to_word_grids
from svodka.schemas.errors import SvodkaError
from svodka.schemas.grid import Grid, Problem, RawDocument, TextLine
from svodka.schemas.limits import Limits

OCR_AHEAD = 2  # scanned pages OCR'd at once (each also runs Tesseract on 2 cores)


@dataclass
class PageResult:
    grids: list[Grid] = field(default_factory=list)
    lines: list[TextLine] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    has_text: bool = True
    blank: bool = False
    leading: list[Line] = field(default_factory=list)  # free lines above every grid
    closed_by_grid: bool = False  # nothing but a page number below the last grid


def pdf_to_raw(
    path: Path, *, password: str | None = None, limits: Limits | None = None
) -> RawDocument:
    """Read a PDF into physical grids and loose text lines, within ``limits`` (default
    ``Limits()``; its time and memory are the caller's to enforce)."""
    limits = limits or Limits()
    check_pdf_header(path)
    doc = RawDocument(path=str(path), sha256=sha256_of(path), format="pdf", pages=0)
    with open_pdf(path, password, limits) as (pdf, problems):
        doc.problems += problems
        doc.pages = len(pdf.pages)
        check_pages(str(path), doc.pages, limits)
        results = pages_to_results(pdf, doc.pages, limits)
    for r in results:
        doc.grids += r.grids
        doc.lines += r.lines
        doc.problems += r.problems
    doc.problems += _blank_pages(results)
    read = [r for r in results if not r.blank]
    if read and not any(r.has_text for r in read):
        doc.format = "image-pdf"
    return doc


def _blank_pages(results: Sequence[PageResult]) -> list[Problem]:
    blank = [i + 1 for i, r in enumerate(results) if r.blank]
    if not blank:
        return []
    first = ", ".join(map(str, blank[:10])) + (", …" if len(blank) > 10 else "")
    message = (f"пустых страниц (без текста, изображений и графики): {len(blank)} из "
               f"{len(results)} (стр. {first}); они не распознавались")
    return [Problem(code="I_BLANK_PAGES", message=message, page=blank[0])]


def check_pdf_header(path: Path) -> None:
    """A PDF starts with ``%PDF-`` within its first kilobyte (readers allow leading junk)."""
    with path.open("rb") as fh:
        head = fh.read(1024)
    if b"%PDF-" not in head:
        reason = "пустой файл" if not head else "файл не является PDF (нет заголовка %PDF-)"
        raise SvodkaError(str(path), reason, code="E_NOT_PDF")


@contextmanager
def open_pdf(
    path: Path, password: str | None, limits: Limits | None = None
) -> Iterator[tuple[Any, list[Problem]]]:
    """Open with pdfplumber; on a structural error repair with pikepdf in memory.  The page
    count and the inflated stream sizes are checked against ``limits`` first."""
    problems: list[Problem] = []
    try:
        damage = qpdf_damage(path, password, limits)
        if damage is not None:  # pdfminer may read such a file quietly, and wrongly
            raise DamagedPdf(damage)
        pdf = _open_plumber(path, password)
    except (SvodkaError, MemoryError):
        raise
    except Exception as exc:  # noqa: BLE001 - any parser failure leads to the repair path
        pdf = _open_repaired(path, password, exc)
        problems.append(
            Problem(code="I_REPAIRED", message=f"PDF повреждён ({_why(exc)}), восстановлен pikepdf")
        )
    try:
        yield pdf, problems
    finally:
        close_document(pdf)
        pdf.close()


class DamagedPdf(Exception):
    """qpdf had to reconstruct the file's structure (cross-reference table, objects)."""


def qpdf_damage(path: Path, password: str | None, limits: Limits | None = None) -> str | None:
    """qpdf's warning when the file's structure is damaged, else None (also when unsure).
    With ``limits``, the same qpdf session checks the page count and the inflated stream
    sizes (E_LIMIT)."""
    try:
        with pikepdf.open(path, password=password or "") as pdf:
            warnings = [w.replace(f"{path}", "").lstrip(": ") for w in pdf.get_warnings()]
            if limits is not None:
                _check_limits(pdf, path, limits)
    except (SvodkaError, MemoryError):
        raise
    except Exception:  # noqa: BLE001 - pdfplumber and the repair path decide then
        return None
    specific = [w for w in warnings if w != "file is damaged"]
    return next(iter(specific or warnings), None)


def _check_limits(pdf: pikepdf.Pdf, path: Path, limits: Limits) -> None:
    """Pages and inflated bytes (E_LIMIT); a file qpdf cannot walk is left to the readers."""
    try:
        check_pages(str(path), len(pdf.pages), limits)
        check_inflated(pdf, str(path), limits)
    except (SvodkaError, MemoryError):
        raise
    except Exception:  # noqa: BLE001, S110 - pdfplumber and the repair path decide then
        pass


def _open_plumber(source: Path | io.BytesIO, password: str | None) -> Any:
    try:
        pdf = pdfplumber.open(source, password=password or "")
        if not pdf.pages:  # forces the page tree; a broken xref can hide every page
            pdf.close()
            raise ValueError("в PDF не найдено ни одной страницы")
        return pdf
    except Exception as exc:
        if _is_password_error(exc):
            name = str(source) if isinstance(source, Path) else "pdf"
            raise SvodkaError(name, _password_reason(password), code="E_ENCRYPTED") from exc
        raise


def _open_repaired(path: Path, password: str | None, first: Exception) -> Any:
    try:
        with pikepdf.open(path, password=password or "") as fixed:
            buf = io.BytesIO()
            fixed.save(buf)
        buf.seek(0)
        return _open_plumber(buf, password)
    except pikepdf.PasswordError as exc:
        raise SvodkaError(str(path), _password_reason(password), code="E_ENCRYPTED") from exc
    except SvodkaError as exc:
        raise SvodkaError(str(path), exc.message, code=exc.code) from exc
    except MemoryError:
        raise
    except Exception as exc:  # noqa: BLE001 - whatever pikepdf/pdfminer raise
        reason = f"не удаётся прочитать PDF: {_why(first)}; восстановление: {_why(exc)}"
        raise SvodkaError(str(path), reason, code="E_BROKEN_PDF") from exc


def _is_password_error(exc: BaseException | None) -> bool:
    while exc is not None:
        if type(exc).__name__ in {"PDFPasswordIncorrect", "PDFEncryptionError", "PasswordError"}:
            return True
        exc = exc.__cause__ or exc.__context__ or (exc.args[0] if _wraps(exc) else None)
    return False


def _caused_by(exc: BaseException | None, kind: type[BaseException]) -> bool:
    while exc is not None:
        if isinstance(exc, kind):
            return True
        exc = exc.__cause__ or exc.__context__ or (exc.args[0] if _wraps(exc) else None)
    return False


def _opencv_out_of_memory(exc: BaseException) -> bool:
    """OpenCV's own out-of-memory error (``cv2.error``, code StsNoMem = -4)."""
    return type(exc).__module__ == "cv2" and getattr(exc, "code", None) == -4


def _wraps(exc: BaseException) -> bool:
    return bool(exc.args) and isinstance(exc.args[0], BaseException)


def _password_reason(password: str | None) -> str:
    return "PDF зашифрован: нужен пароль" if not password else "PDF зашифрован: неверный пароль"


def _why(exc: BaseException) -> str:
    """The exception in one line (messages are one line each)."""
    text = f"qpdf: {exc}" if isinstance(exc, DamagedPdf) else f"{type(exc).__name__}: {exc}"
    return " ".join(text.split())[:200]


def pages_to_results(pdf: Any, n_pages: int, limits: Limits | None = None) -> list[PageResult]:
    """Every page, in order.  A scanned page is rendered here and OCR'd in a background
    thread while the next pages are read (at most ``OCR_AHEAD`` pages in flight, so at
    most that many page images are held): one page's image preparation and layout work
    overlaps another's Tesseract runs."""
    results: list[PageResult | Future[PageResult]] = []
    busy: list[Future[PageResult]] = []
    with ThreadPoolExecutor(max_workers=OCR_AHEAD) as pool:
        for index in range(n_pages):
            result = page_to_result(pdf, index, pool, limits)
            results.append(result)
            if isinstance(result, Future):
                busy = [f for f in (*busy, result) if not f.done()]  # the few in flight only
            if len(busy) >= OCR_AHEAD:
                wait(busy, return_when=FIRST_COMPLETED)
                busy = [f for f in busy if not f.done()]
        done = [r.result() if isinstance(r, Future) else r for r in results]
    return carry_label_tails(done)


def carry_label_tails(results: list[PageResult]) -> list[PageResult]:
    """A label ended alone at the top of the next page goes back into the table that closes
    the page before, as a row of its own (``pdf_carry``)."""
    for number, (prev, page) in enumerate(zip(results, results[1:], strict=False), start=2):
        if not (prev.closed_by_grid and prev.grids and page.leading):
            continue
        last = max(prev.grids, key=lambda g: g.bbox[3] if g.bbox else 0.0)
        tail = tail_lines(last, page.leading)
        if not tail:
            continue
        prev.grids[prev.grids.index(last)] = with_tail_row(last, tail, number)
        taken = {x.text for x in tail}
        page.lines = [x for x in page.lines if x.text not in taken]
        for grid in page.grids:
            grid.context = [t for t in grid.context if t not in taken]
    return results


def page_to_result(pdf: Any, index: int, pool: ThreadPoolExecutor | None = None,
                   limits: Limits | None = None) -> PageResult | Future[PageResult]:
    """Read one page and close it, so memory stays flat on long documents; a scanned page
    with ``pool`` gives the future of its OCR."""
    page = pdf.pages[index]
    page_no = index + 1
    try:
        return _read_page(page, page_no, pool, limits or Limits())
    except MemoryError:
        raise  # past the worker's memory limit: the whole file fails (E_MEMORY)
    except Exception as exc:  # noqa: BLE001 - one bad page must not lose the others
        return _unreadable_page(exc, page_no)
    finally:
        page.close()


def _unreadable_page(exc: Exception, page_no: int) -> PageResult:
    if _caused_by(exc, MemoryError) or _opencv_out_of_memory(exc):  # pdfplumber wraps it
        raise MemoryError(_why(exc)) from exc
    message = f"страница не прочитана: {_why(exc)}"
    return PageResult(problems=[Problem(code="E_PAGE_UNREADABLE", message=message, page=page_no)])


def _read_page(page: Any, page_no: int, pool: ThreadPoolExecutor | None,
               limits: Limits) -> PageResult | Future[PageResult]:
    glyphs = page_to_glyphs(page)
    if not any(g.text.strip() for g in glyphs):
        return _read_image_page(page, page_no, pool, limits)
    size = (float(page.width), float(page.height))
    rules = page_rules(page)
    grids, lines, free = glyphs_to_grids(page_no, rules, size, glyphs)
    problems: list[Problem] = []
    if needs_fallback(grids, free):  # weak own reading: offer camelot's (pdf_camelot)
        grids, problems = camelot_fallback(page, page_no, grids, ruled=any(rules))
        free = [line for line in lines if not any(_line_in(line, g) for g in grids)]
    attach_context(grids, free)
    text = [TextLine(page=page_no, text=x.text) for x in free]
    first = min((_grid_top(g) for g in grids), default=float("inf"))
    last = max((g.bbox[3] for g in grids if g.bbox), default=None)
    closed = last is not None and all(x.top < last or PAGE_NUMBER.match(x.text) for x in free)
    return PageResult(grids=grids, lines=text, problems=problems, closed_by_grid=closed,
                      leading=[x for x in free if x.bottom <= first + 0.5])


def glyphs_to_grids(
    page_no: int, rules: tuple[Rules, Rules], size: tuple[float, float], glyphs: Sequence[Glyph]
) -> tuple[list[Grid], list[Line], list[Line]]:
    """The table engines on one page's glyphs, from a text layer or from OCR
    (``extract.ocr_words``): ruled grids (``rules`` = line and rect objects), then
    whitespace tables among the other lines.  Returns the grids top to bottom, the text
    lines outside the ruled grids and those outside every grid."""
    grids = page_to_ruled_grids(page_no, *rules, size, glyphs)
    lines = glyphs_to_lines(_outside(glyphs, grids))
    grids = sorted(grids + lines_to_word_grids(lines, page_no), key=_grid_top)
    free = [line for line in lines if not any(_line_in(line, g) for g in grids)]
    return grids, lines, free


def _read_image_page(page: Any, page_no: int, pool: ThreadPoolExecutor | None,
                     limits: Limits) -> PageResult | Future[PageResult]:
    """A page without a text layer: blank (nothing painted), or OCR it when Tesseract is
    installed (``extract.ocr``), rendered within the pixel limit."""
    from svodka.extract.ocr import DPI, ocr_available, render_page

    paint = page_paint(page)
    if paint.blank:
        return PageResult(has_text=False, blank=True)
    if not ocr_available():
        message = (
            f"на странице {page_no} нет текстового слоя (скан), а распознавание недоступно: "
            "установите tesseract-ocr и tesseract-ocr-rus (tools/setup.sh)"
        )
        problem = Problem(code="E_NO_TEXT_LAYER", message=message, page=page_no)
        return PageResult(problems=[problem], has_text=False)
    refused = image_problem(paint, page_no, limits)
    if refused is not None:
        return PageResult(problems=[refused], has_text=False)
    size, wanted = (float(page.width), float(page.height)), DPI / 72
    image, scale = render_page(page, render_scale(*size, wanted, limits))  # on this thread
    notes = [scaled_problem(*size, scale, wanted, page_no, limits)] if scale < wanted else []
    if pool is None:
        return _ocr_result(image, page_no, scale, notes)
    return pool.submit(_ocr_result, image, page_no, scale, notes)


def _ocr_result(image: Any, page_no: int, scale: float,
                notes: Sequence[Problem] = ()) -> PageResult:
    from svodka.extract.ocr import ocr_image_page

    try:
        ocr = ocr_image_page(image, page_no, scale)
    except MemoryError:
        raise
    except Exception as exc:  # noqa: BLE001 - one bad page must not lose the others
        return _unreadable_page(exc, page_no)
    confs = [c.confidence for g in ocr.grids for r in g.rows for c in r if c.confidence is not None]
    mean = f", средняя уверенность {sum(confs) / len(confs):.2f}" if confs else ""
    note = Problem(
        code="I_OCR",
        message=f"страница {page_no} без текстового слоя распознана OCR (Tesseract){mean}",
        page=page_no,
    )
    return PageResult(
        grids=ocr.grids, lines=ocr.lines, problems=[note, *notes, *ocr.problems],
        has_text=False,
    )


def page_to_glyphs(page: Any) -> list[Glyph]:
    """Characters read by pdfium (fast); pdfminer's ``page.chars`` where pdfium cannot stand in."""
    glyphs = page_glyphs(page)
    return glyphs if glyphs is not None else chars_to_glyphs(page.chars)


PAGE_NUMBER = re.compile(r"^[\s\-–—]*(?:(?:стр\.?|страница)\s*)?\d{1,4}"
                         r"(?:\s*(?:из|/)\s*\d{1,4})?[\s\-–—]*$", re.IGNORECASE)
"""A page number under a table ("5", "- 5 -", "Страница 5 из 9"): the table still closes
the page."""


def _grid_top(grid: Grid) -> float:
    return grid.bbox[1] if grid.bbox else 0.0


def _outside(glyphs: Sequence[Glyph], grids: Sequence[Grid]) -> list[Glyph]:
    """The glyphs whose centre lies in no grid's box (widened by a point)."""
    out = list(glyphs)
    for grid in grids:
        if grid.bbox is None:
            continue
        x0, top, x1, bottom = grid.bbox
        out = [g for g in out if not (x0 - 1 <= (g.x0 + g.x1) / 2 <= x1 + 1
                                      and top - 1 <= (g.top + g.bottom) / 2 <= bottom + 1)]
    return out


def _line_in(line: Line, grid: Grid) -> bool:
    if grid.bbox is None:
        return False
    x0, top, x1, bottom = grid.bbox
    yc = (line.top + line.bottom) / 2
    return top - 0.5 <= yc <= bottom + 0.5 and line.x0 >= x0 - 1 and line.x1 <= x1 + 1


def attach_context(grids: Sequence[Grid], free: Sequence[Line]) -> None:
    """Each grid gets the free lines between the previous grid (or page top) and itself."""
    floor = 0.0
    for grid in grids:
        top = _grid_top(grid)
        grid.context = [x.text for x in free if floor - 0.5 <= x.top and x.bottom <= top + 0.5]
        floor = grid.bbox[3] if grid.bbox else floor
