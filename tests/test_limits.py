"""Issue 13: every entry point (``extract``, ``check``, ``svodka.read``) is bounded in memory
and time, and cheap checks come before expensive work.

Each hostile kind is built here (``tests.hostile_fixtures.LIMITS``) and run through each
entry point in a fresh process of its own; the process's peak RSS is read from its rusage
(``os.wait4``: the command and the child it reads in, which it waits for).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import pytest

from svodka.api import read
from svodka.extract.pdf_limits import inflated_size, render_scale
from svodka.schemas import SvodkaError
from svodka.schemas.limits import MIB, Limits
from tests.hostile_fixtures import (
    LIMITS,
    good_small_pdf,
    many_pages_pdf,
    pdf_bytes,
    text_pdf,
    write_all,
)

ROOT = Path(__file__).resolve().parent.parent
LINE = re.compile(r"^(?P<file>.+): (?P<stage>[a-z]+): (?P<code>E_[A-Z_]+): (?P<reason>.+)$")
MEMORY_MB = 2048
"""The memory limit the hostile runs get (the default, given explicitly)."""

API = """
import json, sys
import svodka
from svodka.schemas.limits import Limits
path, limits = sys.argv[1], Limits(**json.loads(sys.argv[2]))
try:
    report = svodka.read(path, limits=limits)
except svodka.SvodkaError as exc:
    print(exc.one_line(), file=sys.stderr)
    sys.exit(2)
print(json.dumps({"status": report.status,
                  "findings": [[f.rule, f.message] for f in report.findings]}))
"""


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str
    peak_mb: float

    def one_line(self) -> re.Match[str]:
        lines = self.stderr.strip().splitlines()
        assert len(lines) == 1, self.stderr
        m = LINE.match(lines[0])
        assert m, lines[0]
        return m


def run(entry: str, path: Path, *flags: str, limits: dict[str, float] | None = None) -> Run:
    """One entry point on ``path`` in a fresh process; its exit code, output and peak RSS."""
    if entry == "api":
        settings = {"memory_mb": MEMORY_MB, **(limits or {})}
        cmd = [sys.executable, "-c", API, str(path), json.dumps(settings)]
    else:
        cmd = [sys.executable, "-m", "svodka", entry, str(path), "--memory-mb", str(MEMORY_MB),
               *flags]
    env = dict(os.environ, COLUMNS="200", PYTHONWARNINGS="ignore")
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)  # not proc.wait(): its rusage is wanted
        proc.returncode = code = os.waitstatus_to_exitcode(status)
        texts = []
        for fh in (out, err):
            fh.seek(0)
            texts.append(fh.read().decode("utf-8"))
    return Run(code, texts[0], texts[1], usage.ru_maxrss / 1024)


@pytest.fixture(scope="module")
def kinds(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("limits")
    write_all(folder, LIMITS)
    (folder / "good.pdf").write_bytes(good_small_pdf())
    return folder


@pytest.fixture(scope="module")
def baseline_mb(kinds: Path) -> dict[str, float]:
    """Peak RSS of each entry point reading a small good PDF: what the limit comes on top of."""
    return {entry: run(entry, kinds / "good.pdf", *_json(entry)).peak_mb
            for entry in ("extract", "check", "api")}


def _json(entry: str) -> tuple[str, ...]:
    return {"extract": ("--json",), "check": ("--format", "json")}.get(entry, ())


def rules_of(entry: str, r: Run) -> dict[str, str]:
    """Finding rule → message from an entry point's JSON output."""
    data = json.loads(r.stdout)
    if entry == "check":
        [data] = data  # one document
    return {f[0]: f[1] for f in data["findings"]} if entry == "api" else \
        {f["rule"]: f["message"] for f in data["findings"]}


ENTRIES = ["extract", "check", "api"]


def _within_memory(r: Run, entry: str, baseline: dict[str, float]) -> None:
    assert r.peak_mb < baseline[entry] + MEMORY_MB, (r.peak_mb, baseline[entry])


NOTHING_CHECKED = 3
"""``svodka check`` on a document with no table to check: read, but nothing verified."""


