"""Byte-mutation fuzzing of the whole read path (sniff → extract → normalise → validate).

Seeds are real samples (two table pages of the sample deck PDF with uncompressed
streams, the sample PPTX and DOCX) and the small hostile fixtures.  ``mutate`` changes
a seed the way broken files are broken: flipped bytes, cut or repeated chunks, PDF
tokens and huge numbers dropped in, truncation; for a ZIP package it mutates one member
(mostly the XML) and re-zips, so the mutation reaches the Office parsers.

Each input runs in its own process under a time and memory limit
(``svodka.workers.run_limited``).  The verdict for an input is one of

* ``ok``: read, or refused with a ``SvodkaError`` (a stable code) — the contract;
* ``E_TIMEOUT`` / ``E_MEMORY``: hit a limit — reported, not a bug for big inputs, but
  a small mutated seed should not hang, so the harness counts them;
* ``CRASH``: any other exception, or a dead worker — a bug; the input is saved.

The short run is ``tests/fuzz/test_fuzz.py`` (in the suite); the longer run is
``tools/fuzz.py``.
"""

from __future__ import annotations

import hashlib
import io
import random
import tempfile
import traceback
import zipfile
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pikepdf

from svodka.schemas import SvodkaError
from svodka.workers import Failure, Limits, run_limited

ROOT = Path(__file__).resolve().parents[2]
RAW = ROOT / "raw"
CRASHES = ROOT / "tests" / "data" / "hostile" / "fuzz"

PDF_TOKENS = [
    b"obj", b"endobj", b"stream", b"endstream", b"xref", b"trailer", b"startxref", b"%%EOF",
    b"/Length 999999999", b"/Length -1", b"/Filter /FlateDecode", b"/Type /Page", b"/Kids [",
    b"<<", b">>", b"[", b"]", b"(", b")", b"\\", b"9999999999999999999", b"-0.0000001",
    b"1e308", b"/Font", b"Tf", b"Tj", b"TJ", b"re f", b"cm", b"BT", b"ET", b"q", b"Q",
    b"/MediaBox [0 0 1e30 1e30]", b"/Rotate 45", b"R", b"0 0 R", b"1 0 R",
]
XML_TOKENS = [
    b"<", b">", b"</", b"/>", b'"', b"&amp;", b"&#0;", b"&#xFFFF;",
    b"<!DOCTYPE x [<!ENTITY a 'b'>]>",
    b'gridSpan="9999"', b'rowSpan="-1"', b'vMerge="continue"', b'w="-5"', b"<a:tbl>",
    b"<w:tc>", b"<a:tc>", b"99999999999999999999", b"\xff\xfe", b"\x00", b"=SUM(A1)",
]


@dataclass
class Seed:
    name: str
    suffix: str
    data: bytes


@cache
def seeds() -> tuple[Seed, ...]:
    """The seed inputs, built once per process (the PDF seed from the sample deck)."""
    out: list[Seed] = []
    deck_pdf = RAW / "smolensk-2017-deck.pdf"
    if deck_pdf.is_file():
        out.append(Seed("deck-pages.pdf", ".pdf", _pdf_pages(deck_pdf, [2, 3])))
    for name in ("smolensk-2017-deck.pptx", "smolensk-2017-report.docx"):
        if (RAW / name).is_file():
            out.append(Seed(name, Path(name).suffix, (RAW / name).read_bytes()))
    from tests.hostile_fixtures import broken_xref_pdf, good_small_pdf

    out.append(Seed("small.pdf", ".pdf", good_small_pdf()))
    out.append(Seed("broken-xref.pdf", ".pdf", broken_xref_pdf()))
    return tuple(out)


def _pdf_pages(path: Path, indexes: Sequence[int]) -> bytes:
    """Some pages of a PDF as a new PDF with uncompressed streams (mutations hit operators)."""
    with pikepdf.open(path) as src:
        dst = pikepdf.new()
        for i in indexes:
            dst.pages.append(src.pages[i])
        buf = io.BytesIO()
        dst.save(
            buf, compress_streams=False,
            stream_decode_level=pikepdf.StreamDecodeLevel.generalized,
            object_stream_mode=pikepdf.ObjectStreamMode.disable, deterministic_id=True,
        )
    return buf.getvalue()


# --------------------------------------------------------------------------- mutation


