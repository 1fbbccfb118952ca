"""A raw document to the contract ``Report`` (tables, organisation, region).

raw_to_report = grids_to_pieces -> pieces_to_tables -> document facts
                + findings for what could not be read
"""

from __future__ import annotations

import re
from collections import Counter

from svodka.normalize.numbers import parse_number
from svodka.normalize.tables import grids_to_pieces, pieces_to_tables
from svodka.schemas import (
    Document,
    Finding,
    Grid,
    RawDocument,
    Report,
    Severity,
    Status,
    Table,
    TableKind,
)

ORG_PATTERN = re.compile(
    r"((?:АНО|ГАУ|ГБУ|АО|ООО|ФГБУ|МКУ|ГКУ|НО|Фонд)?\s*[«\"]?\s*"
    r"(?:ЦКР|Центр\s+кластерного\s+развития)[^»\"\n]*[»\"]?)",
)
REGION_PATTERN = re.compile(
    r"((?:(?:[А-ЯЁ][а-яё]+-)*[А-ЯЁ][а-яё-]+(?:ой|ого)\s+(?:области|края"
    r"|автономного\s+округа(?:\s+[–—-]\s+[А-ЯЁ][а-яё]+)?))"
    r"|(?:Республики\s+[А-ЯЁ][а-яё-]+(?:\s+[А-ЯЁ][а-яё-]+)?)"
    r"|(?:г\.\s*(?:Москвы|Санкт-Петербурга|Севастополя)))"
)


def region_to_nominative(genitive: str) -> str:
    """'Тульской области' -> 'Тульская область', 'Пермского края' -> 'Пермский край'."""
    parts = [*re.split(r"\s+([–—-])\s+", genitive.strip(), maxsplit=1), "", ""]
    genitive, dash, appendix = parts[0], parts[1], parts[2]
    words = genitive.split()
    if words[0] == "Республики":
        return " ".join(["Республика", *words[1:]])
    adjective, noun = words[0], " ".join(words[1:])
    if adjective.endswith("ской") or adjective.endswith("цкой") or adjective.endswith("ной"):
        adjective = adjective[:-2] + "ая"
    elif adjective.endswith("ого"):
        stem = adjective[:-3]
        adjective = stem + ("ий" if stem.endswith(("к", "г", "х")) else "ый")
    noun = {"области": "область", "края": "край", "автономного округа": "автономный округ"}.get(
        noun, noun
    )
    if appendix:  # "… автономного округа – Югры" → "… автономный округ – Югра"
        appendix = appendix[:-1] + "а" if appendix.endswith("ы") else appendix
        return f"{adjective} {noun} {dash} {appendix}"
    return f"{adjective} {noun}"


def _organization(texts: list[str]) -> str | None:
    """The first organisation name; a name wrapped over lines inside its quotes
    ("ГАУ «Центр кластерного развития Республики" / "Башкортостан»") is read whole; a
    name in quotes with no legal form before them is given without the quotes."""
    for i, text in enumerate(texts):
        m = ORG_PATTERN.search(text)
        if m:
            org = m.group(1).strip()
            if org.count("«") > org.count("»"):
                org = _close_quote(org, texts[i + 1 : i + 2])
            if org.startswith("«") and org.endswith("»") and org.count("«") == 1:
                org = org[1:-1].strip()  # quotes with no legal form before them add nothing
            return org
    return None


def _close_quote(org: str, following: list[str]) -> str:
    """Append the wrapped rest of a quoted name from the next line, up to its closing
    quote; a name whose quote does not close there gets one."""
    head, quote, _ = following[0].partition("»") if following else ("", "", "")
    if quote and len(head) <= 60:
        return f"{org} {head.strip()}»"
    return org + "»"


def _region(org: str | None, texts: list[str]) -> str | None:
    for text in ([org] if org else []) + texts:
        m = REGION_PATTERN.search(text)
        if m:
            return region_to_nominative(m.group(1))
    return None


def _unreadable_findings(table: Table) -> list[Finding]:
    out = []
    for ri, row in enumerate(table.rows):
        for ci, cell in enumerate(row.cells):
            if cell.status is Status.UNREADABLE:
                out.append(
                    Finding(
                        severity=Severity.WARNING,
                        rule="unreadable",
                        table=table.id,
                        code=row.code,
                        measure=cell.measure,
                        source=cell.source,
                        page=cell.page,
                        row_index=ri,
                        cell_index=ci,
                        message=f"стр. {cell.page}, строка {row.code or row.label[:40]}: "
                        f"не удалось прочитать число «{cell.raw}»",
                    )
                )
    return out


