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

    def __reduce__(self) -> tuple[object, tuple[str, str, str, str]]:
        """Pickled with its fields (it crosses from a child process to the caller)."""
        return _restore, (self.path, self.message, self.code, self.stage)


def _restore(path: str, message: str, code: str, stage: str) -> SvodkaError:
    return SvodkaError(path, message, code=code, stage=stage)
