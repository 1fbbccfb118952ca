"""The ``svodka`` command: a thin layer over the Python API (see README for exit codes)."""

from __future__ import annotations

import contextlib
import io
import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from svodka.schemas.limits import (
    DEFAULT_MAX_PAGES,
    DEFAULT_MEMORY_MB,
    DEFAULT_TIMEOUT,
    Limits,
)

if TYPE_CHECKING:
    from svodka.pipeline import BatchResult, Outcome
    from svodka.schemas import Report, Severity

# The readers, the exports and pydantic are imported inside the commands that use them:
# `svodka --version` and `svodka --help` load none of them.

EXIT_OK, EXIT_FINDINGS, EXIT_UNREADABLE, EXIT_NOT_CHECKED = 0, 1, 2, 3

app = typer.Typer(
    help="svodka: отчёты ЦКР (PPTX, PDF, DOCX, XLSX) → проверенные таблицы.\n\n"
    "Reads Russian public-sector reports into typed, checked tables.",
    no_args_is_help=True,
    rich_markup_mode="rich",
)
out_console = Console()


class FailOn(StrEnum):
    error = "error"
    warning = "warning"
    info = "info"


def _fail_on(level: FailOn) -> set[Severity]:
    """The severities --fail-on LEVEL exits 1 on."""
    from svodka.schemas import Severity

    return {FailOn.error: {Severity.ERROR}, FailOn.warning: {Severity.ERROR, Severity.WARNING},
            FailOn.info: set(Severity)}[level]


TimeoutOption = Annotated[float, typer.Option(
    "--timeout", min=0, help="Seconds per file; past it the file fails with E_TIMEOUT "
    "(0: no limit).")]
MemoryOption = Annotated[int, typer.Option(
    "--memory-mb", min=0, help="Memory (address space) per file in MiB; past it the file "
    "fails with E_MEMORY (0: no limit).")]
MaxPagesOption = Annotated[int, typer.Option(
    "--max-pages", min=0, help="Pages a PDF may have; a longer one fails with E_LIMIT "
    "(0: no limit).")]


def _limits(timeout: float, memory_mb: int, max_pages: int) -> Limits:
    """The command's limits (README, "Limits"); 0 switches one off."""
    return Limits(timeout=timeout or None, memory_mb=memory_mb or None,
                  max_pages=max_pages or None)


class CheckFormat(StrEnum):
    text = "text"
    json = "json"
    markdown = "markdown"
    html = "html"


def _version(value: bool) -> None:
    if value:
        from svodka import __version__

        print(f"svodka {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Show the version and exit.")] = False,
) -> None:
    """svodka — отчёты ЦКР в проверенные таблицы."""
    # in a pipe or a file a line is never wrapped: `svodka check F | grep 9.6` finds it whole
    out_console.soft_wrap = not out_console.is_terminal


def _read_or_exit(path: Path, password: str | None, limits: Limits,
                  as_json: bool = False) -> Report:
    """The report; for a file that cannot be read, one line on stderr (with ``as_json`` the
    contract document of the failure on stdout too), and exit 2."""
    from svodka.api import failure_report, read
    from svodka.export import report_to_json
    from svodka.schemas import SvodkaError

    try:
        return read(path, password=password, limits=limits)
    except SvodkaError as exc:
        typer.echo(exc.one_line(), err=True)
        if as_json:
            sys.stdout.write(report_to_json(failure_report(path, exc.code, exc.message,
                                                           exc.stage)))
        raise typer.Exit(EXIT_UNREADABLE) from exc


@app.command()
def extract(
    file: Annotated[Path, typer.Argument(help="PDF, PPTX, DOCX or XLSX file.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the contract JSON.")] = False,
    password: Annotated[str | None, typer.Option(help="Password of an encrypted PDF.")] = None,
    timeout: TimeoutOption = DEFAULT_TIMEOUT,
    memory_mb: MemoryOption = DEFAULT_MEMORY_MB,
    max_pages: MaxPagesOption = DEFAULT_MAX_PAGES,
) -> None:
    """Extract every table of FILE.

    Example: [bold]svodka extract raw/smolensk-2017-deck.pdf --json > report.json[/]

    Exit 0 when the file was read, 2 when it could not be read (one line on stderr; with
    --json the contract document with status "failure" and the error code on stdout).
    """
    from svodka.export import report_to_json
    from svodka.schemas import Severity

    report = _read_or_exit(file, password, _limits(timeout, memory_mb, max_pages), as_json)
    if as_json:
        sys.stdout.write(report_to_json(report))
    else:
        _print_tables(report)
    if report.status == "failure":
        for f in report.findings:
            if f.severity is Severity.ERROR:
                typer.echo(f"{file}: extract: {f.rule}: {f.message}", err=True)
        raise typer.Exit(EXIT_UNREADABLE)


