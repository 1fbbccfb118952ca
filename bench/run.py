"""Benchmarks for issue 7: svodka against the tools its users would otherwise reach for.

    python bench/run.py              # full run (~10 min on 2 cores) → bench/RESULTS.md
    python bench/run.py --quick      # one run per tool, smaller generated inputs (~2-3 minutes)
    python bench/run.py --profile    # also profile svodka on the corpus PDFs (pyinstrument)
    python bench/run.py --hostile    # only the hostile inputs (issue 13, ~3 minutes): updates
                                     # that section of RESULTS.md and nothing else

Every measurement runs in its own fresh interpreter (``--worker``), so imports, caches and
memory never leak from one tool into the next; the worker reports the seconds of the work
itself (imports excluded, reported apart), its CPU seconds and its peak RSS
(``resource.getrusage``).  Pages/s is the median over ``--runs`` runs, interleaved across
tools so a burst of load on a shared machine does not fall on one tool only.

What is measured, on the same documents in one run:

* the seven text PDFs of ../shared/corpus (64 pages): ``svodka`` end to end (extract +
  normalise + validate + contract JSON), camelot lattice and stream, pdfplumber
  ``extract_tables`` and ``extract_words``, pypdfium2 reading every character with its box;
  the cell F1 of svodka's JSON against the truth files (../shared/tools/score.py);
* growth: svodka on one PDF made by concatenating the corpus PDFs, at several sizes
  (time and peak RSS against pages);
* PPTX and DOCX read natively: slides or pages per second;
* the batch: ``svodka run`` (``run_batch(paths, out, jobs=N, force=True)``) over ≥ 500
  documents with --jobs 1 and 2: documents/s, scaling, peak RSS of the parent and of the
  workers (one process per file), sampled with psutil;
* hostile inputs (issue 13): each kind of ``tests.hostile_fixtures.LIMITS`` through
  ``svodka extract``, ``svodka check`` and ``svodka.read``, each in a fresh process: wall
  time and the peak RSS of the process and the child it reads in (``os.wait4``); and the
  cost of the limits on the corpus text PDFs (``svodka.read`` with the default limits
  against ``limits=NO_LIMITS``, in the caller's process with no check).

Generated inputs and outputs live in bench/.work/ (git-ignored).  Nothing here is asserted
by tests: speed is a measurement, not a test.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"
SCORE = ROOT.parent / "shared" / "tools" / "score.py"
WORK = ROOT / "bench" / ".work"
RESULTS = ROOT / "bench" / "RESULTS.md"
PY = sys.executable

PDF_TOOLS = [
    "svodka",
    "svodka-chars",
    "camelot-lattice",
    "camelot-stream",
    "pdfplumber-tables",
    "pdfplumber-words",
    "pypdfium2-chars",
]


# ----------------------------------------------------------------------------- workers


def _pages(path: Path) -> int:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(path))
    try:
        return len(doc)
    finally:
        doc.close()


UNITS_FILE = WORK / "office-units.json"


def _office_units(path: Path) -> int:
    """Slides of a PPTX; pages of a DOCX as LibreOffice lays it out (``office_units``, done
    by the parent before timing; docProps/app.xml is not trusted: generators leave 1)."""
    import re
    import zipfile

    if path.suffix.lower() == ".docx":
        known = _known_units()
        if str(path.resolve()) in known:
            return int(known[str(path.resolve())])
    with zipfile.ZipFile(path) as z:
        if path.suffix.lower() == ".pptx":
            return sum(
                1 for n in z.namelist() if re.fullmatch(r"ppt/slides/slide\d+\.xml", n)
            )
        try:
            app = z.read("docProps/app.xml").decode("utf-8", "replace")
        except KeyError:
            return 1
    m = re.search(r"<Pages>(\d+)</Pages>", app)
    return int(m.group(1)) if m else 1


@functools.cache
def _known_units() -> dict[str, int]:
    """UNITS_FILE, read once per worker (never inside the timed loop again)."""
    return json.loads(UNITS_FILE.read_text()) if UNITS_FILE.exists() else {}


def office_units(docs: list[Path]) -> None:
    """Page counts of the DOCX files through LibreOffice (cached), for ``_office_units``."""
    known = json.loads(UNITS_FILE.read_text()) if UNITS_FILE.exists() else {}
    soffice = shutil.which("soffice")
    for doc in docs:
        key = str(doc.resolve())
        if doc.suffix.lower() != ".docx" or key in known or soffice is None:
            continue
        outdir = WORK / "docx-pdf"
        subprocess.run([soffice, "--headless", "--convert-to", "pdf", "--outdir", str(outdir),
                        str(doc)], capture_output=True, check=False, timeout=300)
        pdf = outdir / f"{doc.stem}.pdf"
        if pdf.exists():
            known[key] = _pages(pdf)
    UNITS_FILE.write_text(json.dumps(known, indent=1))


def big_docx(source: Path, copies: int, out: Path) -> Path:
    """One DOCX holding ``copies`` times the body of ``source`` (a long annual report)."""
    import copy

    from docx import Document

    if out.exists():
        return out
    doc = Document(str(source))
    body = doc.element.body
    blocks = [el for el in body if not el.tag.endswith("}sectPr")]
    sect = body[-1] if body[-1].tag.endswith("}sectPr") else None
    for _ in range(copies - 1):
        for el in blocks:
            if sect is not None:
                sect.addprevious(copy.deepcopy(el))
            else:
                body.append(copy.deepcopy(el))
    doc.save(str(out))
    return out


def _work_svodka(files: list[Path], json_dir: Path | None) -> int:
    import svodka
    from svodka.export import report_to_json

    units = 0
    for f in files:
        report = svodka.read(f)
        text = report_to_json(report)
        if json_dir is not None:
            (json_dir / f"{f.stem}.json").write_text(text, encoding="utf-8")
        units += _office_units(f) if f.suffix.lower() in (".pptx", ".docx") else _pages(f)
    return units


def _work_svodka_unlimited(files: list[Path]) -> int:
    import svodka
    from svodka.export import report_to_json
    from svodka.schemas.limits import NO_LIMITS

    for f in files:
        report_to_json(svodka.read(f, limits=NO_LIMITS))
    return sum(_pages(f) for f in files)


def _work_svodka_chars(files: list[Path]) -> int:
    """svodka's character reading alone (``pdf_pdfium.file_glyphs``: the fonts' descents,
    every page's glyphs), to set against pypdfium2-chars."""
    from svodka.extract.pdf_pdfium import file_glyphs

    pages = 0
    for f in files:
        pages += sum(1 for _ in file_glyphs(f))
    return pages