def _duplicate_code_findings(table: Table) -> list[Finding]:
    if table.kind is TableKind.OTHER:  # forms like 0503317 repeat line codes by design
        return []
    counts = Counter(r.code for r in table.rows if r.code)
    return [
        Finding(
            severity=Severity.WARNING,
            rule="duplicate_code",
            table=table.id,
            code=code,
            message=f"код строки {code} встречается {n} раза в таблице {table.id}",
        )
        for code, n in counts.items()
        if n > 1
    ]


def _other_table_finding(table: Table) -> list[Finding]:
    """Say plainly when a table's header is not a known form: its arithmetic is not checked."""
    if table.kind is not TableKind.OTHER:
        return []
    return [
        Finding(
            severity=Severity.INFO,
            rule="header_not_recognised",
            table=table.id,
            page=table.pages[0] if table.pages else None,
            message=f"стр. {', '.join(map(str, table.pages))}: заголовок таблицы {table.id} не "
            "распознан как форма отчёта ЦКР (нет граф Всего/ФБ/РБ): значения сохранены "
            "с путями заголовков; проверяется только то, что таблица указывает сама "
            "(строки итогов, подстроки по номерам, формулы строки нумерации граф)",
        )
    ]


def _doubt_findings(table: Table) -> list[Finding]:
    """What was guessed about the table's structure, said as warnings (``Table.doubts``)."""
    return [
        Finding(severity=Severity.WARNING, rule=d.reason, table=table.id,
                page=d.pages[0] if d.pages else None, message=f"{table.id}: {d.message}")
        for d in table.doubts
    ]


def _problem_findings(raw: RawDocument) -> list[Finding]:
    return [
        Finding(
            severity=Severity.ERROR if p.code.startswith("E_") else Severity.INFO,
            rule=p.code,
            page=p.page,
            message=p.message,
        )
        for p in raw.problems
    ]


def _status(raw: RawDocument, tables: list[Table]) -> str:
    if any(p.code.startswith("E_") for p in raw.problems):
        return "partial" if tables else "failure"
    return "success"


def _blank_table_finding(table: Table) -> Finding:
    pages = ", ".join(map(str, table.pages))
    return Finding(
        severity=Severity.INFO,
        rule="blank_table",
        page=table.pages[0] if table.pages else None,
        message=f"стр. {pages}: таблица «{table.title or 'без заголовка'}» не содержит значений "
        "(незаполненная форма) и пропущена",
    )


def _drop_blank(tables: list[Table]) -> tuple[list[Table], list[Finding]]:
    """Tables with no value at all (blank forms) are left out, each with an info finding."""
    kept: list[Table] = []
    findings: list[Finding] = []
    for table in tables:
        if any(c.status is not Status.EMPTY for r in table.rows for c in r.cells):
            kept.append(table.model_copy(update={"id": f"t{len(kept) + 1}"}))
        else:
            findings.append(_blank_table_finding(table))
    return kept, findings


def _has_figures(grid: Grid) -> bool:
    return any(parse_number(c.text).status is Status.NUMBER for row in grid.rows for c in row)


def _unread_grid_finding(raw: RawDocument, tables: list[Table]) -> list[Finding]:
    """Never a silent empty result: pages whose grids hold figures but gave no table."""
    read = {p for t in tables for p in t.pages}
    pages = sorted({g.page for g in raw.grids if g.page not in read and _has_figures(g)})
    if not pages:
        return []
    where = ", ".join(map(str, pages))
    return [Finding(
        severity=Severity.WARNING, rule="table_not_read", page=pages[0],
        message=f"стр. {where}: таблица с числами найдена, но не прочитана (не удалось "
        "отделить заголовок от строк): её значений нет в результате",
    )]


def raw_to_report(raw: RawDocument) -> Report:
    tables, blank = _drop_blank(pieces_to_tables(grids_to_pieces(raw.grids)))
    texts = [ln.text for ln in raw.lines] + [c for g in raw.grids for c in g.context]
    org = _organization(texts)
    document = Document(
        path=raw.path,
        sha256=raw.sha256,
        format=raw.format,
        pages=raw.pages,
        organization=org,
        region=_region(org, texts),
    )
    findings = _problem_findings(raw) + blank + _unread_grid_finding(raw, tables)
    for table in tables:
        findings += _other_table_finding(table) + _doubt_findings(table)
        findings += _unreadable_findings(table) + _duplicate_code_findings(table)
    return Report(document=document, status=_status(raw, tables), tables=tables, findings=findings)


__all__ = ["raw_to_report", "region_to_nominative"]
