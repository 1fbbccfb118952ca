"""The web application of ``svodka serve`` (FastAPI; pages from Jinja2 templates, in Russian).

Pages: ``/`` (QA: upload files, see the report), ``/report?d=SHA&d=SHA`` (the QA report of
those documents), ``/documents`` (the data officer's list of the store),
``/documents/SHA`` (one document's report), ``/documents/SHA/NAME`` (its downloads).
JSON: ``POST /api/check``, ``GET /api/documents``, ``GET /healthz``.  README, "Web page",
documents them; ``svodka.web.security`` is what guards every request.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException

from svodka import __version__
from svodka.export.html import LEGEND, STYLE, reports_to_html_body
from svodka.export.jsonout import report_to_json
from svodka.export.store import StoreError
from svodka.render import SEVERITY_RU, checks_line, counts_line
from svodka.schemas import Report, Severity
from svodka.schemas.limits import Limits
from svodka.web.library import (
    SHA256,
    SORT_KEYS,
    STATUS_RU,
    Checked,
    Library,
    error_of,
    failure_line,
    select_rows,
)
from svodka.web.security import BodyTooLarge, Guard

HERE = Path(__file__).parent
MAX_FILES = 20  # files in one request of the QA form
DEFAULT_MAX_UPLOAD_MB = 100


@dataclass(frozen=True)
class Settings:
    """What ``svodka serve`` was started with."""

    out: Path = Path("out")
    db: str | None = None
    host: str = "127.0.0.1"
    token: str | None = None
    max_upload_mb: float = DEFAULT_MAX_UPLOAD_MB
    limits: Limits = field(default_factory=Limits)

    @property
    def max_body(self) -> int | None:
        """Bytes a request may carry: the upload limit plus room for the form around it."""
        return int(self.max_upload_mb * 2**20) + 16 * 1024 if self.max_upload_mb else None


def create_app(settings: Settings) -> Guard:
    """The application, wrapped in its guard (raises ``TokenRequired`` for a host beyond
    this computer without a token)."""
    library = Library(settings.out, settings.db, settings.limits)
    pages = Pages(jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True,
        undefined=jinja2.StrictUndefined))
    app = FastAPI(title="svodka", version=__version__, docs_url=None, redoc_url=None,
                  openapi_url=None)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    _error_handlers(app, pages)
    _qa_routes(app, library, pages, settings)
    _documents_routes(app, library, pages)
    _api_routes(app, library, pages)
    return Guard(app, host=settings.host, token=settings.token, max_body=settings.max_body)


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or "application/json" in request.headers.get(
        "accept", "")


@dataclass(frozen=True)
class Pages:
    """The Jinja2 templates (every value escaped unless marked safe)."""

    templates: jinja2.Environment

    def page(self, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        html = self.templates.get_template(name).render(version=__version__, **context)
        return HTMLResponse(html, status_code=status)

    def error(self, request: Request, status: int, code: str, message: str) -> Response:
        """``{"code": …, "message": …}`` for the API and scripts, a page for people."""
        if _wants_json(request):
            return JSONResponse({"code": code, "message": message}, status_code=status)
        return self.page("error.html", status, title="Ошибка", code=code, message=message)


HTTP_RU = {404: "нет такой страницы или документа", 405: "метод не поддерживается"}


def _error_handlers(app: FastAPI, pages: Pages) -> None:
    @app.exception_handler(BodyTooLarge)
    async def too_large(request: Request, exc: BodyTooLarge) -> Response:
        return pages.error(request, 413, "E_TOO_LARGE", str(exc))

    @app.exception_handler(StoreError)
    async def store_failed(request: Request, exc: StoreError) -> Response:
        return pages.error(request, 503, "E_STORE", " ".join(str(exc).split()))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        message = HTTP_RU.get(exc.status_code, str(exc.detail))
        code = "E_REQUEST" if exc.status_code == 400 else f"E_HTTP_{exc.status_code}"
        return pages.error(request, exc.status_code, code, message)


def _qa_routes(app: FastAPI, library: Library, pages: Pages, settings: Settings) -> None:
    @app.get("/report.css")
    def report_css() -> Response:
        """The QA report's own style sheet: the renderer's (``export.html.STYLE``)."""
        return Response(STYLE, media_type="text/css; charset=utf-8")

    @app.get("/", response_class=HTMLResponse)
    def index() -> HTMLResponse:
        return pages.page("index.html", title="Проверка отчёта",
                          max_upload_mb=settings.max_upload_mb, limits=settings.limits)

    @app.post("/upload", response_model=None)
    async def upload(request: Request) -> Response:
        files, password = await _form_files(request, "files", MAX_FILES)
        if not files:
            return pages.error(request, 400, "E_REQUEST", "не выбран ни один файл")
        checked = [await run_in_threadpool(library.check_upload, f.file, f.filename, password)
                   for f in files]
        if _wants_json(request):
            return JSONResponse([c.summary() for c in checked])
        return RedirectResponse(report_url(checked), status_code=303)

    @app.get("/report", response_class=HTMLResponse)
    def report_page(request: Request) -> HTMLResponse:
        shas = [s for s in request.query_params.getlist("d") if SHA256.fullmatch(s)]
        reports = [r for r in (library.report(s) for s in dict.fromkeys(shas)) if r is not None]
        if not reports:
            raise HTTPException(404)
        return pages.page("report.html", **_report_context(library, reports))


def _documents_routes(app: FastAPI, library: Library, pages: Pages) -> None:
    @app.get("/documents", response_class=HTMLResponse)
    def documents_page(request: Request) -> HTMLResponse:
        query = _list_query(request)
        rows = select_rows(library.documents(), **query)
        return pages.page("documents.html", title="Документы в базе", rows=rows, query=query,
                          statuses=STATUS_RU, sort_url=_sort_url(query))

    @app.get("/documents/{sha}", response_class=HTMLResponse)
    def document_page(sha: str) -> HTMLResponse:
        report = library.report(sha)
        if report is None:
            raise HTTPException(404)
        return pages.page("report.html", **_report_context(library, [report]))

    @app.get("/documents/{sha}/{name}")
    def download(sha: str, name: str) -> FileResponse:
        found = library.download(sha, name)
        if found is None:
            raise HTTPException(404)
        path, filename = found
        return FileResponse(path, filename=filename, media_type=_media_type(name))


def _api_routes(app: FastAPI, library: Library, pages: Pages) -> None:
    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    @app.post("/api/check", response_model=None)
    async def api_check(request: Request) -> Response:
        files, password = await _form_files(request, "file", 1)
        if not files:
            return pages.error(request, 400, "E_REQUEST",
                               "нет файла в поле file (multipart/form-data)")
        checked = await run_in_threadpool(library.check_upload, files[0].file,
                                          files[0].filename, password)
        if checked.failed:
            code, _, message = error_of(checked.report)
            return JSONResponse({"code": code, "message": message}, status_code=422)
        return Response(report_to_json(checked.report), media_type="application/json")

    @app.get("/api/documents")
    def api_documents(request: Request) -> JSONResponse:
        rows = select_rows(library.documents(), **_list_query(request))
        return JSONResponse([r.as_json() for r in rows])


def report_url(checked: list[Checked]) -> str:
    return "/report?" + urlencode([("d", c.sha256) for c in checked])


def _media_type(name: str) -> str:
    if name.endswith(".json"):
        return "application/json"
    if name.endswith(".xlsx"):
        return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return "text/csv; charset=utf-8"


async def _form_files(request: Request, field_name: str,
                      max_files: int) -> tuple[list[UploadFile], str | None]:
    """The uploaded files of ``field_name`` and the optional ``password``.  The files are
    spooled to disk by the form parser; the guard has bounded their size."""
    try:
        form = await request.form(max_files=max_files, max_fields=10)
    except HTTPException as exc:  # the parser's words are English
        if "Too many files" in str(exc.detail):
            raise HTTPException(400, f"слишком много файлов в одном запросе: можно "
                                f"{max_files}") from exc
        raise HTTPException(400, f"запрос не разобран (multipart/form-data): {exc.detail}"
                            ) from exc
    files = [v for v in form.getlist(field_name) if isinstance(v, UploadFile) and v.filename]
    password = form.get("password")
    return files, password if isinstance(password, str) and password else None


def _list_query(request: Request) -> dict[str, Any]:
    p = request.query_params
    year = p.get("year", "").strip()
    return {"q": p.get("q", ""), "status": p.get("status", "") if p.get("status") in STATUS_RU
            else "", "year": int(year) if year.isdigit() else None,
            "sort": p.get("sort", "imported_at") if p.get("sort") in SORT_KEYS
            else "imported_at", "descending": p.get("order", "desc") != "asc"}


def _sort_url(query: dict[str, Any]) -> dict[str, str]:
    """For each column, the address that sorts by it (again: the other way round)."""
    urls = {}
    for key in SORT_KEYS:
        descending = not query["descending"] if query["sort"] == key else key in (
            "imported_at", "errors", "warnings")
        params = {"q": query["q"], "status": query["status"],
                  "year": "" if query["year"] is None else str(query["year"]),
                  "sort": key, "order": "desc" if descending else "asc"}
        urls[key] = "/documents?" + urlencode({k: v for k, v in params.items() if v})
    return urls


SEVERITY_ORDER = (Severity.ERROR, Severity.WARNING)
DOWNLOAD_LABELS = {"report.xlsx": "XLSX (ошибки выделены)", "report.json": "JSON (контракт)"}


def _report_context(library: Library, reports: list[Report]) -> dict[str, Any]:
    """The report page: failed files' lines, then per read document its summary (errors
    first, then warnings, then what was checked) and downloads, then the QA report."""
    read = [r for r in reports if r.status != "failure"]
    failures = [line for r in reports if (line := failure_line(r)) is not None]
    summaries = []
    for di, r in enumerate(read):
        findings = [(f"d{di}-f{fi}", f) for fi, f in enumerate(r.findings)]
        ranked = [(anchor, SEVERITY_RU[f.severity], f.severity.value, f.message)
                  for severity in SEVERITY_ORDER
                  for anchor, f in findings if f.severity is severity]
        summaries.append({"name": r.document.path, "sha256": r.document.sha256,
                          "anchor": f"d{di}", "counts": counts_line(r.findings),
                          "checks": checks_line(r), "findings": ranked,
                          "downloads": [(n, DOWNLOAD_LABELS.get(n, n))
                                        for n in library.downloads(r)]})
    sources = [library.source(r) for r in read]
    body = reports_to_html_body(read, sources=sources) if read else ""
    return {"title": "Результат проверки", "failures": failures, "summaries": summaries,
            "report_body": body, "legend": LEGEND if read else ""}


class RedactToken(logging.Filter):
    """The access log never shows a token given in the address (``?token=…``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(TOKEN_IN_QUERY.sub(r"\1…", a) if isinstance(a, str) else a
                                for a in record.args)
        return True


TOKEN_IN_QUERY = re.compile(r"([?&]token=)[^&\s]*")


def serve(settings: Settings, port: int) -> None:
    """Run the server until it is stopped (Ctrl+C)."""
    import uvicorn

    config = uvicorn.Config(create_app(settings), host=settings.host, port=port,
                            log_level="info", server_header=False, date_header=False)
    logging.getLogger("uvicorn.access").addFilter(RedactToken())  # after Config's logging
    uvicorn.Server(config).run()
