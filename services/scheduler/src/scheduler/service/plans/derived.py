"""What the read endpoints compute from a version's large JSON columns, kept per process.

A county week's problem and snapshot are each about half a megabyte of JSON; decoding them on
every request was most of the time of the plan list, the roster and the report. A version's
problem and result only change together with its revision (`store.touch`, in the same
transaction), so everything here is keyed by the version's id, creation time and revision and
cannot go stale: a change makes a new key, and old keys fall out of a small LRU. The creation
time guards against SQLite handing a rolled-back version's id to the next version.

Nothing here holds assignment rows: their flags change without a new revision.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from cachetools import LRUCache
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from scheduler.service.convert import shift_index
from scheduler.service.models import PlanVersion

T = TypeVar("T")

#: Entries per kind and database (per worker). For a county week a ranking problem takes
#: about 4 MB, a roster under 1 MB, a result 0.2 MB.
SIZES = {"summary": 256, "roster": 8, "result": 16, "ranking": 2}


class Lru:
    """A small thread-safe least-recently-used map (cachetools' LRU behind a lock)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: LRUCache[Hashable, Any] = LRUCache(maxsize=size)
        self._lock = threading.Lock()

    def get_or_make(self, key: Hashable, make: Callable[[], T]) -> T:
        """The value under `key`, made (outside the lock) and kept when missing."""
        with self._lock:
            found = self._items.get(key, _MISSING)
        if found is not _MISSING:
            return found  # type: ignore[no-any-return]
        value = make()
        with self._lock:
            self._items[key] = value
        return value

    def __len__(self) -> int:
        return len(self._items)

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._items.clear()


_MISSING = object()


# One set of caches per database engine: ids of two databases in one process (tests use
# SQLite and PostgreSQL side by side) must never meet.
_by_engine: weakref.WeakKeyDictionary[Engine, dict[str, Lru]] = weakref.WeakKeyDictionary()
_by_engine_lock = threading.Lock()


def cache(session: Session, kind: str) -> Lru:
    """The LRU of one kind of derived data for the session's database."""
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    with _by_engine_lock:
        caches = _by_engine.setdefault(engine, {})
        if kind not in caches:
            caches[kind] = Lru(SIZES[kind])
        return caches[kind]


def version_key(version: PlanVersion) -> tuple[Any, ...]:
    """What identifies a version's problem and result: id, creation time and revision."""
    return (version.id, version.created_at, version.revision)


def summary(session: Session, version: PlanVersion) -> dict[str, int]:
    """Shift, volunteer and unfilled-place counts of a version."""

    def make() -> dict[str, int]:
        problem = version.problem or {}
        result = version.result or {}
        return {
            "shift_count": len(problem.get("shifts", [])),
            "volunteer_count": len(problem.get("volunteers", [])),
            "unfilled_count": sum(int(u.get("missing", 0)) for u in result.get("unfilled", [])),
        }

    return cache(session, "summary").get_or_make(version_key(version), make)


def roster(session: Session, version: PlanVersion) -> tuple[
    dict[str, dict[str, Any]], dict[str, Any]
]:
    """What a roster row shows of each shift, by shift id, and the volunteers' names by id
    (read-only: shared between requests)."""

    def make() -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
        problem = version.problem
        names = {str(v["id"]): v.get("name") for v in problem.get("volunteers", [])}
        shifts = {}
        for key, shift in shift_index(problem).items():
            meta = shift.get("meta") or {}
            # Only these: a month's full shifts would keep megabytes per entry.
            shifts[key] = {
                "date": shift["date"], "start": shift["start"], "end": shift["end"],
                "venue_id": shift["venue_id"], "kind": shift.get("kind"),
                "community_id": shift.get("community_id"),
                "venue_name": meta.get("venue_name"), "activity_name": meta.get("activity_name"),
            }
        return shifts, names

    return cache(session, "roster").get_or_make(version_key(version), make)


def result(session: Session, version: PlanVersion) -> dict[str, Any] | None:
    """The version's stored result (report), None before it is solved (read-only: shared)."""
    return cache(session, "result").get_or_make(version_key(version), lambda: version.result)


def ranking_problem(session: Session, key: Hashable, make: Callable[[], T]) -> T:
    """The engine's loaded problem for ranking candidates under `key` (which must name every
    input: the version, the published version and the plan's exclusions)."""
    return cache(session, "ranking").get_or_make(key, make)
