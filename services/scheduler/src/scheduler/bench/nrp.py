"""Curtois & Qu shift-scheduling benchmark: parser, converter, evaluator and checker.

The public instances (``InstanceN.txt``, see ``bench/data/nrp/README.md``) are read into an
:class:`Instance`, converted into a ``linli-problem/1`` problem without loss, and a plan's
assignments are mapped back onto a roster.  The NRP objective and the NRP hard rules are then
computed here, straight from the parsed instance, so a benchmark result never depends on the
engine's own account of it.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

# Day 0 of every instance is a Monday; 2024-01-01 is one, and the longest horizon (364 days)
# stays inside one calendar year.
DEFAULT_START = date(2024, 1, 1)
SHIFT_START = "08:00"
SKILL = "nurse"
VENUE_ID = "ward"
COMMUNITY_ID = "nrp"

# A roster entry: (employee id, day index, shift type id).
Work = tuple[str, int, str]


class NrpFormatError(ValueError):
    """An instance file does not follow the benchmark's text format."""


@dataclass(frozen=True)
class ShiftType:
    """A shift type: its length and the types that may not be worked the next day."""

    id: str
    minutes: int
    cannot_follow: tuple[str, ...]


@dataclass(frozen=True)
class Staff:
    """An employee's contract limits."""

    id: str
    max_shifts: Mapping[str, int]
    max_total_minutes: int
    min_total_minutes: int
    max_consecutive_shifts: int
    min_consecutive_shifts: int
    min_consecutive_days_off: int
    max_weekends: int


@dataclass(frozen=True)
class Request:
    """A shift on- or off-request with its weight."""

    employee: str
    day: int
    shift: str
    weight: int


@dataclass(frozen=True)
class Cover:
    """The cover requirement of one shift type on one day."""

    day: int
    shift: str
    requirement: int
    weight_under: int
    weight_over: int


@dataclass
class Instance:
    """A parsed benchmark instance."""

    name: str
    horizon: int
    shift_types: list[ShiftType]
    staff: list[Staff]
    days_off: dict[str, tuple[int, ...]] = field(default_factory=dict)
    on_requests: list[Request] = field(default_factory=list)
    off_requests: list[Request] = field(default_factory=list)
    cover: list[Cover] = field(default_factory=list)

    def shift_type(self, shift_id: str) -> ShiftType:
        """Return the shift type with this id."""
        for shift_type in self.shift_types:
            if shift_type.id == shift_id:
                return shift_type
        raise KeyError(shift_id)


@dataclass(frozen=True)
class Penalty:
    """The NRP objective of a roster, split into its parts."""

    on_requests: int
    off_requests: int
    under_cover: int
    over_cover: int

    @property
    def total(self) -> int:
        """The benchmark objective: the sum of all parts."""
        return self.on_requests + self.off_requests + self.under_cover + self.over_cover


_SECTIONS = (
    "SECTION_HORIZON",
    "SECTION_SHIFTS",
    "SECTION_STAFF",
    "SECTION_DAYS_OFF",
    "SECTION_SHIFT_ON_REQUESTS",
    "SECTION_SHIFT_OFF_REQUESTS",
    "SECTION_COVER",
)


