"""Smallest conflicting set of hard requirements when a model is infeasible.

Every pin and hard-rule group gets an assumption literal; CP-SAT's
`sufficient_assumptions_for_infeasibility` gives a core, and a deletion filter shrinks it to a
minimal one (dropping any member that leaves the rest still infeasible).
"""

from __future__ import annotations

from typing import Any

from .build import build
from .cpsat import Options, check_assumptions
from .index import Eligibility, VolunteerIndex
from .problem import Problem
from .texts import GROUPS, excluded_text, fmt_hours, lang_of, skill_name
from .timeutil import fmt_hhmm


def minimal_conflict(problem: Problem, ix: VolunteerIndex, elig: list[Eligibility],
                     opts: Options) -> list[tuple]:
    """Rule-group keys forming a minimal infeasible set ([] if none found in time)."""
    built = build(problem, ix=ix, elig=elig, with_assumptions=True, hint=False,
                  max_variables=opts.max_variables)
    keys = list(built.ctx.guards)
    status, core = check_assumptions(built, keys, opts)
    if status != "INFEASIBLE":
        return []
    core = core or keys
    i = 0
    while i < len(core):
        trial = core[:i] + core[i + 1:]
        status, smaller = check_assumptions(built, trial, opts)
        if status == "INFEASIBLE":
            # Keep the (possibly smaller) core the solver found inside the trial set.
            kept = set(smaller) if smaller else set(trial)
            core = [k for k in trial if k in kept]
        else:
            i += 1
    return core


def _shift_text(problem: Problem, shift_id: str, lang: str) -> str:
    s = problem.shift_by_id[shift_id]
    venue = problem.venue_by_id[s.venue_id].name
    ref = f"（{s.id}）" if lang == "zh-CN" else f" ({s.id})"
    return f"{s.date.isoformat()} {fmt_hhmm(s.start)}–{fmt_hhmm(s.end)} {venue}{ref}"


def describe(problem: Problem, key: tuple, lang: str) -> dict[str, Any]:
    """A conflict member in words, with the ids it concerns."""
    kind = key[0]
    lang = lang_of(lang)
    fields: dict[str, Any] = {}
    item: dict[str, Any] = {"rule": kind}
    vols = problem.volunteer_by_id
    if kind in ("pin", "eligibility"):
        vid, sid, skill = key[1], key[2], key[3]
        item.update(volunteer_id=vid, shift_id=sid, skill=skill)
        fields.update(vol=vols[vid].name, shift=_shift_text(problem, sid, lang),
                      skill=skill_name(skill, lang))
        if kind == "eligibility":
            sep = "、" if lang == "zh-CN" else ", "
            fields["why"] = sep.join(excluded_text(c, lang) for c in key[4]) or "?"
    elif kind in ("need_max", "adults", "party_lead"):
        shift = problem.shift_by_id[key[1]]
        item["shift_id"] = shift.id
        fields["shift"] = _shift_text(problem, shift.id, lang)
        if kind == "need_max":
            item["skill"] = key[2]
            fields["skill"] = skill_name(key[2], lang)
            fields["need_max"] = next(n.max for n in shift.needs if n.skill == key[2])
        fields["adults"] = problem.rules.get("min_adults_with_children")
    else:
        vol = vols[key[1]]
        item["volunteer_id"] = vol.id
        caps = dict(vol.max_shifts_by_kind)
        fields.update(
            vol=vol.name, rest=problem.rules.get("min_rest_minutes"),
            week=fmt_hours(vol.max_hours_week), month=fmt_hours(vol.max_hours_month),
            daily=vol.max_shifts_per_day or problem.rules.get("max_shifts_per_day"),
            consecutive=vol.max_consecutive_days or problem.rules.get("max_consecutive_days"),
            max_total=fmt_hours(vol.max_hours_total), min_total=fmt_hours(vol.min_hours_total),
            weekends=vol.max_weekends, on=vol.min_consecutive_days,
            off=vol.min_consecutive_days_off,
        )
        if kind == "kind_max":
            item["kind"] = key[2]
            fields.update(kind=key[2], kind_cap=caps.get(key[2]))
    item["text"] = GROUPS[lang][kind].format(**fields)
    return item


def conflict_report(problem: Problem, core: list[tuple], lang: str) -> dict[str, Any]:
    """The plan's `conflicts` entry for one minimal set."""
    items = [describe(problem, k, lang) for k in core]
    zh = lang_of(lang) == "zh-CN"
    lead = "以下要求不能同时满足：" if zh else "These requirements cannot all hold: "
    sep = "；" if zh else "; "
    return {"items": items, "message": lead + sep.join(i["text"] for i in items)}
