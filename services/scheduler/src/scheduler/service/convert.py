"""Turn a registry planning snapshot into an engine problem (docs/engine-problem-format.md).

Plain Python, no I/O. The snapshot uses the registry's integer ids and names
(`start_time`, `type_code`, `requires_vetting` ...); the problem uses string ids and the
engine's names. Inactive volunteers and cancelled shifts are left out. What the engine does not
need but the events do (activity and venue names, address) travels in `meta`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

PROBLEM_FORMAT = "linli-problem/1"
SCHOOL_KINDS = ("after_school", "escort")

#: Engine rules applied to every plan unless a coordinator overrides them.
DEFAULT_RULES: dict[str, Any] = {
    "max_shifts_per_day": 2,
    "min_rest_minutes": 0,
    "travel_speed_kmh": 15,
    "travel_buffer_minutes": 10,
    "minor_daytime": ["08:00", "20:00"],
    "min_adults_with_children": 2,
}

#: A volunteer who declined a shift is kept off shifts of its kind that day at this cost.
DECLINE_WEIGHT = 1000


def _first(d: Mapping[str, Any], *names: str, default: Any = None) -> Any:
    for name in names:
        if name in d and d[name] is not None:
            return d[name]
    return default


def _hhmm(value: Any) -> str:
    text = str(value)
    return text[:5]


def _sid(value: Any) -> str | None:
    return None if value is None else str(value)


def _by_id(items: Iterable[Mapping[str, Any]]) -> dict[int, Mapping[str, Any]]:
    return {int(item["id"]): item for item in items}


def _venue(v: Mapping[str, Any], fallback: tuple[float, float]) -> dict[str, Any]:
    lat, lon = v.get("lat"), v.get("lon")
    return {
        "id": str(v["id"]),
        "name": str(v.get("name") or v["id"]),
        "community_id": _sid(v.get("community_id")),
        "lat": float(lat if lat is not None else fallback[0]),
        "lon": float(lon if lon is not None else fallback[1]),
        "meta": {"address": v.get("address")},
    }


def _qualification(q: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "skill": str(q["skill"]),
        "verified": bool(q.get("verified", False)),
        "valid_from": q.get("valid_from"),
        "valid_until": q.get("valid_until"),
    }


def _volunteer(v: Mapping[str, Any]) -> dict[str, Any]:
    prefs = v.get("preferences") or {}
    home = None
    if v.get("home_lat") is not None and v.get("home_lon") is not None:
        home = {"lat": float(v["home_lat"]), "lon": float(v["home_lon"])}
    elif isinstance(v.get("home"), Mapping):
        home = {"lat": float(v["home"]["lat"]), "lon": float(v["home"]["lon"])}
    out: dict[str, Any] = {
        "id": str(v["id"]),
        "name": str(v.get("name") or v["id"]),
        "community_id": _sid(v.get("community_id")),
        "team": v.get("team"),
        "party_member": bool(v.get("party_member", False)),
        "skills": sorted({str(s) for s in v.get("skills") or []}),
        "qualifications": [_qualification(q) for q in v.get("qualifications") or []],
        "vetted_until": v.get("vetted_until"),
        "insured_until": v.get("insured_until"),
        "birth_date": v.get("birth_date"),
        "guardian_consent": bool(v.get("guardian_consent", False)),
        "availability": [
            {"weekday": int(w["weekday"]), "start": _hhmm(w["start"]), "end": _hhmm(w["end"])}
            for w in v.get("availability") or []
        ],
        "leave": [{"start": r["start"], "end": r["end"]} for r in v.get("leave") or []],
        "max_hours_week": v.get("max_hours_week"),
        "max_hours_month": v.get("max_hours_month"),
        "experienced": bool(v.get("experienced", False)),
        "preferences": {
            "venues": [str(i) for i in _first(prefs, "venue_ids", "venues", default=[])],
            "avoid_venues": [
                str(i) for i in _first(prefs, "avoid_venue_ids", "avoid_venues", default=[])
            ],
            "partners": [str(i) for i in _first(prefs, "partner_ids", "partners", default=[])],
            "shift_requests": [],
        },
    }
    if home:
        out["home"] = home
    return out


def _need(n: Mapping[str, Any]) -> dict[str, Any]:
    low = int(n.get("min", 1))
    high = n.get("max")
    return {"skill": str(n["skill"]), "min": low, "max": max(low, int(high)) if high else low}


def _shift(
    s: Mapping[str, Any],
    activities: Mapping[int, Mapping[str, Any]],
    venues: Mapping[int, Mapping[str, Any]],
    types: Mapping[str, Mapping[str, Any]],
) -> dict[str, Any]:
    # The registry nests the activity's requirements in the shift; older snapshots list
    # activities separately.
    activity: Mapping[str, Any] = s.get("activity") or activities.get(
        int(s.get("activity_id") or 0), {}
    )

    def pick(*names: str, default: Any = None) -> Any:
        return _first(s, *names, default=_first(activity, *names, default=default))

    kind = str(pick("type_code", "activity_type", "kind", default="general"))
    type_info = types.get(kind, {})
    venue_id = int(pick("venue_id"))
    venue = venues.get(venue_id, {})
    needs = [_need(n) for n in pick("needs", default=[]) if int(n.get("max") or n.get("min", 1))]
    if not needs:
        needs = [{"skill": str(type_info.get("default_skill", "general")), "min": 1, "max": 1}]
    return {
        "id": str(s["id"]),
        "activity_id": _sid(s.get("activity_id")),
        "kind": kind,
        "venue_id": str(venue_id),
        "community_id": _sid(pick("community_id")),
        "date": str(s["date"]),
        "start": _hhmm(pick("start_time", "start")),
        "end": _hhmm(pick("end_time", "end")),
        "group_id": pick("group_label", "group_id"),
        "priority": int(pick("priority", default=3)),
        "children_present": bool(
            pick("children_present", default=type_info.get("children_present", False))
        ),
        "needs": needs,
        "requires": {
            "vetting": bool(pick("requires_vetting", default=False)),
            "insurance": bool(pick("requires_insurance", default=type_info.get("risky", False))),
            "party_lead": bool(
                pick("requires_party_lead", default=type_info.get("outreach", False))
            ),
            "min_age": pick("min_age"),
            "max_age": pick("max_age"),
            "radius_km": pick("radius_km"),
        },
        "meta": {
            "activity_name": str(pick("activity_name", "name", default=kind)),
            "venue_name": venue.get("name") or s.get("venue_name"),
            "venue_address": venue.get("address") or s.get("venue_address"),
        },
    }


def _drop_unknown_references(volunteers: list[dict[str, Any]], venue_ids: set[str]) -> None:
    """Preferences may name venues or partners outside the snapshot (another community,
    an inactive volunteer): the engine refuses unknown ids, and they cannot matter here."""
    people = {v["id"] for v in volunteers}
    for v in volunteers:
        prefs = v["preferences"]
        prefs["venues"] = [i for i in prefs["venues"] if i in venue_ids]
        prefs["avoid_venues"] = [i for i in prefs["avoid_venues"] if i in venue_ids]
        prefs["partners"] = [i for i in prefs["partners"] if i in people and i != v["id"]]


def snapshot_to_problem(
    snapshot: Mapping[str, Any],
    start: str,
    end: str,
    *,
    rules: Mapping[str, Any] | None = None,
    weights: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Build the engine problem for the horizon [start, end] from a registry snapshot."""
    venues_raw = list(snapshot.get("venues") or [])
    located = [(v["lat"], v["lon"]) for v in venues_raw if v.get("lat") is not None]
    fallback = (
        (sum(p[0] for p in located) / len(located), sum(p[1] for p in located) / len(located))
        if located else (0.0, 0.0)
    )
    venues = _by_id(venues_raw)
    activities = _by_id(snapshot.get("activities") or [])
    types = {str(t["code"]): t for t in snapshot.get("activity_types") or [] if "code" in t}
    shifts = [
        _shift(s, activities, venues, types)
        for s in snapshot.get("shifts") or []
        if s.get("status", "scheduled") != "cancelled" and start <= str(s["date"]) <= end
    ]
    volunteers = [
        _volunteer(v) for v in snapshot.get("volunteers") or [] if v.get("active", True)
    ]
    _drop_unknown_references(volunteers, {str(v["id"]) for v in venues_raw})
    problem: dict[str, Any] = {
        "format": PROBLEM_FORMAT,
        "horizon": {"start": start, "end": end},
        "rules": {**DEFAULT_RULES, **(rules or {})},
        "venues": [_venue(v, fallback) for v in venues_raw],
        "volunteers": volunteers,
        "shifts": shifts,
        "pins": [],
    }
    if weights:
        problem["weights"] = dict(weights)
    return problem


