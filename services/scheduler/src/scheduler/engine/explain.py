"""Explain unfilled slots from the data: count skill holders excluded per reason, and eligible
volunteers that the solved plan blocks through a count/time rule."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from .context import PlanState
from .index import Eligibility, VolunteerIndex
from .problem import Problem, Shift
from .rules import CONSTRAINT_RULES, adults, vetting
from .texts import SHIFT_LEVEL, blocked_text, excluded_text, lang_of, skill_name
from .timeutil import fmt_hhmm


def plan_state(problem: Problem, ix: VolunteerIndex, chosen) -> PlanState:
    """PlanState of a set of (vi, si, skill) assignments."""
    shifts_of: dict[int, list[int]] = defaultdict(list)
    people_on: dict[int, list[int]] = defaultdict(list)
    for vi, si, _ in chosen:
        shifts_of[vi].append(si)
        people_on[si].append(vi)
    return PlanState(problem, ix, shifts_of, people_on)


def first_block(state: PlanState, vi: int, si: int) -> str | None:
    """The first count/time rule that stops vi from also working si, if any."""
    for rule in CONSTRAINT_RULES:
        code = rule.blocked(state, vi, si)
        if code:
            return code
    return None


def _conditions(problem: Problem, shift: Shift, e: Eligibility, lang: str) -> list[str]:
    zh = lang_of(lang) == "zh-CN"
    span = f"{fmt_hhmm(shift.start)}–{fmt_hhmm(shift.end)}"
    conds = [f"在 {span} 有空" if zh else f"free {span}"]
    if shift.radius_km is not None:
        conds.append(f"{shift.radius_km:g} 公里内" if zh else f"within {shift.radius_km:g} km")
    if vetting.required(shift):
        conds.append("通过儿童工作审查" if zh else "vetted")
    if shift.insurance:
        conds.append("保险有效" if zh else "insured")
    if "no_qualification" in e.excluded:
        conds.append("资质有效" if zh else "qualified")
    return conds


def _join_zh(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else "、".join(parts[:-1]) + "且" + parts[-1]


def _join_en(parts: list[str], word: str = "and") -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + f" {word} " + parts[-1]


def _no_one(problem: Problem, shift: Shift, e: Eligibility, lang: str, others: bool) -> str:
    skill = skill_name(e.skill, lang)
    conds = _conditions(problem, shift, e, lang)
    if lang_of(lang) == "zh-CN":
        return f"没有{'其他' if others else ''}{_join_zh(conds)}的{skill}"
    adjectives = [c for c in conds if c in ("vetted", "insured", "qualified")]
    rest = [c for c in conds if c not in adjectives]
    who = " ".join([*adjectives, skill])
    return f"no {'other ' if others else ''}{who} is {' '.join(rest)}"


def explain_slot(problem: Problem, ix: VolunteerIndex, e: Eligibility, state: PlanState,
                 missing: int, lang: str, time_limited: bool) -> dict[str, Any]:
    """One unfilled entry with a plain-language reason and the counts behind it."""
    shift = problem.shifts[e.shift_index]
    zh = lang_of(lang) == "zh-CN"
    on_shift = set(state.people_on.get(e.shift_index, []))
    blocked: Counter[str] = Counter()
    free = 0
    free_adults = 0
    for vi in e.eligible.tolist():
        if vi in on_shift:
            continue
        code = first_block(state, vi, e.shift_index)
        if code:
            blocked[code] += 1
        else:
            free += 1
            free_adults += adults.is_adult(problem.volunteers[vi], shift)
    codes = [c for c in e.excluded] + sorted(blocked)
    parts = []
    if e.holders == 0:
        parts.append(f"没有具备“{skill_name(e.skill, lang)}”技能的志愿者" if zh
                     else f"no volunteer has the skill {skill_name(e.skill, lang)}")
        codes.insert(0, "no_skill")
    elif free == 0:
        parts.append(_no_one(problem, shift, e, lang, others=bool(on_shift)))
    if blocked:
        if zh:
            parts.append("另有 " + "，".join(f"{n} 人{blocked_text(c, lang)}"
                                            for c, n in blocked.most_common()))
        else:
            parts.append(", ".join(f"{n} more {'is' if n == 1 else 'are'} {blocked_text(c, lang)}"
                                   for c, n in blocked.most_common()))
    if free:
        why = []
        need_adults = adults.required(problem, shift)
        adults_there = sum(adults.is_adult(problem.volunteers[vi], shift) for vi in on_shift)
        if need_adults and free_adults + adults_there < need_adults:
            why.append(SHIFT_LEVEL[lang_of(lang)]["too_few_adults"].format(n=need_adults))
            codes.append("too_few_adults")
        if shift.party_lead and not any(ix.party[e.eligible]):
            why.append(SHIFT_LEVEL[lang_of(lang)]["no_party_lead"])
            codes.append("no_party_lead")
        if not why:
            # Nothing a single added person would break: the search ran out of time, or a
            # pattern rule (blocks of days, a minimum elsewhere) ties them up.
            code = "time_limit" if time_limited else "other_rules"
            why.append(SHIFT_LEVEL[lang_of(lang)][code])
            codes.append(code)
        tail = f"（{'；'.join(why)}）" if zh and why else (f" ({'; '.join(why)})" if why else "")
        parts.append(f"{free} 名符合条件的{skill_name(e.skill, lang)}未被安排{tail}" if zh
                     else f"{free} eligible {skill_name(e.skill, lang)} left unassigned{tail}")
    sep = "；" if zh else "; "
    reason = sep.join(parts)
    if e.excluded:
        counts = [f"{len(ids)} 人{excluded_text(c, lang)}" if zh
                  else f"{len(ids)} {excluded_text(c, lang)}" for c, ids in e.excluded.items()]
        reason += (f"（共 {e.holders} 名{skill_name(e.skill, lang)}：{'，'.join(counts)}）" if zh
                   else f" (of {e.holders} {skill_name(e.skill, lang)}: {', '.join(counts)})")
    return {
        "shift_id": shift.id, "skill": e.skill, "missing": missing, "reason": reason,
        "reason_codes": codes,
        "counts": {"holders": e.holders, "eligible": int(len(e.eligible)),
                   "excluded": {c: int(len(ids)) for c, ids in e.excluded.items()},
                   "blocked": dict(blocked), "free": free},
    }
