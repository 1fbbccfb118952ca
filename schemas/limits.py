"""Limits on one document read: what ``svodka.read``, ``extract``, ``check`` and ``run`` apply.

Two kinds, applied in two places:

* ``timeout`` and ``memory_mb`` bound the process: the read runs in a child process
  (``svodka.workers``) that is stopped past the wall time and cannot map more memory than
  ``memory_mb`` MiB above its start-up size;
* ``max_pages``, ``inflate_mb`` and ``megapixels`` bound the work before it is done: the
  PDF reader (``extract.pdf``) looks at page counts, stream sizes and page sizes first and
  refuses, or scales down, instead of spending the memory and the time.

``None`` (or 0) switches a limit off.  Every limit that trips names itself in the one-line
message (``FILE: STAGE: E_LIMIT: …``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

DEFAULT_TIMEOUT = 120.0
"""Seconds one file may take (extract, normalise, validate; in a batch also its outputs)."""
DEFAULT_MEMORY_MB = 2048
"""Address space one file may take, in MiB, on top of its process's start-up size."""
DEFAULT_MAX_PAGES = 5000
"""Pages a PDF may have."""
DEFAULT_INFLATE_MB = 512
"""MiB the streams of a PDF (content, forms, fonts; not images) may inflate to in total;
also what the images drawn on one page may decode to before that page is rendered."""
DEFAULT_MEGAPIXELS = 40.0
"""Pixels of one rendered page (OCR, QA pictures), in millions: a larger page is rendered
at a lower resolution (a finding says so)."""

MIB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Per-file limits; ``None`` (or 0) means no limit."""

    timeout: float | None = DEFAULT_TIMEOUT
    memory_mb: int | None = DEFAULT_MEMORY_MB
    max_pages: int | None = DEFAULT_MAX_PAGES
    inflate_mb: int | None = DEFAULT_INFLATE_MB
    megapixels: float | None = DEFAULT_MEGAPIXELS

    @property
    def isolated(self) -> bool:
        """A child process is needed: a wall-time or memory limit is set."""
        return bool(self.timeout or self.memory_mb)

    def in_process(self) -> Limits:
        """The limits a reader applies by itself (the process ones already hold, or none)."""
        return replace(self, timeout=None, memory_mb=None)

    @property
    def inflate_bytes(self) -> int | None:
        return self.inflate_mb * MIB if self.inflate_mb else None

    @property
    def max_pixels(self) -> int | None:
        return int(self.megapixels * 1_000_000) if self.megapixels else None


NO_LIMITS = Limits(timeout=None, memory_mb=None, max_pages=None, inflate_mb=None, megapixels=None)
"""Nothing checked, nothing isolated: the read runs in the caller's process as it is."""


def describe_timeout(limits: Limits) -> str:
    return f"превышен лимит времени на файл: {limits.timeout:g} с (--timeout)"


def describe_memory(limits: Limits) -> str:
    return f"превышен лимит памяти на файл: {limits.memory_mb} МБ (--memory-mb)"


__all__ = [
    "DEFAULT_INFLATE_MB",
    "DEFAULT_MAX_PAGES",
    "DEFAULT_MEGAPIXELS",
    "DEFAULT_MEMORY_MB",
    "DEFAULT_TIMEOUT",
    "MIB",
    "NO_LIMITS",
    "Limits",
    "describe_memory",
    "describe_timeout",
]