def _work_camelot(files: list[Path], flavor: str) -> int:
    import camelot

    pages = 0
    for f in files:
        camelot.read_pdf(str(f), pages="all", flavor=flavor)  # type: ignore[attr-defined]
        pages += _pages(f)
    return pages


def _work_plumber(files: list[Path], what: str) -> int:
    import pdfplumber

    pages = 0
    for f in files:
        with pdfplumber.open(f) as pdf:
            for page in pdf.pages:
                if what == "tables":
                    page.extract_tables()
                else:
                    page.extract_words()
                page.close()
                pages += 1
    return pages


def _work_pdfium(files: list[Path]) -> int:
    import ctypes

    import pypdfium2 as pdfium
    import pypdfium2.raw as c

    pages = 0
    left, right, bottom, top = (ctypes.c_double() for _ in range(4))
    for f in files:
        doc = pdfium.PdfDocument(str(f))
        for i in range(len(doc)):
            page = doc[i]
            tp = page.get_textpage()
            out = []
            for k in range(c.FPDFText_CountChars(tp.raw)):
                c.FPDFText_GetCharBox(tp.raw, k, left, right, bottom, top)
                code = c.FPDFText_GetUnicode(tp.raw, k)
                out.append((code, left.value, right.value, bottom.value, top.value))
            tp.close()
            page.close()
            pages += 1
        doc.close()
    return pages


def _work_profile(files: list[Path], out: Path) -> int:
    from pyinstrument import Profiler

    import svodka
    from svodka.export import report_to_json

    profiler = Profiler(interval=0.001)
    profiler.start()
    pages = 0
    for f in files:
        report = svodka.read(f)
        report_to_json(report)
        pages += report.document.pages
    profiler.stop()
    out.write_text(profiler.output_text(unicode=True, color=False, show_all=False))
    return pages


def _cpu() -> float:
    """CPU seconds of this process and of the children it waited for (a limited read runs
    in a child)."""
    own, children = (resource.getrusage(w) for w in (resource.RUSAGE_SELF,
                                                      resource.RUSAGE_CHILDREN))
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def worker(tool: str, files: list[Path], json_dir: Path | None, profile_out: Path | None) -> None:
    t0 = time.perf_counter()
    if tool in ("svodka", "svodka-nolimits", "office", "profile"):
        import svodka  # noqa: F401
        from svodka import api, export  # noqa: F401
    if tool == "svodka-chars":
        from svodka.extract import pdf_pdfium  # noqa: F401
    if tool == "office":  # the readers load their Office libraries lazily: count it here
        from svodka.extract import (
            docx,  # noqa: F401
            pptx,  # noqa: F401
        )

        _known_units()
    elif tool.startswith("camelot"):
        import camelot  # noqa: F401
    elif tool.startswith("pdfplumber"):
        import pdfplumber  # noqa: F401
    import pypdfium2  # noqa: F401

    imported = time.perf_counter() - t0
    w0, c0 = time.perf_counter(), _cpu()
    if tool in ("svodka", "office"):
        units = _work_svodka(files, json_dir)
    elif tool == "svodka-nolimits":
        units = _work_svodka_unlimited(files)
    elif tool == "svodka-chars":
        units = _work_svodka_chars(files)
    elif tool == "profile":
        assert profile_out is not None
        units = _work_profile(files, profile_out)
    elif tool.startswith("camelot"):
        units = _work_camelot(files, tool.split("-", 1)[1])
    elif tool == "pdfplumber-tables":
        units = _work_plumber(files, "tables")
    elif tool == "pdfplumber-words":
        units = _work_plumber(files, "words")
    elif tool == "pypdfium2-chars":
        units = _work_pdfium(files)
    else:
        raise SystemExit(f"unknown tool {tool}")
    wall, cpu = time.perf_counter() - w0, _cpu() - c0
    rss = max(resource.getrusage(who).ru_maxrss  # the child a limited read runs in too
              for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)) / 1024
    print(json.dumps({"seconds": wall, "cpu": cpu, "import": imported, "units": units,
                      "rss_mb": rss}))


