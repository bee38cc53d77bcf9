"""Digests: one alert per volunteer per published plan version, with all their shifts.

A digest is built once the publication's count is complete (see `notifier.events`). If the
count never completes (an event lost upstream), `flush_stale_publications` builds the digests
from what arrived once no event came for `DIGEST_GRACE_SECONDS`; an assignment arriving after
its digest gets an alert of its own.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from notifier.alerts import AlertSpec, create_notifications, load_settings, utcnow
from notifier.db import rowcount
from notifier.models import Assignment, Publication

log = logging.getLogger(__name__)


def build_digests(session: Session, plan_id: int, version: int, settings: dict[str, Any],
                  now: datetime) -> int:
    """Claim the publication and create one digest per volunteer; return how many."""
    claimed = rowcount(session.execute(
        sa.update(Publication)
        .where(Publication.plan_id == plan_id, Publication.plan_version == version,
               Publication.digested_at.is_(None))
        .values(digested_at=now)
    ))
    if claimed != 1:
        return 0
    # Plain rows, not ORM objects: cheaper, and never stale after Core writes in this
    # transaction. They carry what an alert shows (id, role, shift).
    rows = session.execute(
        sa.select(Assignment.assignment_id, Assignment.volunteer_id, Assignment.role,
                  Assignment.shift)
        .where(Assignment.plan_id == plan_id, Assignment.plan_version == version,
               Assignment.status == "assigned")
        .order_by(Assignment.volunteer_id, Assignment.starts_at, Assignment.assignment_id)
    ).all()
    by_volunteer: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        by_volunteer[row.volunteer_id].append(row)
    people = load_settings(session, list(by_volunteer))
    # The publication claim above makes these digests new: no per-alert existence check.
    specs = [
        AlertSpec(volunteer_id, "digest", f"digest:{plan_id}:{version}:{volunteer_id}",
                  assignments, (plan_id, version))
        for volunteer_id, assignments in by_volunteer.items()
    ]
    for start in range(0, len(specs), 500):
        create_notifications(session, settings, now, specs[start:start + 500], people)
    log.info("built %d digests for plan %s version %s", len(by_volunteer), plan_id, version)
    return len(by_volunteer)


def flush_stale_publications(session: Session, settings: dict[str, Any],
                             now: datetime | None = None) -> int:
    """Digest publications whose count never completed once they have been quiet long enough."""
    now = now or utcnow()
    cutoff = now - timedelta(seconds=float(settings["DIGEST_GRACE_SECONDS"]))
    stale = session.execute(
        sa.select(Publication.plan_id, Publication.plan_version)
        .where(Publication.digested_at.is_(None), Publication.last_event_at <= cutoff)
    ).all()
    built = 0
    for plan_id, version in stale:
        log.warning("publication %s/%s incomplete after grace period; digesting what arrived",
                    plan_id, version)
        built += build_digests(session, plan_id, version, settings, now)
    return built
