"""``svodka serve`` through an HTTP client (Starlette's TestClient on httpx2): the JSON API, the
pages' content and what keeps the server safe (localhost, the token, the upload limit,
escaping).  ``tests/test_serve_browser.py`` drives the running server with a real browser."""

from __future__ import annotations

import json
import logging
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook
from starlette.testclient import TestClient
from typer.testing import CliRunner

from svodka.cli import app as cli
from svodka.web import Settings, TokenRequired, create_app
from svodka.web.app import RedactToken

from .conftest import RAW
from .hostile_fixtures import HOSTILE, _set_text, edited_docx

DECK_PPTX = RAW / "smolensk-2017-deck.pptx"
DECK_PDF = RAW / "smolensk-2017-deck.pdf"
REPORT_DOCX = RAW / "smolensk-2017-report.docx"
LOCAL = "http://127.0.0.1:8000"
SCRIPT = "<script>alert(1)</script>"
EVIL_NAME = "<img src=x onerror=alert(1)>.docx"  # a file name cannot hold "/"


def client(out: Path, **settings: object) -> TestClient:
    return TestClient(create_app(Settings(out=out, **settings)),  # type: ignore[arg-type]
                      base_url=LOCAL)


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("serve") / "out"


@pytest.fixture(scope="module")
def web(out: Path) -> Iterator[TestClient]:
    with client(out) as c:
        yield c


def _check(web: TestClient, path: Path, name: str | None = None) -> dict[str, object]:
    with path.open("rb") as fh:
        r = web.post("/upload", files={"files": (name or path.name, fh)},
                     headers={"Accept": "application/json"})
    assert r.status_code == 200, r.text
    [summary] = r.json()
    return dict(summary)


@pytest.fixture(scope="module")
def pptx_json(web: TestClient) -> dict[str, object]:
    with DECK_PPTX.open("rb") as fh:
        r = web.post("/api/check", files={"file": (DECK_PPTX.name, fh)})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/json")
    return dict(r.json())


