"""Render a report model in a style through the libraries real documents come from.

``render(model, style, out_dir)`` writes one file and returns its path:

- ``pdf-ruled``: reportlab platypus ``Table`` with a full GRID (merged header cells; a table
  continued over pages with or without its header repeated);
- ``pdf-unruled``: reportlab canvas, no lines at all: columns separated by whitespace, numbers
  right-aligned, the unit caption right-aligned above the table;
- ``docx``: python-docx (svodka reads Word natively); a table continued after a break may be a
  second Word table;
- ``pptx``: python-pptx, a table split over slides with the header repeated.

A Word file is also exported to PDF when LibreOffice (``soffice``) is installed
(``docx_to_pdf``).  Fonts are TrueType files with Cyrillic found on the machine (``font_path``).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from .layout import Layout, Line, layouts
from .model import ReportModel
from .styles import Style

FONT_DIRS = (Path("/usr/share/fonts/truetype"), Path("/usr/share/fonts"),
             Path("/usr/local/share/fonts"))
FONT_FILES = {
    "DejaVuSans": ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
    "DejaVuSerif": ("DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf"),
    "LiberationSans": ("LiberationSans-Regular.ttf", "LiberationSans-Bold.ttf"),
    "LiberationSerif": ("LiberationSerif-Regular.ttf", "LiberationSerif-Bold.ttf"),
    "LiberationSansNarrow": ("LiberationSansNarrow-Regular.ttf", "LiberationSansNarrow-Bold.ttf"),
}


def font_path(name: str) -> Path | None:
    for root in FONT_DIRS:
        if root.is_dir():
            found = next(iter(sorted(root.rglob(name))), None)
            if found is not None:
                return found
    return None


def available_fonts() -> list[str]:
    return [f for f, (regular, bold) in FONT_FILES.items()
            if font_path(regular) and font_path(bold)]


def render(model: ReportModel, style: Style, out_dir: Path, stem: str | None = None) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    name = stem or f"synth-{model.seed}-{style.seed}-{style.renderer}"
    if style.renderer == "pdf-ruled":
        from .render_pdf import ruled_pdf

        return ruled_pdf(model, style, layouts(model, style), out_dir / f"{name}.pdf")
    if style.renderer == "pdf-unruled":
        from .render_pdf import unruled_pdf

        return unruled_pdf(model, style, layouts(model, style), out_dir / f"{name}.pdf")
    if style.renderer == "docx":
        from .render_office import word

        return word(model, style, layouts(model, style), out_dir / f"{name}.docx")
    if style.renderer == "pptx":
        from .render_office import deck

        return deck(model, style, layouts(model, style), out_dir / f"{name}.pptx")
    if style.renderer == "docx-pdf":
        from .render_office import word

        source = word(model, style, layouts(model, style), out_dir / f"{name}.docx")
        return docx_to_pdf(source)
    raise ValueError(f"unknown renderer {style.renderer}")


def docx_to_pdf(source: Path) -> Path:
    """The Word file exported by LibreOffice, as real "Word → PDF" reports are."""
    soffice = shutil.which("soffice")
    if soffice is None:
        raise RuntimeError("LibreOffice (soffice) is not installed")
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless",
                        "--convert-to", "pdf", "--outdir", str(source.parent), str(source)],
                       check=True, capture_output=True, timeout=180)
    return source.with_suffix(".pdf")


def has_soffice() -> bool:
    return shutil.which("soffice") is not None


def line_cells(line: Line) -> list[str]:
    return [line.code, line.label, *line.values]


def all_lines(layout: Layout) -> list[Line]:
    return [line for page in layout.pages for line in page]

