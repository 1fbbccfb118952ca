"""Error localisation: which single cells, changed, make the broken equations hold.

Peeling, in the spirit of Fellegi–Holt: a change of cell c by δ is *admissible*
when it makes a broken equation hold and leaves every equation through c that
held still holding.  An equation with exactly one admissible change pins that
cell; the change is applied and the search goes on, so two wrong cells in one
column (9.6 and 9.8 under row 9) are both found.  When no equation pins a cell,
the change that repairs the most broken equations wins; on a tie the equation's
own total (its left-hand side) is blamed, as the reports' readers do.  Equations
still broken at the end are reported as they stand; equations repaired by a
change are consequences and are not reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .model import Bound, Equation, Ref, Term
from .tolerance import residual, tolerance, within


@dataclass(frozen=True)
class Correction:
    ref: Ref
    expected: Decimal
    broken: tuple[int, ...]  # indices of the equations through the cell broken before the change


@dataclass(frozen=True)
class _Change:
    ref: Ref
    delta: Decimal
    fixes: int


class Localisation:
    def __init__(self, equations: list[Equation], terms: dict[Ref, Term]) -> None:
        self.equations = equations
        self.terms = terms
        self.slack = [tolerance(eq, terms) for eq in equations]
        self.values: dict[Ref, Decimal] = {ref: term.value for ref, term in terms.items()}
        self.by_ref: dict[Ref, list[int]] = {}
        for index, eq in enumerate(equations):
            for ref in eq.refs:
                self.by_ref.setdefault(ref, []).append(index)
        self.residuals = [residual(eq, self.values) for eq in equations]
        self.corrections: list[Correction] = []
        self._run()

    def holds(self, index: int) -> bool:
        return self._within(index, self.residuals[index])

    def _holds_after(self, index: int, ref: Ref, delta: Decimal) -> bool:
        """Whether equation ``index`` would hold with ``ref`` changed by ``delta``."""
        eq = self.equations[index]
        return self._within(index, self.residuals[index] + (delta if ref == eq.lhs else -delta))

    def _within(self, index: int, diff: Decimal) -> bool:
        return within(self.equations[index], diff, self.slack[index])

    def broken(self) -> list[int]:
        return [index for index in range(len(self.equations)) if not self.holds(index)]

    def _run(self) -> None:
        for _ in range(len(self.terms) + 1):
            broken = [i for i in self.broken() if self.equations[i].bound is Bound.EQUAL]
            if not broken:
                return
            change = self._pinned(broken) or self._best(broken)
            if change is None:
                return
            self._apply(change)

    def _apply(self, change: _Change) -> None:
        through = tuple(i for i in self.by_ref[change.ref] if not self.holds(i))
        self.values[change.ref] += change.delta
        for index in self.by_ref[change.ref]:
            lhs = self.equations[index].lhs == change.ref
            self.residuals[index] += change.delta if lhs else -change.delta
        expected = self.terms[change.ref].value + change.delta
        self.corrections.append(Correction(change.ref, expected, through))

    def _changes(self, index: int) -> list[_Change]:
        """Admissible single-cell changes that make equation ``index`` hold exactly."""
        eq = self.equations[index]
        diff = self.residuals[index]
        done = {correction.ref for correction in self.corrections}
        found: list[_Change] = []
        for ref in eq.refs:
            if ref in done or not self.terms[ref].blamable:
                continue
            delta = -diff if ref == eq.lhs else diff
            fixes = 0
            admissible = True
            for other in self.by_ref[ref]:
                held, holds_after = self.holds(other), self._holds_after(other, ref, delta)
                if held and not holds_after:
                    admissible = False
                    break
                fixes += not held and holds_after
            if admissible:
                found.append(_Change(ref, delta, fixes))
        return found

    def _pinned(self, broken: list[int]) -> _Change | None:
        for index in broken:
            changes = self._changes(index)
            if len(changes) == 1:
                return changes[0]
        return None

    def _best(self, broken: list[int]) -> _Change | None:
        for index in broken:
            changes = self._changes(index)
            if not changes:
                continue
            most = max(change.fixes for change in changes)
            top = [change for change in changes if change.fixes == most]
            if len(top) == 1:
                return top[0]
            lhs = [change for change in top if change.ref == self.equations[index].lhs]
            if lhs:
                return lhs[0]
        return None
