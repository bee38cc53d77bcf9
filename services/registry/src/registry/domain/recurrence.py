"""Activity recurrence rules and the plan that syncs an activity's shifts with its rule.

``occurrence_dates`` expands a rule into dates; ``plan_shift_sync`` compares the wanted
(date, start, end) slots with the shifts already stored and says which to create, keep and
cancel. Regenerating is idempotent and never loses a shift that has history (edited by hand,
cancelled by hand, or included in a planning snapshot).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from typing import Any, Literal

from .calendar import RegionCalendar, school_days

__all__ = [
    "MAX_SPAN_DAYS",
    "ExistingShift",
    "Recurrence",
    "RecurrenceError",
    "ShiftSync",
    "occurrence_dates",
    "plan_shift_sync",
    "recurrence_from_record",
]

Kind = Literal["school_days", "weekly", "once"]
KINDS: tuple[str, ...] = ("school_days", "weekly", "once")
# Two school years; longer series are almost certainly a typo in the end date.
MAX_SPAN_DAYS = 731


class RecurrenceError(ValueError):
    """A recurrence rule is invalid; ``message`` is zh-CN, ``message_en`` English."""

    def __init__(self, message: str, message_en: str, field_name: str = "") -> None:
        self.message = message
        self.message_en = message_en
        self.field = field_name
        super().__init__(message)

    def message_for(self, lang: str = "zh-CN") -> str:
        """The message in ``lang`` (``en`` or anything else for zh-CN)."""
        return self.message_en if lang.lower().startswith("en") else self.message


@dataclass(frozen=True)
class Recurrence:
    """When an activity happens: every school day, given weekdays, or once.

    ``weekdays`` (0 = Monday) is required for ``weekly``, optional for ``school_days`` (then
    only school days on those weekdays) and must be empty for ``once``.
    """

    kind: Kind
    start_date: date
    end_date: date
    weekdays: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise RecurrenceError(
                f"重复方式无效：{self.kind!r}，应为 school_days、weekly 或 once",
                f"invalid recurrence kind {self.kind!r}: use school_days, weekly or once",
                "kind",
            )
        if not isinstance(self.start_date, date) or not isinstance(self.end_date, date):
            raise RecurrenceError(
                "开始日期和结束日期必须是日期",
                "start_date and end_date must be dates",
                "start_date",
            )
        if self.end_date < self.start_date:
            raise RecurrenceError(
                f"结束日期 {self.end_date} 早于开始日期 {self.start_date}",
                f"end_date {self.end_date} is before start_date {self.start_date}",
                "end_date",
            )
        if (self.end_date - self.start_date).days > MAX_SPAN_DAYS:
            raise RecurrenceError(
                f"重复时间跨度不能超过 {MAX_SPAN_DAYS} 天",
                f"a series may span at most {MAX_SPAN_DAYS} days",
                "end_date",
            )
        object.__setattr__(self, "weekdays", tuple(sorted(set(self.weekdays))))
        bad = [w for w in self.weekdays if not isinstance(w, int) or not 0 <= w <= 6]
        if bad:
            raise RecurrenceError(
                f"星期取值无效：{bad}，应为 0（周一）到 6（周日）",
                f"invalid weekdays {bad}: use 0 (Monday) to 6 (Sunday)",
                "weekdays",
            )
        if self.kind == "weekly" and not self.weekdays:
            raise RecurrenceError(
                "每周重复必须至少选择一个星期",
                "weekly recurrence needs at least one weekday",
                "weekdays",
            )
        if self.kind == "once" and self.weekdays:
            raise RecurrenceError(
                "单次活动不能设置星期", "a one-off activity takes no weekdays", "weekdays"
            )


def recurrence_from_record(record: Mapping[str, Any]) -> Recurrence:
    """Build a Recurrence from the registry-model shape (ISO dates; ``end_date`` optional once)."""
    try:
        start = date.fromisoformat(str(record["start_date"]))
        end_raw = record.get("end_date") or record["start_date"]
        end = date.fromisoformat(str(end_raw))
    except (KeyError, ValueError) as exc:
        raise RecurrenceError(
            "开始日期或结束日期缺失或格式不正确（应为 YYYY-MM-DD）",
            "start_date or end_date missing or not YYYY-MM-DD",
            "start_date",
        ) from exc
    return Recurrence(
        kind=record.get("kind", ""),
        start_date=start,
        end_date=end,
        weekdays=tuple(record.get("weekdays") or ()),
    )


def occurrence_dates(rule: Recurrence, calendar: RegionCalendar | None) -> list[date]:
    """The dates ``rule`` produces; ``school_days`` needs ``calendar`` (may raise
    CalendarNotConfirmed)."""
    if rule.kind == "once":
        return [rule.start_date]
    if rule.kind == "school_days":
        if calendar is None:
            raise RecurrenceError(
                "按上学日重复需要所在地区的校历",
                "school_days recurrence needs a region calendar",
                "kind",
            )
        days = school_days(rule.start_date, rule.end_date, calendar)
        if rule.weekdays:
            days = [d for d in days if d.weekday() in rule.weekdays]
        return days
    out = []
    d = rule.start_date
    while d <= rule.end_date:
        if d.weekday() in rule.weekdays:
            out.append(d)
        d += timedelta(days=1)
    return out


@dataclass(frozen=True)
class ExistingShift:
    """A stored shift as far as the sync needs it."""

    id: int
    date: date
    start: time
    end: time
    has_history: bool
    cancelled: bool


Slot = tuple[date, time, time]


@dataclass(frozen=True)
class ShiftSync:
    """What to do: ``create`` new slots, ``cancel`` these ids, leave ``keep`` ids untouched.

    ``keep`` and ``cancel`` partition the existing ids; ``keep`` includes shifts that are already
    cancelled and stay so.
    """

    create: list[Slot] = field(default_factory=list)
    keep: list[int] = field(default_factory=list)
    cancel: list[int] = field(default_factory=list)

    @property
    def is_noop(self) -> bool:
        """True when nothing would be created or cancelled."""
        return not self.create and not self.cancel


def _rank(s: ExistingShift) -> tuple[bool, bool, int]:
    # History first (a hand edit or snapshot wins), then live over cancelled, then oldest.
    return (not s.has_history, s.cancelled, s.id)


def plan_shift_sync(desired: Iterable[Slot], existing: Iterable[ExistingShift]) -> ShiftSync:
    """Plan how to bring ``existing`` shifts in line with the ``desired`` slots.

    Choices:
    - A desired slot is covered by an existing shift with the same date and times; failing
      that, by a shift with history on the same date (a hand-moved shift stands in for its
      occurrence, so a time edit by hand never causes a duplicate).
    - A covering shift that was cancelled by hand stays cancelled: the coordinator meant it.
    - A shift cancelled by regeneration (cancelled, no history) covers nothing; if its slot is
      wanted again a new shift is created and the old row stays as a cancelled record.
    - A live shift without history that covers nothing (no longer wanted, or a duplicate) is
      cancelled, not deleted, so references to it keep working.
    - A shift with history is never cancelled here, even when no longer wanted.
    """
    wanted = sorted(set(desired))
    shifts = sorted(existing, key=lambda s: s.id)
    covering: dict[int, Slot] = {}
    by_key: dict[Slot, list[ExistingShift]] = defaultdict(list)
    for s in shifts:
        if s.has_history or not s.cancelled:
            by_key[(s.date, s.start, s.end)].append(s)

    uncovered: list[Slot] = []
    for slot in wanted:
        candidates = sorted(by_key.get(slot, ()), key=_rank)
        if candidates:
            covering[candidates[0].id] = slot
        else:
            uncovered.append(slot)

    # Same-date fallback: pair the remaining slots with unused history shifts in time order.
    spare: dict[date, list[ExistingShift]] = defaultdict(list)
    for s in shifts:
        if s.has_history and s.id not in covering:
            spare[s.date].append(s)
    create: list[Slot] = []
    by_date: dict[date, list[Slot]] = defaultdict(list)
    for slot in uncovered:
        by_date[slot[0]].append(slot)
    for day, slots in sorted(by_date.items()):
        pool = sorted(spare.get(day, ()), key=lambda s: (s.start, s.end, s.cancelled, s.id))
        for slot, s in zip(slots, pool, strict=False):
            covering[s.id] = slot
        create.extend(slots[len(pool) :])

    keep: list[int] = []
    cancel: list[int] = []
    for s in shifts:
        if s.cancelled or s.has_history or s.id in covering:
            keep.append(s.id)
        else:
            cancel.append(s.id)
    return ShiftSync(create=create, keep=keep, cancel=cancel)