def mutate(data: bytes, rng: random.Random, tokens: Sequence[bytes] = PDF_TOKENS) -> bytes:
    """One to eight random edits of ``data``."""
    buf = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        if not buf:
            buf += rng.choice(tokens)
            continue
        op = rng.randrange(7)
        i = rng.randrange(len(buf))
        if op == 0:  # flip bits in a few bytes
            for j in range(i, min(len(buf), i + rng.randint(1, 4))):
                buf[j] ^= 1 << rng.randrange(8)
        elif op == 1:  # random bytes
            buf[i : i + rng.randint(1, 16)] = rng.randbytes(rng.randint(1, 16))
        elif op == 2:  # delete a chunk
            del buf[i : i + rng.randint(1, 256)]
        elif op == 3:  # repeat a chunk
            chunk = buf[i : i + rng.randint(1, 256)]
            buf[i:i] = chunk * rng.randint(1, 8)
        elif op == 4:  # insert a token
            buf[i:i] = b" " + rng.choice(tokens) + b" "
        elif op == 5:  # replace a number by a huge or odd one
            buf[i : i + rng.randint(1, 6)] = rng.choice([b"4294967296", b"-1", b"0", b"1e400"])
        else:  # truncate
            del buf[rng.randrange(len(buf) // 2, len(buf) + 1) :]
    return bytes(buf)


def mutate_zip(data: bytes, rng: random.Random) -> bytes:
    """Mutate one member of a ZIP package (XML mostly) and re-zip; sometimes the raw bytes."""
    if rng.random() < 0.15:
        return mutate(data, rng, XML_TOKENS)
    src = zipfile.ZipFile(io.BytesIO(data))
    infos = src.infolist()
    xml = [i for i in infos if i.filename.endswith((".xml", ".rels"))] or infos
    target = rng.choice(xml).filename
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in infos:
            body = src.read(info)
            if info.filename == target:
                body = mutate(body, rng, XML_TOKENS)
            if info.filename == target and rng.random() < 0.1:
                continue  # drop the member instead
            dst.writestr(info, body)
    return out.getvalue()


def mutated(seed: Seed, rng: random.Random) -> bytes:
    if seed.suffix in (".pptx", ".docx", ".xlsx"):
        return mutate_zip(seed.data, rng)
    return mutate(seed.data, rng)


# --------------------------------------------------------------------------- running


@dataclass(frozen=True)
class Case:
    seed: str
    suffix: str
    data: bytes

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.data).hexdigest()[:16]


def read_verdict(case: Case) -> str:
    """Run the whole read path on one input (in a worker process)."""
    from svodka.api import read

    with tempfile.TemporaryDirectory(prefix="svodka-fuzz-") as tmp:
        path = Path(tmp) / f"input{case.suffix}"
        path.write_bytes(case.data)
        try:
            read(path)
        except SvodkaError:
            return "ok"
        except MemoryError:
            raise
        except Exception as exc:  # noqa: BLE001 - this is what the fuzzer looks for
            tb = traceback.format_exc(limit=-6)
            return f"CRASH {type(exc).__name__}: {exc}"[:300] + "\n" + tb
    return "ok"


def _failed(case: Case, failure: Failure) -> str:
    return failure.code if failure.code != "E_CRASH" else f"CRASH {failure.reason}"


@dataclass
class Stats:
    inputs: int = 0
    verdicts: Counter[str] = field(default_factory=Counter)
    crashes: dict[str, tuple[Case, str]] = field(default_factory=dict)  # digest → case, verdict

    def add(self, case: Case, verdict: str) -> None:
        self.inputs += 1
        kind = verdict.split(" ", 1)[0].split(":", 1)[0]
        self.verdicts[kind] += 1
        if kind == "CRASH":
            self.crashes.setdefault(case.digest, (case, verdict))


def run_cases(
    cases: Sequence[Case], *, jobs: int = 2, limits: Limits | None = None,
    stats: Stats | None = None, on_verdict: Callable[[Case, str], None] | None = None,
) -> Stats:
    stats = stats or Stats()
    limits = limits or Limits(timeout=20, memory_mb=1024)
    verdicts = run_limited(cases, read_verdict, _failed, jobs=jobs, limits=limits)
    for case, verdict in zip(cases, verdicts, strict=True):
        stats.add(case, verdict)
        if on_verdict:
            on_verdict(case, verdict)
    return stats


def save_crash(case: Case, verdict: str, folder: Path = CRASHES) -> Path:
    """Keep a crashing input as a regression fixture, with the verdict beside it."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{Path(case.seed).stem}-{case.digest}{case.suffix}"
    path.write_bytes(case.data)
    path.with_suffix(path.suffix + ".txt").write_text(verdict + "\n", encoding="utf-8")
    return path
