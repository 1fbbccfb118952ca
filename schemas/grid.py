"""What extractors produce: physical tables as found, before any interpretation.

A ``Grid`` is one table on one page or slide (a table continued over pages is
several grids; the normaliser joins them).  It is rectangular: a merged cell is
repeated in every position it covers, with ``origin`` pointing at its top-left
position, so a header path can be read straight down a column.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

BBox = tuple[float, float, float, float]
"""x0, top, x1, bottom in points, origin at the page's top-left corner."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


class GridCell(_Model):
    text: str = Field(description="cell text as printed; wrapped lines joined with '\\n'")
    page: int = Field(ge=1, description="1-based page or slide")
    bbox: BBox | None = None
    origin: tuple[int, int] | None = Field(
        default=None, description="(row, col) of the merged cell this position repeats"
    )
    confidence: float | None = Field(
        default=None, ge=0.0, le=1.0, description="OCR confidence of the text, 0..1 (None: not OCR)"
    )


class Grid(_Model):
    page: int = Field(ge=1)
    bbox: BBox | None = None
    engine: str = Field(description="pptx | docx | xlsx | pdf-ruled | pdf-words …")
    quality: float = Field(default=1.0, ge=0.0, le=1.0)
    rows: list[list[GridCell]]
    context: list[str] = Field(
        default_factory=list, description="text lines above the table on its page, top to bottom"
    )

    @property
    def n_cols(self) -> int:
        return max((len(r) for r in self.rows), default=0)


class TextLine(_Model):
    page: int = Field(ge=1)
    text: str


class Problem(_Model):
    """Something the extractor could not read, kept so nothing is lost silently."""

    code: str
    message: str
    page: int | None = None


class RawDocument(_Model):
    path: str
    sha256: str
    format: str
    pages: int
    lines: list[TextLine] = Field(default_factory=list, description="text outside tables")
    grids: list[Grid] = Field(default_factory=list)
    problems: list[Problem] = Field(default_factory=list)