def _print_tables(report: Report) -> None:
    from rich.table import Table as RichTable

    from svodka.render import counts_line

    doc = report.document
    out_console.print(f"[bold]{doc.path}[/] ({doc.format}, {doc.pages} стр.) "
                      f"{doc.organization or ''} {doc.region or ''}")
    t = RichTable("id", "вид", "год", "страницы", "строк", "ячеек", "качество", "заголовок")
    for table in report.tables:
        t.add_row(table.id, table.kind.value, str(table.year or ""),
                  ",".join(map(str, table.pages)), str(len(table.rows)),
                  str(sum(len(r.cells) for r in table.rows)), f"{table.quality or 0:.2f}",
                  (table.title or "")[:70])
    out_console.print(t)
    out_console.print(counts_line(report.findings))


@app.command()
def check(
    files: Annotated[list[Path], typer.Argument(help="Documents to check.")],
    fmt: Annotated[CheckFormat, typer.Option("--format", help="Output format.")] = CheckFormat.text,
    out: Annotated[Path | None, typer.Option(
        "--out", metavar="FILE", help="Write the output to FILE (atomically) instead of stdout.")]
    = None,
    password: Annotated[str | None, typer.Option(help="Password of an encrypted PDF.")] = None,
    quiet: Annotated[bool, typer.Option(
        "--quiet", "-q", help="Print nothing (text format): the exit code says it all.")] = False,
    fail_on: Annotated[FailOn, typer.Option(
        "--fail-on", help="Exit 1 on findings of this severity or worse.")] = FailOn.error,
    timeout: TimeoutOption = DEFAULT_TIMEOUT,
    memory_mb: MemoryOption = DEFAULT_MEMORY_MB,
    max_pages: MaxPagesOption = DEFAULT_MAX_PAGES,
) -> None:
    """Check the arithmetic of reports and list every finding.

    Example: [bold]svodka check raw/smolensk-2017-deck.pdf --format markdown[/]

    For QA: [bold]svodka check raw/*.pdf --format html --out проверка.html[/] writes one
    self-contained page (no network) with every table as the document has it, the wrong
    cells highlighted with the expected value, and for PDFs a picture of each wrong cell.
    In scripts: [bold]svodka check отчёт.pdf --quiet --fail-on warning[/].

    Exit 0: no errors; 1: findings at --fail-on or worse (default: errors); 2: a file could
    not be read (with --format json it is listed with status "failure" and its error code);
    3: nothing found, but a document had no table whose arithmetic could be checked.
    """
    from svodka.export import write_text_atomic
    from svodka.render import report_to_markdown, reports_to_json
    from svodka.validate import checked_tables

    limits = _limits(timeout, memory_mb, max_pages)
    reports, sources, failures, every = _read_all(files, password, limits)
    checked = {r.document.path: checked_tables(r) for r in reports}
    if fmt is CheckFormat.json:
        text = reports_to_json(every, checked) + "\n"
    elif fmt is CheckFormat.markdown:
        text = "\n".join(report_to_markdown(r) for r in reports)
    elif fmt is CheckFormat.html:
        from svodka.export.html import reports_to_html

        text = reports_to_html(reports, sources=sources, password=password, unreadable=failures)
    elif quiet:
        text = ""
    else:
        text = _findings_text(reports, checked, to_file=out is not None)
    if out is not None:
        write_text_atomic(out, text)
    else:
        sys.stdout.write(text)
    raise typer.Exit(_check_exit(reports, failures, checked, _fail_on(fail_on)))


def _read_all(files: list[Path], password: str | None, limits: Limits
              ) -> tuple[list[Report], list[Path], list[str], list[Report]]:
    """Reports and their sources; for the files that cannot be read, one line each on
    stderr; and every file's contract document in order (status failure for those)."""
    from svodka.api import failure_report, read
    from svodka.schemas import SvodkaError

    reports: list[Report] = []
    sources: list[Path] = []
    failures: list[str] = []
    every: list[Report] = []
    for f in files:
        try:
            reports.append(read(f, password=password, limits=limits))
            sources.append(f)
            every.append(reports[-1])
        except SvodkaError as exc:
            typer.echo(exc.one_line(), err=True)
            failures.append(exc.one_line())
            every.append(failure_report(f, exc.code, exc.message, exc.stage))
    return reports, sources, failures, every


