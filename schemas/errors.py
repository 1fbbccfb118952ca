"""The few exceptions svodka raises, each with a stable code (documented in README)."""

from __future__ import annotations


class SvodkaError(Exception):
    """A file svodka cannot read.  ``code`` is stable (E_NOT_PDF, E_ENCRYPTED, …)."""

    code = "E_UNREADABLE"

    def __init__(self, path: str, message: str, *, code: str | None = None, stage: str = "extract"):
        super().__init__(f"{path}: [{code or self.code}] {message}")
        self.path = path
        self.message = message
        self.stage = stage
        if code is not None:
            self.code = code

    def one_line(self) -> str:
        return f"{self.path}: {self.stage}: {self.code}: {self.message}"
