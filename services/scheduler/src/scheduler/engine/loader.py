"""Turn a schema-valid problem dict into frozen dataclasses, checking cross-references."""

from __future__ import annotations

from typing import Any

from .errors import ProblemError
from .problem import (
    ADULT_AGE,
    DEFAULT_RULES,
    DEFAULT_WEIGHTS,
    Need,
    Pin,
    Problem,
    Qualification,
    Shift,
    ShiftRequest,
    Venue,
    Volunteer,
    Window,
)
from .timeutil import MINUTES_PER_DAY, parse_date, parse_hhmm


def _opt_date(text: str | None):
    return parse_date(text) if text else None


def _date(text: str, where: str):
    try:
        return parse_date(text)
    except ValueError:
        raise ProblemError(where, "is not a real calendar date") from None


def _check_unique(items: list[dict], name: str) -> None:
    seen: set[str] = set()
    for i, item in enumerate(items):
        if item["id"] in seen:
            raise ProblemError(f"{name}[{i}].id", f"duplicate id {item['id']!r}")
        seen.add(item["id"])


def _volunteer(d: dict[str, Any], i: int) -> Volunteer:
    where = f"volunteers[{i}]"
    windows = []
    for j, w in enumerate(d.get("availability", [])):
        start, end = parse_hhmm(w["start"]), parse_hhmm(w["end"])
        if end <= start:
            raise ProblemError(f"{where}.availability[{j}].end", "must be after start")
        windows.append(Window(w["weekday"], start, end))
    leave = []
    for j, r in enumerate(d.get("leave", [])):
        first = _date(r["start"], f"{where}.leave[{j}].start")
        last = _date(r["end"], f"{where}.leave[{j}].end")
        if last < first:
            raise ProblemError(f"{where}.leave[{j}].end", "must not be before start")
        leave.append((first, last))
    prefs = d.get("preferences") or {}
    home = d.get("home")
    return Volunteer(
        id=d["id"], name=d.get("name", d["id"]), community_id=d.get("community_id"),
        team=d.get("team"), party_member=bool(d.get("party_member", False)),
        skills=frozenset(d.get("skills", [])),
        qualifications=tuple(
            Qualification(q["skill"], bool(q.get("verified", False)),
                          _opt_date(q.get("valid_from")), _opt_date(q.get("valid_until")))
            for q in d.get("qualifications", [])
        ),
        vetted_until=_opt_date(d.get("vetted_until")),
        insured_until=_opt_date(d.get("insured_until")),
        birth_date=_opt_date(d.get("birth_date")),
        guardian_consent=bool(d.get("guardian_consent", False)),
        availability=tuple(windows), leave=tuple(leave),
        max_hours_week=d.get("max_hours_week"), max_hours_month=d.get("max_hours_month"),
        min_hours_total=d.get("min_hours_total"), max_hours_total=d.get("max_hours_total"),
        max_shifts_per_day=d.get("max_shifts_per_day"),
        max_consecutive_days=d.get("max_consecutive_days"),
        min_consecutive_days=d.get("min_consecutive_days"),
        min_consecutive_days_off=d.get("min_consecutive_days_off"),
        max_weekends=d.get("max_weekends"),
        max_shifts_by_kind=tuple(sorted((d.get("max_shifts_by_kind") or {}).items())),
        home=(home["lat"], home["lon"]) if home else None,
        experienced=bool(d.get("experienced", True)),
        pref_venues=frozenset(prefs.get("venues", [])),
        avoid_venues=frozenset(prefs.get("avoid_venues", [])),
        partners=tuple(prefs.get("partners", [])),
        shift_requests=tuple(
            ShiftRequest(parse_date(r["date"]), r.get("kind"), r["want"], r.get("weight", 1))
            for r in prefs.get("shift_requests", [])
        ),
    )