def _check_exit(reports: list[Report], failures: list[str], checked: dict[str, list[str]],
                fail_on: set[Severity]) -> int:
    if failures:
        return EXIT_UNREADABLE
    if any(f.severity in fail_on for r in reports for f in r.findings):
        return EXIT_FINDINGS
    if any(not checked[r.document.path] for r in reports):
        return EXIT_NOT_CHECKED
    return EXIT_OK


def _findings_text(reports: list[Report], checked: dict[str, list[str]], to_file: bool) -> str:
    """The findings for people: printed to stdout (returns ""), or returned for a file."""
    buf = io.StringIO()
    console = Console(file=buf, color_system=None, width=120, soft_wrap=True) if to_file \
        else out_console
    for r in reports:
        _print_findings(r, console, checked[r.document.path])
    return buf.getvalue()


def _print_findings(report: Report, console: Console, checked: list[str]) -> None:
    from rich.markup import escape

    from svodka.render import SEVERITY_RU, checks_line, counts_line, grouped
    from svodka.schemas import Severity

    # document text is untrusted: escaped, so "[/]" or "[link=…]" in a title stays text
    console.rule(f"[bold]{escape(report.document.path)}[/]")
    styles = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
    for title, findings in grouped(report).items():
        console.print(f"[bold]{escape(title)}[/]")
        for f in findings:
            console.print(f"  [{styles[f.severity]}]{SEVERITY_RU[f.severity]}[/] "
                          f"[dim]{escape(f.rule)}[/] {escape(f.message)}", highlight=False)
    console.print(counts_line(report.findings))
    console.print(checks_line(report), highlight=False)


@app.command()
def run(
    paths: Annotated[list[Path] | None, typer.Argument(help="Files or folders [default: raw/]")]
    = None,
    out: Annotated[Path, typer.Option("--out", help="Output folder.")] = Path("out"),
    jobs: Annotated[int, typer.Option("--jobs", min=1, help="Worker processes.")] = 1,
    force: Annotated[bool, typer.Option("--force", help="Redo unchanged files too.")] = False,
    csv_dialect: Annotated[str, typer.Option("--csv-dialect",
                                             help="default (',' and '.') or excel-ru")]
    = "default",
    password: Annotated[str | None, typer.Option(help="Password for encrypted PDFs.")] = None,
    db: Annotated[str | None, typer.Option(
        "--db", metavar="URL",
        help="Store: postgresql://user@host/db or a DuckDB file (default: OUT/svodka.duckdb)")]
    = None,
    timeout: TimeoutOption = DEFAULT_TIMEOUT,
    memory_mb: MemoryOption = DEFAULT_MEMORY_MB,
    max_pages: MaxPagesOption = DEFAULT_MAX_PAGES,
    quiet: Annotated[bool, typer.Option(
        "--quiet", "-q", help="No progress and no summary: only the failed files, on stderr.")]
    = False,
) -> None:
    """Batch job: every document under PATHS into OUT and into a database.

    Per document: OUT/<name>-<hash>/ with report.json and CSVs.  For the batch: the
    store (DuckDB file OUT/svodka.duckdb or --db), and from it documents.csv, cells.csv,
    findings.csv, failures.csv, cells.parquet, svodka.xlsx (wrong cells highlighted) and
    datapackage.json.

    Example: [bold]svodka run raw/ --out out/ --jobs 2 --db postgresql://svodka@localhost/svodka[/]

    Every batch file is written from the whole store, so it holds every document
    imported into it so far; the files change only when the batch succeeded.

    Exit 0 when every file was read (or there was none), 1 when some failed (listed with
    reasons), 2 when the batch could not run: an input path is missing or the store cannot
    be opened or written (one line on stderr; no output changed).
    """
    from svodka.export.store import StoreError
    from svodka.pipeline import BatchInputError, paths_to_files, run_batch
    from svodka.progress import BatchProgress

    if csv_dialect not in ("default", "excel-ru"):
        raise typer.BadParameter("--csv-dialect: default or excel-ru")

    targets = paths or [Path("raw")]
    progress = contextlib.nullcontext(_failures_to_stderr) if quiet \
        else BatchProgress(out_console, len(paths_to_files(targets)))
    try:
        with progress as on_outcome:
            result = run_batch(targets, out, jobs=jobs, force=force, dialect=csv_dialect,
                               password=password, db=db, on_outcome=on_outcome,
                               timeout=timeout or None, memory_mb=memory_mb or None,
                               max_pages=max_pages or None)
    except BatchInputError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(EXIT_UNREADABLE) from exc
    except StoreError as exc:
        reason = " ".join(str(exc).split())  # one line, whatever the driver said
        typer.echo(f"{db or out / 'svodka.duckdb'}: run: E_STORE: {reason}", err=True)
        raise typer.Exit(EXIT_UNREADABLE) from exc
    if result.empty:
        typer.echo(f"{', '.join(map(str, targets))}: run: нет файлов PDF, PPTX, DOCX или XLSX; "
                   "ничего не изменено", err=True)
        raise typer.Exit(EXIT_OK)
    if not quiet:
        _print_batch_summary(result, out)
    raise typer.Exit(EXIT_OK if result.ok else EXIT_FINDINGS)


