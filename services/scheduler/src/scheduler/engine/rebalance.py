"""Hand a place from an overloaded volunteer to an underloaded one, before the search.

The lexicographic phase 1 fills places without looking at fairness, and on a district the
search's own moves spread that load slowly (district-week at 30 s ended with fairness at
26k). These moves took its phase-1 plan from 113k to 94k in about 1.5 s of Python. Each
move keeps the place filled (same shift, same skill), so coverage is unchanged; a move is
taken only when the priced terms it touches (fairness, proximity, venue preferences,
continuity, mentoring) fall in total, and only when no rule blocks the newcomer. The result
is a hint: the model completes and checks it (hint.complete), and the caller keeps it only
when that succeeds and the whole plan scores better.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from typing import Any

from .context import SCALE, ModelContext, PlanState
from .rules import CONSTRAINT_RULES, staffing_holds
from .score import newcomer_alone, proximity_price


def rebalance(ctx: ModelContext, chosen: set[tuple[int, int, str]], deadline: float | None,
              passes: int | None = None, *, stop: Any = None) -> set[tuple[int, int, str]]:
    """A plan with the same places filled and lower priced terms, built by moves until none
    improves, `deadline` (perf_counter) passes, `passes` rounds over the plan are done (a
    deterministic solve counts rounds, never seconds, so it does not depend on the load) or
    `stop` (anything with is_set()) is set."""
    problem = ctx.problem
    weights = problem.weights
    if problem.previous or not weights.get("fairness"):
        return chosen  # a repair prices change itself; without fairness nothing to even out
    moves = _Moves(ctx, chosen)
    improved, rounds = True, 0

    def late() -> bool:
        return ((deadline is not None and time.perf_counter() >= deadline)
                or (stop is not None and stop.is_set()))

    while improved and not late() and (passes is None or rounds < passes):
        improved, rounds = False, rounds + 1
        for key in moves.by_overload():
            if late():
                break
            improved |= moves.try_move(key)
    return moves.plan()


class _Moves:
    """The plan under change and the deltas of moving one place."""

    def __init__(self, ctx: ModelContext, chosen: set[tuple[int, int, str]]) -> None:
        problem = ctx.problem
        self.ctx, self.problem = ctx, problem
        self.shifts, self.vols = problem.shifts, problem.volunteers
        w = problem.weights
        self.fair_coef = w["fairness"] * SCALE // 60
        self.pref_coef = (w.get("preference") or 0) * SCALE
        self.cont_coef = (w.get("continuity") or 0) * SCALE
        self.prox_coef = (w.get("proximity") or 0) * SCALE
        self.mentor_coef = (w.get("mentoring") or 0) * SCALE
        self.shares = ctx.fair_shares()
        spos = {s.id: i for i, s in enumerate(self.shifts)}
        self.pinned = {(ctx.ix.pos[p.volunteer_id], spos[p.shift_id]) for p in problem.pins}
        # Whose pattern rules (blocks) no single-shift check judges: never moved to or from.
        self.fixed_people = {vi for vi, v in enumerate(self.vols)
                             if (v.min_consecutive_days or 0) > 1
                             or (v.min_consecutive_days_off or 0) > 1}
        self.chosen = set(chosen)
        self.state = PlanState(problem, ctx.ix, defaultdict(list), defaultdict(list))
        self.minutes: dict[int, int] = defaultdict(int)
        self.groups: dict[int, Counter] = defaultdict(Counter)
        self.skill_of = {(vi, si): skill for vi, si, skill in chosen}
        self.placed: dict[tuple[int, int], int] = {}
        for vi, si, _ in sorted(chosen):
            self._add(vi, si)

    # -- the plan ----------------------------------------------------------------------------
    def _add(self, vi: int, si: int) -> None:
        self.state.add(vi, si)
        self.minutes[vi] += self.shifts[si].minutes
        if group := self.shifts[si].group_id:
            self.groups[vi][group] += 1

    def _remove(self, vi: int, si: int) -> None:
        self.state.remove(vi, si)
        self.minutes[vi] -= self.shifts[si].minutes
        if group := self.shifts[si].group_id:
            self.groups[vi][group] -= 1
            if not self.groups[vi][group]:
                del self.groups[vi][group]

    def plan(self) -> set[tuple[int, int, str]]:
        return set(self.chosen)

    def by_overload(self) -> list[tuple[int, int, str]]:
        """Assignments of people above their share, most overloaded first."""
        over = {vi: self.minutes[vi] - share for vi, share in self.shares.items()
                if self.minutes[vi] > share}
        keys = [k for k in self.chosen if k[0] in over]
        return sorted(keys, key=lambda k: (-over[k[0]], k))

    # -- one move ----------------------------------------------------------------------------
    def try_move(self, key: tuple[int, int, str]) -> bool:
        """Give v's place on si to the candidate that lowers the priced terms most."""
        if key not in self.chosen:
            return False
        vi, si, skill = key
        if (vi, si) in self.pinned or vi in self.fixed_people or not self._may_lose(vi, si):
            return False
        on = self.state.people_on.get(si, [])
        loss = self._fairness(vi, -self.shifts[si].minutes) + self._per_person(vi, si, -1)
        options = []
        for wi, _ in self.ctx.slot_vars.get((si, skill), []):
            if wi == vi or wi in on or wi in self.fixed_people:
                continue
            gain = self._fairness(wi, self.shifts[si].minutes) + self._per_person(wi, si, 1)
            if loss + gain < 0:
                options.append((loss + gain, wi))
        options.sort()
        self._remove(vi, si)
        for delta, wi in options[:8]:
            if self._allowed(wi, si) and delta + self._mentoring(vi, wi, si) < 0:
                self._add(wi, si)
                self._replace(key, wi)
                return True
        self._add(vi, si)
        return self._try_chain(key, loss)

    def _try_chain(self, key: tuple[int, int, str], loss: int) -> bool:
        """v's place on si goes to w, who hands one of their own places (ti) to an
        underloaded u: for the many who cannot take si themselves (other skills, hours or
        places), and for w whose ti clashes with si."""
        vi, si, skill = key
        length = self.shifts[si].minutes
        on = self.state.people_on.get(si, [])
        options = []
        for wi, _ in self.ctx.slot_vars.get((si, skill), []):
            if wi == vi or wi in on or wi in self.fixed_people:
                continue
            takes = self._per_person(wi, si, 1)
            for ti in self.state.shifts_of.get(wi, []):
                if ti == si or (wi, ti) in self.pinned:
                    continue
                wskill = self.skill_of[(wi, ti)]
                step = (loss + takes + self._per_person(wi, ti, -1)
                        + self._fairness(wi, length - self.shifts[ti].minutes))
                there = self.state.people_on.get(ti, [])
                for ui, _ in self.ctx.slot_vars.get((ti, wskill), []):
                    if ui in (vi, wi) or ui in there or ui in self.fixed_people:
                        continue
                    if self.minutes[ui] >= self.shares.get(ui, 0):
                        continue  # only towards someone below their share
                    delta = step + self._fairness(ui, self.shifts[ti].minutes) + \
                        self._per_person(ui, ti, 1)
                    if delta < 0:
                        options.append((delta, wi, ti, ui))
        options.sort()
        for delta, wi, ti, ui in options[:8]:
            if self._chain(key, wi, ti, ui, delta):
                return True
        return False

    def _chain(self, key: tuple[int, int, str], wi: int, ti: int, ui: int, delta: int) -> bool:
        """Make the chain if every rule allows it and it still pays with mentoring."""
        vi, si, _ = key
        wkey = (wi, ti, self.skill_of[(wi, ti)])
        if (wkey not in self.chosen or not self._may_lose(wi, ti, self.shifts[si].minutes)):
            return False
        self._remove(vi, si)
        self._remove(wi, ti)
        if (self._allowed(wi, si) and self._allowed(ui, ti)
                and delta + self._mentoring(vi, wi, si) + self._mentoring(wi, ui, ti) < 0):
            self._add(wi, si)
            self._add(ui, ti)
            self._replace(key, wi)
            self._replace(wkey, ui)
            return True
        self._add(wi, ti)
        self._add(vi, si)
        return False

    def _replace(self, key: tuple[int, int, str], wi: int) -> None:
        vi, si, skill = key
        self.chosen.discard(key)
        self.chosen.add((wi, si, skill))
        del self.skill_of[(vi, si)]
        self.skill_of[(wi, si)] = skill

    def _may_lose(self, vi: int, si: int, gets: int = 0) -> bool:
        """Whether vi may give up si (taking `gets` minutes elsewhere) above their minimum."""
        floor = self.vols[vi].min_hours_total
        return not floor or (self.minutes[vi] - self.shifts[si].minutes + gets
                             >= round(floor * 60))

    def _allowed(self, wi: int, si: int) -> bool:
        """No rule blocks wi on si (its holder already taken off), and the shift keeps its
        adults and its party member."""
        if any(rule.blocked(self.state, wi, si) for rule in CONSTRAINT_RULES):
            return False
        people = [*self.state.people_on.get(si, []), wi]
        return staffing_holds(self.problem, self.shifts[si], people)

    def _fairness(self, vi: int, change: int) -> int:
        share = self.shares.get(vi)
        if share is None:
            return 0
        now = self.minutes[vi]
        return self.fair_coef * (abs(now + change - share) - abs(now - share))

    def _per_person(self, vi: int, si: int, sign: int) -> int:
        """Proximity, venue preference and continuity of vi taking (+1) or leaving (-1) si."""
        cost = sign * self._placed(vi, si)
        group = self.shifts[si].group_id
        if self.cont_coef and group:
            held = self.groups[vi]
            before = max(0, len(held) - 1)
            if sign > 0:
                after = max(0, len(held) - (group in held))
            else:
                after = max(0, len(held) - 1 - (held[group] == 1))
            cost += self.cont_coef * (after - before)
        return cost

    def _placed(self, vi: int, si: int) -> int:
        """Proximity and venue preference of vi working si (cached: asked many times)."""
        key = (vi, si)
        cost = self.placed.get(key)
        if cost is None:
            venue = self.shifts[si].venue_id
            cost = 0
            if self.prox_coef:
                cost += proximity_price(self.prox_coef, self.ctx.ix.home_distance(venue)[vi])
            if self.pref_coef and self.vols[vi].dislikes(venue):
                cost += self.pref_coef
            self.placed[key] = cost
        return cost

    def _mentoring(self, vi: int, wi: int, si: int) -> int:
        """Change of the shift's newcomer-without-mentor cost (vi already taken off)."""
        if not self.mentor_coef:
            return 0
        rest = self.state.people_on.get(si, [])
        return self.mentor_coef * (newcomer_alone(self.vols, [*rest, wi])
                                   - newcomer_alone(self.vols, [*rest, vi]))
