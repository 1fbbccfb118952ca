"""The long run of the style generator (issue 18): render N report models in randomised
styles, read each with svodka and compare with its model.

    python tools/synth_run.py [--n 300] [--jobs 2] [--seed 1000] [--save DIR]
                              [--renderers pdf-ruled,pdf-unruled,docx,pptx] [--json-out FILE]

Rendering i uses seed S+i for the model and its style, and the renderers in turn.  Prints the
pass rate per failure family and per style family, then a summary line
``synth: N renderings, K identical (P %)``.  With ``--save`` every failing rendering is copied
to DIR with its model, style and diff as JSON.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from collections import Counter, defaultdict
from multiprocessing import get_context
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.synth.compare import FAMILIES, model_json, read_and_compare  # noqa: E402
from tests.synth.model import draw_model  # noqa: E402
from tests.synth.render import has_soffice, render  # noqa: E402
from tests.synth.styles import RENDERERS, draw_style  # noqa: E402


def one(job: tuple[int, str, str | None]) -> dict[str, Any]:
    seed, renderer, save = job
    model = draw_model(seed)
    style = draw_style(seed, model, renderer=renderer)
    with tempfile.TemporaryDirectory(prefix="synth-") as work:
        started = time.monotonic()
        path = render(model, style, Path(work))
        diff = read_and_compare(model, style, path)
        seconds = time.monotonic() - started
        if save and not diff.ok:
            target = Path(save) / path.stem
            target.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, target / path.name)
            (target / "model.json").write_text(json.dumps(model_json(model), ensure_ascii=False,
                                                          indent=1), encoding="utf-8")
            (target / "style.json").write_text(json.dumps(style.to_json(), ensure_ascii=False,
                                                          indent=1), encoding="utf-8")
            (target / "diff.json").write_text(json.dumps(diff.to_json(), ensure_ascii=False,
                                                         indent=1), encoding="utf-8")
    return {"seed": seed, "renderer": renderer, "file": path.name, "ok": diff.ok,
            "families": dict(diff.families()), "style": style.families(),
            "summary": diff.summary(3), "seconds": round(seconds, 2)}


def report(results: list[dict[str, Any]]) -> str:
    n = len(results)
    good = sum(r["ok"] for r in results)
    lines = ["failure families (renderings showing it):"]
    shown: Counter[str] = Counter()
    for r in results:
        shown.update(r["families"].keys())
    for family in FAMILIES:
        if shown[family]:
            example = next(r["file"] for r in results if family in r["families"])
            lines.append(f"  {family:20s} {shown[family]:4d}  e.g. {example}")
    lines.append("pass rate per style family:")
    by: dict[tuple[str, str], list[bool]] = defaultdict(list)
    for r in results:
        for fam, value in r["style"].items():
            by[(fam, value)].append(r["ok"])
    for (fam, value), oks in sorted(by.items()):
        lines.append(f"  {fam:15s} {value:22s} {sum(oks):4d}/{len(oks):<4d} "
                     f"{100 * sum(oks) / len(oks):5.1f} %")
    lines.append(f"synth: {n} renderings, {good} identical ({100 * good / max(n, 1):.1f} %)")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1000)
    ap.add_argument("--save", type=Path, default=None)
    default = [*RENDERERS, "docx-pdf"] if has_soffice() else list(RENDERERS)
    ap.add_argument("--renderers", default=",".join(default),
                    help="docx-pdf (Word exported by LibreOffice) is in when soffice is found")
    ap.add_argument("--json-out", type=Path, default=None)
    ap.add_argument("--quiet", action="store_true", help="no line per rendering")
    args = ap.parse_args()
    renderers = args.renderers.split(",")
    jobs = [(args.seed + i, renderers[i % len(renderers)],
             str(args.save) if args.save else None) for i in range(args.n)]
    results = []
    with get_context("spawn").Pool(args.jobs, maxtasksperchild=20) as pool:
        for r in pool.imap_unordered(one, jobs):
            results.append(r)
            if not args.quiet:
                print(f"{r['seed']} {r['renderer']:12s} {r['seconds']:5.1f}s "
                      f"{'ok' if r['ok'] else r['summary'][:160]}", flush=True)
    results.sort(key=lambda r: r["seed"])
    print(report(results))
    if args.json_out:
        args.json_out.write_text(json.dumps(results, ensure_ascii=False, indent=1),
                                 encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