# ----------------------------------------------------------------------------- parent


@dataclass
class Measure:
    tool: str
    label: str
    runs: list[dict[str, float]] = field(default_factory=list)

    @property
    def units(self) -> int:
        return int(self.runs[0]["units"]) if self.runs else 0

    @property
    def seconds(self) -> float:
        return statistics.median(r["seconds"] for r in self.runs)

    @property
    def cpu(self) -> float:
        return statistics.median(r["cpu"] for r in self.runs)

    @property
    def rate(self) -> float:
        return self.units / self.seconds if self.seconds else 0.0

    @property
    def cpu_rate(self) -> float:
        return self.units / self.cpu if self.cpu else 0.0

    @property
    def rss(self) -> float:
        return max(r["rss_mb"] for r in self.runs)

    @property
    def imported(self) -> float:
        return statistics.median(r["import"] for r in self.runs)


def run_worker(
    tool: str, files: list[Path], json_dir: Path | None = None, profile: Path | None = None
) -> dict[str, float]:
    cmd = [PY, str(Path(__file__).resolve()), "--worker", tool]
    if json_dir is not None:
        cmd += ["--json-dir", str(json_dir)]
    if profile is not None:
        cmd += ["--profile-out", str(profile)]
    cmd += ["--files", *map(str, files)]
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=env, check=False)
    lines = [x for x in proc.stdout.splitlines() if x.startswith("{")]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"{tool} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    result: dict[str, float] = json.loads(lines[-1])
    return result


def _wall(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, capture_output=True, check=False)
    return time.perf_counter() - t0


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def text_pdfs() -> list[Path]:
    return sorted(p for p in CORPUS.glob("*.pdf") if "scan" not in p.name)


def office_docs() -> list[Path]:
    found = sorted(CORPUS.glob("*.pptx")) + sorted(CORPUS.glob("*.docx"))
    found += sorted((ROOT / "raw").glob("*.pptx")) + sorted((ROOT / "raw").glob("*.docx"))
    return found


def concat_pdf(sources: list[Path], pages: int, out: Path) -> Path:
    """One PDF of at least ``pages`` pages: the sources repeated, whole documents at a time."""
    import pikepdf

    if out.exists() and _pages(out) >= pages:
        return out
    dst = pikepdf.new()
    opened = [pikepdf.open(s) for s in sources]
    while len(dst.pages) < pages:
        for src in opened:
            dst.pages.extend(src.pages)
            if len(dst.pages) >= pages:
                break
    dst.save(out)
    for src in opened:
        src.close()
    return out


def batch_inputs(count: int, folder: Path) -> list[Path]:
    """``count`` distinct documents: the corpus text PDFs, PPTX and DOCX (and raw/) copied
    in turn, each copy made unique (a PDF's /Subject, an Office file's ZIP comment), since
    svodka reads identical files once."""
    sources = text_pdfs() + office_docs() + sorted((ROOT / "raw").glob("*.pdf"))
    if folder.exists() and len(list(folder.iterdir())) == count:
        return sorted(folder.iterdir())
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for i in range(count):
        src = sources[i % len(sources)]
        _unique_copy(src, folder / f"{i:04d}-{src.name}", f"svodka bench copy {i}")
    return sorted(folder.iterdir())


def _unique_copy(src: Path, dst: Path, mark: str) -> None:
    if src.suffix.lower() == ".pdf":
        import pikepdf

        with pikepdf.open(src) as pdf:
            pdf.docinfo["/Subject"] = mark
            pdf.save(dst)
        return
    import zipfile

    shutil.copyfile(src, dst)
    with zipfile.ZipFile(dst, "a") as z:
        z.comment = mark.encode()


