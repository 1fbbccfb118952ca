"""Atomic writes: write to a temporary name beside the target, then rename."""

from __future__ import annotations

import contextlib
import filecmp
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO


@contextlib.contextmanager
def atomic_open(path: Path, mode: str = "w", **kwargs: object) -> Iterator[IO[str]]:
    """Open a temporary file beside ``path``; on success it replaces ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    os.chmod(tmp, 0o644 & ~_umask())  # mkstemp makes 0600; outputs are for sharing
    try:
        with open(tmp, mode, **kwargs) as fh:  # type: ignore[call-overload]
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_text_atomic(path: Path, text: str) -> None:
    with atomic_open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write(text)


JOURNAL = ".svodka-commit.json"


class Staging:
    """Several files that replace their old versions together: each is written to a
    temporary name beside its target (``path(target)``); ``commit`` first writes a journal
    of the renames (atomically), then renames, then removes the journal.  A process killed
    during the renames leaves the journal, and ``recover_staging`` (run before anything
    else touches the folder) completes them: the files are the old set or the new set,
    never a truncated file.  A staged file equal to its target leaves the target as it is.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._staged: dict[Path, Path] = {}  # target -> temporary

    def path(self, target: Path) -> Path:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        os.close(fd)
        os.chmod(tmp, 0o644 & ~_umask())
        self._staged[target] = Path(tmp)
        return Path(tmp)

    def commit(self) -> None:
        pairs = []
        for target, tmp in self._staged.items():
            if _same_bytes(tmp, target):
                tmp.unlink()
                continue
            _fsync(tmp)
            pairs.append([str(tmp), str(target)])
        self._staged.clear()
        if not pairs:
            return
        write_text_atomic(self.folder / JOURNAL, json.dumps(pairs, ensure_ascii=False))
        _replace_all(pairs)
        (self.folder / JOURNAL).unlink()

    def discard(self) -> None:
        for tmp in self._staged.values():
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
        self._staged.clear()


def recover_staging(folder: Path) -> bool:
    """Complete the renames of a ``Staging.commit`` that was interrupted; True if there
    was one."""
    journal = folder / JOURNAL
    try:
        pairs = json.loads(journal.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return False
    except ValueError:  # never half written (atomic), but be safe: drop it
        journal.unlink()
        return False
    _replace_all(pairs)
    journal.unlink()
    return True


def _replace_all(pairs: list[list[str]]) -> None:
    for tmp, target in pairs:
        if os.path.exists(tmp):
            os.replace(tmp, target)


def _fsync(path: Path) -> None:
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())


def _same_bytes(a: Path, b: Path) -> bool:
    try:
        return b.is_file() and filecmp.cmp(a, b, shallow=False)
    except OSError:
        return False