def parse_instance(text: str, name: str = "instance") -> Instance:
    """Parse the text of an ``InstanceN.txt`` file."""
    rows: dict[str, list[list[str]]] = {section: [] for section in _SECTIONS}
    current: str | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("SECTION_"):
            if line not in rows:
                raise NrpFormatError(f"{name}:{number}: unknown section {line}")
            current = line
            continue
        if current is None:
            raise NrpFormatError(f"{name}:{number}: data before the first section")
        rows[current].append([cell.strip() for cell in line.split(",")])

    if len(rows["SECTION_HORIZON"]) != 1:
        raise NrpFormatError(f"{name}: SECTION_HORIZON must hold exactly one value")
    horizon = int(rows["SECTION_HORIZON"][0][0])

    shift_types = [
        ShiftType(
            id=cells[0],
            minutes=int(cells[1]),
            cannot_follow=tuple(s for s in (cells[2] if len(cells) > 2 else "").split("|") if s),
        )
        for cells in rows["SECTION_SHIFTS"]
    ]
    staff = []
    for cells in rows["SECTION_STAFF"]:
        if len(cells) != 8:
            raise NrpFormatError(f"{name}: staff line {cells[0]!r} has {len(cells)} fields, not 8")
        limits = {}
        for item in cells[1].split("|"):
            if item:
                shift_id, value = item.split("=")
                limits[shift_id] = int(value)
        numbers = [int(value) for value in cells[2:8]]
        staff.append(Staff(cells[0], limits, *numbers))
    days_off = {
        cells[0]: tuple(int(day) for day in cells[1:] if day) for cells in rows["SECTION_DAYS_OFF"]
    }

    def requests(section: str) -> list[Request]:
        return [
            Request(cells[0], int(cells[1]), cells[2], int(cells[3])) for cells in rows[section]
        ]

    cover = [
        Cover(int(cells[0]), cells[1], int(cells[2]), int(cells[3]), int(cells[4]))
        for cells in rows["SECTION_COVER"]
    ]
    instance = Instance(
        name=name,
        horizon=horizon,
        shift_types=shift_types,
        staff=staff,
        days_off=days_off,
        on_requests=requests("SECTION_SHIFT_ON_REQUESTS"),
        off_requests=requests("SECTION_SHIFT_OFF_REQUESTS"),
        cover=cover,
    )
    _check_references(instance)
    return instance


def _check_references(instance: Instance) -> None:
    """Reject an instance whose lines name unknown staff, shift types or days."""
    shift_ids = {s.id for s in instance.shift_types}
    staff_ids = {s.id for s in instance.staff}
    for shift_type in instance.shift_types:
        if not set(shift_type.cannot_follow) <= shift_ids:
            raise NrpFormatError(f"{instance.name}: {shift_type.id} names an unknown successor")
    for person in instance.staff:
        if not set(person.max_shifts) <= shift_ids:
            raise NrpFormatError(f"{instance.name}: {person.id} limits an unknown shift type")
    for employee, days in instance.days_off.items():
        if employee not in staff_ids or any(not 0 <= d < instance.horizon for d in days):
            raise NrpFormatError(f"{instance.name}: bad days-off line for {employee}")
    for request in instance.on_requests + instance.off_requests:
        if (
            request.employee not in staff_ids
            or request.shift not in shift_ids
            or not 0 <= request.day < instance.horizon
        ):
            raise NrpFormatError(f"{instance.name}: bad request {request}")
    seen = set()
    for cover in instance.cover:
        key = (cover.day, cover.shift)
        if cover.shift not in shift_ids or not 0 <= cover.day < instance.horizon or key in seen:
            raise NrpFormatError(f"{instance.name}: bad cover line {cover}")
        seen.add(key)


def load_instance(path: str | Path) -> Instance:
    """Read and parse an instance file; its name is the file name without extension."""
    path = Path(path)
    return parse_instance(path.read_text(encoding="ascii"), name=path.stem)


