"""The longer fuzzing run: mutated sample PDFs, PPTX and DOCX through the whole read path.

    .venv/bin/python tools/fuzz.py --minutes 10 --jobs 2          # report only
    .venv/bin/python tools/fuzz.py --minutes 60 --save            # keep crashes as fixtures

Every input runs in its own process under a time and memory limit (see
``tests/fuzz/harness.py``).  Prints how many inputs ran and their verdicts; every
distinct crash is printed with its traceback and, with ``--save``, written to
``tests/data/hostile/fuzz/`` (``tests/test_hostile.py`` reads every file there as a
regression fixture).  Exit 1 when a crash was found.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from svodka.workers import Limits  # noqa: E402
from tests.fuzz.harness import Case, Stats, mutated, run_cases, save_crash, seeds  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--minutes", type=float, default=10.0, help="wall-clock budget")
    ap.add_argument("--jobs", type=int, default=2, help="worker processes")
    ap.add_argument("--seed", type=int, default=None, help="random seed (default: time)")
    ap.add_argument("--batch", type=int, default=16, help="inputs per round")
    ap.add_argument("--timeout", type=float, default=20.0, help="seconds per input")
    ap.add_argument("--memory-mb", type=int, default=1024, help="memory per input")
    ap.add_argument("--save", action="store_true", help="write crashes to tests/data/hostile/fuzz")
    args = ap.parse_args()
    seed = args.seed if args.seed is not None else int(time.time())
    rng = random.Random(seed)
    pool = seeds()
    limits = Limits(timeout=args.timeout, memory_mb=args.memory_mb)
    stats = Stats()
    start = time.monotonic()
    end = start + args.minutes * 60
    print(f"fuzz: seed {seed}, {len(pool)} seeds: {', '.join(s.name for s in pool)}", flush=True)
    while time.monotonic() < end:
        cases = []
        for _ in range(args.batch):
            s = rng.choice(pool)
            cases.append(Case(s.name, s.suffix, mutated(s, rng)))
        known = set(stats.crashes)
        run_cases(cases, jobs=args.jobs, limits=limits, stats=stats)
        for digest in stats.crashes.keys() - known:
            case, verdict = stats.crashes[digest]
            print(f"\nCRASH on a mutant of {case.seed} ({digest}):\n{verdict}", flush=True)
            if args.save:
                print(f"saved: {save_crash(case, verdict)}", flush=True)
        elapsed = time.monotonic() - start
        print(f"{elapsed:7.0f} s  {stats.inputs} inputs  {dict(stats.verdicts)}", flush=True)
    elapsed = time.monotonic() - start
    print(f"\nfuzz: {stats.inputs} inputs in {elapsed:.0f} s (seed {seed}); "
          f"verdicts {dict(stats.verdicts)}; distinct crashes {len(stats.crashes)}")
    return 1 if stats.crashes else 0


if __name__ == "__main__":
    sys.exit(main())
