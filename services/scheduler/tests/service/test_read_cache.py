"""What the read endpoints keep per process follows every change: after an edit, a publication,
a decline or a flag, a warmed-up app answers exactly as an app started afresh does."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from scheduler.service.app import create_app
from scheduler.service.db import session_scope
from scheduler.service.models import Exclusion, Plan
from scheduler.service.plans import changes, derived, store
from scheduler.service.plans.reactions import flag_inactive_volunteer

from .conftest import bearer, new_plan, solve_in_process

SHIFT = 1000  # community 1's first after-school shift (two tutors wanted)


@pytest.fixture
def solved(factory: sessionmaker[Session]) -> int:
    """A solved plan (the real engine, in this process)."""
    plan_id = new_plan(factory)
    solve_in_process(factory, plan_id)
    return plan_id


def _app(database_url: str) -> Any:
    return create_app({"DATABASE_URL": database_url, "TESTING": True,
                       "REGISTRY_URL": "http://127.0.0.1:9"})


def _reads(client: Any, plan_id: int) -> dict[str, Any]:
    """Every read endpoint's answer."""
    urls = [
        "/plans", f"/plans/{plan_id}", f"/plans/{plan_id}/versions",
        f"/plans/{plan_id}/report", f"/plans/{plan_id}/assignments?page_size=500",
        f"/plans/{plan_id}/assignments?date=2026-03-02",
        f"/plans/{plan_id}/assignments?shift_id={SHIFT}",
        f"/plans/{plan_id}/candidates?shift_id={SHIFT}&skill=tutor&limit=20",
    ]
    out = {}
    for url in urls:
        answer = client.get(url, headers=bearer("admin"))
        assert answer.status_code == 200, (url, answer.get_json())
        out[url] = answer.get_json()
    return out


def _fresh(database_url: str, plan_id: int) -> dict[str, Any]:
    app = _app(database_url)
    try:
        return _reads(app.test_client(), plan_id)
    finally:
        app.extensions["scheduler_engine"].dispose()


def test_warm_reads_follow_edits_publication_and_flags(factory, database_url, solved) -> None:
    plan_id = solved
    app = _app(database_url)
    client = app.test_client()
    try:
        before = _reads(client, plan_id)
        on_shift = {a["volunteer_id"] for a in
                    before[f"/plans/{plan_id}/assignments?shift_id={SHIFT}"]}
        extra = next(v for v in range(100, 106) if v not in on_shift)
        eligible = {c["volunteer_id"] for c in
                    before[f"/plans/{plan_id}/candidates?shift_id={SHIFT}&skill=tutor&limit=20"]
                    if c["eligible"]}
        assert str(extra) in eligible

        # A hand edit makes a new revision of the same version.
        answer = client.post(f"/plans/{plan_id}/edits", headers=bearer("admin"), json={
            "action": "assign", "volunteer_id": extra, "shift_id": SHIFT, "skill": "tutor"})
        assert answer.status_code == 200, answer.get_json()
        after_edit = _reads(client, plan_id)
        assert after_edit == _fresh(database_url, plan_id)
        plan_url = f"/plans/{plan_id}"
        assert (after_edit[plan_url]["version"]["assignment_count"]
                == before[plan_url]["version"]["assignment_count"] + 1)
        assert extra in {a["volunteer_id"] for a in
                         after_edit[f"/plans/{plan_id}/assignments?shift_id={SHIFT}"]}
        ranked = after_edit[f"/plans/{plan_id}/candidates?shift_id={SHIFT}&skill=tutor&limit=20"]
        assert str(extra) not in {c["volunteer_id"] for c in ranked}
        report_url = f"/plans/{plan_id}/report"
        loads = {row["volunteer_id"]: row for row in after_edit[report_url]["loads"]}
        old = {row["volunteer_id"]: row for row in before[report_url]["loads"]}
        assert loads[str(extra)]["shifts"] == old.get(str(extra), {"shifts": 0})["shifts"] + 1

        # Publishing changes the state only; a later edit starts version 2.
        etag = client.get(plan_url, headers=bearer("admin")).headers["ETag"]
        answer = client.post(f"/plans/{plan_id}/publish",
                             headers={**bearer("admin"), "If-Match": etag})
        assert answer.status_code == 200, answer.get_json()
        published = _reads(client, plan_id)
        assert published[plan_url]["state"] == "published"
        assert published == _fresh(database_url, plan_id)
        answer = client.post(f"/plans/{plan_id}/edits", headers=bearer("admin"), json={
            "action": "unpin", "volunteer_id": extra, "shift_id": SHIFT})
        assert answer.status_code == 200, answer.get_json()
        second = _reads(client, plan_id)
        assert second[plan_url]["version"]["number"] == 2
        assert second == _fresh(database_url, plan_id)

        # A flag changes rows without a new revision.
        with session_scope(factory) as session:
            assert flag_inactive_volunteer(session, extra, date(2026, 3, 1)) >= 1
        flagged = _reads(client, plan_id)
        rows = flagged[f"/plans/{plan_id}/assignments?shift_id={SHIFT}"]
        assert {a["flag"] for a in rows if a["volunteer_id"] == extra} == {"volunteer_inactive"}
        assert flagged == _fresh(database_url, plan_id)
    finally:
        app.extensions["scheduler_engine"].dispose()


def test_ranking_problem_is_kept_until_an_input_changes(factory, solved) -> None:
    plan_id = solved

    def ranking_problem() -> Any:
        with session_scope(factory) as session:
            plan = session.get(Plan, plan_id)
            return changes.ranking_problem(session, plan, store.version_of(session, plan))

    first = ranking_problem()
    assert ranking_problem() is first

    # A decline adds an exclusion without a new revision when the slot changed already.
    with session_scope(factory) as session:
        session.add(Exclusion(plan_id=plan_id, volunteer_id=100, shift_id=SHIFT))
    declined = ranking_problem()
    assert declined is not first
    assert ranking_problem() is declined

    with session_scope(factory) as session:
        plan = session.get(Plan, plan_id)
        store.touch(store.version_of(session, plan))
    touched = ranking_problem()
    assert touched is not declined
    assert ranking_problem() is touched


def test_lru_keeps_the_most_recently_used() -> None:
    made: list[str] = []
    cache = derived.Lru(2)

    def get(key: str) -> str:
        return cache.get_or_make(key, lambda: made.append(key) or key.upper())

    assert [get("a"), get("b"), get("a"), get("c")] == ["A", "B", "A", "C"]
    assert len(cache) == 2
    assert get("a") == "A" and get("b") == "B"
    assert made == ["a", "b", "c", "b"]
