"""Text geometry for PDF pages: glyphs, segments, text lines and number shapes.

Everything here works on plain coordinates (points, origin top-left) so the
table engines (``pdf_ruled``, ``pdf_words``) share one notion of "a line of
text" and "a number-shaped string".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from operator import attrgetter
from statistics import median
from typing import Any

from svodka.schemas.numformat import RU, NumberFormat

BLANKS = " \u00a0\u202f\u2009\t"


@dataclass(slots=True, unsafe_hash=True)
class Glyph:
    """One character as placed on the page; never changed once made (a frozen dataclass
    would be the natural type, but it costs five times as much to create, and a page of a
    report holds thousands of glyphs)."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    upright: bool = True
    reads_down: bool = False  # vertical text running top to bottom (turned clockwise)

    @property
    def xc(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def yc(self) -> float:
        return (self.top + self.bottom) / 2


@dataclass(frozen=True)
class Segment:
    """Glyphs on one baseline with no wide gap between them (a phrase or a number).  Its
    box and text are worked out once, when first asked for (the table engines ask often)."""

    glyphs: tuple[Glyph, ...]

    @cached_property
    def x0(self) -> float:
        return min(g.x0 for g in self.glyphs)

    @cached_property
    def x1(self) -> float:
        return max(g.x1 for g in self.glyphs)

    @cached_property
    def top(self) -> float:
        return min(g.top for g in self.glyphs)

    @cached_property
    def bottom(self) -> float:
        return max(g.bottom for g in self.glyphs)

    @cached_property
    def size(self) -> float:
        return max(g.size for g in self.glyphs)

    @cached_property
    def text(self) -> str:
        return glyphs_to_text(self.glyphs)


@dataclass(frozen=True)
class Line:
    """Segments sharing a baseline, left to right (box, size and text cached as in
    ``Segment``)."""

    segments: tuple[Segment, ...]

    @cached_property
    def glyphs(self) -> tuple[Glyph, ...]:
        return tuple(g for s in self.segments for g in s.glyphs)

    @property
    def x0(self) -> float:
        return self.segments[0].x0

    @cached_property
    def x1(self) -> float:
        return max(s.x1 for s in self.segments)

    @cached_property
    def top(self) -> float:
        return min(s.top for s in self.segments)

    @cached_property
    def bottom(self) -> float:
        return max(s.bottom for s in self.segments)

    @cached_property
    def size(self) -> float:
        return median(g.size for g in self.glyphs if g.text.strip())

    @cached_property
    def text(self) -> str:
        return " ".join(s.text for s in self.segments)


def chars_to_glyphs(chars: Iterable[dict[str, Any]]) -> list[Glyph]:
    """pdfplumber ``page.chars`` → glyphs (control characters dropped)."""
    return [
        Glyph(
            text=c["text"],
            x0=float(c["x0"]),
            x1=float(c["x1"]),
            top=float(c["top"]),
            bottom=float(c["bottom"]),
            size=float(c.get("size") or 0.0),
            upright=_upright(c),
            reads_down=_direction(c)[1] < 0,
        )
        for c in chars
        if c["text"] and (c["text"].isprintable() or c["text"] in BLANKS)
    ]


def _direction(char: dict[str, Any]) -> tuple[float, float]:
    """The direction a character's baseline runs on the page (PDF axes, y up), from its
    text matrix; (1, 0) when the matrix is unknown."""
    matrix = char.get("matrix")
    if not matrix or len(matrix) < 2:
        return 1.0, 0.0
    return float(matrix[0]), float(matrix[1])


def _upright(char: dict[str, Any]) -> bool:
    """A character on a horizontal baseline.  pdfminer's own ``upright`` flag is true for
    a matrix turned by 90° too (its test is a·d > 0, and a and d are then rounding noise),
    so the matrix decides: the baseline runs more across than up or down."""
    a, b = _direction(char)
    if abs(a) < abs(b):
        return False
    return bool(char.get("upright", True))


def glyphs_to_baselines(glyphs: Iterable[Glyph]) -> list[list[Glyph]]:
    """Group glyphs into baselines (same bottom within a tolerance), top to bottom."""
    rows: list[list[Glyph]] = []
    last = float("-inf")
    for g in sorted(glyphs, key=_BY_BOTTOM):
        bottom = g.bottom
        if bottom - last <= 1.5 or bottom - last <= 0.2 * g.size:  # sorted: never negative
            rows[-1].append(g)
        else:
            rows.append([g])
        last = bottom
    return [sorted(r, key=_BY_X0) for r in rows]


_BY_BOTTOM = attrgetter("bottom", "x0")
_BY_X0 = attrgetter("x0")


def glyphs_to_text(glyphs: Sequence[Glyph]) -> str:
    """Glyphs of one baseline → text; a visible gap without a space glyph becomes a space."""
    out: list[str] = []
    prev: Glyph | None = None
    for g in sorted(glyphs, key=_BY_X0):
        text = g.text
        if (prev is not None and prev.text not in BLANKS and text not in BLANKS
                and g.x0 - prev.x1 > 0.2 * max(g.size, 1.0)):
            out.append(" ")
        out.append(text)
        prev = g
    return "".join(out).strip(BLANKS)


def glyphs_to_cell_text(glyphs: Sequence[Glyph], width: float | None = None) -> str:
    """Glyphs of one cell → its text, wrapped lines joined with '\\n'.

    With the cell's ``width``, a number wrapped inside a narrow cell ("16 284," over
    "5", "583" over "000") comes back whole (``join_wrapped_number``)."""
    if glyphs and sum(not g.upright for g in glyphs) > len(glyphs) / 2:
        return _rotated_text(glyphs)
    read = [(b, glyphs_to_text(b)) for b in glyphs_to_baselines(glyphs)]
    baselines = [b for b, text in read if text]
    texts = [text for _, text in read if text]
    if width is not None and len(texts) > 1:
        spans = [max(g.x1 for g in b) - min(g.x0 for g in b) for b in baselines]
        joined = join_wrapped_number(texts, spans, width)
        if joined is not None:
            return joined
    return "\n".join(texts)


WRAP_FIT = 0.65
"""A cell's text wrapped when a line plus the next line's first word (and a space) would
take at least this share of the cell's width: the cell's padding eats the rest."""
_DIGITISH = re.compile(r"^[\d\s\u00a0\u202f\u2009,.\-\u2212\u2013()]+$")


def join_wrapped_number(texts: Sequence[str], spans: Sequence[float], width: float,
                        unfinished: bool = False) -> str | None:
    """The one number a cell's lines spell when it was wrapped for want of room, else None.

    Each line but the last must be unfinished (ending with the decimal comma) or have been
    too full to take the next line's first word (``WRAP_FIT``: "814" over "339,5" in a
    wide cell are two values, never glued), every
    line must hold only number characters, and the joined text must be number-shaped.
    The lines are joined with a group space where the break fell at one ("583" + "000" →
    "583 000"), else directly ("16 284," + "5" → "16 284,5").  With ``unfinished`` the
    joined text may still lack its decimals ("34" + "829," of "34 829,2" over three
    lines), as when a row's lines are gathered one by one."""
    if width <= 0 or len(spans) < len(texts) - 1 or not all(_DIGITISH.match(t) for t in texts):
        return None
    for i in range(len(texts) - 1):
        tail = texts[i + 1]
        if texts[i][-1] in RU.decimal_chars or tail[0] in RU.decimal_chars:
            continue  # "24 534," is no number by itself: it goes on below, whatever the room
        word = tail.split()[0] if tail.split() else tail
        per_char = spans[i] / max(1, len(texts[i]))
        if spans[i] + per_char * (len(word) + 1) < WRAP_FIT * width:
            return None
    out = texts[0]
    for tail in texts[1:]:
        glued = out + tail
        spaced = f"{out} {tail}"
        breaks_at_decimal = out[-1] in RU.decimal_chars or tail[0] in RU.decimal_chars
        out = glued if breaks_at_decimal or not _number_so_far(spaced) else spaced
    leading_zero = out[:1] == "0" and out[1:2].isdigit()  # "0" over "23684,8": two rows
    whole = is_number_shaped(out) or (unfinished and _number_so_far(out))
    return out if whole and not leading_zero else None


def _number_so_far(text: str) -> bool:
    """A number, or one whose decimals go on in the next line ("34 829," over "2")."""
    return is_number_shaped(text) or (text[-1:] in RU.decimal_chars
                                      and is_number_shaped(text + "0"))


def _rotated_text(glyphs: Sequence[Glyph]) -> str:
    """Vertical text (rotated header cells) in reading order: text turned anticlockwise
    reads bottom to top, its lines left to right; turned clockwise, top to bottom, its
    lines right to left."""
    down = sum(g.reads_down for g in glyphs) > len(glyphs) / 2
    cols: list[list[Glyph]] = []
    for g in sorted(glyphs, key=lambda g: g.x0, reverse=down):
        if cols and abs(cols[-1][-1].x0 - g.x0) <= 1.5:
            cols[-1].append(g)
        else:
            cols.append([g])
    order = (lambda g: g.top) if down else (lambda g: -g.top)
    texts = (" ".join("".join(g.text for g in sorted(c, key=order)).split()) for c in cols)
    return "\n".join(t for t in texts if t)


def baseline_to_segments(glyphs: Sequence[Glyph], gap: float) -> list[Segment]:
    """Split one baseline wherever the blank space between ink exceeds ``gap`` points."""
    segments: list[list[Glyph]] = []
    last_ink: Glyph | None = None
    for g in glyphs:
        ink = g.text not in BLANKS
        if ink and last_ink is not None and g.x0 - last_ink.x1 > gap:
            segments.append([])
        if not segments:
            segments.append([])
        segments[-1].append(g)
        if ink:
            last_ink = g
    return [Segment(t) for t in map(trim_blanks, segments) if t]


def trim_blanks(glyphs: Sequence[Glyph]) -> tuple[Glyph, ...]:
    """The glyphs from the first ink glyph to the last (blanks at either end dropped)."""
    ink = [i for i, g in enumerate(glyphs) if g.text not in BLANKS]
    return tuple(glyphs[ink[0] : ink[-1] + 1]) if ink else ()


def glyphs_to_lines(glyphs: Iterable[Glyph], gap_factor: float = 0.9) -> list[Line]:
    """Glyphs → text lines split into segments at gaps wider than ``gap_factor`` × font size."""
    lines: list[Line] = []
    for base in glyphs_to_baselines(glyphs):
        sizes = [g.size for g in base if g.text not in BLANKS]
        if not sizes:
            continue
        segs = baseline_to_segments(base, gap_factor * median(sizes))
        if segs:
            lines.append(Line(tuple(segs)))
    return lines


def _number_pattern(fmt: NumberFormat) -> re.Pattern[str]:
    group = f"[{re.escape(fmt.group_chars)}]"
    dec = f"[{re.escape(fmt.decimal_chars)}]"
    minus = f"[{re.escape(fmt.minus_chars)}]"
    foot = f"[{re.escape(fmt.footnote_chars)}]*"
    body = rf"(?:\d{{1,3}}(?:{group}\d{{3}})+|\d+)(?:{dec}\d+)?"
    signed = rf"(?:{minus}\s?)?\(?{body}\)?%?"
    special = "|".join(re.escape(t) for t in (*fmt.not_applicable, *fmt.dash_chars))
    return re.compile(rf"^(?:{signed}|{special}){foot}$")


NUMBER_RE = _number_pattern(RU)


def is_number_shaped(text: str) -> bool:
    """True for a number, a not-applicable mark or a dash as the format declares them."""
    return bool(NUMBER_RE.match(text.strip(BLANKS)))
