"""Findings for people: one line each, in Russian (text, Markdown, JSON)."""

from __future__ import annotations

import json
from collections import Counter

from svodka.schemas import Finding, Report, Severity

SEVERITY_RU = {Severity.ERROR: "ошибка", Severity.WARNING: "предупреждение", Severity.INFO: "инфо"}


def severity_counts(findings: list[Finding]) -> dict[Severity, int]:
    counts = Counter(f.severity for f in findings)
    return {s: counts.get(s, 0) for s in Severity}


def counts_line(findings: list[Finding]) -> str:
    c = severity_counts(findings)
    return (f"ошибок: {c[Severity.ERROR]}, предупреждений: {c[Severity.WARNING]}, "
            f"инфо: {c[Severity.INFO]}")


def checks_line(report: Report) -> str:
    """What the arithmetic verified, so "ошибок: 0" is not read as more than it says."""
    if not report.checks:
        return ("ничего не проверено: ни в одной таблице не найдено соотношений "
                "(итогов, подстрок, формул граф), которые можно проверить")
    equations = sum(c.equations for c in report.checks)
    broken = sum(c.broken for c in report.checks)
    inferred = sum(1 for c in report.checks if not c.declared)
    tail = f", из них найдено по числам: {inferred}" if inferred else ""
    return (f"проверено соотношений: {len(report.checks)} ({equations} равенств, "
            f"не сошлось: {broken}){tail}")


def _title(report: Report, table_id: str | None) -> str:
    for t in report.tables:
        if t.id == table_id:
            return f"{t.id} — {t.title or 'без заголовка'} ({t.year or 'год не указан'})"
    return "документ"


def grouped(report: Report) -> dict[str, list[Finding]]:
    groups: dict[str, list[Finding]] = {}
    for f in report.findings:
        groups.setdefault(_title(report, f.table), []).append(f)
    return groups


def report_to_markdown(report: Report) -> str:
    lines = [f"# {report.document.path}", "", counts_line(report.findings),
             checks_line(report), ""]
    for title, findings in grouped(report).items():
        lines += [f"## {title}", ""]
        lines += [f"- **{SEVERITY_RU[f.severity]}** `{f.rule}`: {f.message}" for f in findings]
        lines.append("")
    return "\n".join(lines)


def reports_to_json(reports: list[Report], checked: dict[str, list[str]] | None = None) -> str:
    """One entry per document: its status, error (a file that could not be read: code,
    stage, reason; else null), the tables whose arithmetic was checked, its findings."""
    docs = [
        {"document": r.document.path, "sha256": r.document.sha256, "status": r.status,
         "error": r.error.model_dump(mode="json") if r.error else None,
         "tables_checked": (checked or {}).get(r.document.path, []),
         "findings": [f.model_dump(mode="json") for f in r.findings],
         "checks": [c.model_dump(mode="json") for c in r.checks]}
        for r in reports
    ]
    return json.dumps(docs, ensure_ascii=False, indent=2)
