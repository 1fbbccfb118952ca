"""Stage 1: documents to physical grids (``schemas.RawDocument``).

``document_to_raw`` sniffs the file's real format from its bytes (not its name)
and hands it to the matching extractor.  Unreadable files raise
``schemas.SvodkaError`` with a stable code.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

from svodka.schemas import RawDocument, SvodkaError
from svodka.schemas.grid import Problem
from svodka.schemas.limits import Limits

SUPPORTED_SUFFIXES = (".pdf", ".pptx", ".docx", ".xlsx")


def sniff_format(path: Path) -> str:
    """Return pdf | pptx | docx | xlsx from the file's bytes, or raise SvodkaError."""
    try:
        with path.open("rb") as fh:
            head = fh.read(1024)
    except OSError as exc:
        reason = f"не удалось открыть файл: {exc.strerror}"
        raise SvodkaError(str(path), reason, code="E_IO") from exc
    if not head:
        raise SvodkaError(str(path), "пустой файл (0 байт)", code="E_EMPTY")
    if b"%PDF-" in head:
        return "pdf"
    if head.startswith(b"PK"):
        return _sniff_zip(path)
    if path.suffix.lower() == ".pdf":
        raise SvodkaError(str(path), "файл назван .pdf, но это не PDF", code="E_NOT_PDF")
    if path.suffix.lower() in (".pptx", ".docx", ".xlsx"):
        raise SvodkaError(str(path), "файл Office, но не ZIP-архив", code="E_NOT_OFFICE")
    raise SvodkaError(str(path), "формат не поддерживается", code="E_UNSUPPORTED")


def _sniff_zip(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
    except (zipfile.BadZipFile, OSError) as exc:
        reason = f"повреждённый ZIP-архив: {exc}"
        raise SvodkaError(str(path), reason, code="E_BROKEN_OFFICE") from exc
    for prefix, fmt in (("ppt/", "pptx"), ("word/", "docx"), ("xl/", "xlsx")):
        if any(n.startswith(prefix) for n in names):
            return fmt
    raise SvodkaError(str(path), "ZIP-архив, но не PPTX/DOCX/XLSX", code="E_UNSUPPORTED")


def document_to_raw(
    path: Path, *, password: str | None = None, limits: Limits | None = None
) -> RawDocument:
    """Read one document into grids and text lines.

    A readable document without any table gets the problem I_NO_TABLES, so an empty
    result is never silent.  ``limits``: the reader's own checks (a PDF's pages, inflated
    stream bytes, rendered pixels; ``schemas.limits``); None: the defaults, ``NO_LIMITS``:
    none.  Time and memory are the caller's to enforce (``svodka.read`` does).
    """
    raw = _read_raw(path, password, limits)
    if not raw.grids and not any(p.code.startswith("E_") for p in raw.problems):
        message = "в документе не найдено ни одной таблицы"
        raw.problems.append(Problem(code="I_NO_TABLES", message=message))
    return raw


def _read_raw(path: Path, password: str | None, limits: Limits | None) -> RawDocument:
    fmt = sniff_format(path)
    if fmt == "pdf":
        from svodka.extract.pdf import pdf_to_raw

        return pdf_to_raw(path, password=password, limits=limits)
    from svodka.extract.office import broken_as_error

    with broken_as_error(path, fmt):  # a library failing past the package checks (fuzz)
        return _office_reader(fmt)(path)


def preload(path: Path) -> None:
    """Import the reader ``path`` will need, judged from its name and first bytes only
    (nothing parsed): a process that forks a child per read pays the import once."""
    try:
        with path.open("rb") as fh:
            head = fh.read(1024)
    except OSError:
        return
    if b"%PDF-" in head:
        from svodka.extract import pdf  # noqa: F401
    elif head.startswith(b"PK") and path.suffix.lower() in (".pptx", ".docx", ".xlsx"):
        _office_reader(path.suffix.lower()[1:])


def _office_reader(fmt: str) -> Callable[[Path], RawDocument]:
    """Import only the library the format needs (python-pptx, python-docx or openpyxl)."""
    if fmt == "pptx":
        from svodka.extract.pptx import pptx_to_raw

        return pptx_to_raw
    if fmt == "docx":
        from svodka.extract.docx import docx_to_raw

        return docx_to_raw
    from svodka.extract.xlsx import xlsx_to_raw

    return xlsx_to_raw


__all__ = ["SUPPORTED_SUFFIXES", "document_to_raw", "preload", "sniff_format"]
