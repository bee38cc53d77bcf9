"""Reacting to change: repair after a withdrawal or a cancelled shift, volunteers declining
(with and without auto-repair and auto-publish), deactivated volunteers flagged, and the
`scheduler.events` consumer over a real Redis and RabbitMQ."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime

import pytest
from kombu import Producer
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from linli_contracts import topology
from linli_contracts.envelope import make_event, parse_envelope
from linli_contracts.outbox import publish_envelope
from scheduler.service.consumer import SchedulerEventConsumer, handle_event
from scheduler.service.db import make_engine, session_factory, session_scope
from scheduler.service.models import INBOX, OUTBOX, PUBLISHED, SOLVED, Exclusion, Plan
from scheduler.service.plans import changes, publishing, store
from scheduler.service.plans import service as plans

from .conftest import ADMIN, new_plan, solve_in_process
from .system import wait_until


def _published(factory: sessionmaker[Session], **settings) -> int:
    plan_id = new_plan(factory, **settings)
    solve_in_process(factory, plan_id)
    with session_scope(factory) as session:
        publishing.publish(session, session.get(Plan, plan_id), ADMIN, None)
    return plan_id


def _current(factory: sessionmaker[Session], plan_id: int) -> tuple[int, str, list[dict]]:
    with session_scope(factory) as session:
        plan = session.get(Plan, plan_id)
        version = store.version_of(session, plan)
        return version.number, version.state, store.assignments_of(session, version)


def _types(factory: sessionmaker[Session]) -> list[str]:
    with session_scope(factory) as session:
        return list(session.scalars(select(OUTBOX.c.type).order_by(OUTBOX.c.created_at)))


def response(assignment: dict, answer: str = "declined"):
    """An assignment.response event as the notifier sends it."""
    return make_event("assignment.response", {
        "assignment_id": assignment["assignment_id"],
        "volunteer_id": assignment["volunteer_id"], "response": answer,
        "reason": None, "responded_at": datetime.now(UTC).isoformat(), "channel": "web"})


def test_repair_after_a_withdrawal_waits_for_publishing(factory) -> None:
    plan_id = _published(factory)
    _n, _s, before = _current(factory, plan_id)
    leaver = before[0]["volunteer_id"]
    with session_scope(factory) as session:
        version, diff = changes.repair(session, session.get(Plan, plan_id),
                                     {"type": "withdraw", "volunteer_id": leaver})
        assert (version.number, version.state) == (2, SOLVED)
    assert {d["volunteer_id"] for d in diff["removed"]} | {
        d["from"] for d in diff["changed"]} == {str(leaver)}
    number, state, after = _current(factory, plan_id)
    assert leaver not in {a["volunteer_id"] for a in after}
    assert len(after) == len(before)
    with session_scope(factory) as session:
        shown = publishing.diff(session, session.get(Plan, plan_id), None, None)
    assert shown["from_version"] == 1 and shown["removed"]
    assert all(r["volunteer_id"] == leaver for r in shown["removed"])
    with session_scope(factory) as session:
        publishing.publish(session, session.get(Plan, plan_id), ADMIN, None)
    types = _types(factory)
    assert types.count("plan.published") == 2
    assert types.count("assignment.cancelled") == len(shown["removed"])


def test_repair_after_a_cancelled_shift(factory) -> None:
    plan_id = _published(factory)
    with session_scope(factory) as session:
        changes.repair(session, session.get(Plan, plan_id),
                     {"type": "cancel_shift", "shift_id": 1000})
    _n, _s, after = _current(factory, plan_id)
    assert 1000 not in {a["shift_id"] for a in after} and len(after) == 18


def test_a_decline_reopens_the_slot_and_keeps_the_volunteer_off(factory) -> None:
    plan_id = _published(factory)
    _n, _s, before = _current(factory, plan_id)
    declined = before[0]
    with session_scope(factory) as session:
        handle_event(response(declined), session)
    number, state, after = _current(factory, plan_id)
    assert (number, state) == (2, SOLVED)
    assert declined["assignment_id"] not in {a["assignment_id"] for a in after}
    with session_scope(factory) as session:
        assert session.get(Exclusion, (plan_id, declined["volunteer_id"],
                                       declined["shift_id"])) is not None
        report = plans.report(store.version_of(session, session.get(Plan, plan_id)))
    assert report["unfilled"][0]["shift_id"] == str(declined["shift_id"])
    # A confirmation changes nothing.
    with session_scope(factory) as session:
        handle_event(response(after[0], "confirmed"), session)
    assert _current(factory, plan_id)[0] == 2


def test_auto_repair_and_auto_publish_on_a_decline(factory) -> None:
    plan_id = _published(factory, auto_repair=True, auto_publish=True)
    _n, _s, before = _current(factory, plan_id)
    declined = before[0]
    with session_scope(factory) as session:
        handle_event(response(declined), session)
    number, state, after = _current(factory, plan_id)
    assert (number, state) == (2, PUBLISHED)
    on_shift = [a for a in after if a["shift_id"] == declined["shift_id"]]
    assert len(on_shift) == 2
    assert declined["volunteer_id"] not in {a["volunteer_id"] for a in on_shift}
    types = _types(factory)
    assert types.count("plan.published") == 2
    assert "assignment.cancelled" in types


def test_a_deactivated_volunteer_s_future_assignments_are_flagged(factory) -> None:
    plan_id = _published(factory)
    _n, _s, before = _current(factory, plan_id)
    volunteer = before[0]["volunteer_id"]
    event = make_event("registry.volunteer.changed", {
        "entity": "volunteer", "id": volunteer, "action": "updated", "community_id": 1,
        "fields": ["active"], "active": False})
    with session_scope(factory) as session:
        handle_event(event, session, today=date(2026, 3, 1))
    _n, _s, after = _current(factory, plan_id)
    flagged = {a["assignment_id"] for a in after if a["flag"] == "volunteer_inactive"}
    assert flagged == {a["assignment_id"] for a in after if a["volunteer_id"] == volunteer}
    assert flagged
    back = make_event("registry.volunteer.changed", {
        "entity": "volunteer", "id": volunteer, "action": "updated", "community_id": 1,
        "fields": ["active"], "active": True})
    with session_scope(factory) as session:
        handle_event(back, session)
    assert not [a for a in _current(factory, plan_id)[2] if a["flag"]]


@pytest.mark.slow
def test_the_consumer_process_reads_responses_from_the_broker(sqlite_factory, broker_url) -> None:
    url, factory = sqlite_factory
    plan_id = _published(factory)
    declined = _current(factory, plan_id)[2][0]
    engine = make_engine(url)
    with topology.connection(broker_url) as conn:
        consumer = SchedulerEventConsumer(conn, session_factory(engine), INBOX)
        thread = threading.Thread(target=consumer.run, daemon=True)
        thread.start()
        event = response(declined)
        with topology.connection(broker_url) as producer_conn:
            producer = Producer(producer_conn)
            # Sent twice, as a relay restarted between publish and mark-sent would.
            for _ in range(2):
                publish_envelope(producer, event, type_=event.type, message_id=event.id)
        wait_until(lambda: _current(factory, plan_id)[0] == 2, timeout=30)
        with session_scope(factory) as session:
            wait_until(lambda: session.scalars(select(INBOX.c.message_id)).all(), timeout=30)
        consumer.stop()
        thread.join(10)
    engine.dispose()
    assert _current(factory, plan_id)[0] == 2
    with session_scope(factory) as session:
        assert session.scalars(select(INBOX.c.message_id)).all() == [event.id]
    assert parse_envelope(event.to_json()).id == event.id


def test_an_undecodable_solve_command_is_dead_lettered(sqlite_factory, broker_url) -> None:
    from kombu import Queue

    from scheduler.service.worker import SolveWorker

    _url, factory = sqlite_factory
    with topology.connection(broker_url) as conn:
        topology.declare_all(conn)
        Producer(conn).publish(b"\xff not json", exchange=topology.commands_exchange(),
                               routing_key="scheduler.solve", content_type="application/json",
                               content_encoding="binary")
        worker = SolveWorker(conn, factory, lease=5)
        thread = threading.Thread(target=worker.run, daemon=True)
        thread.start()
        dead: Queue = topology.dead_letter_queue_for("scheduler.solve")

        def dead_letter() -> object:
            with conn.channel() as channel:
                return dead(channel).get(no_ack=True)

        message = wait_until(dead_letter, timeout=30)
        worker.should_stop = True
        thread.join(10)
    assert message.body == b"\xff not json"