@pytest.mark.parametrize("entry", ENTRIES)
def test_stream_bomb_is_refused_with_its_limit(
    entry: str, kinds: Path, baseline_mb: dict[str, float]
) -> None:
    path = kinds / "stream-bomb.pdf"
    r = run(entry, path, *_json(entry))
    assert r.code == 2, (r.stdout, r.stderr)
    m = r.one_line()
    assert (m["file"], m["stage"], m["code"]) == (str(path), "extract", "E_LIMIT")
    assert "лимит распакованных данных" in m["reason"] and "512 МБ" in m["reason"]
    _within_memory(r, entry, baseline_mb)


@pytest.mark.parametrize("entry", ENTRIES)
def test_blank_pages_are_counted_not_read(
    entry: str, kinds: Path, baseline_mb: dict[str, float]
) -> None:
    r = run(entry, kinds / "blank-3000.pdf", *_json(entry))
    assert r.code == (NOTHING_CHECKED if entry == "check" else 0), r.stderr
    found = rules_of(entry, r)
    assert "пустых страниц (без текста, изображений и графики): 3000 из 3000" in \
        found["I_BLANK_PAGES"]
    assert "I_OCR" not in found and "E_NO_TEXT_LAYER" not in found
    _within_memory(r, entry, baseline_mb)


@pytest.mark.parametrize("entry", ENTRIES)
def test_huge_page_is_rendered_within_the_pixel_limit(
    entry: str, kinds: Path, baseline_mb: dict[str, float]
) -> None:
    r = run(entry, kinds / "huge-scan-page.pdf", *_json(entry))
    assert r.code in ((0, NOTHING_CHECKED) if entry == "check" else (0,)), r.stderr
    found = rules_of(entry, r)
    assert re.fullmatch(r"страница 1 \(5080 × 5080 мм\) распознана с разрешением 32 dpi "
                        r"вместо 300: лимит 40 Мпикс на отрисовку страницы",
                        found["W_RENDER_LIMIT"]), found
    _within_memory(r, entry, baseline_mb)


@pytest.mark.parametrize("entry", ENTRIES)
def test_page_of_one_huge_image_is_not_rendered(
    entry: str, kinds: Path, baseline_mb: dict[str, float]
) -> None:
    path = kinds / "huge-image.pdf"
    r = run(entry, path, *_json(entry))
    if entry == "extract":  # the only page is unread: the file is unreadable
        assert r.code == 2
        m = r.one_line()
        assert (m["file"], m["stage"], m["code"]) == (str(path), "extract", "E_LIMIT")
        message = m["reason"]
    else:
        assert r.code == (1 if entry == "check" else 0), r.stderr  # check: an error finding
        message = rules_of(entry, r)["E_LIMIT"]
    assert re.fullmatch(r"страница 1 не распознавалась: её изображения \(самое большое "
                        r"20000 × 20000 пикс\.\) заняли бы при отрисовке до 1525 МБ, больше "
                        r"лимита распакованных данных 512 МБ", message), message
    _within_memory(r, entry, baseline_mb)


# --------------------------------------------------------------------------- the process limits


@pytest.fixture(scope="module")
def long_pdf(kinds: Path) -> Path:
    path = kinds / "pages-2000.pdf"
    path.write_bytes(many_pages_pdf())
    return path


@pytest.mark.parametrize("entry", ENTRIES)
def test_time_limit_stops_the_read(entry: str, long_pdf: Path) -> None:
    flags = ("--timeout", "2") if entry != "api" else ()
    r = run(entry, long_pdf, *flags, limits={"timeout": 2})
    assert r.code == 2, (r.stdout, r.stderr)
    m = r.one_line()
    assert (m["file"], m["stage"], m["code"]) == (str(long_pdf), "extract", "E_TIMEOUT")
    assert m["reason"] == "превышен лимит времени на файл: 2 с (--timeout)"


@pytest.mark.parametrize("entry", ENTRIES)
def test_page_limit(entry: str, kinds: Path) -> None:
    path = kinds / "blank-3000.pdf"
    r = run(entry, path, "--max-pages", "100", limits={"max_pages": 100})
    assert r.code == 2, (r.stdout, r.stderr)
    m = r.one_line()
    assert (m["file"], m["stage"], m["code"]) == (str(path), "extract", "E_LIMIT")
    assert m["reason"] == "в PDF 3000 стр., больше лимита 100 (--max-pages)"


