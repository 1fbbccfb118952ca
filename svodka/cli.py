"""The ``svodka`` command: a thin layer over the Python API (see README for exit codes)."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table as RichTable

from export import report_to_json, write_text_atomic
from schemas import Report, Severity, SvodkaError
from svodka import __version__
from svodka.api import read
from svodka.pipeline import Outcome, run_batch
from svodka.render import SEVERITY_RU, counts_line, grouped, report_to_markdown, reports_to_json

EXIT_OK, EXIT_FINDINGS, EXIT_UNREADABLE = 0, 1, 2

app = typer.Typer(
    help="svodka: отчёты ЦКР (PPTX, PDF, DOCX, XLSX) → проверенные таблицы.\n\n"
    "Reads Russian public-sector reports into typed, checked tables.",
    no_args_is_help=True,
    rich_markup_mode="rich",
)
out_console = Console()
err_console = Console(stderr=True)


class CheckFormat(StrEnum):
    text = "text"
    json = "json"
    markdown = "markdown"


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


def _read_or_exit(path: Path, password: str | None) -> Report:
    try:
        return read(path, password=password)
    except SvodkaError as exc:
        err_console.print(exc.one_line(), markup=False, highlight=False)
        raise typer.Exit(EXIT_UNREADABLE) from exc


@app.command()
def extract(
    file: Annotated[Path, typer.Argument(help="PDF, PPTX, DOCX or XLSX file.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the contract JSON.")] = False,
    password: Annotated[str | None, typer.Option(help="Password of an encrypted PDF.")] = None,
) -> None:
    """Extract every table of FILE.

    Example: [bold]svodka extract raw/smolensk-2017-deck.pdf --json > report.json[/]

    Exit 0 when the file was read, 2 when it could not be read (one line on stderr).
    """
    report = _read_or_exit(file, password)
    if as_json:
        sys.stdout.write(report_to_json(report))
    else:
        _print_tables(report)
    if report.status == "failure":
        for f in report.findings:
            if f.severity is Severity.ERROR:
                err_console.print(f"{file}: extract: {f.rule}: {f.message}", markup=False)
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
    password: Annotated[str | None, typer.Option(help="Password of an encrypted PDF.")] = None,
) -> None:
    """Check the arithmetic of reports and list every finding.

    Example: [bold]svodka check raw/smolensk-2017-deck.pdf --format markdown[/]

    Exit 0: no errors; 1: arithmetic errors found; 2: a file could not be read.
    """
    reports, unreadable = [], False
    for f in files:
        try:
            reports.append(read(f, password=password))
        except SvodkaError as exc:
            err_console.print(exc.one_line(), markup=False, highlight=False)
            unreadable = True
    if fmt is CheckFormat.json:
        sys.stdout.write(reports_to_json(reports) + "\n")
    elif fmt is CheckFormat.markdown:
        sys.stdout.write("\n".join(report_to_markdown(r) for r in reports))
    else:
        for r in reports:
            _print_findings(r)
    if unreadable:
        raise typer.Exit(EXIT_UNREADABLE)
    has_errors = any(f.severity is Severity.ERROR for r in reports for f in r.findings)
    raise typer.Exit(EXIT_FINDINGS if has_errors else EXIT_OK)


def _print_findings(report: Report) -> None:
    out_console.rule(f"[bold]{report.document.path}[/]")
    styles = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
    for title, findings in grouped(report).items():
        out_console.print(f"[bold]{title}[/]")
        for f in findings:
            out_console.print(f"  [{styles[f.severity]}]{SEVERITY_RU[f.severity]}[/] "
                              f"[dim]{f.rule}[/] {f.message}", highlight=False)
    out_console.print(counts_line(report.findings))


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
) -> None:
    """Batch job: every document under PATHS into OUT (report.json, CSVs per document and batch).

    Example: [bold]svodka run raw/ --out out/ --jobs 2[/]

    Exit 0 when every file was read, 1 when some failed (listed with reasons).
    """
    if csv_dialect not in ("default", "excel-ru"):
        raise typer.BadParameter("--csv-dialect: default or excel-ru")

    def show(o: Outcome) -> None:
        mark = {"done": "[green]готово[/]", "skipped": "[dim]пропущен[/]",
                "failed": "[red]ошибка[/]"}[o.status]
        extra = f" — {o.reason}" if o.reason else f" (ошибок: {o.errors})"
        out_console.print(f"{mark} {o.path}{extra}", highlight=False)

    result = run_batch(paths or [Path("raw")], out, jobs=jobs, force=force,
                       dialect=csv_dialect, password=password, on_outcome=show)
    out_console.print(f"Итого: обработано {result.count('done')}, пропущено "
                      f"{result.count('skipped')}, с ошибкой {result.count('failed')}; "
                      f"выводы в {out}/")
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
