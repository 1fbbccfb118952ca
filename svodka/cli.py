"""The ``svodka`` command: a thin layer over the Python API (see README for exit codes)."""

from __future__ import annotations

import io
import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table as RichTable

from export import report_to_json, write_text_atomic
from export.store import StoreError
from schemas import Report, Severity, SvodkaError
from schemas.limits import DEFAULT_MAX_PAGES, Limits
from svodka import __version__
from svodka.api import read
from svodka.pipeline import paths_to_files, run_batch
from svodka.progress import BatchProgress, failures_table, summary_table
from svodka.render import SEVERITY_RU, counts_line, grouped, report_to_markdown, reports_to_json
from svodka.workers import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT

EXIT_OK, EXIT_FINDINGS, EXIT_UNREADABLE = 0, 1, 2

app = typer.Typer(
    help="svodka: отчёты ЦКР (PPTX, PDF, DOCX, XLSX) → проверенные таблицы.\n\n"
    "Reads Russian public-sector reports into typed, checked tables.",
    no_args_is_help=True,
    rich_markup_mode="rich",
)
out_console = Console()


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
        print(f"svodka {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Show the version and exit.")] = False,
) -> None:
    """svodka — отчёты ЦКР в проверенные таблицы."""


def _read_or_exit(path: Path, password: str | None, limits: Limits) -> Report:
    try:
        return read(path, password=password, limits=limits)
    except SvodkaError as exc:
        typer.echo(exc.one_line(), err=True)
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

    Exit 0 when the file was read, 2 when it could not be read (one line on stderr).
    """
    report = _read_or_exit(file, password, _limits(timeout, memory_mb, max_pages))
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
    timeout: TimeoutOption = DEFAULT_TIMEOUT,
    memory_mb: MemoryOption = DEFAULT_MEMORY_MB,
    max_pages: MaxPagesOption = DEFAULT_MAX_PAGES,
) -> None:
    """Check the arithmetic of reports and list every finding.

    Example: [bold]svodka check raw/smolensk-2017-deck.pdf --format markdown[/]

    For QA: [bold]svodka check raw/*.pdf --format html --out проверка.html[/] writes one
    self-contained page (no network) with every table as the document has it, the wrong
    cells highlighted with the expected value, and for PDFs a picture of each wrong cell.

    Exit 0: no errors; 1: arithmetic errors found; 2: a file could not be read.
    """
    reports: list[Report] = []
    sources: list[Path] = []
    failures: list[str] = []
    limits = _limits(timeout, memory_mb, max_pages)
    for f in files:
        try:
            reports.append(read(f, password=password, limits=limits))
            sources.append(f)
        except SvodkaError as exc:
            typer.echo(exc.one_line(), err=True)
            failures.append(exc.one_line())
    if fmt is CheckFormat.json:
        text = reports_to_json(reports) + "\n"
    elif fmt is CheckFormat.markdown:
        text = "\n".join(report_to_markdown(r) for r in reports)
    elif fmt is CheckFormat.html:
        from export.html import reports_to_html

        text = reports_to_html(reports, sources=sources, password=password, unreadable=failures)
    elif out is not None:
        buf = io.StringIO()
        console = Console(file=buf, color_system=None, width=120)
        for r in reports:
            _print_findings(r, console)
        text = buf.getvalue()
    else:
        text = ""
        for r in reports:
            _print_findings(r, out_console)
    if out is not None:
        write_text_atomic(out, text)
    else:
        sys.stdout.write(text)
    if failures:
        raise typer.Exit(EXIT_UNREADABLE)
    has_errors = any(f.severity is Severity.ERROR for r in reports for f in r.findings)
    raise typer.Exit(EXIT_FINDINGS if has_errors else EXIT_OK)


def _print_findings(report: Report, console: Console) -> None:
    # document text is untrusted: escaped, so "[/]" or "[link=…]" in a title stays text
    console.rule(f"[bold]{escape(report.document.path)}[/]")
    styles = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
    for title, findings in grouped(report).items():
        console.print(f"[bold]{escape(title)}[/]")
        for f in findings:
            console.print(f"  [{styles[f.severity]}]{SEVERITY_RU[f.severity]}[/] "
                          f"[dim]{escape(f.rule)}[/] {escape(f.message)}", highlight=False)
    console.print(counts_line(report.findings))


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
) -> None:
    """Batch job: every document under PATHS into OUT and into a database.

    Per document: OUT/<name>-<hash>/ with report.json and CSVs.  For the batch:
    cells.csv, findings.csv, cells.parquet, svodka.xlsx (wrong cells highlighted),
    datapackage.json, and the store (DuckDB file OUT/svodka.duckdb or --db).

    Example: [bold]svodka run raw/ --out out/ --jobs 2 --db postgresql://svodka@localhost/svodka[/]

    Exit 0 when every file was read, 1 when some failed (listed with reasons)
    or the database could not be written.
    """
    if csv_dialect not in ("default", "excel-ru"):
        raise typer.BadParameter("--csv-dialect: default or excel-ru")

    targets = paths or [Path("raw")]
    try:
        with BatchProgress(out_console, len(paths_to_files(targets))) as progress:
            result = run_batch(targets, out, jobs=jobs, force=force, dialect=csv_dialect,
                               password=password, db=db, on_outcome=progress,
                               timeout=timeout or None, memory_mb=memory_mb or None,
                               max_pages=max_pages or None)
    except StoreError as exc:
        typer.echo(f"база данных: {exc}", err=True)
        raise typer.Exit(EXIT_FINDINGS) from exc
    out_console.print(summary_table(result))
    failures = failures_table(result)
    if failures is not None:
        out_console.print(failures)
    out_console.print(f"Итого: обработано {result.count('done')}, пропущено "
                      f"{result.count('skipped')}, дубликатов {result.count('duplicate')}, "
                      f"с ошибкой {result.count('failed')}; "
                      f"выводы в {out}/", highlight=False)
    raise typer.Exit(EXIT_OK if result.ok else EXIT_FINDINGS)


@app.command()
def schema(
    out: Annotated[Path | None, typer.Option("--out", help="Where to write.")] = None,
) -> None:
    """Write the JSON Schema of the report contract (default: schemas/report.schema.json)."""
    target = out or default_schema_path()
    write_text_atomic(target, schema_text())
    out_console.print(f"JSON Schema записана: {target}")


def default_schema_path() -> Path:
    import schemas

    return Path(schemas.__file__).parent / "report.schema.json"


def schema_text() -> str:
    return json.dumps(Report.model_json_schema(mode="serialization"), ensure_ascii=False,
                      indent=2) + "\n"