def cell_f1(json_dir: Path) -> str:
    """score.py over the corpus (no scans), fed the JSON svodka wrote in the timed run."""
    cmd = [
        PY, str(SCORE), "--set", "dev", "--exclude", "scan",
        "--cmd", f"{PY} {Path(__file__).resolve()} --cat-json {json_dir} {{file}}",
    ]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    lines = [x.strip() for x in proc.stdout.splitlines() if x.startswith("cell_f1=")]
    return lines[-1] if lines else f"score failed: {proc.stderr[-300:]}"


def cat_json(json_dir: Path, file: Path) -> None:
    target = json_dir / f"{file.stem}.json"
    if target.exists():
        sys.stdout.write(target.read_text(encoding="utf-8"))
        return
    # not timed (e.g. the PPTX/DOCX of the corpus when only PDFs ran): read it now
    import svodka
    from svodka.export import report_to_json

    sys.stdout.write(report_to_json(svodka.read(file)))


# ----------------------------------------------------------------------------- batch


@dataclass
class BatchRun:
    jobs: int
    docs: int
    seconds: float
    ok: int
    parent_peak_mb: float
    parent_rss_early_mb: float
    parent_rss_late_mb: float
    worker_peak_mb: float
    worker_median_mb: float
    worker_early_mb: float
    worker_late_mb: float

    @property
    def rate(self) -> float:
        return self.docs / self.seconds


def batch_child(files_list: Path, out: Path, jobs: int, result: Path) -> None:
    """Runs in its own interpreter: ``run_batch`` over the listed files."""
    from svodka.pipeline import run_batch

    files = [Path(x) for x in files_list.read_text().splitlines() if x]
    t0 = time.perf_counter()
    res = run_batch(files, out, jobs=jobs, force=True)
    seconds = time.perf_counter() - t0
    result.write_text(json.dumps({"seconds": seconds, "ok": res.count("done")}))