def _failures_to_stderr(o: Outcome) -> None:
    """``--quiet``: only the files that failed, one line each (``FILE: run: CODE: reason``)."""
    if o.status == "failed":
        typer.echo(f"{o.path}: run: {o.reason}", err=True)


def _print_batch_summary(result: BatchResult, out: Path) -> None:
    from svodka.progress import failures_table, summary_table

    out_console.print(summary_table(result))
    failures = failures_table(result)
    if failures is not None:
        out_console.print(failures)
    out_console.print(f"Итого: обработано {result.count('done')}, пропущено "
                      f"{result.count('skipped')}, дубликатов {result.count('duplicate')}, "
                      f"с ошибкой {result.count('failed')}; "
                      f"выводы в {out}/", highlight=False)


@app.command()
def serve(
    host: Annotated[str, typer.Option(
        help="Address to listen on; beyond this computer (not 127.0.0.1/localhost) a token "
        "is required.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port.")] = 8000,
    out: Annotated[Path, typer.Option("--out", help="Folder for uploads, reports and the store.")]
    = Path("out"),
    db: Annotated[str | None, typer.Option(
        "--db", metavar="URL",
        help="Store: postgresql://user@host/db or a DuckDB file (default: OUT/svodka.duckdb)")]
    = None,
    token: Annotated[str | None, typer.Option(
        "--token", envvar="SVODKA_TOKEN", show_envvar=True,
        help="Access token every request must carry (required beyond localhost).")] = None,
    max_upload_mb: Annotated[float, typer.Option(
        "--max-upload-mb", min=0, help="Largest upload in MiB (0: no limit).")] = 100,
    timeout: TimeoutOption = DEFAULT_TIMEOUT,
    memory_mb: MemoryOption = DEFAULT_MEMORY_MB,
    max_pages: MaxPagesOption = DEFAULT_MAX_PAGES,
) -> None:
    """Web page for QA and the data officer, with a JSON API.

    Example: [bold]svodka serve --out out/[/], then open http://127.0.0.1:8000/

    [bold]/[/] checks uploaded reports (the QA report, XLSX/JSON/CSV downloads);
    [bold]/documents[/] lists the store; [bold]POST /api/check[/], [bold]GET /api/documents[/],
    [bold]GET /healthz[/] for programs (README, "Web page").  Each upload is read under the
    LIMITS, kept as OUT/uploads/<sha256>.<ext> and put into the store.

    Exit 2 when it cannot start: a --host beyond this computer without --token.
    """
    from svodka.web import Settings, TokenRequired, check_exposure
    from svodka.web import serve as run_server

    try:
        check_exposure(host, token)
    except TokenRequired as exc:
        typer.echo(f"svodka serve: E_TOKEN: {exc}", err=True)
        raise typer.Exit(EXIT_UNREADABLE) from exc
    settings = Settings(out=out, db=db, host=host, token=token, max_upload_mb=max_upload_mb,
                        limits=_limits(timeout, memory_mb, max_pages))
    shown = f"[{host}]" if ":" in host else host
    out_console.print(f"svodka: http://{shown}:{port}/ — страница проверки; "
                      f"данные в {out}/ (Ctrl+C — остановить)", highlight=False)
    run_server(settings, port)


@app.command()
def schema(
    out: Annotated[Path | None, typer.Option("--out", help="Where to write.")] = None,
) -> None:
    """Write the JSON Schema of the report contract (default: schemas/report.schema.json)."""
    from svodka.export import write_text_atomic

    target = out or default_schema_path()
    write_text_atomic(target, schema_text())
    out_console.print(f"JSON Schema записана: {target}")


def default_schema_path() -> Path:
    from svodka import schemas

    return Path(schemas.__file__).parent / "report.schema.json"


def schema_text() -> str:
    from svodka.schemas import Report

    return json.dumps(Report.model_json_schema(mode="serialization"), ensure_ascii=False,
                      indent=2) + "\n"
