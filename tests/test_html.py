"""The HTML report for QA (``svodka check --format html``).

The report is one self-contained file: every table as the document has it, the
wrong cells highlighted with the expected value beside them, and for PDFs a
picture of the page region with the wrong cell boxed.  The last tests open it in
headless Chromium (Debian's ``chromium``, installed by ``tools/setup.sh``): when
Chromium is absent they fail under CI (``CI=true``) and are skipped otherwise.
"""

from __future__ import annotations

import base64
import io
import os
import re
import shutil
import subprocess
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from svodka.api import read
from svodka.cli import app
from svodka.export.html import reports_to_html
from svodka.schemas import Cell, Document, Finding, Measure, Report, Row, Severity, Source, Table

from .conftest import RAW

DECK_PDF = RAW / "smolensk-2017-deck.pdf"
ERROR_BG = (0xFF, 0xC7, 0xCE)  # td.finding-error
BOX_RED = (220, 0, 0)  # the box drawn round the wrong cell in a page picture


class _Dom(HTMLParser):
    """Every element's tag, attributes and text (enough to find the highlighted cells)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[dict[str, str]] = []
        self._open: list[dict[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        el = {k: v or "" for k, v in attrs}
        el["<tag>"], el["<text>"] = tag, ""
        self.elements.append(el)
        if tag not in ("img", "meta", "br", "link"):
            self._open.append(el)

    def handle_endtag(self, tag: str) -> None:
        while self._open:
            if self._open.pop()["<tag>"] == tag:
                break

    def handle_data(self, data: str) -> None:
        for el in self._open:
            el["<text>"] += data


def parse(html: str) -> list[dict[str, str]]:
    dom = _Dom()
    dom.feed(html)
    return dom.elements


def highlighted(elements: list[dict[str, str]], severity: str) -> list[dict[str, str]]:
    return [e for e in elements
            if e["<tag>"] == "td" and f"finding-{severity}" in e.get("class", "").split()]


@pytest.fixture(scope="module")
def deck() -> Report:
    return read(DECK_PDF)


@pytest.fixture(scope="module")
def deck_html(deck: Report) -> str:
    return reports_to_html([deck])


def _cell_of(elements: list[dict[str, str]], message_part: str) -> dict[str, str]:
    found = [e for e in highlighted(elements, "error") if message_part in e.get("title", "")]
    assert len(found) == 1, message_part
    return found[0]


def test_wrong_cells_are_highlighted_with_the_expected_value(deck_html: str) -> None:
    elements = parse(deck_html)
    errors = highlighted(elements, "error")
    assert len(errors) == 2
    c96 = _cell_of(elements, "строка 9.6, факт, Всего")
    assert c96["data-expected"] == "443,5"
    assert c96["<text>"].split() == ["415,8", "→", "443,5"]  # the raw text, then the expected
    c98 = _cell_of(elements, "строка 9.8, факт, Всего")
    assert c98["data-expected"] == "132"
    assert "→ 132" in c98["<text>"]
    warnings = highlighted(elements, "warning")
    assert len(warnings) == 6  # KPI row 13, plan and fact by source
    assert {w["data-expected"] for w in warnings} == {"30", "25", "5", "52", "23", "29"}


def test_findings_link_to_their_cells_and_cells_to_their_findings(deck_html: str) -> None:
    elements = parse(deck_html)
    ids = {e["id"] for e in elements if "id" in e}
    cell_ids = {e["id"] for e in highlighted(elements, "error") + highlighted(elements, "warning")}
    items = [e for e in elements if e["<tag>"] == "li" and "finding" in e.get("class", "")]
    assert len(items) == 9  # 2 errors, 6 warnings, 1 info (the blank form)
    links = {e["href"][1:] for e in elements if e["<tag>"] == "a" and e.get("href", "") != ""}
    assert cell_ids <= links  # every highlighted cell is linked from its finding
    assert links <= ids  # and every link lands somewhere
    assert "ожидалось 443,5" in deck_html and "стр. 5" in deck_html


def test_every_error_in_a_pdf_shows_the_page_region_with_the_cell_boxed(deck_html: str) -> None:
    elements = parse(deck_html)
    images = [e for e in elements if e["<tag>"] == "img"]
    assert len(images) == 2  # one per error, none for warnings
    for img in images:
        assert img["src"].startswith("data:image/png;base64,")
        png = Image.open(io.BytesIO(base64.b64decode(img["src"].split(",", 1)[1])))
        rgb = png.convert("RGB")
        assert rgb.width > 1000 and 60 < rgb.height < rgb.width
        assert _count(rgb, BOX_RED) > 300, "the wrong cell is boxed in red"
        assert img["alt"].startswith("стр. ")


def _count(image: Image.Image, colour: tuple[int, int, int], tol: int = 8) -> int:
    """Pixels within ``tol`` (sum over R, G, B) of ``colour``."""
    a = np.asarray(image.convert("RGB"), dtype=np.int16)
    return int((np.abs(a - np.array(colour, dtype=np.int16)).sum(axis=2) <= tol).sum())


def test_the_report_is_self_contained(deck_html: str) -> None:
    refs = re.findall(r"""(?:src|href)\s*=\s*["']?([^"'\s>]*)""", deck_html, flags=re.I)
    assert refs and all(not r.lower().startswith(("http:", "https:", "//")) for r in refs)
    assert "http://" not in deck_html and "https://" not in deck_html
    assert "url(" not in deck_html and "@import" not in deck_html
    assert "<script" not in deck_html.lower()
    assert "default-src 'none'" in deck_html  # the CSP forbids any request


def test_header_and_texts_for_people_are_russian(deck: Report, deck_html: str) -> None:
    assert deck.document.organization and deck.document.organization in deck_html
    assert "ошибок: 2" in deck_html and "предупреждений: 6" in deck_html
    assert ">ошибка<" in deck_html and ">предупреждение<" in deck_html
    # the expenses table keeps its two-level header: "Всего" over "план" and "факт"
    assert re.search(r'<th colspan="2">Всего</th>', deck_html)


def _tiny(finding: Finding, *, text: str = "Итого", code: str | None = None,
          path: str = "doc.pdf", fmt: str = "xlsx") -> Report:
    cells = [
        Cell(column=["Всего", "план"], measure=Measure.PLAN, source=Source.TOTAL,
             value=Decimal("10"), raw="10"),
        Cell(column=["Всего", "факт"], measure=Measure.FACT, source=Source.TOTAL,
             value=Decimal("7"), raw="7"),
    ]
    table = Table(id="t1", title=text, rows=[
        Row(code="1", label=text, cells=cells),
        Row(code=code, label="ИТОГО", is_total=True, cells=[c.model_copy() for c in cells]),
    ])
    doc = Document(path=path, sha256="0" * 64, format=fmt, pages=1, organization=text)
    return Report(document=doc, tables=[table], findings=[finding])


def test_document_text_is_escaped() -> None:
    evil = '<script>alert(1)</script><img src="https://evil.example/x.png">"\' onmouseover=x'
    finding = Finding(severity=Severity.ERROR, rule="r", table="t1", code="1",
                      measure=Measure.FACT, source=Source.TOTAL, actual=Decimal("7"),
                      expected=Decimal("8"), message=evil)
    html = reports_to_html([_tiny(finding, text=evil, path=evil)], unreadable=[evil])
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;" in html
    cell = _cell_of(parse(html), "<script>")  # the tooltip carries the message, unescaped
    assert cell["title"].endswith(evil)


def test_a_finding_without_code_or_source_names_the_total_row() -> None:
    finding = Finding(severity=Severity.WARNING, rule="r", table="t1", code=None,
                      measure=Measure.PLAN, source=None, expected=Decimal("1234.5"),
                      message="итог")
    cells = highlighted(parse(reports_to_html([_tiny(finding)])), "warning")
    assert len(cells) == 1
    assert cells[0]["data-expected"] == "1 234,5"
    assert cells[0]["id"] == "d0-t0-r1-c0"  # second row (ИТОГО), first value column


def test_pdf_pictures_are_left_out_when_the_source_is_gone(tmp_path: Path) -> None:
    finding = Finding(severity=Severity.ERROR, rule="r", table="t1", code="1",
                      measure=Measure.FACT, source=Source.TOTAL, message="m")
    report = _tiny(finding, path=str(tmp_path / "gone.pdf"), fmt="pdf")
    report.tables[0].rows[0].cells[1].page = 1
    report.tables[0].rows[0].cells[1].bbox = (10.0, 10.0, 50.0, 20.0)
    html = reports_to_html([report])
    assert len(highlighted(parse(html), "error")) == 1 and "<img" not in html


def test_several_documents_and_unreadable_files_in_one_page() -> None:
    finding = Finding(severity=Severity.ERROR, rule="r", table="t1", code="1",
                      measure=Measure.FACT, source=Source.TOTAL, expected=Decimal("8"),
                      message="m")
    reports = [_tiny(finding, path="a.xlsx"), _tiny(finding, path="b.xlsx")]
    html = reports_to_html(reports, unreadable=["c.pdf: extract: E_NOT_PDF: не PDF"])
    elements = parse(html)
    ids = [e["id"] for e in highlighted(elements, "error")]
    assert ids == ["d0-t0-r0-c1", "d1-t0-r0-c1"]  # anchors stay unique across documents
    assert len(ids) == len(set(e["id"] for e in elements if "id" in e) & set(ids))
    assert "E_NOT_PDF" in html and 'href="#d1"' in html


def test_check_format_html_writes_the_file(tmp_path: Path) -> None:
    out = tmp_path / "qa" / "проверка.html"
    result = CliRunner().invoke(app, ["check", str(DECK_PDF), "--format", "html", "--out",
                                      str(out)])
    assert result.exit_code == 1  # arithmetic errors found
    assert result.stdout == ""
    html = out.read_text(encoding="utf-8")
    assert len(highlighted(parse(html), "error")) == 2


# --- in a real browser ----------------------------------------------------------------


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("chromium is missing (tools/setup.sh installs Debian's chromium)")
        pytest.skip("chromium not installed")
    return found


def _run_chromium(tmp_path: Path, url: str, *args: str) -> subprocess.CompletedProcess[bytes]:
    command = [
        _chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--disable-extensions", "--hide-scrollbars",
        f"--user-data-dir={tmp_path / 'profile'}", *args, url,
    ]
    return subprocess.run(command, capture_output=True, timeout=120, check=True)


@pytest.fixture(scope="module")
def deck_file(deck_html: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("html") / "report.html"
    path.write_text(deck_html, encoding="utf-8")
    return path


def test_chromium_finds_the_highlighted_cells(deck_file: Path, tmp_path: Path) -> None:
    dom = _run_chromium(tmp_path, deck_file.as_uri(), "--dump-dom").stdout.decode("utf-8")
    elements = parse(dom)
    assert _cell_of(elements, "строка 9.6, факт, Всего")["data-expected"] == "443,5"
    assert _cell_of(elements, "строка 9.8, факт, Всего")["data-expected"] == "132"
    assert len(highlighted(elements, "warning")) == 6


def test_chromium_paints_the_highlight_and_the_page_pictures(deck_file: Path,
                                                             tmp_path: Path) -> None:
    shot = tmp_path / "shot.png"
    _run_chromium(tmp_path, deck_file.as_uri(), f"--screenshot={shot}",
                  "--window-size=1400,9000")
    assert shot.stat().st_size > 100_000
    image = Image.open(shot)
    assert image.size == (1400, 9000)
    assert _count(image, ERROR_BG, 4) > 6000, "the two wrong cells are painted red"
    assert _count(image, BOX_RED, 12) > 400, "the page pictures are shown, wrong cell boxed"
