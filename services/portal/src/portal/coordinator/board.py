"""The roster board and its pictures, built from the scheduler's plain JSON (no Flask here).

Inputs are what the scheduler answers: assignment rows (`/plans/<id>/assignments`) and the
report (`/plans/<id>/report`: unfilled slots with reasons, per-volunteer loads).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any


@dataclass
class Slot:
    """One shift on the board: who is on it and what is still missing."""

    shift_id: int
    date: str
    start: str
    end: str
    venue_id: int
    venue_name: str
    activity_name: str
    people: list[dict[str, Any]] = field(default_factory=list)
    missing: list[dict[str, Any]] = field(default_factory=list)

    @property
    def short(self) -> int:
        """How many people the shift still lacks."""
        return sum(int(m.get("missing", 0)) for m in self.missing)

    @property
    def skills(self) -> list[str]:
        """Skills on this shift (assigned or missing), for the candidate links."""
        seen = [p["skill"] for p in self.people] + [m["skill"] for m in self.missing]
        return list(dict.fromkeys(seen))


@dataclass
class Board:
    """Rows (venue, activity) by columns (days) of slots."""

    days: list[str]
    rows: list[tuple[str, str]]
    cells: dict[tuple[tuple[str, str], str], list[Slot]]
    slots: dict[int, Slot]

    def by_day(self) -> list[tuple[str, list[Slot]]]:
        """Every day with its slots in time order (the phone layout)."""
        out = []
        for day in self.days:
            found = [s for s in self.slots.values() if s.date == day]
            out.append((day, sorted(found, key=lambda s: (s.start, s.venue_name, s.shift_id))))
        return out


def period_days(start: str, end: str, limit: int = 62) -> list[str]:
    """ISO dates from start to end inclusive."""
    first, last = date.fromisoformat(start), date.fromisoformat(end)
    days: list[str] = []
    while first <= last and len(days) < limit:
        days.append(first.isoformat())
        first += timedelta(days=1)
    return days


def build_board(assignments: list[dict[str, Any]], report: dict[str, Any],
                shifts: dict[int, dict[str, Any]] | None = None,
                days: list[str] | None = None) -> Board:
    """Group assignments and unfilled slots by (venue, activity) and day.

    `shifts` (shift id -> a row with date/start/end/venue/activity) places unfilled shifts
    nobody is assigned to; without it those come from the assignment rows alone.
    """
    slots: dict[int, Slot] = {}
    known = dict(shifts or {})
    for row in assignments:
        known.setdefault(int(row["shift_id"]), row)

    def slot_of(shift_id: int) -> Slot | None:
        if shift_id in slots:
            return slots[shift_id]
        row = known.get(shift_id)
        if row is None:
            return None
        slots[shift_id] = Slot(
            shift_id=shift_id, date=str(row["date"]), start=str(row.get("start", "")),
            end=str(row.get("end", "")), venue_id=int(row.get("venue_id") or 0),
            venue_name=str(row.get("venue_name") or f"#{row.get('venue_id')}"),
            activity_name=str(row.get("activity_name") or row.get("activity_type") or ""),
        )
        return slots[shift_id]

    for row in assignments:
        slot = slot_of(int(row["shift_id"]))
        if slot is not None:
            slot.people.append(row)
    for gap in report.get("unfilled") or []:
        slot = slot_of(int(gap["shift_id"]))
        if slot is not None:
            slot.missing.append(gap)
    all_days = days or sorted({s.date for s in slots.values()})
    cells: dict[tuple[tuple[str, str], str], list[Slot]] = defaultdict(list)
    for slot in sorted(slots.values(), key=lambda s: (s.date, s.start, s.shift_id)):
        cells[((slot.venue_name, slot.activity_name), slot.date)].append(slot)
    rows = sorted({key for key, _day in cells})
    return Board(days=all_days, rows=rows, cells=dict(cells), slots=slots)


# -- pictures ------------------------------------------------------------------------------


@dataclass
class HeatCell:
    """Coverage of one venue on one day."""

    venue: str
    day: str
    filled: int
    needed: int

    @property
    def ratio(self) -> float | None:
        """Filled over needed, None when nothing was needed."""
        return None if self.needed == 0 else min(1.0, self.filled / self.needed)

    @property
    def level(self) -> str:
        """Colour class: none (nothing planned), 0 (short), 1 (mostly), 2 (covered)."""
        if self.needed == 0:
            return "none"
        if self.filled >= self.needed:
            return "2"
        return "1" if self.filled / self.needed >= 0.75 else "0"


def heat_map(board: Board) -> tuple[list[str], list[str], dict[tuple[str, str], HeatCell]]:
    """Venues (rows) by days (columns): people placed against people needed."""
    venues = sorted({slot.venue_name for slot in board.slots.values()})
    cells = {(v, d): HeatCell(v, d, 0, 0) for v in venues for d in board.days}
    for slot in board.slots.values():
        cell = cells.get((slot.venue_name, slot.date))
        if cell is None:
            continue
        cell.filled += len(slot.people)
        cell.needed += len(slot.people) + slot.short
    return venues, board.days, cells


@dataclass
class Spread:
    """Hours per volunteer against the fair share, for the hours chart."""

    bars: list[dict[str, Any]]
    fair_share: float
    most: float

    @property
    def idle(self) -> int:
        """Volunteers with no hours in the plan."""
        return sum(1 for bar in self.bars if bar["hours"] == 0)


def hours_spread(report: dict[str, Any], names: dict[int, str]) -> Spread:
    """Each volunteer's hours, most first; the fair share is the mean of those with one."""
    loads = report.get("loads") or []
    bars: list[dict[str, Any]] = [{"volunteer_id": int(item["volunteer_id"]),
             "name": (names.get(int(item["volunteer_id"])) or item.get("name")
                      or f"#{item['volunteer_id']}"),
             "hours": float(item.get("hours") or 0), "shifts": int(item.get("shifts") or 0),
             "fair_share": float(item.get("fair_share_hours") or 0)} for item in loads]
    bars.sort(key=lambda b: (-b["hours"], b["name"]))
    shares = [b["fair_share"] for b in bars if b["fair_share"] > 0]
    fair = round(sum(shares) / len(shares), 2) if shares else 0.0
    most = float(max([float(b["hours"]) for b in bars] + [fair, 1.0]))
    return Spread(bars=bars, fair_share=fair, most=most)


def histogram(spread: Spread, width: float = 1.0) -> list[dict[str, Any]]:
    """How many volunteers fall in each band of `width` hours (0 first, as its own band)."""
    if not spread.bars:
        return []
    top = int(spread.most // width) + 1
    counts = [0] * (top + 1)
    for bar in spread.bars:
        index = 0 if bar["hours"] == 0 else min(top, int((bar["hours"] - 1e-9) // width) + 1)
        counts[index] += 1
    bands = []
    for index, count in enumerate(counts):
        low = 0.0 if index == 0 else (index - 1) * width
        high = 0.0 if index == 0 else index * width
        bands.append({"low": low, "high": high, "count": count,
                      "fair": index > 0 and low < spread.fair_share <= high})
    while len(bands) > 1 and bands[-1]["count"] == 0:
        bands.pop()
    return bands