def test_memory_limit_holds_when_nothing_else_does(
    kinds: Path, baseline_mb: dict[str, float]
) -> None:
    """The stream bomb with the inflate check off: the child runs out of its address space
    (E_MEMORY) instead of the machine running out of memory."""
    path = kinds / "stream-bomb.pdf"
    r = run("api", path, limits={"inflate_mb": 0, "memory_mb": 400, "timeout": 60})
    assert r.code == 2, (r.stdout, r.stderr)
    m = r.one_line()
    assert (m["file"], m["code"]) == (str(path), "E_MEMORY"), m[0]
    assert "лимит памяти на файл: 400 МБ (--memory-mb)" in m["reason"]
    assert r.peak_mb < baseline_mb["api"] + 400


def test_in_process_read_raises_the_code(kinds: Path) -> None:
    """Without a child (no time or memory limit) the reader's own checks still hold."""
    with pytest.raises(SvodkaError) as err:
        read(kinds / "stream-bomb.pdf", limits=Limits(timeout=None, memory_mb=None))
    assert err.value.code == "E_LIMIT" and err.value.stage == "extract"


# --------------------------------------------------------------------------- cheap checks


def test_inflated_size_stops_past_the_cap() -> None:
    data = zlib.compress(bytes(64 * MIB), 1)
    assert inflated_size(data, 100 * MIB) == 64 * MIB
    counted = inflated_size(data, 2 * MIB)
    assert 2 * MIB < counted <= 3 * MIB
    assert inflated_size(data[: len(data) // 2], 100 * MIB) < 64 * MIB  # damaged: partial


def test_render_scale_keeps_a4_and_caps_a_huge_page() -> None:
    limits = Limits()
    assert render_scale(595, 842, 300 / 72, limits) == 300 / 72
    scale = render_scale(14400, 14400, 300 / 72, limits)
    assert abs((14400 * scale) ** 2 - 40e6) < 1e3
    assert render_scale(14400, 14400, 300 / 72, Limits(megapixels=None)) == 300 / 72


def test_blank_pages_among_text_pages(tmp_path: Path) -> None:
    """Blank pages are counted; the text page is read as before; a page with only a ruled
    box is not blank (it is a scan to read)."""
    from tests.hostile_fixtures import REPORT_LINES

    pdf = text_pdf([[], REPORT_LINES, []])
    for index in (0, 2):
        del pdf.pages[index].Contents
    boxed = pdf.add_blank_page(page_size=(595, 842))
    boxed.Contents = pdf.make_stream(b"1 w 100 100 300 200 re S")
    path = tmp_path / "mixed.pdf"
    path.write_bytes(pdf_bytes(pdf))
    report = read(path)
    found = {f.rule: f for f in report.findings}
    assert "пустых страниц (без текста, изображений и графики): 2 из 4 (стр. 1, 3)" in \
        found["I_BLANK_PAGES"].message
    assert report.document.format == "pdf"
    assert any("942,3" in c.raw for t in report.tables for r in t.rows for c in r.cells)
    assert found.get("I_OCR") is None or found["I_OCR"].page == 4


def test_normal_pdf_is_read_the_same_with_and_without_limits() -> None:
    path = ROOT / "raw" / "smolensk-2017-deck.pdf"
    from svodka.schemas.limits import NO_LIMITS

    limited, free = read(path), read(path, limits=NO_LIMITS)
    assert limited.model_dump() == free.model_dump()


def _read_status(path: str) -> str:
    return read(path).status


def test_read_inside_a_pool_worker(kinds: Path) -> None:
    """A daemonic process may not start one of its own: the read runs there, in-process."""
    import multiprocessing

    with multiprocessing.get_context("fork").Pool(1) as pool:
        assert pool.apply(_read_status, (str(kinds / "good.pdf"),)) == "success"
        with pytest.raises(SvodkaError) as err:
            pool.apply(read, (str(kinds / "stream-bomb.pdf"),))
        assert err.value.code == "E_LIMIT"