def run_batch_bench(files: list[Path], jobs: int) -> BatchRun:
    import psutil  # type: ignore[import-untyped,unused-ignore]

    listing = WORK / "batch-files.txt"
    listing.write_text("\n".join(map(str, files)))
    out = WORK / f"batch-out-{jobs}"
    shutil.rmtree(out, ignore_errors=True)
    result = WORK / f"batch-result-{jobs}.json"
    result.unlink(missing_ok=True)
    cmd = [PY, str(Path(__file__).resolve()), "--batch-child", str(listing), str(out),
           str(jobs), str(result)]
    proc = subprocess.Popen(cmd, cwd=ROOT)
    parent = psutil.Process(proc.pid)
    parent_samples: list[tuple[float, float]] = []
    worker_peak: dict[int, float] = {}
    worker_first: dict[int, float] = {}
    stop = threading.Event()
    start = time.perf_counter()

    def sample() -> None:
        while not stop.is_set():
            try:
                now = time.perf_counter() - start
                parent_samples.append((now, parent.memory_info().rss / 2**20))
                for child in parent.children(recursive=True):
                    try:
                        rss = child.memory_info().rss / 2**20
                    except psutil.Error:
                        continue
                    worker_peak[child.pid] = max(worker_peak.get(child.pid, 0.0), rss)
                    worker_first.setdefault(child.pid, now)
            except psutil.Error:
                pass
            time.sleep(0.05)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    proc.wait()
    stop.set()
    thread.join()
    if proc.returncode != 0 or not result.exists():
        raise RuntimeError(f"batch --jobs {jobs} failed ({proc.returncode})")
    info = json.loads(result.read_text())
    shutil.rmtree(out, ignore_errors=True)
    total = parent_samples[-1][0] if parent_samples else 1.0
    early = [m for t, m in parent_samples if 0.1 * total <= t <= 0.3 * total] or [0.0]
    late = [m for t, m in parent_samples if 0.7 * total <= t <= 0.9 * total] or [0.0]
    by_time = sorted((worker_first[p], worker_peak[p]) for p in worker_peak)
    peaks = [m for _, m in by_time] or [0.0]
    tenth = max(1, len(peaks) // 10)
    return BatchRun(
        jobs=jobs,
        docs=len(files),
        seconds=float(info["seconds"]),
        ok=int(info["ok"]),
        parent_peak_mb=max(m for _, m in parent_samples),
        parent_rss_early_mb=statistics.median(early),
        parent_rss_late_mb=statistics.median(late),
        worker_peak_mb=max(peaks),
        worker_median_mb=statistics.median(peaks),
        worker_early_mb=statistics.median(peaks[:tenth]),
        worker_late_mb=statistics.median(peaks[-tenth:]),
    )


# ----------------------------------------------------------------------------- report


def machine() -> list[str]:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "?"
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{kb / 2**20:.1f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    versions = []
    for name in ("pdfplumber", "pdfminer.six", "pypdfium2", "camelot-py", "pikepdf"):
        try:
            from importlib.metadata import version

            versions.append(f"{name} {version(name)}")
        except Exception:  # noqa: BLE001 - a missing package is just not listed
            pass
    load = os.getloadavg()
    return [
        f"- CPU: {cpu}, {os.cpu_count()} logical cores; RAM {mem}",
        f"- {platform.system()} {platform.release()}, Python {platform.python_version()}",
        f"- {', '.join(versions)}",
        f"- load average when the run started: {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}",
    ]


def fmt(x: float, digits: int = 1) -> str:
    return f"{x:.{digits}f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="1 run, smaller inputs")
    ap.add_argument("--runs", type=int, help="runs per measurement (default 3, --quick 1)")
    ap.add_argument("--batch-docs", type=int, help="documents in the batch (default 500)")
    ap.add_argument("--big-pages", type=int, nargs="*", help="sizes of the growth PDFs")
    ap.add_argument("--skip-batch", action="store_true")
    ap.add_argument("--profile", action="store_true", help="profile svodka (pyinstrument)")
    ap.add_argument("--hostile", action="store_true",
                    help="only the hostile inputs; rewrites that section of --out")
    ap.add_argument("--out", type=Path, default=RESULTS)
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--files", nargs="*", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--json-dir", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--profile-out", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--cat-json", nargs=2, type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--batch-child", nargs=4, help=argparse.SUPPRESS)
    args = ap.parse_args()

    sys.path.insert(0, str(ROOT))
    if args.worker:
        worker(args.worker, args.files or [], args.json_dir, args.profile_out)
        return
    if args.cat_json:
        cat_json(*args.cat_json)
        return
    if args.batch_child:
        a, b, c, d = args.batch_child
        batch_child(Path(a), Path(b), int(c), Path(d))
        return

    runs = args.runs or (1 if args.quick else 3)
    if args.hostile:
        section = hostile_section(runs)
        old = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
        args.out.write_text(with_section(old, section), encoding="utf-8")
        print(section)
        log(f"hostile section written to {args.out}")
        return
    sizes = args.big_pages or ([64, 160] if args.quick else [80, 160, 320])
    batch_docs = args.batch_docs or (100 if args.quick else 500)
    WORK.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    header = machine()
    log("machine: " + " | ".join(h.lstrip("- ") for h in header))

    # 1. corpus text PDFs, every tool, interleaved runs
    pdfs = text_pdfs()
    json_dir = WORK / "json"
    shutil.rmtree(json_dir, ignore_errors=True)
    json_dir.mkdir()
    tools = PDF_TOOLS if not args.quick else [t for t in PDF_TOOLS if t != "pdfplumber-words"]
    measures = {t: Measure(t, t) for t in tools}
    for r in range(runs):
        for t in tools:
            log(f"run {r + 1}/{runs}: {t} on {len(pdfs)} corpus PDFs")
            jd = json_dir if (t == "svodka" and r == 0) else None
            measures[t].runs.append(run_worker(t, pdfs, json_dir=jd))
    f1 = cell_f1(json_dir)
    log(f"svodka on the corpus: {f1}")

    # 2. CLI end to end, interpreter start included (what a user typing the command waits)
    svodka_bin = str(ROOT / ".venv" / "bin" / "svodka")
    cli_seconds = sum(_wall([svodka_bin, "extract", str(f), "--json"]) for f in pdfs)
    cli_pages = measures["svodka"].units
    version_seconds = statistics.median(_wall([svodka_bin, "--version"]) for _ in range(5))

    # 3. growth with size
    growth: list[Measure] = []
    for n in sizes:
        big = concat_pdf(pdfs, n, WORK / f"concat-{n}.pdf")
        m = Measure("svodka", f"{_pages(big)} pages")
        for r in range(1 if n > 200 and args.quick else min(runs, 2)):
            log(f"growth: svodka on {big.name} run {r + 1}")
            m.runs.append(run_worker("svodka", [big]))
        growth.append(m)

    # 4. PPTX/DOCX natively
    office = Measure("office", "PPTX+DOCX")
    for r in range(runs):
        log(f"office run {r + 1}/{runs}")
        office.runs.append(run_worker("office", office_docs()))
    per_kind: dict[str, Measure] = {}
    long_docx = big_docx(ROOT / "raw" / "smolensk-2017-report.docx", 10,
                         WORK / "smolensk-report-x10.docx")
    office_units([*office_docs(), long_docx])
    kinds = {".pptx": [d for d in office_docs() if d.suffix == ".pptx"],
             ".docx": [d for d in office_docs() if d.suffix == ".docx"],
             ".docx, the raw/ report ×10": [long_docx]}
    for kind, docs in kinds.items():
        per_kind[kind] = Measure("office", kind)
        for _ in range(runs):
            per_kind[kind].runs.append(run_worker("office", docs))

    # 5. profile
    profile_text = ""
    if args.profile:
        prof = WORK / "profile.txt"
        log("profiling svodka on the corpus PDFs (pyinstrument)")
        run_worker("profile", pdfs, profile=prof)
        profile_text = prof.read_text()

    # 6. batch
    batches: list[BatchRun] = []
    if not args.skip_batch:
        files = batch_inputs(batch_docs, WORK / f"batch-unique-{batch_docs}")
        for jobs in (1, 2):
            log(f"batch: svodka run over {len(files)} documents --jobs {jobs}")
            batches.append(run_batch_bench(files, jobs))
            log(f"  {batches[-1].rate:.1f} documents/s")

    elapsed = time.perf_counter() - started
    report = render(header, measures, f1, cli_seconds, cli_pages, growth, office, per_kind,
                    batches, runs, elapsed, profile_text, args.quick, version_seconds)
    report = with_section(report, hostile_section(runs))
    old = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
    report += "".join("\n" + section for section in by_hand(old))
    args.out.write_text(report, encoding="utf-8")
    print(report)
    log(f"written {args.out} in {elapsed:.0f} s")


# ----------------------------------------------------------------------------- hostile inputs

HOSTILE_TITLE = "## Hostile inputs (issue 13)"
HOSTILE_ENTRIES = ("extract", "check", "api")
HOSTILE_API = """
import json, sys
import svodka
try:
    report = svodka.read(sys.argv[1])
except svodka.SvodkaError as exc:
    print(exc.one_line(), file=sys.stderr)
    sys.exit(2)
print(json.dumps({"findings": [{"rule": f.rule} for f in report.findings]}))
"""
HOSTILE_FLAGS = {"extract": ["--json"], "check": ["--format", "json"]}
HOSTILE_CODES = ("E_LIMIT", "W_RENDER_LIMIT", "I_BLANK_PAGES", "E_PAGE_UNREADABLE", "I_OCR")
"""The findings the outcome column shows."""


@dataclass
class HostileRun:
    kind: str
    entry: str
    seconds: float
    peak_mb: float
    code: int
    line: str


def hostile_inputs() -> dict[str, Path]:
    """The hostile kinds of tests/hostile_fixtures.py, built once into bench/.work/hostile."""
    from tests.hostile_fixtures import LIMITS

    folder = WORK / "hostile"
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, build in LIMITS.items():
        path = folder / name
        if not path.exists():
            path.write_bytes(build())
        paths[name.removesuffix(".pdf")] = path
    return paths


def run_hostile(kind: str, entry: str, path: Path) -> HostileRun:
    """One entry point with its default limits on ``path``, in a fresh process: wall time
    (interpreter start included), peak RSS of the process and its waited-for children."""
    import tempfile

    if entry == "api":
        cmd = [PY, "-c", HOSTILE_API, str(path)]
    else:
        cmd = [PY, "-m", "svodka", entry, str(path), *HOSTILE_FLAGS[entry]]
    env = dict(os.environ, PYTHONWARNINGS="ignore", COLUMNS="200")
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t0
        err.seek(0)
        lines = err.read().decode("utf-8", "replace").strip().splitlines()
        out.seek(0)
        line = lines[-1].split(": ", 1)[1] if lines else _outcome(out.read())
    return HostileRun(kind, entry, seconds, usage.ru_maxrss / 1024,
                      os.waitstatus_to_exitcode(status), line)


def _outcome(stdout: bytes) -> str:
    """The findings of a report that was read, the issue-13 ones only, as "read: …"."""
    try:
        data = json.loads(stdout)
    except ValueError:
        return "read"
    docs = data if isinstance(data, list) else [data]
    rules = [f["rule"] for d in docs for f in d.get("findings", [])]
    shown = [r for r in dict.fromkeys(rules) if r in HOSTILE_CODES]
    return "read: " + ", ".join(shown) if shown else "read"


def hostile_section(runs: int) -> str:
    load = os.getloadavg()[0]
    inputs = hostile_inputs()
    results: list[HostileRun] = []
    for kind, path in inputs.items():
        for entry in HOSTILE_ENTRIES:
            log(f"hostile: {entry} on {kind}")
            results.append(run_hostile(kind, entry, path))
            log(f"  {results[-1].seconds:.1f} s, {results[-1].peak_mb:.0f} MB, "
                f"exit {results[-1].code}")
    pdfs = text_pdfs()
    limited, free = Measure("svodka", "limits"), Measure("svodka-nolimits", "no limits")
    for r in range(runs):
        for m in (limited, free):
            log(f"limits overhead, run {r + 1}/{runs}: {m.tool} on {len(pdfs)} corpus PDFs")
            m.runs.append(run_worker(m.tool, pdfs))
    return render_hostile(results, limited, free, runs, (load, os.getloadavg()[0]))


def render_hostile(results: list[HostileRun], limited: Measure, free: Measure, runs: int,
                   load: tuple[float, float]) -> str:
    out = [
        HOSTILE_TITLE,
        "",
        f"Regenerated by `python bench/run.py --hostile` on {time.strftime('%Y-%m-%d %H:%M')}. "
        "Each kind is built by `tests/hostile_fixtures.py` (`LIMITS`) and read with the "
        "default limits (120 s, 2048 MiB, 5000 pages, 512 MiB inflated, 40 megapixels) by "
        "each entry point in a fresh process; seconds are wall time with the interpreter's "
        "start; peak RSS is the process's and the child's it reads in (`os.wait4`). Targets: "
        "under 30 s and 2.5 GB each; 3000 blank pages under 20 s. Load average (1 min) at "
        f"the start and the end: {load[0]:.2f}, {load[1]:.2f} (2 cores).",
        "",
        "| kind | entry point | seconds | peak RSS MB | exit | outcome |",
        "| --- | --- | ---: | ---: | ---: | --- |",
    ]
    for r in results:
        out.append(f"| {r.kind} | {r.entry} | {fmt(r.seconds)} | {fmt(r.peak_mb, 0)} | "
                   f"{r.code} | {r.line[:150].replace('|', '/')} |")
    ratio = limited.rate / free.rate if free.rate else 0.0
    out += [
        "",
        f"The cost of the limits on the {limited.units} pages of the corpus text PDFs (median "
        f"of {runs} interleaved runs, imports excluded): `svodka.read` with the default "
        f"limits (a child process per file, stream and page checks) {fmt(limited.rate)} "
        f"pages/s, with `limits=NO_LIMITS` (in-process, no check) {fmt(free.rate)} pages/s; "
        f"ratio {fmt(ratio, 3)}.",
        "",
    ]
    return "\n".join(out)


BY_HAND = "added by hand"
"""Sections whose title says this (the scans, measured apart) are kept as they are."""


def by_hand(text: str) -> list[str]:
    """The sections of ``text`` added by hand, each ending with a newline."""
    parts = text.split("\n## ")
    return ["## " + part.rstrip("\n") + "\n" for part in parts[1:]
            if BY_HAND in part.split("\n", 1)[0]]


def with_section(text: str, section: str) -> str:
    """``text`` with its hostile section replaced by ``section`` (appended when missing)."""
    start = text.find(HOSTILE_TITLE)
    if start < 0:
        return text.rstrip("\n") + "\n\n" + section.rstrip("\n") + "\n"
    end = text.find("\n## ", start + len(HOSTILE_TITLE))
    rest = text[end + 1:] if end >= 0 else ""
    return text[:start] + section.rstrip("\n") + "\n" + ("\n" + rest if rest else "")


def render(
    header: list[str],
    measures: dict[str, Measure],
    f1: str,
    cli_seconds: float,
    cli_pages: int,
    growth: list[Measure],
    office: Measure,
    per_kind: dict[str, Measure],
    batches: list[BatchRun],
    runs: int,
    elapsed: float,
    profile_text: str,
    quick: bool,
    version_seconds: float,
) -> str:
    sv = measures["svodka"]
    out = [
        "# svodka benchmarks",
        "",
        f"Regenerated by `python bench/run.py{' --quick' if quick else ''}` "
        f"on {time.strftime('%Y-%m-%d %H:%M')} ({elapsed / 60:.1f} min). "
        "Do not edit by hand.",
        "",
        "## Machine",
        "",
        *header,
        "",
        "Each figure comes from a fresh interpreter per tool and run (imports excluded and "
        f"shown apart); pages/s is the median of {runs} run(s), runs interleaved across tools. "
        "`CPU p/s` divides by the process's CPU seconds instead of wall time: on a shared "
        "machine it is the steadier figure.",
        "",
        *targets(measures, growth, batches, version_seconds),
        f"## Text PDFs of the corpus ({sv.units} pages, {len(text_pdfs())} files)",
        "",
        "| tool | pages/s | CPU p/s | svodka ÷ tool | peak RSS MB | import s |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for t, m in measures.items():
        ratio = sv.rate / m.rate if m.rate else 0.0
        out.append(
            f"| {t} | {fmt(m.rate)} | {fmt(m.cpu_rate)} | {fmt(ratio, 2)} | {fmt(m.rss, 0)} "
            f"| {fmt(m.imported, 2)} |"
        )
    out += [
        "",
        "`svodka` = extract + normalise + validate + contract JSON (`svodka.read` + "
        "`report_to_json`), with the default limits (each file read in a child process); "
        "svodka-chars is svodka's character reading alone (`pdf_pdfium.file_glyphs`: the "
        "fonts' descents and every page's glyphs, as the PDF reader gets them); "
        "pypdfium2-chars only reads every character with its box. Peak RSS counts the "
        "child a limited read runs in.",
        "",
        f"svodka on these files, scored by ../shared/tools/score.py (dev set, no scan; the "
        f"JSON written during the first timed run): `{f1}`",
        "",
        f"`svodka extract FILE --json` from the shell, once per file, interpreter start "
        f"included: {cli_pages} pages in {cli_seconds:.1f} s = "
        f"{cli_pages / cli_seconds if cli_seconds else 0:.1f} pages/s.",
        "",
        "## Growth with size (one PDF of the corpus PDFs concatenated)",
        "",
        "| input | seconds | pages/s | peak RSS MB |",
        "| --- | ---: | ---: | ---: |",
    ]
    for m in growth:
        out.append(f"| {m.label} | {fmt(m.seconds)} | {fmt(m.rate)} | {fmt(m.rss, 0)} |")
    out += [
        "",
        "## PPTX and DOCX, read natively",
        "",
        "| input | slides or pages | seconds | per second | peak RSS MB |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for m in (*per_kind.values(), office):
        if not m.runs:
            continue
        out.append(
            f"| {m.label} | {m.units} | {fmt(m.seconds, 2)} | {fmt(m.rate)} | {fmt(m.rss, 0)} |"
        )
    out += [
        "",
        "DOCX pages: as LibreOffice lays the file out (docProps/app.xml is not trusted: "
        "generators leave 1 there). The Office readers' imports (python-pptx, python-docx, "
        "lxml) are counted with the other imports, outside the timed work.",
        "",
    ]
    if batches:
        out += [
            f"## Batch: `svodka run` over {batches[0].docs} documents",
            "",
            "The corpus text PDFs, PPTX and DOCX and raw/ copied in turn, each copy made "
            "unique (svodka reads identical files once); "
            "`run_batch(paths, out, jobs=N, force=True)` in its own interpreter; one worker "
            "process per file, forked from a fork server; the parent writes the batch "
            "outputs (CSV, parquet, XLSX, Data Package, DuckDB) while the workers run. RSS "
            "sampled every 50 ms with psutil ('early'/'late': median over 10–30 % / 70–90 % "
            "of the run for the parent, over the first / last tenth of the workers).",
            "",
            "| jobs | documents | seconds | documents/s | scaling | parent peak MB | "
            "parent early → late MB | worker peak MB | worker median MB | "
            "worker first → last tenth MB |",
            "| ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | --- |",
        ]
        base = batches[0].rate
        for b in batches:
            out.append(
                f"| {b.jobs} | {b.ok}/{b.docs} | {fmt(b.seconds)} | {fmt(b.rate, 2)} | "
                f"{fmt(b.rate / base, 2)}× | {fmt(b.parent_peak_mb, 0)} | "
                f"{fmt(b.parent_rss_early_mb, 0)} → {fmt(b.parent_rss_late_mb, 0)} | "
                f"{fmt(b.worker_peak_mb, 0)} | {fmt(b.worker_median_mb, 0)} | "
                f"{fmt(b.worker_early_mb, 0)} → {fmt(b.worker_late_mb, 0)} |"
            )
        out.append("")
    if profile_text:
        out += ["## Profile (pyinstrument, svodka on the corpus PDFs)", "", "```",
                profile_text.strip(), "```", ""]
    return "\n".join(out) + "\n"


def targets(measures: dict[str, Measure], growth: list[Measure], batches: list[BatchRun],
            version_seconds: float) -> list[str]:
    """Issue 16's targets, each with the figure measured in this run."""
    def rate(tool: str) -> float:
        return measures[tool].rate if tool in measures else 0.0

    sv = rate("svodka")
    largest = max(growth, key=lambda m: m.units) if growth else None
    rows = [
        ("svodka ÷ pdfplumber extract_tables", sv / rate("pdfplumber-tables")
         if rate("pdfplumber-tables") else 0.0, "≥ 3", 3.0, True),
        ("svodka ÷ camelot lattice", sv / rate("camelot-lattice")
         if rate("camelot-lattice") else 0.0, "≥ 8", 8.0, True),
        ("svodka-chars ÷ pypdfium2-chars", rate("svodka-chars") / rate("pypdfium2-chars")
         if rate("pypdfium2-chars") else 0.0, "≥ 0.60", 0.6, True),
        ("`svodka --version`, s (median of 5)", version_seconds, "≤ 0.3", 0.3, False),
    ]
    if largest is not None:
        rows += [(f"growth, {largest.label}: pages/s", largest.rate, "≥ 20", 20.0, True),
                 (f"growth, {largest.label}: peak RSS MB", largest.rss, "≤ 250", 250.0, False)]
    if len(batches) > 1:
        rows.append(("batch `--jobs 2` ÷ `--jobs 1`", batches[1].rate / batches[0].rate,
                     "≥ 1.7", 1.7, True))
    out = ["## Targets (issue 16)", "", "| figure | measured | target | met |",
           "| --- | ---: | ---: | --- |"]
    for name, value, shown, bound, at_least in rows:
        met = value >= bound if at_least else value <= bound
        out.append(f"| {name} | {fmt(value, 2)} | {shown} | {'yes' if met else 'no'} |")
    return [*out, ""]


if __name__ == "__main__":
    main()