def shift_id(day: int, shift_type: str) -> str:
    """The problem's shift id for one shift type on one day."""
    return f"d{day:03d}-{shift_type}"


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _day_ranges(days: Iterable[int]) -> list[tuple[int, int]]:
    """Merge day indexes into inclusive runs of consecutive days."""
    runs: list[tuple[int, int]] = []
    for day in sorted(set(days)):
        if runs and runs[-1][1] == day - 1:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def to_problem(instance: Instance, start: date = DEFAULT_START) -> dict:
    """Convert an instance into a ``linli-problem/1`` problem whose objective is the NRP's."""
    if start.weekday() != 0:
        raise ValueError("the horizon must start on a Monday (day 0 of every instance is one)")

    def iso(day: int) -> str:
        return (start + timedelta(days=day)).isoformat()

    begin = int(SHIFT_START[:2]) * 60 + int(SHIFT_START[3:])
    staff_count = len(instance.staff)
    on_off = defaultdict(list)
    for want, requests in ((True, instance.on_requests), (False, instance.off_requests)):
        for r in requests:
            on_off[r.employee].append(
                {"date": iso(r.day), "kind": r.shift, "want": want, "weight": r.weight}
            )

    volunteers = []
    for person in instance.staff:
        volunteers.append(
            {
                "id": person.id,
                "name": f"员工{person.id}",
                "community_id": COMMUNITY_ID,
                "team": None,
                "party_member": False,
                "skills": [SKILL],
                "qualifications": [],
                "vetted_until": None,
                "insured_until": None,
                "birth_date": None,
                "guardian_consent": False,
                "availability": [],
                "leave": [
                    {"start": iso(first), "end": iso(last)}
                    for first, last in _day_ranges(instance.days_off.get(person.id, ()))
                ],
                "max_hours_week": None,
                "max_hours_month": None,
                # Every instance's minute limits are whole hours, so these are exact.
                "min_hours_total": person.min_total_minutes / 60,
                "max_hours_total": person.max_total_minutes / 60,
                "max_shifts_per_day": None,
                "max_consecutive_days": person.max_consecutive_shifts,
                "min_consecutive_days": person.min_consecutive_shifts,
                "min_consecutive_days_off": person.min_consecutive_days_off,
                "max_weekends": person.max_weekends,
                "max_shifts_by_kind": dict(person.max_shifts),
                "home": None,
                "experienced": False,
                "preferences": {
                    "venues": [],
                    "avoid_venues": [],
                    "partners": [],
                    "shift_requests": on_off[person.id],
                },
            }
        )

    cover = {(c.day, c.shift): c for c in instance.cover}
    shifts = []
    for day in range(instance.horizon):
        for shift_type in instance.shift_types:
            # A day x type the file does not list needs nobody and costs nothing either way.
            c = cover.get((day, shift_type.id)) or Cover(day, shift_type.id, 0, 0, 0)
            shifts.append(
                {
                    "id": shift_id(day, shift_type.id),
                    "activity_id": f"nrp-{shift_type.id}",
                    "kind": shift_type.id,
                    "venue_id": VENUE_ID,
                    "community_id": COMMUNITY_ID,
                    "date": iso(day),
                    # Same start for every type: any two shifts of a day overlap.
                    "start": SHIFT_START,
                    "end": _hhmm(begin + shift_type.minutes),
                    "group_id": None,
                    "priority": 1,
                    "children_present": False,
                    "needs": [
                        {
                            "skill": SKILL,
                            "min": c.requirement,
                            "max": max(staff_count, c.requirement),
                            "weight_under": c.weight_under,
                            "weight_over": c.weight_over,
                        }
                    ],
                    "requires": {
                        "vetting": False,
                        "insurance": False,
                        "party_lead": False,
                        "min_age": None,
                        "max_age": None,
                        "radius_km": None,
                    },
                }
            )

    return {
        "format": "linli-problem/1",
        "meta": {"source": "nrp", "instance": instance.name},
        "horizon": {"start": iso(0), "end": iso(instance.horizon - 1)},
        "rules": {
            "max_shifts_per_day": 1,
            "min_rest_minutes": 0,
            "max_consecutive_days": None,
            "travel_speed_kmh": 15,
            "travel_buffer_minutes": 0,
            "minor_daytime": ["00:00", "23:59"],
            "min_adults_with_children": 0,
            "forbidden_successions": [
                {"first_kind": s.id, "then_kind": then}
                for s in instance.shift_types
                for then in s.cannot_follow
            ],
            "min_block_boundary": "exempt",
        },
        # One weighted objective, as the benchmark defines it (not coverage first).
        "strategy": "weighted",
        # Cover weights are explicit on every need and request weights are scaled by
        # `requests`, so 1 keeps them as given.  Everything the NRP does not price is 0, so the
        # engine's objective is the NRP objective.
        "weights": {
            "coverage": 1,
            "over_cover": 1,
            "fairness": 0,
            "preference": 0,
            "requests": 1,
            "continuity": 0,
            "proximity": 0,
            "mentoring": 0,
            "stability": 0,
        },
        "venues": [
            {"id": VENUE_ID, "name": "病区", "community_id": COMMUNITY_ID, "lat": 0.0, "lon": 0.0}
        ],
        "volunteers": volunteers,
        "shifts": shifts,
        "pins": [],
    }


