"""Hierarchical row codes ("9", "9.5", "9.5.1") as found in the "N п/п" column.

What counts as a code (``parse_code``):

* one to five parts separated by ``.``, each part ASCII digits;
* an optional trailing dot, possibly after spaces (``"9.2."``, ``"11.3 ."``);
* surrounding whitespace (including NBSP) is ignored;
* every part is 1..99 without a leading zero.  This one rule rejects years
  (``2017``, ``2017.``), dates (``01.02.2018``, ``1.2.2018``, ``12.2018``) and
  zero parts; a report with 100+ items on one level is not expected.

``"1.5"`` is a valid code: in the codes column it is item 5 of section 1, and the
caller decides which column it reads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_LEVELS = 5
MAX_PART = 99
_OPENING_QUOTES = "«\"“„'‘"
_WRAP_AFTER_DOT = re.compile(r"\.[ \t\u00a0]*\n\s*(?=\d)")


@dataclass(frozen=True)
class Code:
    """A parsed row code; ``canonical`` has no trailing dot ("9.5.1")."""

    canonical: str
    parts: tuple[int, ...]

    @property
    def level(self) -> int:
        return len(self.parts)

    @property
    def parent(self) -> str | None:
        if len(self.parts) == 1:
            return None
        return ".".join(str(part) for part in self.parts[:-1])

    @property
    def sort_key(self) -> tuple[int, ...]:
        """Numeric order: 9.9 < 9.10 < 10."""
        return self.parts


def parse_code(text: str) -> Code | None:
    """``" 9.2. "`` → ``Code("9.2", (9, 2))``; anything not shaped like a code → None.

    A code wrapped inside a narrow cell after one of its dots (``"9.12.\\n1."``) is read
    whole."""
    core = _WRAP_AFTER_DOT.sub(".", text.strip())
    if core.endswith("."):
        core = core[:-1].rstrip()
    pieces = core.split(".")
    if not 1 <= len(pieces) <= MAX_LEVELS or not all(_is_part(p) for p in pieces):
        return None
    parts = tuple(int(piece) for piece in pieces)
    return Code(".".join(str(part) for part in parts), parts)


def split_leading_code(text: str, *, allow_lowercase: bool = False) -> tuple[Code | None, str]:
    """Split a code off a label: ``"9.2.1 Обучающий курс"`` → (9.2.1, "Обучающий курс").

    The code must be followed by whitespace and then a letter or an opening quote
    (or by nothing: ``"9.2.1"`` → (9.2.1, "")).  A bare integer without a trailing
    dot is ambiguous with a quantity at the start of text ("2 МСП – участников",
    "4 кв. 2017", "2 субъекта"), so it splits only before a capitalised word that is
    not an all-caps abbreviation, or a quote; ``allow_lowercase=True`` also accepts a
    lowercase word.  Dotted codes ("4.1 количество …", "2. Организация") accept any
    letter.  The label part is returned stripped; without a code the whole text is
    returned stripped.
    """
    stripped = text.strip()
    token, rest = _leading_token(stripped)
    code = parse_code(token) if token else None
    if code is None:
        return None, stripped
    if rest and not rest[0].isspace():
        return None, stripped
    label = rest.strip()
    bare = "." not in token
    if label and not _starts_label(label, bare=bare, allow_lowercase=allow_lowercase):
        return None, stripped
    return code, label


def _is_part(piece: str) -> bool:
    if not (piece.isascii() and piece.isdigit()) or piece.startswith("0"):
        return False
    return int(piece) <= MAX_PART


def _leading_token(text: str) -> tuple[str, str]:
    """The leading run of digits and dots, plus a detached trailing dot ("11.3 .")."""
    end = 0
    while end < len(text) and (text[end] == "." or (text[end].isascii() and text[end].isdigit())):
        end += 1
    token, rest = text[:end], text[end:]
    after_spaces = rest.lstrip()
    if token and not token.endswith(".") and after_spaces.startswith("."):
        dot_rest = after_spaces[1:]
        if not dot_rest or dot_rest[0].isspace():
            return token + ".", dot_rest
    return token, rest


def _starts_label(label: str, *, bare: bool, allow_lowercase: bool) -> bool:
    first = label[0]
    if first in _OPENING_QUOTES:
        return True
    if not first.isalpha():
        return False
    if not bare or (allow_lowercase and first.islower()):
        return True
    word = label.split(maxsplit=1)[0]
    letters = "".join(ch for ch in word if ch.isalpha())
    is_abbreviation = len(letters) >= 2 and letters.isupper()
    return first.isupper() and not is_abbreviation