def _shift(d: dict[str, Any], i: int, horizon_start, weights: dict[str, int]) -> Shift:
    where = f"shifts[{i}]"
    day_date = _date(d["date"], f"{where}.date")
    day = (day_date - horizon_start).days
    start, end = parse_hhmm(d["start"]), parse_hhmm(d["end"])
    if start == MINUTES_PER_DAY:
        raise ProblemError(f"{where}.start", "must be before 24:00")
    length = end - start if end > start else end + MINUTES_PER_DAY - start
    priority = d.get("priority", 1)
    needs, skills = [], set()
    for j, n in enumerate(d["needs"]):
        top = n.get("max")
        top = n["min"] if top is None else top
        if top < n["min"]:
            raise ProblemError(f"{where}.needs[{j}].max", "must be >= min")
        if n["skill"] in skills:
            raise ProblemError(f"{where}.needs[{j}].skill", f"skill {n['skill']!r} listed twice")
        skills.add(n["skill"])
        under = n.get("weight_under")
        over = n.get("weight_over")
        needs.append(Need(
            n["skill"], n["min"], top,
            weights["coverage"] * max(priority, 1) if under is None else under,
            weights["over_cover"] if over is None else over,
        ))
    req = d.get("requires") or {}
    min_age = req.get("min_age")
    max_age = req.get("max_age")
    if min_age is not None and max_age is not None and max_age < min_age:
        raise ProblemError(f"{where}.requires.max_age", "must be >= min_age")
    return Shift(
        id=d["id"], activity_id=d.get("activity_id"), kind=d.get("kind", "general"),
        venue_id=d["venue_id"], community_id=d.get("community_id"), date=day_date, day=day,
        start=start, end=end, abs_start=day * MINUTES_PER_DAY + start,
        abs_end=day * MINUTES_PER_DAY + start + length, group_id=d.get("group_id"),
        priority=priority, children_present=bool(d.get("children_present", False)),
        needs=tuple(needs), vetting=bool(req.get("vetting", False)),
        insurance=bool(req.get("insurance", False)), party_lead=bool(req.get("party_lead", False)),
        min_age=ADULT_AGE if min_age is None else min_age, max_age=max_age,
        radius_km=req.get("radius_km"), minutes=length,
    )


def _assignments(items: list[dict], where: str, vols, shifts) -> tuple[Pin, ...]:
    out = []
    for i, a in enumerate(items):
        if a["volunteer_id"] not in vols:
            raise ProblemError(f"{where}[{i}].volunteer_id",
                               f"unknown volunteer {a['volunteer_id']!r}")
        shift = shifts.get(a["shift_id"])
        if shift is None:
            raise ProblemError(f"{where}[{i}].shift_id", f"unknown shift {a['shift_id']!r}")
        skill = a.get("skill")
        if skill is None:
            # Without a skill the pin means the shift's first need the volunteer has.
            own = vols[a["volunteer_id"]].skills
            skill = next((n.skill for n in shift.needs if n.skill in own), shift.needs[0].skill)
        if skill not in {n.skill for n in shift.needs}:
            raise ProblemError(f"{where}[{i}].skill",
                               f"shift {shift.id!r} has no need for skill {skill!r}")
        out.append(Pin(a["volunteer_id"], a["shift_id"], skill))
    return tuple(out)


def build_problem(data: dict[str, Any]) -> Problem:
    """Build a Problem from a schema-valid dict; raise ProblemError on broken references."""
    start = _date(data["horizon"]["start"], "horizon.start")
    end = _date(data["horizon"]["end"], "horizon.end")
    if end < start:
        raise ProblemError("horizon.end", "must not be before horizon.start")
    rules = {**DEFAULT_RULES, **(data.get("rules") or {})}
    weights = {**DEFAULT_WEIGHTS, **(data.get("weights") or {})}
    for name in ("venues", "volunteers", "shifts"):
        _check_unique(data[name], name)
    venues = tuple(Venue(v["id"], v.get("name", v["id"]), v.get("community_id"), v["lat"], v["lon"])
                   for v in data["venues"])
    venue_ids = {v.id for v in venues}
    volunteers = tuple(_volunteer(d, i) for i, d in enumerate(data["volunteers"]))
    vol_by_id = {v.id: v for v in volunteers}
    for i, v in enumerate(volunteers):
        for j, pid in enumerate(v.partners):
            if pid not in vol_by_id:
                raise ProblemError(f"volunteers[{i}].preferences.partners[{j}]",
                                   f"unknown volunteer {pid!r}")
        for key, ids in (("venues", v.pref_venues), ("avoid_venues", v.avoid_venues)):
            for vid in sorted(ids - venue_ids):
                raise ProblemError(f"volunteers[{i}].preferences.{key}", f"unknown venue {vid!r}")
    shifts = []
    for i, d in enumerate(data["shifts"]):
        if d["venue_id"] not in venue_ids:
            raise ProblemError(f"shifts[{i}].venue_id", f"unknown venue {d['venue_id']!r}")
        shift = _shift(d, i, start, weights)
        if not start <= shift.date <= end:
            raise ProblemError(f"shifts[{i}].date", "is outside the horizon")
        shifts.append(shift)
    shift_by_id = {s.id: s for s in shifts}
    pins = _assignments(data.get("pins", []), "pins", vol_by_id, shift_by_id)
    previous = _assignments((data.get("previous_plan") or {}).get("assignments", []),
                            "previous_plan.assignments", vol_by_id, shift_by_id)
    return Problem(
        start=start, end=end, rules=rules, weights=weights, venues=venues,
        volunteers=volunteers, shifts=tuple(shifts), pins=pins, previous=previous,
        strategy=data.get("strategy", "auto"), raw=data,
        venue_by_id={v.id: v for v in venues}, volunteer_by_id=vol_by_id,
        shift_by_id=shift_by_id,
    )
