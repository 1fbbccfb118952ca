"""What `svodka run` shows a person: a progress bar with counts, then a summary table."""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from svodka.pipeline import BatchResult, Outcome

MARKS = {"done": "[green]готово[/]", "skipped": "[dim]пропущен[/]", "failed": "[red]ошибка[/]",
         "duplicate": "[dim]дубликат[/]"}


class BatchProgress:
    """Progress bar: current file and counts done / skipped / failed / findings."""

    def __init__(self, console: Console, total: int) -> None:
        self.console = console
        self.counts = {"done": 0, "skipped": 0, "duplicate": 0, "failed": 0}
        self.findings = 0
        self.progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[counts]}"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        self.task = self.progress.add_task("svodka run", total=total, counts=self._counts())

    def _counts(self) -> str:
        c = self.counts
        return (f"готово {c['done']} · пропущено {c['skipped']} · дубликатов {c['duplicate']}"
                f" · ошибок {c['failed']} · находок {self.findings}")

    def __enter__(self) -> BatchProgress:
        self.progress.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.progress.stop()

    def __call__(self, o: Outcome) -> None:
        self.counts[o.status] += 1
        self.findings += o.errors + o.warnings
        extra = f" — {escape(o.reason)}" if o.reason else f" (ошибок: {o.errors})"
        # one line per file, never wrapped inside a path: it stays findable and copyable
        self.progress.console.print(f"{MARKS[o.status]} {escape(o.path)}{extra}",
                                    highlight=False, soft_wrap=True)
        name = o.path if len(o.path) <= 40 else "…" + o.path[-39:]
        self.progress.update(self.task, advance=1, description=escape(name),
                             counts=self._counts())


def summary_table(result: BatchResult) -> Table:
    table = Table(title="Итоги пакета", show_lines=False)
    for column in ("состояние", "файлов", "ошибок в отчётах", "предупреждений"):
        table.add_column(column, justify="right" if column != "состояние" else "left")
    for status, word in (("done", "обработано"), ("skipped", "пропущено (без изменений)"),
                         ("duplicate", "дубликаты (то же содержимое)"), ("failed", "не прочитано")):
        group = [o for o in result.outcomes if o.status == status]
        table.add_row(word, str(len(group)), str(sum(o.errors for o in group)),
                      str(sum(o.warnings for o in group)))
    return table


def failures_table(result: BatchResult) -> Table | None:
    failed = [o for o in result.outcomes if o.status == "failed"]
    if not failed:
        return None
    table = Table(title="Не прочитаны", show_lines=False)
    table.add_column("файл")
    table.add_column("причина")
    for o in failed:
        table.add_row(escape(o.path), escape(o.reason or ""))
    return table
