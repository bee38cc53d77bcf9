"""Rank volunteers for one open place in a plan, with reasons; list excluded ones with why."""

from __future__ import annotations

from typing import Any

from .errors import ProblemError
from .explain import first_block, plan_state
from .index import VolunteerIndex, exclusion_reasons
from .problem import Problem
from .rules.adults import is_adult, required
from .texts import blocked_text, excluded_text, lang_of


def rank(problem: Problem, plan: dict[str, Any], shift_id: str, skill: str, *,
         limit: int = 10, lang: str = "zh-CN", replacing: str | None = None,
         ) -> list[dict[str, Any]]:
    """Eligible, free volunteers best first (up to limit), then excluded ones (up to limit).

    With `replacing`, the place is the one that volunteer leaves: a minor is then excluded when
    the shift would keep too few adults with the children.
    """
    shift = problem.shift_by_id.get(shift_id)
    if shift is None:
        raise ProblemError("shift_id", f"unknown shift {shift_id!r}")
    need = next((n for n in shift.needs if n.skill == skill), None)
    if need is None:
        raise ProblemError("skill", f"shift {shift_id!r} has no need for skill {skill!r}")
    ix = VolunteerIndex(problem)
    si = next(i for i, s in enumerate(problem.shifts) if s.id == shift_id)
    spos = {s.id: i for i, s in enumerate(problem.shifts)}
    chosen = {(ix.pos[a["volunteer_id"]], spos[a["shift_id"]], a["skill"])
              for a in plan.get("assignments", [])
              if a["volunteer_id"] in ix.pos and a["shift_id"] in spos}
    state = plan_state(problem, ix, chosen)
    fair = {row["volunteer_id"]: row.get("fair_share_hours") or 0.0
            for row in plan.get("loads", [])}
    hours = {vi: 0.0 for vi in range(ix.n)}
    groups: dict[int, set[str]] = {}
    for vi, sj, _ in chosen:
        hours[vi] += problem.shifts[sj].minutes / 60
        group = problem.shifts[sj].group_id
        if group:
            groups.setdefault(vi, set()).add(group)
    adults_short = _adults_short_without(problem, ix, state.people_on.get(si, []), shift,
                                         replacing)
    distance = ix.home_distance(shift.venue_id)
    zh = lang_of(lang) == "zh-CN"
    good, excluded = [], []
    for vi in ix.holders(skill).tolist():
        vol = problem.volunteers[vi]
        if vi in state.people_on.get(si, []):
            continue
        codes = exclusion_reasons(ix, shift, need, vi)
        if not codes:
            block = first_block(state, vi, si)
            codes = [block] if block else []
        if not codes and adults_short and not is_adult(vol, shift):
            codes = ["too_few_adults"]
        if codes:
            texts = [excluded_text(c, lang) if c in _EXCLUDE else blocked_text(c, lang)
                     for c in codes]
            excluded.append({"volunteer_id": vol.id, "name": vol.name, "eligible": False,
                             "why": codes, "why_text": ("、" if zh else ", ").join(texts)})
            continue
        km = float(distance[vi]) if distance[vi] == distance[vi] else None
        share = fair.get(vol.id, 0.0)
        same_group = bool(shift.group_id and shift.group_id in groups.get(vi, set()))
        liked = shift.venue_id in vol.pref_venues
        avoided = shift.venue_id in vol.avoid_venues
        reasons = ["有空" if zh else "free"]
        if km is not None:
            reasons.append(f"距离 {km:.1f} 公里" if zh else f"{km:.1f} km away")
        reasons.append(f"已排 {hours[vi]:g} 小时 / 合理份额 {share:g} 小时" if zh
                       else f"{hours[vi]:g} h planned / fair share {share:g} h")
        if liked:
            reasons.append("偏好该场所" if zh else "prefers this venue")
        if avoided:
            reasons.append("希望避开该场所" if zh else "asked to avoid this venue")
        if same_group:
            reasons.append("一直带这个小组" if zh else "already works with this group")
        score = (avoided, -same_group, hours[vi] - share, -liked, km if km is not None else 1e9)
        good.append((score, {"volunteer_id": vol.id, "name": vol.name, "eligible": True,
                             "distance_km": None if km is None else round(km, 2),
                             "hours": round(hours[vi], 2), "fair_share_hours": share,
                             "preferred_venue": liked, "avoided_venue": avoided,
                             "same_group": same_group, "reasons": reasons}))
    good.sort(key=lambda item: item[0])
    ranked = [row for _, row in good[:limit]]
    for rank_no, row in enumerate(ranked, 1):
        row["rank"] = rank_no
    return ranked + excluded[:limit]


def _adults_short_without(problem: Problem, ix: VolunteerIndex, people: list[int], shift: Any,
                          replacing: str | None) -> bool:
    """Whether the shift, once `replacing` leaves it, has fewer adults than it needs."""
    if replacing is None or replacing not in ix.pos:
        return False
    staying = [vi for vi in people if vi != ix.pos[replacing]]
    adults = sum(is_adult(problem.volunteers[vi], shift) for vi in staying)
    return adults < required(problem, shift)


_EXCLUDE = {"unavailable", "on_leave", "no_qualification", "age", "minor_not_daytime",
            "minor_no_consent", "not_vetted", "not_insured", "too_far", "no_skill"}
