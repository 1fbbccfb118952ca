"""Clean row labels and header cells: join wrapped lines, collapse whitespace.

Text is kept as written (quotes, dashes, case); only line breaks and whitespace
change, plus the one decision below.

A hyphen at the end of a line (``"бизнес-\\n"``, ``"органи- \\n"``) is either part
of a compound word (kept: ``бизнес-плана``) or a word split by wrapping (dropped:
``организации``).  The heuristic, first match wins (``head`` is the letters and
digits just before the hyphen, ``tail`` those just after the break):

1. keep when either fragment is empty or not purely Cyrillic (Latin, digits:
   ``IT-компании``, ``Армия-2017``, ``2017-2018``);
2. keep when ``tail`` starts with a capital (``Санкт-Петербург``) or ``head`` is an
   all-caps abbreviation (``МСП-…``);
3. keep when ``head`` is a known first element (``COMPOUND_FIRST``: бизнес, пресс,
   технико, северо …) or ``tail`` is a particle (``какой-либо``);
4. keep when ``head`` looks like the first half of a compound adjective — at least
   6 letters ending in ``ADJECTIVE_ENDINGS`` (научно, финансово, опытно, историко) —
   and ``tail`` has at least 5 letters (so ``ответственно-сти`` still joins);
5. otherwise join (``направле-ний`` → ``направлений``).

Known misses: ``Ростов-на-Дону`` broken after ``Ростов-`` is joined; a word split
right after an adjective-like syllable with a long tail is kept hyphenated.
A line that opens with ``ы``, ``ь`` or ``ъ`` (no Russian word starts so) is the rest
of a word wrapped without a hyphen in a narrow cell: ``"Ненефтегазов\nые"`` →
``Ненефтегазовые``.  A hyphen with a space before it (``кластера -\\n``) is a dash and
stays, followed by a space.  A soft hyphen (U+00AD) at a line end is always dropped.
"""

from __future__ import annotations

HYPHENS = "-\u2010"
SOFT_HYPHEN = "\u00ad"
COMPOUND_FIRST = frozenset(
    {
        "бизнес", "интернет", "пресс", "медиа", "онлайн", "офлайн", "оффлайн", "веб",
        "вице", "экс", "мини", "блиц", "штаб", "дизайн", "шоу", "арт", "фан", "экспресс",
        "технико", "социально", "научно", "военно", "медико", "финансово", "экономико",
        "историко", "северо", "юго", "восточно", "западно", "учебно", "опытно",
        "жилищно", "торгово", "культурно", "нормативно", "материально",
    }
)  # fmt: skip
ADJECTIVE_ENDINGS = ("ьно", "нно", "чно", "вно", "тно", "бно", "рно", "ско", "ико", "ово", "ево")
WORD_REST = "ыьъ"  # no Russian word opens with these: a line opening so ends a word
PARTICLES = frozenset({"либо", "нибудь", "таки"})
_MIN_ADJECTIVE_HEAD = 6
_MIN_ADJECTIVE_TAIL = 5


def clean_label(text: str) -> str:
    """Label text as one line: ``"бизнес-\\nплана  (2\\u00a0МСП)"`` → ``"бизнес-плана (2 МСП)"``."""
    return _join_lines(text)


def clean_header(text: str) -> str:
    """Header cell text as one line, same rules as ``clean_label``.

    A word wrapped without a hyphen (``"Внебюджет\\nные"``) is not rejoined: the
    two pieces are separated by a space, as for any line break.
    """
    return _join_inline_hyphens(_join_lines(text))


def _join_inline_hyphens(text: str) -> str:
    """A hyphen typed inside a header line to break a word by hand ("декларирован-ного")
    goes, by the same rules as a hyphen at a line end."""
    return " ".join(_join_word(w) for w in text.split(" "))


def _join_word(word: str) -> str:
    head, hyphen, tail = word.partition("-")
    if not hyphen or "-" in tail or len(head) < 4 or not tail or _keep_hyphen(head, tail):
        return word
    return head + tail


def _join_lines(text: str) -> str:
    result = ""
    for raw_line in text.splitlines():
        line = " ".join(raw_line.split())
        if line:
            result = _join_pair(result, line) if result else line
    return result


def _join_pair(left: str, right: str) -> str:
    if left.endswith(SOFT_HYPHEN):
        return left[:-1] + right
    if left[-1] in HYPHENS and len(left) >= 2 and not left[-2].isspace():
        if _keep_hyphen(left[:-1], right):
            return left + right
        return left[:-1] + right
    if right[0] in WORD_REST and _is_cyrillic(left[-1]):
        return left + right
    return left + " " + right


def _keep_hyphen(left: str, right: str) -> bool:
    head = _trailing_fragment(left)
    tail = _leading_fragment(right)
    if not (_is_cyrillic(head) and _is_cyrillic(tail)):
        return True
    if tail[0].isupper() or (len(head) >= 2 and head.isupper()):
        return True
    if head.lower() in COMPOUND_FIRST or tail.lower() in PARTICLES:
        return True
    return (
        len(head) >= _MIN_ADJECTIVE_HEAD
        and head.lower().endswith(ADJECTIVE_ENDINGS)
        and len(tail) >= _MIN_ADJECTIVE_TAIL
    )


def _trailing_fragment(text: str) -> str:
    start = len(text)
    while start > 0 and text[start - 1].isalnum():
        start -= 1
    return text[start:]


def _leading_fragment(text: str) -> str:
    end = 0
    while end < len(text) and text[end].isalnum():
        end += 1
    return text[:end]


def _is_cyrillic(word: str) -> bool:
    return bool(word) and all("а" <= ch.lower() <= "я" or ch in "ёЁ" for ch in word)
