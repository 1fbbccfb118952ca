"""``svodka serve`` in a real browser: the server runs as the command does, on a free port of
127.0.0.1, and headless Chromium (Debian's ``chromium`` and ``chromium-driver``, installed by
``tools/setup.sh``) is driven through Selenium as a QA person would use the page.

When Chromium or its driver is absent the tests fail under CI (``CI=true``) and are skipped
otherwise.  ``SVODKA_SCREENSHOT=1`` rewrites the README's screenshot ``docs/serve-qa.png``.
"""

from __future__ import annotations

import io
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
from openpyxl import load_workbook
from PIL import Image

from .conftest import RAW, ROOT
from .hostile_fixtures import HOSTILE

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402
from selenium.webdriver.remote.webelement import WebElement  # noqa: E402
from selenium.webdriver.support import expected_conditions as ec  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

DECK_PDF = RAW / "smolensk-2017-deck.pdf"
SCREENSHOT = ROOT / "docs" / "serve-qa.png"
WAIT = 120  # seconds a page may take to appear (a read under the default limits)


def _need(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{name} is missing (tools/setup.sh installs Debian's chromium and "
                        "chromium-driver)")
        pytest.skip(f"{name} not installed")
    return found


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``svodka serve`` on a free port, as a separate process; its address."""
    out = tmp_path_factory.mktemp("serve") / "out"
    port = _free_port()
    svodka = Path(sys.executable).with_name("svodka")
    log = (out.parent / "server.log").open("wb")
    proc = subprocess.Popen([str(svodka), "serve", "--port", str(port), "--out", str(out)],
                            stdout=log, stderr=subprocess.STDOUT, cwd=out.parent)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx2.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx2.TransportError:
                pass
            if proc.poll() is not None:
                break
            time.sleep(0.2)
        else:
            pytest.fail("the server did not answer /healthz")
        if proc.poll() is not None:
            pytest.fail((out.parent / "server.log").read_text(errors="replace"))
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.fixture(scope="module")
def downloads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory, downloads: Path) -> Iterator[WebDriver]:
    chromium, driver = _need("chromium"), _need("chromedriver")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--disable-extensions",
                "--hide-scrollbars", "--window-size=1400,1000",
                f"--user-data-dir={tmp_path_factory.mktemp('profile')}"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    options.add_experimental_option("prefs", {
        "download.default_directory": str(downloads), "download.prompt_for_download": False,
        "safebrowsing.enabled": False})
    b = webdriver.Chrome(service=Service(executable_path=driver), options=options)
    b.set_page_load_timeout(WAIT)
    try:
        yield b
    finally:
        b.quit()


def _upload(browser: WebDriver, server: str, *files: Path) -> None:
    browser.get(server + "/")
    browser.find_element(By.ID, "files").send_keys("\n".join(str(f) for f in files))
    browser.find_element(By.ID, "check").click()
    WebDriverWait(browser, WAIT).until(ec.url_contains("/report?"))


@pytest.fixture(scope="module")
def deck_page(browser: WebDriver, server: str) -> WebDriver:
    _upload(browser, server, DECK_PDF)
    WebDriverWait(browser, WAIT).until(
        ec.presence_of_element_located((By.CSS_SELECTOR, "td.finding-error")))
    return browser


def test_the_qa_page_shows_the_wrong_cell_with_the_value_that_adds_up(
        deck_page: WebDriver) -> None:
    cells = deck_page.find_elements(By.CSS_SELECTOR, "td.finding-error")
    wrong = [c for c in cells if "строка 9.6" in (c.get_attribute("title") or "")]
    assert len(wrong) == 1
    cell = wrong[0]
    assert cell.get_attribute("data-expected") == "443,5"
    assert cell.text.startswith("415,8") and "443,5" in cell.text
    # painted as an error: the highlight's red background
    assert cell.value_of_css_property("background-color") == "rgba(255, 199, 206, 1)"
    ranked = deck_page.find_element(By.CSS_SELECTOR, "ol.ranked li").text
    assert "строка 9.6" in ranked and "443,5" in ranked  # errors come first in the summary
    assert deck_page.find_elements(By.CSS_SELECTOR, "figure img"), "page pictures shown"
    pictures = deck_page.execute_script(
        "return Array.from(document.querySelectorAll('figure img'))"
        ".filter(i => i.complete && i.naturalWidth > 0).length;")
    assert pictures >= 2, "the page pictures load under the Content-Security-Policy"
    refused = [e["message"] for e in deck_page.get_log("browser")
               if "Content Security Policy" in e["message"]]
    assert not refused, refused
    if os.environ.get("SVODKA_SCREENSHOT") == "1":
        _screenshot(deck_page, cell)


def _screenshot(page: WebDriver, cell: WebElement) -> None:
    """The top of the page down to just below the wrong cell (README's picture)."""
    bottom = page.execute_script(
        "const r = arguments[0].getBoundingClientRect(); return r.bottom + window.scrollY;",
        cell)
    size = page.get_window_size()
    page.set_window_size(size["width"], int(bottom) + 200)
    page.execute_script("window.scrollTo(0, 0);")
    png = Image.open(io.BytesIO(page.get_screenshot_as_png())).convert("RGB")
    SCREENSHOT.parent.mkdir(exist_ok=True)
    png.quantize(128).save(SCREENSHOT, optimize=True)  # a third of the size, looks the same
    page.set_window_size(size["width"], size["height"])


def test_the_xlsx_download_has_the_wrong_cell_highlighted(deck_page: WebDriver,
                                                          downloads: Path) -> None:
    link = deck_page.find_element(By.CSS_SELECTOR, "a.download[href$='report.xlsx']")
    link.click()
    deadline = time.monotonic() + WAIT
    found: list[Path] = []
    while time.monotonic() < deadline:
        found = [p for p in downloads.glob("*.xlsx")]
        if found and not list(downloads.glob("*.crdownload")):
            break
        time.sleep(0.2)
    assert len(found) == 1, list(downloads.iterdir())
    assert found[0].name.startswith("smolensk-2017-deck-")
    book = load_workbook(found[0])
    red = [c for ws in book.worksheets[1:] for row in ws.iter_rows() for c in row
           if c.fill is not None and c.fill.fgColor.rgb in ("FFFFC7CE", "00FFC7CE")]
    assert any(c.comment is not None and "443,5" in c.comment.text for c in red)


def test_the_data_officers_page_lists_the_document(deck_page: WebDriver, server: str) -> None:
    deck_page.get(server + "/documents")
    rows = deck_page.find_elements(By.CSS_SELECTOR, "#documents tbody tr")
    deck = [r for r in rows if "smolensk-2017-deck.pdf" in r.text]
    assert len(deck) == 1
    cells = [td.text for td in deck[0].find_elements(By.TAG_NAME, "td")]
    assert cells[0] == "Смоленская область"
    assert "2017" in cells[2] and cells[4] == "прочитан" and cells[5] == "2"
    deck[0].find_element(By.CSS_SELECTOR, "a.open").click()
    WebDriverWait(deck_page, WAIT).until(
        ec.presence_of_element_located((By.CSS_SELECTOR, "td.finding-error")))
    assert "/documents/" in deck_page.current_url


def test_a_hostile_file_shows_its_one_line_error(browser: WebDriver, server: str) -> None:
    _upload(browser, server, HOSTILE / "html-named.pdf")
    line = WebDriverWait(browser, WAIT).until(
        ec.presence_of_element_located((By.CSS_SELECTOR, ".failures .failure-line")))
    assert line.text == "html-named.pdf: extract: E_NOT_PDF: файл назван .pdf, но это не PDF"
    assert not browser.find_elements(By.CSS_SELECTOR, "td.finding-error")


def test_several_files_show_their_progress_then_one_report(browser: WebDriver,
                                                           server: str) -> None:
    browser.get(server + "/")
    files = [HOSTILE / "text-named.pdf", DECK_PDF]  # the quick failure first, then the deck
    browser.find_element(By.ID, "files").send_keys("\n".join(str(f) for f in files))
    browser.find_element(By.ID, "check").click()
    # the first file's line stands in the progress list while the deck is still being read
    done = WebDriverWait(browser, WAIT, poll_frequency=0.05).until(
        ec.presence_of_element_located((By.CSS_SELECTOR, "#progress li.failed")))
    assert "E_NOT_PDF" in done.text
    WebDriverWait(browser, WAIT).until(ec.url_contains("/report?"))
    WebDriverWait(browser, WAIT).until(
        ec.presence_of_element_located((By.CSS_SELECTOR, "td.finding-error")))
    assert browser.current_url.count("d=") == 2
    [line] = browser.find_elements(By.CSS_SELECTOR, ".failures .failure-line")
    assert line.text.startswith("text-named.pdf: extract: E_NOT_PDF: ")
    assert len(browser.find_elements(By.CSS_SELECTOR, "section.summary")) == 1
