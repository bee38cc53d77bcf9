"""Plan life cycle in the service layer: solve by a worker, publish with events, idempotent
republish, hand edits checked against hard rules, supersession and diffs."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from linli_contracts.envelope import parse_envelope
from scheduler.service.db import session_scope
from scheduler.service.errors import Invalid, Stale
from scheduler.service.models import (
    OUTBOX,
    PUBLISHED,
    SOLVED,
    SUCCEEDED,
    SUPERSEDED,
    Plan,
    SolveJob,
)
from scheduler.service.plans import changes, publishing, store
from scheduler.service.plans import service as plans
from scheduler.service.worker import solve_job

from .conftest import ADMIN, new_plan, solve_in_process


def _events(factory: sessionmaker[Session], type_: str | None = None) -> list[dict]:
    with session_scope(factory) as session:
        query = select(OUTBOX.c.body).order_by(OUTBOX.c.created_at)
        if type_:
            query = query.where(OUTBOX.c.type == type_)
        return [parse_envelope(b).to_dict() for b in session.scalars(query)]


def _solved_plan(factory: sessionmaker[Session]) -> int:
    plan_id = new_plan(factory)
    with session_scope(factory) as session:
        job = plans.request_solve(session, session.get(Plan, plan_id), ADMIN, time_limit=3,
                                  max_active=10)
        job_id = job.id
    assert solve_job(factory, job_id, "worker-test", 30) == "done"
    with session_scope(factory) as session:
        job = session.get(SolveJob, job_id)
        assert job.status == SUCCEEDED and job.outcome in ("OPTIMAL", "FEASIBLE")
        assert set(job.progress) >= {"objective", "bound", "gap", "elapsed"}
    return plan_id


def _etag(factory: sessionmaker[Session], plan_id: int) -> str:
    with session_scope(factory) as session:
        plan = session.get(Plan, plan_id)
        return store.etag(plan, store.version_of(session, plan))


@pytest.fixture
def solved(factory: sessionmaker[Session]) -> int:
    """A solved plan (the real engine, in this process)."""
    plan_id = new_plan(factory)
    solve_in_process(factory, plan_id)
    return plan_id


def test_solve_publish_and_publish_again(factory) -> None:
    plan_id = _solved_plan(factory)
    with session_scope(factory) as session:
        plan = session.get(Plan, plan_id)
        version = store.version_of(session, plan)
        assert version.state == SOLVED
        assignments = store.assignments_of(session, version)
        # Ten shifts needing two vetted tutors each; the unvetted volunteers stay out.
        assert len(assignments) == 20
        assert not {a["volunteer_id"] for a in assignments} & {199, 299}
    etag = _etag(factory, plan_id)
    with session_scope(factory) as session:
        _version, count = publishing.publish(session, session.get(Plan, plan_id), ADMIN, etag)
    assert count == 21
    assigned = _events(factory, "assignment.assigned")
    assert len(assigned) == 20
    assert len({e["payload"]["assignment_id"] for e in assigned}) == 20
    payload = assigned[0]["payload"]
    assert payload["plan_version"] == 1
    assert set(payload["shift"]) >= {"date", "start", "end", "venue_name", "venue_address"}
    assert "name" not in json.dumps(payload["shift"]).replace("_name", "")
    published = _events(factory, "plan.published")
    assert [e["payload"]["assignment_count"] for e in published] == [20]
    # Publishing again (a retried request) changes nothing and sends nothing.
    with session_scope(factory) as session:
        version, count = publishing.publish(session, session.get(Plan, plan_id), ADMIN, etag)
        assert (version.state, count) == (PUBLISHED, 0)
    assert len(_events(factory)) == len(_events(factory, "scheduler.solve")) + 1 + 21 + 0


def _free_tutor(items: list[dict], shift_id: int) -> int:
    """A vetted volunteer of community 1 not yet on the shift."""
    taken = {a["volunteer_id"] for a in items if a["shift_id"] == shift_id}
    return next(v for v in range(100, 106) if v not in taken)


def test_edit_republish_supersedes_and_sends_only_the_change(factory, solved) -> None:
    plan_id = solved
    with session_scope(factory) as session:
        publishing.publish(session, session.get(Plan, plan_id), ADMIN, None)
        plan = session.get(Plan, plan_id)
        items = store.assignments_of(session, store.version_of(session, plan))
    extra = {"volunteer_id": _free_tutor(items, 1000), "shift_id": 1000, "skill": "tutor"}
    old_etag = _etag(factory, plan_id)
    with session_scope(factory) as session:
        plan = session.get(Plan, plan_id)
        version = changes.edit(session, plan, "assign", extra, if_match=old_etag)
        assert (version.number, version.state) == (2, SOLVED)
    with pytest.raises(Stale), session_scope(factory) as session:
        publishing.publish(session, session.get(Plan, plan_id), ADMIN, old_etag)
    before = len(_events(factory))
    etag = _etag(factory, plan_id)
    with session_scope(factory) as session:
        plan = session.get(Plan, plan_id)
        publishing.publish(session, plan, ADMIN, etag)
        assert store.version_of(session, plan, 1).state == SUPERSEDED
        assert plan.published_version == 2
    new = _events(factory)[before:]
    assert [e["type"] for e in new] == ["plan.published", "assignment.assigned"]
    added_id = new[1]["payload"]["assignment_id"]
    assert new[1]["payload"]["volunteer_id"] == extra["volunteer_id"]
    # Take them off again: version 3 sends one cancellation.
    with session_scope(factory) as session:
        plan = session.get(Plan, plan_id)
        changes.edit(session, plan, "unassign", extra, if_match=None)
        publishing.publish(session, plan, ADMIN, None)
    new = _events(factory)[before + 2:]
    assert [e["type"] for e in new] == ["plan.published", "assignment.cancelled"]
    assert new[1]["payload"]["assignment_id"] == added_id
    with session_scope(factory) as session:
        diff = publishing.diff(session, session.get(Plan, plan_id), 1, 2)
    assert [d["assignment_id"] for d in diff["added"]] == [added_id]
    assert diff["removed"] == [] and diff["changed"] == []


def test_hand_edits_are_checked_against_hard_rules(factory, solved) -> None:
    plan_id = solved
    with pytest.raises(Invalid) as refused, session_scope(factory) as session:
        changes.edit(session, session.get(Plan, plan_id), "assign",
                   {"volunteer_id": 199, "shift_id": 1000, "skill": "tutor"}, if_match=None)
    assert refused.value.errors["rules"] == ["vetting"]
    # Leaving one adult alone with the children breaks the two-adults rule.
    with session_scope(factory) as session:
        plan = session.get(Plan, plan_id)
        on_shift = [a for a in store.assignments_of(session, store.version_of(session, plan))
                    if a["shift_id"] == 1000]
    with pytest.raises(Invalid) as refused, session_scope(factory) as session:
        changes.edit(session, session.get(Plan, plan_id), "unassign", on_shift[0], if_match=None)
    assert refused.value.errors["rules"] == ["adults"]
    # Nothing changed.
    with session_scope(factory) as session:
        plan = session.get(Plan, plan_id)
        assert plan.current_version == 1
        assert len(store.assignments_of(session, store.version_of(session, plan))) == 20


def test_pins_survive_a_resolve(factory, solved) -> None:
    plan_id = solved
    with session_scope(factory) as session:
        plan = session.get(Plan, plan_id)
        items = store.assignments_of(session, store.version_of(session, plan))
        # Pin a third tutor on the first shift: the solver would not put them there itself.
        newcomer = _free_tutor(items, 1000)
        changes.edit(session, plan, "pin", {"volunteer_id": newcomer, "shift_id": 1000,
                                          "skill": "tutor"}, if_match=None)
        job_id = plans.request_solve(session, plan, ADMIN, time_limit=3, max_active=10).id
    assert solve_job(factory, job_id, "worker-test", 30) == "done"
    with session_scope(factory) as session:
        plan = session.get(Plan, plan_id)
        items = store.assignments_of(session, store.version_of(session, plan))
        pinned = [a for a in items if a["pinned"]]
        assert [(a["volunteer_id"], a["shift_id"]) for a in pinned] == [(newcomer, 1000)]
        assert session.scalar(select(func.count()).select_from(SolveJob)) == 2