def test_api_check_returns_what_extract_json_prints(pptx_json: dict[str, object],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(RAW)  # the document's path is the name it was uploaded with
    result = CliRunner().invoke(cli, ["extract", DECK_PPTX.name, "--json"])
    assert result.exit_code == 0, result.output
    assert pptx_json == json.loads(result.stdout)
    errors = [f for f in pptx_json["findings"] if f["severity"] == "error"]  # type: ignore
    assert {(f["code"], f["expected"]) for f in errors} >= {("9.6", "443.5")}


def test_an_upload_is_kept_by_its_sha256_never_by_its_name(
        web: TestClient, out: Path, pptx_json: dict[str, object]) -> None:
    sha = pptx_json["document"]["sha256"]  # type: ignore[index]
    assert (out / "uploads" / f"{sha}.pptx").read_bytes() == DECK_PPTX.read_bytes()
    names = [p.name for p in out.rglob("*")]
    assert not [n for n in names if "smolensk" in n], names
    summary = _check(web, REPORT_DOCX, name="../../../etc/evil name.docx")
    assert summary["name"] == "evil name.docx"
    assert (out / "uploads" / f"{summary['sha256']}.docx").is_file()
    assert not (out.parent.parent / "etc").exists()


@pytest.mark.parametrize(("name", "code"), [("html-named.pdf", "E_NOT_PDF"),
                                            ("empty.pdf", "E_EMPTY"),
                                            ("not-a-zip.docx", "E_NOT_OFFICE")])
def test_an_unreadable_file_is_422_with_its_code(web: TestClient, name: str, code: str) -> None:
    with (HOSTILE / name).open("rb") as fh:
        r = web.post("/api/check", files={"file": (name, fh)})
    assert r.status_code == 422
    body = r.json()
    assert set(body) == {"code", "message"} and body["code"] == code
    assert body["message"] and "\n" not in body["message"]


def test_api_check_without_a_file_or_with_two_is_a_bad_request(web: TestClient) -> None:
    r = web.post("/api/check", data={"password": "x"})
    assert r.status_code == 400 and r.json()["code"] == "E_REQUEST"
    two = [("file", ("a.pdf", b"%PDF-")), ("file", ("b.pdf", b"%PDF-"))]
    r = web.post("/api/check", files=two)
    assert r.status_code == 400 and r.json() == {
        "code": "E_REQUEST", "message": "слишком много файлов в одном запросе: можно 1"}


def test_an_upload_over_the_size_limit_is_refused(tmp_path: Path) -> None:
    with client(tmp_path / "out", max_upload_mb=0.05) as small:
        with DECK_PDF.open("rb") as fh:  # 150 KB, three times the limit
            r = small.post("/api/check", files={"file": (DECK_PDF.name, fh)})
        assert r.status_code == 413 and r.json()["code"] == "E_TOO_LARGE"
        assert "--max-upload-mb" in r.json()["message"]

        def chunks() -> Iterator[bytes]:  # no Content-Length: counted while it is read
            boundary = b"--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\""
            yield boundary + b"\r\n\r\n"
            for _ in range(200):
                yield b"%PDF-1.4 " * 100
            yield b"\r\n--x--\r\n"

        r = small.post("/api/check", content=chunks(),
                       headers={"Content-Type": "multipart/form-data; boundary=x"})
        assert r.status_code == 413 and r.json()["code"] == "E_TOO_LARGE"
        with (HOSTILE / "html-named.pdf").open("rb") as fh:  # a small one still goes through
            assert small.post("/api/check", files={"file": ("x.pdf", fh)}).status_code == 422
    assert len(list((tmp_path / "out" / "uploads").iterdir())) == 1


def test_beyond_localhost_a_token_is_required(tmp_path: Path) -> None:
    with pytest.raises(TokenRequired):
        create_app(Settings(out=tmp_path, host="0.0.0.0"))
    guarded = TestClient(create_app(Settings(out=tmp_path, host="0.0.0.0", token="s3cret")),
                         base_url="http://192.0.2.10:8000")
    assert guarded.get("/api/documents").status_code == 401
    assert guarded.get("/api/documents", headers={"Authorization": "Bearer nope"}
                       ).status_code == 401
    with DECK_PPTX.open("rb") as fh:
        refused = guarded.post("/api/check", files={"file": ("a.pptx", fh)})
    assert refused.status_code == 401 and refused.json()["code"] == "E_TOKEN"
    assert not (tmp_path / "uploads").exists()
    page = guarded.get("/", headers={"Accept": "text/html"})
    assert page.status_code == 401 and "E_TOKEN: нужен ключ доступа" in page.text
    assert guarded.get("/healthz").status_code == 200  # for monitoring: says nothing else
    ok = guarded.get("/api/documents", headers={"Authorization": "Bearer s3cret"})
    assert ok.status_code == 200 and ok.json() == []
    # a person opens the address with ?token=…: a cookie, and the address without it
    r = guarded.get("/documents?token=s3cret&q=x", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/documents?q=x"
    assert "HttpOnly" in r.headers["set-cookie"] and "SameSite=Strict" in r.headers["set-cookie"]
    assert guarded.get("/documents").status_code == 200  # the client keeps the cookie


def test_serve_refuses_to_start_beyond_localhost_without_a_token(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("SVODKA_TOKEN", raising=False)
    result = CliRunner().invoke(cli, ["serve", "--host", "0.0.0.0", "--out", str(tmp_path)])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("svodka serve: E_TOKEN: --host 0.0.0.0")
    assert "SVODKA_TOKEN" in lines[0]


def test_on_localhost_other_hosts_and_other_sites_are_refused(web: TestClient) -> None:
    assert web.get("/api/documents", headers={"Host": "evil.example"}).status_code == 400
    with (HOSTILE / "empty.pdf").open("rb") as fh:
        r = web.post("/api/check", files={"file": ("a.pdf", fh)},
                     headers={"Origin": "http://evil.example"})
    assert r.status_code == 403 and r.json()["code"] == "E_ORIGIN"
    with (HOSTILE / "empty.pdf").open("rb") as fh:
        r = web.post("/api/check", files={"file": ("a.pdf", fh)}, headers={"Origin": LOCAL})
    assert r.status_code == 422


@pytest.fixture(scope="module")
def script_upload(web: TestClient, tmp_path_factory: pytest.TempPathFactory
                  ) -> dict[str, object]:
    def edit(d: object) -> None:
        _set_text(d.tables[0].rows[2].cells[1], SCRIPT)  # type: ignore[attr-defined]

    path = tmp_path_factory.mktemp("evil") / "evil.docx"
    path.write_bytes(edited_docx(edit))  # type: ignore[arg-type]
    return _check(web, path, name=EVIL_NAME)


def test_document_text_renders_as_text(web: TestClient, script_upload: dict[str, object]
                                       ) -> None:
    assert script_upload["name"] == EVIL_NAME
    for url in (f"/documents/{script_upload['sha256']}", "/documents"):
        r = web.get(url)
        assert r.status_code == 200
        assert "<script>alert" not in r.text and "<img src=x" not in r.text
        assert "&lt;img src=x onerror=alert(1)&gt;.docx" in r.text
        assert re.findall(r"<script[^>]*>", r.text) == ['<script src="/static/app.js" defer>']
        assert "script-src 'self'" in r.headers["content-security-policy"]
    page = web.get(f"/documents/{script_upload['sha256']}").text
    assert "<td>&lt;script&gt;alert(1)&lt;/script&gt;</td>" in page  # the label cell


def test_the_report_page_and_its_downloads(web: TestClient, pptx_json: dict[str, object]
                                           ) -> None:
    sha = str(pptx_json["document"]["sha256"])  # type: ignore[index]
    page = web.get(f"/report?d={sha}").text
    assert 'data-expected="443,5"' in page and "проверено соотношений" in page
    assert page.index("ошибка</span>") < page.index("предупреждение</span>")  # errors first
    links = re.findall(rf'href="/documents/{sha}/([^"]+)"', page)
    assert links[:4] == ["report.xlsx", "report.json", "cells.csv", "findings.csv"]
    r = web.get(f"/documents/{sha}/report.json")
    assert r.json() == pptx_json
    assert r.headers["content-disposition"].startswith("attachment;")
    r = web.get(f"/documents/{sha}/cells.csv")
    assert r.headers["content-type"].startswith("text/csv") and "443.5" not in r.text
    assert "415.8" in r.text
    for bad in ("../report.json", "svodka.duckdb", "report.html", "..%2F..%2Fuploads"):
        assert web.get(f"/documents/{sha}/{bad}").status_code == 404
    assert web.get("/documents/" + "0" * 64).status_code == 404
    assert web.get("/documents/not-a-sha").status_code == 404


def test_the_xlsx_download_highlights_the_wrong_cell(web: TestClient, tmp_path: Path,
                                                     pptx_json: dict[str, object]) -> None:
    sha = pptx_json["document"]["sha256"]  # type: ignore[index]
    r = web.get(f"/documents/{sha}/report.xlsx")
    assert r.status_code == 200
    (tmp_path / "r.xlsx").write_bytes(r.content)
    book = load_workbook(tmp_path / "r.xlsx")
    comments = [c.comment.text for ws in book.worksheets for row in ws.iter_rows()
                for c in row if c.comment is not None]
    assert any("ожидалось 443,5" in t for t in comments)


def test_api_documents_lists_documents_and_failures(
        web: TestClient, pptx_json: dict[str, object],
        script_upload: dict[str, object]) -> None:
    for name in ("html-named.pdf", "not-a-zip.docx", "empty.pptx"):
        assert _check(web, HOSTILE / name)["status"] == "failure"
    rows = web.get("/api/documents").json()
    by_file = {r["file"]: r for r in rows}
    deck = by_file[DECK_PPTX.name]
    assert deck["sha256"] == pptx_json["document"]["sha256"]  # type: ignore[index]
    assert deck["region"] == "Смоленская область" and deck["status"] == "success"
    assert deck["errors"] == 2 and deck["years"][0] == 2017 and deck["imported_at"]
    failed = by_file["html-named.pdf"]
    assert failed["status"] == "failure" and failed["code"] == "E_NOT_PDF"
    only = web.get("/api/documents?status=failure&sort=file&order=asc").json()
    assert [r["file"] for r in only] == sorted(r["file"] for r in only)
    assert {r["status"] for r in only} == {"failure"} and len(only) >= 3
    found = web.get("/api/documents", params={"q": "E_NOT_OFFICE"}).json()
    assert [r["file"] for r in found] == ["not-a-zip.docx"]
    page = web.get("/documents?status=failure").text
    assert "E_NOT_PDF: файл назван .pdf, но это не PDF" in page


def test_documents_imported_by_a_batch_open_with_their_report(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["run", str(REPORT_DOCX), "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    with client(out) as c:
        [row] = c.get("/api/documents").json()
        assert row["file"] == str(REPORT_DOCX)
        page = c.get(f"/documents/{row['sha256']}").text
        assert "finding-error" in page
        r = c.get(f"/documents/{row['sha256']}/report.xlsx")  # made when first asked for
        assert r.status_code == 200 and r.content.startswith(b"PK")


def test_healthz(web: TestClient) -> None:
    assert web.get("/healthz").json()["status"] == "ok"


def test_the_form_without_javascript_posts_every_file_and_opens_the_report(
        web: TestClient) -> None:
    with REPORT_DOCX.open("rb") as a, (HOSTILE / "empty.pdf").open("rb") as b:
        r = web.post("/upload", files=[("files", (REPORT_DOCX.name, a)),
                                       ("files", ("empty.pdf", b))], follow_redirects=False)
    assert r.status_code == 303
    location = r.headers["location"]
    assert location.startswith("/report?d=") and location.count("d=") == 2
    page = web.get(location).text
    assert "empty.pdf: extract: E_EMPTY: " in page and "finding-error" in page


def test_a_store_held_by_a_batch_leaves_checks_working(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with client(out) as c:
        assert c.get("/api/documents").json() == []  # the store exists now
        holder = subprocess.Popen(  # another process holds the DuckDB file, as a batch does
            [sys.executable, "-c", "import duckdb, sys; c = duckdb.connect(sys.argv[1]); "
             "print('held', flush=True); sys.stdin.read()", str(out / "svodka.duckdb")],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            assert holder.stdout is not None and holder.stdout.readline() == "held\n"
            r = c.get("/api/documents")
            assert r.status_code == 503 and r.json()["code"] == "E_STORE"
            summary = _check(c, REPORT_DOCX)
            assert summary["status"] == "success" and summary["store_error"]
            assert c.get(f"/documents/{summary['sha256']}").status_code == 200
        finally:
            holder.communicate("")
        assert c.get("/api/documents").json() == []  # not stored, as the check said


def test_the_access_log_hides_a_token_given_in_the_address() -> None:
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1,
                               '%s - "%s %s HTTP/%s" %d', ("127.0.0.1:5", "GET",
                               "/documents?q=a&token=s3cret&x=1", "1.1", 303), None)
    assert RedactToken().filter(record)
    assert "s3cret" not in record.getMessage()
    assert "/documents?q=a&token=…&x=1" in record.getMessage()


def test_an_encrypted_pdf_is_read_with_its_password(web: TestClient) -> None:
    path = HOSTILE / "encrypted-password.pdf"
    with path.open("rb") as fh:
        r = web.post("/api/check", files={"file": (path.name, fh)})
    assert r.status_code == 422 and r.json()["code"] == "E_ENCRYPTED"
    with path.open("rb") as fh:
        r = web.post("/api/check", files={"file": (path.name, fh)}, data={"password": "secret"})
    assert r.status_code == 200, r.text
    assert r.json()["document"]["format"] == "pdf" and r.json()["status"] != "failure"