def instance_from_problem(problem: Mapping) -> Instance:
    """Rebuild the instance a problem was converted from (proof that nothing was lost)."""
    start = date.fromisoformat(problem["horizon"]["start"])
    end = date.fromisoformat(problem["horizon"]["end"])

    def index(text: str) -> int:
        return (date.fromisoformat(text) - start).days

    types: dict[str, ShiftType] = {}
    cover = []
    successors = defaultdict(list)
    for rule in problem["rules"]["forbidden_successions"]:
        successors[rule["first_kind"]].append(rule["then_kind"])
    for shift in problem["shifts"]:
        begin, finish = (int(t[:2]) * 60 + int(t[3:]) for t in (shift["start"], shift["end"]))
        kind = shift["kind"]
        types.setdefault(kind, ShiftType(kind, finish - begin, tuple(successors[kind])))
        (need,) = shift["needs"]
        cover.append(
            Cover(
                index(shift["date"]), kind, need["min"], need["weight_under"], need["weight_over"]
            )
        )
    staff: list[Staff] = []
    days_off: dict[str, tuple[int, ...]] = {}
    on: list[Request] = []
    off: list[Request] = []
    for v in problem["volunteers"]:
        staff.append(
            Staff(
                v["id"],
                dict(v["max_shifts_by_kind"]),
                round(v["max_hours_total"] * 60),
                round(v["min_hours_total"] * 60),
                v["max_consecutive_days"],
                v["min_consecutive_days"],
                v["min_consecutive_days_off"],
                v["max_weekends"],
            )
        )
        days = tuple(
            day
            for leave in v["leave"]
            for day in range(index(leave["start"]), index(leave["end"]) + 1)
        )
        if days:
            days_off[v["id"]] = days
        for r in v["preferences"]["shift_requests"]:
            request = Request(v["id"], index(r["date"]), r["kind"], r["weight"])
            (on if r["want"] else off).append(request)
    return Instance(
        name=problem.get("meta", {}).get("instance", "instance"),
        horizon=(end - start).days + 1,
        shift_types=list(types.values()),
        staff=staff,
        days_off=days_off,
        on_requests=on,
        off_requests=off,
        cover=cover,
    )


def roster_from_plan(instance: Instance, plan: Mapping) -> set[Work]:
    """Map a plan's assignments back onto (employee, day, shift type) triples."""
    by_id = {
        shift_id(day, s.id): (day, s.id)
        for day in range(instance.horizon)
        for s in instance.shift_types
    }
    roster: set[Work] = set()
    for assignment in plan.get("assignments", []):
        try:
            day, shift_type = by_id[assignment["shift_id"]]
        except KeyError:
            raise ValueError(f"plan names an unknown shift {assignment['shift_id']!r}") from None
        roster.add((assignment["volunteer_id"], day, shift_type))
    return roster


def evaluate(instance: Instance, roster: Iterable[Work]) -> Penalty:
    """Compute the NRP objective of a roster directly from the instance."""
    worked = set(roster)
    on = sum(r.weight for r in instance.on_requests if (r.employee, r.day, r.shift) not in worked)
    off = sum(r.weight for r in instance.off_requests if (r.employee, r.day, r.shift) in worked)
    counts = Counter((day, shift) for _, day, shift in worked)
    under = over = 0
    for c in instance.cover:
        n = counts.get((c.day, c.shift), 0)
        under += max(0, c.requirement - n) * c.weight_under
        over += max(0, n - c.requirement) * c.weight_over
    return Penalty(on, off, under, over)


