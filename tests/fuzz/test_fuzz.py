"""The short fuzzing run of the suite: mutated sample PDFs, PPTX and DOCX through the
whole read path, each in a limited worker process (``tests/fuzz/harness.py``).

Hypothesis picks the mutation seeds (and shrinks a failing one to a small random seed);
the longer, documented run is ``tools/fuzz.py``.  A crash found here or there is saved
with ``harness.save_crash`` into ``tests/data/hostile/fuzz/`` and stays a regression
fixture (``tests/test_hostile.py::test_fuzz_regression``).
"""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from svodka.workers import Limits
from tests.fuzz.harness import Case, mutated, run_cases, seeds

BATCH = 4
"""Inputs per Hypothesis example, run two at a time."""


@settings(max_examples=3, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_mutated_samples_never_crash(rng_seed: int) -> None:
    pool = seeds()
    if not pool:
        pytest.skip("no seed samples")
    rng = random.Random(rng_seed)
    picked = [rng.choice(pool) for _ in range(BATCH)]
    cases = [Case(s.name, s.suffix, mutated(s, rng)) for s in picked]
    stats = run_cases(cases, jobs=2, limits=Limits(timeout=30, memory_mb=1024))
    crashes = [verdict for _, verdict in stats.crashes.values()]
    assert not crashes, "\n\n".join(crashes)
    assert stats.verdicts["E_TIMEOUT"] == 0, "a small mutated sample should not take 30 s"
