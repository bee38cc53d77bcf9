"""Independent plan checker: re-checks every hard rule with its own plain loops over the plan.

Deliberately shares no code with the model side (no rules/, index, context or timeutil): it
reads the problem JSON directly, so a modelling mistake cannot hide itself here.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any


@dataclass(frozen=True)
class Violation:
    """One broken hard rule in a plan."""

    rule: str
    message: str
    volunteer_id: str | None = None
    shift_id: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form."""
        return {"rule": self.rule, "message": self.message, "volunteer_id": self.volunteer_id,
                "shift_id": self.shift_id}


def _mins(text: str) -> int:
    h, m = text.split(":")
    return int(h) * 60 + int(m)


def _day(text: str) -> date:
    return date.fromisoformat(text)


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (math.sin((p2 - p1) / 2) ** 2
         + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(a)))


def _age(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _valid_on(until: str | None, on: date) -> bool:
    return until is not None and _day(until) >= on


class _Shift:
    def __init__(self, d: dict[str, Any], horizon_start: date):
        self.d = d
        self.id = d["id"]
        self.date = _day(d["date"])
        start, end = _mins(d["start"]), _mins(d["end"])
        length = end - start if end > start else end + 1440 - start
        self.begin = (self.date - horizon_start).days * 1440 + start
        self.finish = self.begin + length
        self.minutes = length
        self.start, self.end = start, end
        self.kind = d.get("kind", "general")
        req = d.get("requires") or {}
        self.req = req
        self.children = bool(d.get("children_present", False))
        self.needs = {n["skill"]: n for n in d["needs"]}


def validate_plan(problem: Any, plan: dict[str, Any]) -> list[Violation]:
    """Every hard-rule violation in `plan` (empty list when the plan is valid)."""
    data = problem if isinstance(problem, dict) else problem.raw
    return _Checker(data, plan).run()


class _Checker:
    def __init__(self, data: dict[str, Any], plan: dict[str, Any]):
        self.data = data
        self.plan = plan
        self.rules = {"max_shifts_per_day": None, "min_rest_minutes": 0,
                      "max_consecutive_days": None, "travel_speed_kmh": 15.0,
                      "travel_buffer_minutes": 10, "minor_daytime": ["08:00", "20:00"],
                      "min_adults_with_children": 2, "forbidden_successions": [],
                      "min_block_boundary": "exempt", **(data.get("rules") or {})}
        self.h0 = _day(data["horizon"]["start"])
        self.h1 = _day(data["horizon"]["end"])
        self.venues = {v["id"]: v for v in data["venues"]}
        self.vols = {v["id"]: v for v in data["volunteers"]}
        self.shifts = {s["id"]: _Shift(s, self.h0) for s in data["shifts"]}
        self.out: list[Violation] = []

    def bad(self, rule: str, message: str, vid: str | None = None, sid: str | None = None):
        """Record one violation."""
        self.out.append(Violation(rule, message, vid, sid))

    def run(self) -> list[Violation]:
        """Check the whole plan."""
        rows = []
        seen = set()
        for a in self.plan.get("assignments", []):
            vid, sid, skill = a.get("volunteer_id"), a.get("shift_id"), a.get("skill")
            if vid not in self.vols or sid not in self.shifts:
                self.bad("reference", f"unknown volunteer or shift in {vid}/{sid}", vid, sid)
                continue
            if (vid, sid) in seen:
                self.bad("one_place", f"{vid} assigned twice to {sid}", vid, sid)
                continue
            seen.add((vid, sid))
            rows.append((vid, sid, skill))
        by_vol: dict[str, list[_Shift]] = defaultdict(list)
        by_shift: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for vid, sid, skill in rows:
            self.check_pair(self.vols[vid], self.shifts[sid], skill)
            by_vol[vid].append(self.shifts[sid])
            by_shift[sid].append((vid, skill))
        for vid, shifts in by_vol.items():
            self.check_volunteer(self.vols[vid], sorted(shifts, key=lambda s: s.begin))
        for vid, vol in self.vols.items():
            if vid not in by_vol and vol.get("min_hours_total"):
                self.bad("min_total", f"{vid} gets 0 h, minimum {vol['min_hours_total']} h", vid)
        for sid, people in by_shift.items():
            self.check_shift(self.shifts[sid], people)
        placed = {(vid, sid, skill) for vid, sid, skill in rows}
        for pin in self.data.get("pins", []):
            skill = pin.get("skill")
            hit = [r for r in placed if r[0] == pin["volunteer_id"] and r[1] == pin["shift_id"]
                   and (skill is None or r[2] == skill)]
            if not hit:
                self.bad("pin", f"pin {pin['volunteer_id']} -> {pin['shift_id']} not kept",
                         pin["volunteer_id"], pin["shift_id"])
        return self.out

    # -- one volunteer on one shift -------------------------------------------------------
    def check_pair(self, v: dict[str, Any], s: _Shift, skill: str) -> None:
        """Rules about one volunteer on one shift."""
        vid, sid, on = v["id"], s.id, s.date
        if skill not in s.needs:
            self.bad("skill", f"{sid} has no need for {skill}", vid, sid)
        if skill not in (v.get("skills") or []):
            self.bad("skill", f"{vid} lacks skill {skill}", vid, sid)
        quals = [q for q in v.get("qualifications") or [] if q["skill"] == skill]
        if quals and not any(
            q.get("verified") and (not q.get("valid_from") or _day(q["valid_from"]) <= on)
            and (not q.get("valid_until") or on <= _day(q["valid_until"])) for q in quals
        ):
            self.bad("qualification", f"{vid} has no valid {skill} qualification on {on}",
                     vid, sid)
        windows = v.get("availability") or []
        if windows:
            end = s.end if s.end > s.start else 1440
            if not any(w["weekday"] == on.weekday() and _mins(w["start"]) <= s.start
                       and _mins(w["end"]) >= end for w in windows):
                self.bad("availability", f"{vid} not available for {sid}", vid, sid)
        for r in v.get("leave") or []:
            if _day(r["start"]) <= on <= _day(r["end"]):
                self.bad("leave", f"{vid} on leave on {on}", vid, sid)
        self.check_age(v, s)
        if (s.children or s.req.get("vetting")) and not _valid_on(v.get("vetted_until"), on):
            self.bad("vetting", f"{vid} not vetted on {on}", vid, sid)
        if s.req.get("insurance") and not _valid_on(v.get("insured_until"), on):
            self.bad("insurance", f"{vid} not insured on {on}", vid, sid)
        radius, home = s.req.get("radius_km"), v.get("home")
        if radius is not None and home:
            venue = self.venues[s.d["venue_id"]]
            dist = _km(home["lat"], home["lon"], venue["lat"], venue["lon"])
            if dist > radius + 1e-9:
                self.bad("radius", f"{vid} lives {dist:.1f} km away, limit {radius}", vid, sid)

    def check_age(self, v: dict[str, Any], s: _Shift) -> None:
        """Age bounds, and consent and daytime for minors."""
        vid, sid = v["id"], s.id
        min_age = s.req.get("min_age")
        min_age = 18 if min_age is None else min_age
        max_age = s.req.get("max_age")
        if not v.get("birth_date"):
            if min_age > 18 or max_age is not None:
                self.bad("age", f"{vid} has no birth date; {sid} has age bounds", vid, sid)
            return
        age = _age(_day(v["birth_date"]), s.date)
        if age < min_age or (max_age is not None and age > max_age):
            self.bad("age", f"{vid} is {age}, outside the bounds of {sid}", vid, sid)
        if age < 18:
            if not v.get("guardian_consent"):
                self.bad("minor", f"minor {vid} without guardian consent", vid, sid)
            lo, hi = (_mins(t) for t in self.rules["minor_daytime"])
            if not (s.end > s.start and s.start >= lo and s.end <= hi):
                self.bad("minor", f"minor {vid} outside daytime on {sid}", vid, sid)

    # -- one volunteer's whole schedule ---------------------------------------------------
    def check_volunteer(self, v: dict[str, Any], shifts: list[_Shift]) -> None:
        """Rules about one volunteer's whole schedule (sorted by start)."""
        vid = v["id"]
        rules = self.rules
        for i, a in enumerate(shifts):
            for b in shifts[i + 1:]:
                va, vb = self.venues[a.d["venue_id"]], self.venues[b.d["venue_id"]]
                travel = 0
                if a.d["venue_id"] != b.d["venue_id"]:
                    km = _km(va["lat"], va["lon"], vb["lat"], vb["lon"])
                    if km > 0:
                        travel = math.ceil(km / rules["travel_speed_kmh"] * 60) + rules[
                            "travel_buffer_minutes"]
                if b.begin < a.finish + travel:
                    self.bad("overlap", f"{vid}: {a.id} and {b.id} overlap or too little travel",
                             vid, b.id)
                elif b.begin < a.finish + (rules.get("min_rest_minutes") or 0):
                    self.bad("rest", f"{vid}: too little rest between {a.id} and {b.id}",
                             vid, b.id)
        self.check_sums(v, shifts)
        worked = sorted({s.date for s in shifts})
        self.check_days(v, worked)
        banned = {(r["first_kind"], r["then_kind"]) for r in rules["forbidden_successions"]}
        for a in shifts:
            for b in shifts:
                if (b.date - a.date).days == 1 and (a.kind, b.kind) in banned:
                    self.bad("succession", f"{vid}: {a.kind} then {b.kind}", vid, b.id)

    def check_sums(self, v: dict[str, Any], shifts: list[_Shift]) -> None:
        """Hour caps, daily and per-kind counts, total hours."""
        vid = v["id"]
        week: dict[tuple[int, int], int] = defaultdict(int)
        month: dict[tuple[int, int], int] = defaultdict(int)
        day: dict[date, int] = defaultdict(int)
        kind: dict[str, int] = defaultdict(int)
        for s in shifts:
            iso = s.date.isocalendar()
            week[(iso[0], iso[1])] += s.minutes
            month[(s.date.year, s.date.month)] += s.minutes
            day[s.date] += 1
            kind[s.kind] += 1
        if v.get("max_hours_week") is not None:
            for key, total in week.items():
                if total > round(v["max_hours_week"] * 60):
                    self.bad("weekly_cap", f"{vid}: {total / 60:g} h in week {key}", vid)
        if v.get("max_hours_month") is not None:
            for key, total in month.items():
                if total > round(v["max_hours_month"] * 60):
                    self.bad("monthly_cap", f"{vid}: {total / 60:g} h in month {key}", vid)
        cap = v.get("max_shifts_per_day")
        cap = self.rules.get("max_shifts_per_day") if cap is None else cap
        if cap is not None:
            for on, count in day.items():
                if count > cap:
                    self.bad("daily_max", f"{vid}: {count} shifts on {on}", vid)
        for k, limit in (v.get("max_shifts_by_kind") or {}).items():
            if kind.get(k, 0) > limit:
                self.bad("kind_max", f"{vid}: {kind[k]} shifts of kind {k}", vid)
        total = sum(s.minutes for s in shifts)
        if v.get("max_hours_total") is not None and total > round(v["max_hours_total"] * 60):
            self.bad("max_total", f"{vid}: {total / 60:g} h in total", vid)
        if v.get("min_hours_total") and total < round(v["min_hours_total"] * 60):
            self.bad("min_total", f"{vid}: {total / 60:g} h, minimum {v['min_hours_total']}", vid)

    def check_days(self, v: dict[str, Any], worked: list[date]) -> None:
        """Consecutive days, minimum blocks and weekends."""
        vid = v["id"]
        cap = v.get("max_consecutive_days")
        cap = self.rules.get("max_consecutive_days") if cap is None else cap
        flags = []
        d = self.h0
        while d <= self.h1:
            flags.append(d in set(worked))
            d += timedelta(days=1)
        runs: list[list[Any]] = []  # [value, first index, length]
        for i, f in enumerate(flags):
            if runs and runs[-1][0] == f:
                runs[-1][2] += 1
            else:
                runs.append([f, i, 1])
        for on, first, length in runs:
            if on and cap is not None and length > cap:
                self.bad("max_consecutive", f"{vid}: {length} days in a row", vid)
            shortest = v.get("min_consecutive_days") if on else v.get("min_consecutive_days_off")
            touches = first == 0 or first + length == len(flags)
            if shortest and length < shortest and not (
                    touches and self.rules["min_block_boundary"] == "exempt"):
                self.bad("min_work_block" if on else "min_off_block",
                         f"{vid}: block of {length} {'working' if on else 'free'} days", vid)
        limit = v.get("max_weekends")
        if limit is not None:
            weekends = {d - timedelta(days=d.weekday() - 5) for d in worked if d.weekday() >= 5}
            if len(weekends) > limit:
                self.bad("max_weekends", f"{vid}: {len(weekends)} weekends", vid)

    # -- everyone on one shift --------------------------------------------------------------
    def check_shift(self, s: _Shift, people: list[tuple[str, str]]) -> None:
        """Need maxima, adults with children, party lead."""
        count: dict[str, int] = defaultdict(int)
        for _, skill in people:
            count[skill] += 1
        for skill, n in count.items():
            need = s.needs.get(skill)
            if need is not None:
                top = need["min"] if need.get("max") is None else need["max"]
                if n > top:
                    self.bad("need_max", f"{s.id}: {n} {skill}, max {top}", None, s.id)
        if s.children:
            places = sum(n["min"] if n.get("max") is None else n["max"] for n in s.needs.values())
            want = min(self.rules.get("min_adults_with_children") or 0, places)
            adults = sum(1 for vid, _ in people if not self.vols[vid].get("birth_date")
                         or _age(_day(self.vols[vid]["birth_date"]), s.date) >= 18)
            if adults < want:
                self.bad("adults", f"{s.id}: {adults} adult(s) with children, need {want}",
                         None, s.id)
        if s.req.get("party_lead") and not any(self.vols[v].get("party_member")
                                               for v, _ in people):
            self.bad("party_lead", f"{s.id}: no party member", None, s.id)


def coverage(problem: Any, plan: dict[str, Any]) -> dict[str, int]:
    """Places wanted (sum of need.min) and places filled up to min."""
    data = problem if isinstance(problem, dict) else problem.raw
    filled: dict[tuple[str, str], int] = defaultdict(int)
    for a in plan.get("assignments", []):
        filled[(a["shift_id"], a["skill"])] += 1
    wanted = got = 0
    for s in data["shifts"]:
        for n in s["needs"]:
            wanted += n["min"]
            got += min(n["min"], filled[(s["id"], n["skill"])])
    return {"wanted": wanted, "filled": got, "missing": wanted - got}
