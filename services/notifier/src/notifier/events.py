"""Events in: keep the notifier's copy of assignments, count publications, queue alerts.

`plan.published` carries `assignment_count`. The notifier counts the `assignment.assigned`
events of each plan version; the transaction that completes the count (the announcement or the
last assignment) builds the version's digests (see `notifier.digests`). Changes and
cancellations are alerts of their own at once; reminders follow every change.

`registry.volunteer.changed` carries ids only: the consumer looks the volunteer up at the
registry before the transaction opens (`Contacts`), and the handler applies what it found.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from linli_contracts import logs
from linli_contracts.envelope import Envelope
from linli_contracts.errors import PermanentError
from notifier.alerts import create_notification, utcnow
from notifier.contacts import Contacts, apply_volunteer, needs_lookup
from notifier.db import table_of
from notifier.digests import build_digests
from notifier.domain.reminders import reminder_times
from notifier.domain.shifts import shift_bounds
from notifier.models import Assignment, Delivery, Publication, Reminder


def handle_event(session: Session, envelope: Envelope, settings: dict[str, Any],
                 now: datetime | None = None, contacts: Contacts | None = None) -> None:
    """Apply one event inside the caller's transaction (`contacts`: volunteers looked up at
    the registry for `registry.volunteer.changed`)."""
    now = now or utcnow()
    if envelope.type == "registry.volunteer.changed":
        on_volunteer_changed(session, envelope, settings, contacts)
        return
    handlers = {
        "assignment.assigned": on_assigned,
        "assignment.changed": on_changed,
        "assignment.cancelled": on_cancelled,
        "plan.published": on_published,
    }
    handler = handlers.get(envelope.type)
    if handler is None:
        # Bound to the queue by mistake: nothing to do, and no retry will change that.
        raise PermanentError(f"notifier does not handle {envelope.type}")
    handler(session, envelope, settings, now)


def handle_events(session: Session, envelopes: list[Envelope], settings: dict[str, Any],
                  now: datetime | None = None, contacts: Contacts | None = None) -> None:
    """Apply many events in order inside one transaction; new assignments go in bulk."""
    now = now or utcnow()
    run: list[Envelope] = []
    for envelope in envelopes:
        if envelope.type == "assignment.assigned":
            run.append(envelope)
            continue
        _assigned_in_bulk(session, run, settings, now)
        run = []
        # Alerts created by this event carry its correlation id.
        with logs.correlation(envelope.correlation_id):
            handle_event(session, envelope, settings, now, contacts)
    _assigned_in_bulk(session, run, settings, now)


def on_volunteer_changed(session: Session, envelope: Envelope, settings: dict[str, Any],
                         contacts: Contacts | None) -> None:
    """Replace the registry-owned part of the volunteer's channel settings with what the
    registry says now (the event's own fields may be stale: events can arrive out of order)."""
    payload = envelope.payload
    if payload.get("entity", "volunteer") != "volunteer":
        raise PermanentError(f"registry.volunteer.changed about a {payload.get('entity')}")
    if not needs_lookup(payload):
        return
    volunteer_id = int(payload["id"])
    if contacts is None or volunteer_id not in contacts.records:
        # A consumer that did not look the volunteer up: retried, never guessed.
        raise LookupError(f"volunteer {volunteer_id} was not looked up at the registry")
    apply_volunteer(session, contacts.vault, settings, volunteer_id,
                    contacts.records[volunteer_id])


def _assigned_in_bulk(session: Session, envelopes: list[Envelope], settings: dict[str, Any],
                      now: datetime) -> None:
    """The common case of a publication: many new assignments, inserted with few statements."""
    if len(envelopes) < 2:
        for envelope in envelopes:
            with logs.correlation(envelope.correlation_id):
                on_assigned(session, envelope, settings, now)
        return
    payloads = [e.payload for e in envelopes]
    ids = [p["assignment_id"] for p in payloads]
    keys = {(p["plan_id"], p["plan_version"]) for p in payloads}
    known = set(session.scalars(
        sa.select(Assignment.assignment_id).where(Assignment.assignment_id.in_(ids))))
    digested = session.scalar(
        sa.select(sa.func.count()).select_from(Publication).where(
            Publication.digested_at.is_not(None),
            sa.tuple_(Publication.plan_id, Publication.plan_version).in_(sorted(keys))))
    if known or digested or len(set(ids)) != len(ids):
        # Updates, repeats and late arrivals take the careful path, one by one.
        for envelope in envelopes:
            with logs.correlation(envelope.correlation_id):
                on_assigned(session, envelope, settings, now)
        return
    if session.new or session.dirty:
        session.flush()
    rows, reminders = [], []
    counts: dict[tuple[int, int], int] = defaultdict(int)
    for payload in payloads:
        try:
            start, end = shift_bounds(payload["shift"], settings["TIMEZONE"])
        except (KeyError, ValueError) as exc:
            raise PermanentError(
                f"shift has no usable date or time ({type(exc).__name__})") from exc
        rows.append({
            "assignment_id": payload["assignment_id"], "volunteer_id": payload["volunteer_id"],
            "plan_id": payload["plan_id"], "plan_version": payload["plan_version"],
            "role": payload["role"], "shift": payload["shift"], "status": "assigned",
            "sequence": 0, "starts_at": start.astimezone(UTC), "ends_at": end.astimezone(UTC),
            "updated_at": now,
        })
        due = reminder_times(start, now, day_before_at=settings["REMINDER_DAY_BEFORE_AT"],
                             hours_before=float(settings["REMINDER_HOURS_BEFORE"]))
        reminders += [
            {"assignment_id": payload["assignment_id"], "volunteer_id": payload["volunteer_id"],
             "kind": kind, "sequence": 0, "due_at": at.astimezone(UTC), "sent_at": None,
             "cancelled_at": None, "notification_id": None}
            for kind, at in due.items()
        ]
        counts[(payload["plan_id"], payload["plan_version"])] += 1
    session.execute(sa.insert(table_of(Assignment)), rows)
    if reminders:
        session.execute(_sql(session, "reminders"), reminders)
    for (plan_id, version), count in sorted(counts.items()):
        expected, received, _ = session.execute(_sql(session, "count"), {
            "plan_id": plan_id, "plan_version": version, "received_count": count,
            "last_event_at": now, "expected_count": None, "announced_at": None,
            "digested_at": None,
        }).one()
        if expected is not None and received >= expected:
            # The digests complete the publication these events belong to.
            with logs.correlation(next(e.correlation_id for e in envelopes
                                       if (e.payload["plan_id"], e.payload["plan_version"])
                                       == (plan_id, version))):
                build_digests(session, plan_id, version, settings, now)


# -- assignments ------------------------------------------------------------------------------

def _store_assignment(session: Session, payload: dict[str, Any], status: str,
                      settings: dict[str, Any], now: datetime) -> Assignment:
    try:
        start, end = shift_bounds(payload["shift"], settings["TIMEZONE"])
    except (KeyError, ValueError) as exc:
        raise PermanentError(f"shift has no usable date or time ({type(exc).__name__})") from exc
    if session.new or session.dirty:
        session.flush()  # reloading below must not discard unflushed changes
    row = session.get(Assignment, payload["assignment_id"], populate_existing=True)
    if row is None:
        row = Assignment(assignment_id=payload["assignment_id"], sequence=0)
        session.add(row)
    else:
        row.sequence += 1
    row.volunteer_id = payload["volunteer_id"]
    row.plan_id = payload["plan_id"]
    row.plan_version = payload["plan_version"]
    row.role = payload["role"]
    row.shift = payload["shift"]
    row.status = status
    row.starts_at = start.astimezone(UTC)
    row.ends_at = end.astimezone(UTC)
    row.updated_at = now
    return row


def _schedule_reminders(session: Session, row: Assignment, settings: dict[str, Any],
                        now: datetime) -> None:
    start, _ = shift_bounds(row.shift, settings["TIMEZONE"])
    due = reminder_times(
        start, now, day_before_at=settings["REMINDER_DAY_BEFORE_AT"],
        hours_before=float(settings["REMINDER_HOURS_BEFORE"]),
    )
    for kind, at in due.items():
        session.add(Reminder(
            assignment_id=row.assignment_id, volunteer_id=row.volunteer_id, kind=kind,
            sequence=row.sequence, due_at=at.astimezone(UTC),
        ))


def _cancel_reminders(session: Session, assignment_id: int, now: datetime) -> None:
    session.execute(
        sa.update(Reminder)
        .where(Reminder.assignment_id == assignment_id, Reminder.sent_at.is_(None),
               Reminder.cancelled_at.is_(None))
        .values(cancelled_at=now)
    )
    # Reminders already turned into alerts but still waiting (quiet hours) are withdrawn too.
    sent = sa.select(Reminder.notification_id).where(
        Reminder.assignment_id == assignment_id, Reminder.notification_id.is_not(None)
    )
    session.execute(
        sa.update(Delivery)
        .where(Delivery.notification_id.in_(sent), Delivery.status == "pending")
        .values(status="cancelled", last_error="assignment cancelled or changed")
    )


@cache
def _statements(dialect: str) -> dict[str, Any]:
    """Upserts built once per dialect and executed with parameters (construction is costly)."""
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    assignments = table_of(Assignment)
    publications = table_of(Publication)
    new_assignment = insert(assignments)
    upsert_assignment = new_assignment.on_conflict_do_update(
        index_elements=["assignment_id"],
        set_={**{c: new_assignment.excluded[c] for c in (
            "volunteer_id", "plan_id", "plan_version", "role", "shift", "status", "starts_at",
            "ends_at", "updated_at")}, "sequence": assignments.c.sequence + 1},
    ).returning(assignments.c.sequence)
    counts = (publications.c.expected_count, publications.c.received_count,
              publications.c.digested_at)
    new_count = insert(publications)
    count_assignment = new_count.on_conflict_do_update(
        index_elements=["plan_id", "plan_version"],
        set_={"received_count": publications.c.received_count
              + new_count.excluded.received_count,
              "last_event_at": new_count.excluded.last_event_at},
    ).returning(*counts)
    new_announcement = insert(publications)
    announce = new_announcement.on_conflict_do_update(
        index_elements=["plan_id", "plan_version"],
        set_={c: new_announcement.excluded[c] for c in ("expected_count", "announced_at",
                                                "last_event_at")},
    ).returning(*counts)
    return {
        "assignment": upsert_assignment, "count": count_assignment, "announce": announce,
        "reminders": sa.insert(table_of(Reminder)),
    }


def _sql(session: Session, name: str) -> Any:
    return _statements(session.get_bind().dialect.name)[name]


def on_assigned(session: Session, envelope: Envelope, settings: dict[str, Any],
                now: datetime) -> None:
    """Store the assignment, schedule its reminders, count it towards its publication."""
    payload = envelope.payload
    if session.new or session.dirty:
        session.flush()  # Core statements below must not overtake pending ORM changes
    try:
        start, end = shift_bounds(payload["shift"], settings["TIMEZONE"])
    except (KeyError, ValueError) as exc:
        raise PermanentError(f"shift has no usable date or time ({type(exc).__name__})") from exc
    (sequence,) = session.execute(_sql(session, "assignment"), {
        "assignment_id": payload["assignment_id"], "volunteer_id": payload["volunteer_id"],
        "plan_id": payload["plan_id"], "plan_version": payload["plan_version"],
        "role": payload["role"], "shift": payload["shift"], "status": "assigned",
        "starts_at": start.astimezone(UTC), "ends_at": end.astimezone(UTC), "updated_at": now,
        "sequence": 0,
    }).one()
    if sequence:
        _cancel_reminders(session, payload["assignment_id"], now)
    due = reminder_times(start, now, day_before_at=settings["REMINDER_DAY_BEFORE_AT"],
                         hours_before=float(settings["REMINDER_HOURS_BEFORE"]))
    if due:
        session.execute(_sql(session, "reminders"), [
            {"assignment_id": payload["assignment_id"], "volunteer_id": payload["volunteer_id"],
             "kind": kind, "sequence": sequence, "due_at": at.astimezone(UTC),
             "sent_at": None, "cancelled_at": None, "notification_id": None}
            for kind, at in due.items()
        ])
    plan_id, version = payload["plan_id"], payload["plan_version"]
    expected, received, digested = session.execute(_sql(session, "count"), {
        "plan_id": plan_id, "plan_version": version, "received_count": 1,
        "last_event_at": now, "expected_count": None, "announced_at": None,
        "digested_at": None,
    }).one()
    if digested is not None:
        # The digest of this version is out already: this shift gets an alert of its own.
        assignment = session.get(Assignment, payload["assignment_id"], populate_existing=True)
        assert assignment is not None  # upserted just above
        create_notification(
            session, settings, now, volunteer_id=payload["volunteer_id"], kind="assigned",
            dedupe_key=f"assigned:{payload['assignment_id']}:{version}",
            assignments=[assignment], plan=(plan_id, version),
        )
    elif expected is not None and received >= expected:
        build_digests(session, plan_id, version, settings, now)


def on_published(session: Session, envelope: Envelope, settings: dict[str, Any],
                 now: datetime) -> None:
    """Record how many assignments the publication holds; digest if all have arrived."""
    payload = envelope.payload
    if session.new or session.dirty:
        session.flush()
    expected, received, digested = session.execute(_sql(session, "announce"), {
        "plan_id": payload["plan_id"], "plan_version": payload["version"], "received_count": 0,
        "expected_count": payload["assignment_count"], "announced_at": now,
        "last_event_at": now, "digested_at": None,
    }).one()
    if digested is None and received >= expected:
        build_digests(session, payload["plan_id"], payload["version"], settings, now)


def on_changed(session: Session, envelope: Envelope, settings: dict[str, Any],
               now: datetime) -> None:
    """Update the assignment, move its reminders, and alert the volunteer."""
    payload = envelope.payload
    row = _store_assignment(session, payload, "assigned", settings, now)
    _cancel_reminders(session, row.assignment_id, now)
    _schedule_reminders(session, row, settings, now)
    create_notification(
        session, settings, now, volunteer_id=row.volunteer_id, kind="changed",
        dedupe_key=f"changed:{envelope.id}", assignments=[row],
        plan=(payload["plan_id"], payload["plan_version"]), previous=payload.get("previous"),
    )


def on_cancelled(session: Session, envelope: Envelope, settings: dict[str, Any],
                 now: datetime) -> None:
    """Mark the assignment cancelled, drop its reminders, and alert the volunteer."""
    payload = envelope.payload
    row = _store_assignment(session, payload, "cancelled", settings, now)
    _cancel_reminders(session, row.assignment_id, now)
    create_notification(
        session, settings, now, volunteer_id=row.volunteer_id, kind="cancelled",
        dedupe_key=f"cancelled:{envelope.id}", assignments=[row],
        plan=(payload["plan_id"], payload["plan_version"]), reason=payload.get("reason"),
    )