def _blocks(flags: list[bool], value: bool) -> list[tuple[int, int]]:
    """Inclusive (first, last) runs of ``value`` in ``flags``."""
    runs, first = [], None
    for day, flag in enumerate([*flags, not value]):
        if flag == value and first is None:
            first = day
        elif flag != value and first is not None:
            runs.append((first, day - 1))
            first = None
    return runs


def check(instance: Instance, roster: Iterable[Work]) -> list[str]:
    """List every NRP hard rule the roster breaks (empty when it is feasible)."""
    worked = sorted(set(roster))
    horizon = instance.horizon
    types = {s.id: s for s in instance.shift_types}
    staff = {s.id: s for s in instance.staff}
    problems = []
    by_person: dict[str, dict[int, list[str]]] = defaultdict(lambda: defaultdict(list))
    for employee, day, shift in worked:
        if employee not in staff or shift not in types or not 0 <= day < horizon:
            problems.append(f"unknown work {(employee, day, shift)}")
            continue
        by_person[employee][day].append(shift)

    for person in instance.staff:
        days = by_person.get(person.id, {})
        who = person.id
        for day, shifts in sorted(days.items()):
            if len(shifts) > 1:
                problems.append(f"{who}: {len(shifts)} shifts on day {day}")
        for day in instance.days_off.get(who, ()):
            if day in days:
                problems.append(f"{who}: works on day off {day}")
        for day, shifts in days.items():
            for nxt in days.get(day + 1, ()):
                for shift in shifts:
                    if nxt in types[shift].cannot_follow:
                        problems.append(f"{who}: {nxt} on day {day + 1} follows {shift}")
        count = Counter(shift for shifts in days.values() for shift in shifts)
        for shift, n in count.items():
            limit = person.max_shifts.get(shift)
            if limit is not None and n > limit:
                problems.append(f"{who}: {n} shifts of {shift}, at most {limit}")
        minutes = sum(types[shift].minutes * n for shift, n in count.items())
        if not person.min_total_minutes <= minutes <= person.max_total_minutes:
            problems.append(
                f"{who}: {minutes} minutes outside "
                f"[{person.min_total_minutes}, {person.max_total_minutes}]"
            )
        flags = [day in days for day in range(horizon)]
        for first, last in _blocks(flags, True):
            length = last - first + 1
            if length > person.max_consecutive_shifts:
                problems.append(f"{who}: {length} days in a row from day {first}")
            inside = first > 0 and last < horizon - 1
            if inside and length < person.min_consecutive_shifts:
                problems.append(f"{who}: work block of {length} from day {first}")
        for first, last in _blocks(flags, False):
            length = last - first + 1
            inside = first > 0 and last < horizon - 1
            if inside and length < person.min_consecutive_days_off:
                problems.append(f"{who}: days-off block of {length} from day {first}")
        weekends = sum(1 for k in range(horizon // 7) if flags[7 * k + 5] or flags[7 * k + 6])
        if weekends > person.max_weekends:
            problems.append(f"{who}: {weekends} weekends worked, at most {person.max_weekends}")
    return problems


def main(argv: list[str] | None = None) -> int:
    """Convert an instance file into a problem JSON on stdout."""
    parser = argparse.ArgumentParser(
        prog="python -m scheduler.bench.nrp", description="NRP 基准实例转换为排班问题 JSON"
    )
    parser.add_argument("instance", type=Path, help="InstanceN.txt")
    parser.add_argument("--start", type=date.fromisoformat, default=DEFAULT_START)
    args = parser.parse_args(argv)
    problem = to_problem(load_instance(args.instance), start=args.start)
    json.dump(problem, sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
