"""Helpers shared by the Office extractors (pptx, docx, xlsx).

* ``open_package`` checks an OOXML file as a zip *before* any Office library
  parses it: not a zip, a zip bomb, a package without its main part.
* ``build_rows`` turns placed cells (with row/column spans) into the rectangular
  rows a ``Grid`` needs, repeating a merged cell in every position it covers.
* ``text_lines`` splits text into the non-empty lines ``TextLine`` and
  ``Grid.context`` carry.
"""

from __future__ import annotations

import posixpath
import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar
from xml.etree import ElementTree

from svodka.schemas.errors import SvodkaError
from svodka.schemas.grid import BBox, GridCell, TextLine

MAX_TOTAL_UNCOMPRESSED = 200 * 1024 * 1024
"""Sum of the members' declared uncompressed sizes above which a package is a bomb."""
MAX_RATIO = 100
"""Compression ratio above which a large member is a bomb."""
RATIO_MIN_SIZE = 10 * 1024 * 1024
"""Members smaller than this are never judged by their ratio."""

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
RELS_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
OFFICE_DOCUMENT = "/officeDocument"

T = TypeVar("T")

# --------------------------------------------------------------------------- package checks


def open_package(path: Path, kind: str) -> None:
    """Check that ``path`` is a sane OOXML package; raise ``SvodkaError`` if not.

    ``kind`` ("pptx", "docx", "xlsx") only feeds the messages.  Codes:
    E_NOT_OFFICE (not a zip), E_ZIP_BOMB, E_BROKEN_OFFICE (zip without its parts).
    """
    where = str(path)
    if not zipfile.is_zipfile(path):
        raise SvodkaError(where, _not_zip_reason(path, kind), code="E_NOT_OFFICE")
    try:
        with zipfile.ZipFile(path) as zf:
            check_bomb(where, zf.infolist())
            check_main_part(where, zf, kind)
    except zipfile.BadZipFile as exc:
        raise SvodkaError(where, f"повреждённый ZIP-архив: {exc}", code="E_BROKEN_OFFICE") from exc


def _not_zip_reason(path: Path, kind: str) -> str:
    with path.open("rb") as fh:
        head = fh.read(8)
    if head == OLE_MAGIC:
        return (
            f"не файл Office Open XML ({kind}): составной файл OLE "
            "(старый .doc/.ppt/.xls или документ, защищённый паролем)"
        )
    return f"не файл Office Open XML ({kind}): не ZIP-архив"


def check_bomb(where: str, members: Iterable[zipfile.ZipInfo]) -> None:
    """Refuse packages whose members would inflate beyond the limits.

    zipfile never inflates a member past its declared ``file_size``, so judging
    the declared sizes is enough.
    """
    total = 0
    for info in members:
        total += info.file_size
        if total > MAX_TOTAL_UNCOMPRESSED:
            raise SvodkaError(
                where,
                f"ZIP-бомба: распакованный объём больше {MAX_TOTAL_UNCOMPRESSED >> 20} МБ",
                code="E_ZIP_BOMB",
            )
        if info.file_size > RATIO_MIN_SIZE and info.file_size > MAX_RATIO * info.compress_size:
            raise SvodkaError(
                where,
                f"ZIP-бомба: {info.filename!r} сжат сильнее, чем {MAX_RATIO}:1",
                code="E_ZIP_BOMB",
            )


def check_main_part(where: str, zf: zipfile.ZipFile, kind: str) -> None:
    """The content types, the package relationships and the main part must be present."""
    names = set(zf.namelist())
    for part in ("[Content_Types].xml", "_rels/.rels"):
        if part not in names:
            raise SvodkaError(where, f"в пакете {kind} нет {part}", code="E_BROKEN_OFFICE")
    main = _main_part_name(where, zf.read("_rels/.rels"))
    if main not in names:
        raise SvodkaError(
            where, f"в пакете {kind} нет основной части {main}", code="E_BROKEN_OFFICE"
        )


def _main_part_name(where: str, rels_xml: bytes) -> str:
    try:
        root = ElementTree.fromstring(rels_xml)
    except ElementTree.ParseError as exc:
        raise SvodkaError(where, f"нечитаемый _rels/.rels: {exc}", code="E_BROKEN_OFFICE") from exc
    for rel in root.iter(f"{RELS_NS}Relationship"):
        if rel.get("Type", "").endswith(OFFICE_DOCUMENT) and rel.get("TargetMode") != "External":
            return posixpath.normpath(rel.get("Target", "").lstrip("/"))
    raise SvodkaError(where, "в пакете не указана основная часть документа", code="E_BROKEN_OFFICE")


@contextmanager
def broken_as_error(path: Path, kind: str) -> Iterator[None]:
    """Turn any library failure while reading a checked package into E_BROKEN_OFFICE."""
    try:
        yield
    except (SvodkaError, MemoryError):
        raise
    except Exception as exc:  # noqa: BLE001 - library errors are many and undocumented
        message = f"не удалось прочитать {kind}: {type(exc).__name__}: {exc}"
        raise SvodkaError(str(path), message, code="E_BROKEN_OFFICE") from exc


def load_checked(path: Path, kind: str, loader: Callable[[Path], T]) -> T:
    """``open_package`` then ``loader(path)``, library failures mapped to E_BROKEN_OFFICE."""
    open_package(path, kind)
    with broken_as_error(path, kind):
        return loader(path)


# --------------------------------------------------------------------------- text


def text_lines(text: str) -> list[str]:
    """Non-empty lines of ``text`` (paragraphs, line breaks, vertical tabs), kept verbatim."""
    parts = text.replace("\r\n", "\n").replace("\r", "\n").replace("\v", "\n").split("\n")
    return [part for part in parts if part.strip()]


def to_text_lines(text: str, page: int) -> list[TextLine]:
    return [TextLine(page=page, text=line) for line in text_lines(text)]


# --------------------------------------------------------------------------- grids


@dataclass
class Placed:
    """A cell as a document stores it: top-left position, spans, text."""

    row: int
    col: int
    text: str
    page: int
    rowspan: int = 1
    colspan: int = 1
    bbox: BBox | None = None


def build_rows(
    cells: Iterable[Placed], n_rows: int, n_cols: int, page: int
) -> list[list[GridCell]]:
    """Rectangular rows: each merged cell repeated with ``origin`` at its top-left.

    Every position a merge covers, the top-left one included, carries ``origin``;
    unmerged cells have ``origin=None``.  Positions no cell covers are empty.
    A later cell never overwrites one already placed.
    """
    grid: list[list[GridCell | None]] = [[None] * n_cols for _ in range(n_rows)]
    for cell in cells:
        _place(grid, cell)
    return [_fill_row(row, page) for row in grid]


def _fill_row(row: list[GridCell | None], page: int) -> list[GridCell]:
    row_page = next((cell.page for cell in row if cell is not None), page)
    return [cell or GridCell(text="", page=row_page) for cell in row]


def _place(grid: list[list[GridCell | None]], cell: Placed) -> None:
    merged = cell.rowspan > 1 or cell.colspan > 1
    origin = (cell.row, cell.col) if merged else None
    for r in range(cell.row, min(cell.row + cell.rowspan, len(grid))):
        for c in range(cell.col, min(cell.col + cell.colspan, len(grid[r]))):
            if grid[r][c] is None:
                grid[r][c] = GridCell(text=cell.text, page=cell.page, bbox=cell.bbox, origin=origin)