def shift_index(problem: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Shifts of a problem by their (string) id."""
    return {s["id"]: s for s in problem.get("shifts", [])}


def volunteer_index(problem: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Volunteers of a problem by their (string) id."""
    return {v["id"]: v for v in problem.get("volunteers", [])}


def with_pins_and_exclusions(
    problem: Mapping[str, Any],
    pins: Iterable[Mapping[str, Any]],
    exclusions: Iterable[tuple[int, int]],
    previous: Iterable[Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """A copy of the problem with the pins, declined shifts kept off and the previous plan."""
    out = dict(problem)
    shifts = shift_index(problem)
    out["pins"] = [
        {"volunteer_id": str(p["volunteer_id"]), "shift_id": str(p["shift_id"]),
         "skill": p.get("skill")}
        for p in pins
    ]
    declined: dict[str, list[dict[str, Any]]] = {}
    for volunteer_id, shift_id in exclusions:
        shift = shifts.get(str(shift_id))
        if shift is not None:
            declined.setdefault(str(volunteer_id), []).append(
                {"date": shift["date"], "kind": shift.get("kind"), "want": False,
                 "weight": DECLINE_WEIGHT}
            )
    if declined:
        vols = []
        for v in problem.get("volunteers", []):
            if v["id"] in declined:
                prefs = dict(v.get("preferences") or {})
                prefs["shift_requests"] = [*prefs.get("shift_requests", []), *declined[v["id"]]]
                v = {**v, "preferences": prefs}
            vols.append(v)
        out["volunteers"] = vols
    if previous is not None:
        out["previous_plan"] = {
            "assignments": [
                {"volunteer_id": str(a["volunteer_id"]), "shift_id": str(a["shift_id"]),
                 "skill": a.get("skill")}
                for a in previous
            ]
        }
    return out
