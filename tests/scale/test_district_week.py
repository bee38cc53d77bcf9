"""Scale check: a district week planned, solved and announced through the whole system.

The demo district (90 communities, ~3,000 volunteers, ~1,000 shifts in one week) is loaded
into the real registry; three solve workers and three notifier workers run beside the APIs,
relays and consumer, on Redis and then on RabbitMQ. The district coordinator creates one plan
for the whole district week from the registry snapshot, one of the three workers solves it,
it is published, and the notifier workers announce it. The checker then counts, for every
assigned volunteer, the digest alerts in the notifier's store, the in-app messages and the SMS
lines the file provider wrote: each volunteer is announced exactly once with exactly their
assignments (no loss, no duplicate), and no SMS was sent twice.

SMS needs the volunteer's phone and consent in the notifier, which an operator copies from
the registry one volunteer at a time; the test does that for one community in nine (about 350
people), and everyone else is reached in the in-app inbox only, as the system intends.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest
import requests
import sqlalchemy as sa

from linli_testing.stack import Stack
from notifier.domain.registry_channels import channel_settings
from notifier.models import Delivery, InboxMessage, Notification
from registry.demo.district import DISTRICT, WEEK_END, WEEK_START

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
# Enough for the engine to build the model (~20,000 variables, 9-13 s on a busy two-core
# machine) and find a plan that fills every place it can.
TIME_LIMIT = 20
# Volunteers of every SMS_EVERY-th community get their phone copied into the notifier.
SMS_EVERY = 9
# Seconds to keep watching once every alert is out, so a late duplicate is seen too.
SETTLE = 3
T = TypeVar("T")


def wait_until(check: Callable[[], T | None], timeout: float, what: str,
               interval: float = 0.5) -> T:
    """Poll until `check` returns something truthy."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


class Client:
    """Bearer-token JSON calls to one of the stack's APIs."""

    def __init__(self, base: str, token: str) -> None:
        self.base = base
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {token}"

    def call(self, method: str, path: str, **kw: Any) -> requests.Response:
        return self.http.request(method, f"{self.base}{path}", timeout=60, **kw)

    def pages(self, path: str, size: int, **params: Any) -> list[dict[str, Any]]:
        """Every item of a paged list."""
        items: list[dict[str, Any]] = []
        page = 1
        while True:
            answer = self.call("GET", path, params={**params, "page": page, "page_size": size})
            assert answer.status_code == 200, answer.text
            items += answer.json()
            if len(answer.json()) < size:
                return items
            page += 1


@pytest.fixture
def phases() -> Iterator[dict[str, float]]:
    """When each step ended, printed with the test's output (where a slow run spends time)."""
    marks = {"start": time.monotonic()}
    yield marks
    steps = list(marks.items())
    print("phases: " + ", ".join(f"{name} {at - steps[i][1]:.1f} s"
                                 for i, (name, at) in enumerate(steps[1:])))


@pytest.fixture
def stack(tmp_path: Path, broker_url: str, phases: dict[str, float]) -> Iterator[Stack]:
    """The whole system with the demo district, three solve and three notifier workers."""
    system = Stack(
        tmp_path, broker_url, solve_workers=3, notifier_workers=3, portal=False,
        seed="district",
        # No quiet hours: SMS created at night would wait for the morning.
        env={"NOTIFIER_QUIET_START": "00:00", "NOTIFIER_QUIET_END": "00:00"},
    ).start(timeout=120)
    phases["stack started"] = time.monotonic()
    try:
        yield system
    finally:
        system.stop()
        phases["stack stopped"] = time.monotonic()
        print(system.logs(tail=1500))


def copy_channels(stack: Stack, registry: Client, community_ids: list[int]) -> set[int]:
    """Copy the communities' volunteers' channels into the notifier; their ids."""
    notifier = Client(stack.urls["notifier"], stack.token("admin"))
    volunteers = [v["id"] for cid in community_ids
                  for v in registry.pages("/volunteers", 200, community_id=cid)]

    def copy(volunteer_id: int) -> None:
        record = registry.call("GET", f"/volunteers/{volunteer_id}")
        assert record.status_code == 200, record.text
        put = notifier.call("PUT", f"/volunteers/{volunteer_id}/channel-settings",
                            json=channel_settings(record.json()))
        assert put.status_code == 200, put.text

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(copy, volunteers))
    return set(volunteers)


def sms_lines(stack: Stack) -> list[dict[str, Any]]:
    """Every SMS the file provider wrote."""
    if not stack.sms_outbox.exists():
        return []
    return [json.loads(line) for line in stack.sms_outbox.read_text("utf-8").splitlines()]


def test_district_week_is_solved_and_every_alert_delivered_once(
    stack: Stack, phases: dict[str, float]
) -> None:
    registry = Client(stack.urls["registry"], stack.token("coord_district"))
    scheduler = Client(stack.urls["scheduler"], stack.token("coord_district"))
    communities = [c["id"] for c in registry.pages("/communities", 100)
                   if c["district"] == DISTRICT]
    assert 80 <= len(communities) <= 100
    with_sms = copy_channels(stack, registry, communities[::SMS_EVERY])
    phases["channels copied"] = time.monotonic()

    created = scheduler.call("POST", "/plans", json={
        "community_ids": communities, "start": WEEK_START.isoformat(),
        "end": WEEK_END.isoformat(), "title": f"{DISTRICT}全区一周"})
    assert created.status_code == 201, created.text
    plan = created.json()
    assert plan["shift_count"] >= 900
    phases["plan created"] = time.monotonic()
    queued = scheduler.call("POST", f"/plans/{plan['id']}/solve", json={"time_limit": TIME_LIMIT})
    assert queued.status_code == 202, queued.text
    job = wait_until(
        lambda: (lambda j: j if j["status"] not in ("queued", "running") else None)(
            scheduler.call("GET", f"/plans/{plan['id']}/solve").json()),
        timeout=TIME_LIMIT * 4, what="the solve job")
    assert job["status"] == "succeeded", job
    assert job["attempt"] == 1
    phases["solved"] = time.monotonic()
    solved_by = [name for name in stack.processes if name.startswith("solve-worker-")
                 and _solved_by(stack, plan["id"]) == stack.processes[name].pid]
    assert len(solved_by) == 1

    current = scheduler.call("GET", f"/plans/{plan['id']}")
    assignments = scheduler.pages(f"/plans/{plan['id']}/assignments", 500)
    assert len(assignments) == current.json()["version"]["assignment_count"] > 1000
    published = scheduler.call("POST", f"/plans/{plan['id']}/publish",
                               headers={"If-Match": current.headers["ETag"]})
    assert published.status_code == 200, published.text
    assert published.json()["events"] == len(assignments) + 1
    phases["published"] = time.monotonic()

    expected: dict[int, set[int]] = {}
    for row in assignments:
        expected.setdefault(int(row["volunteer_id"]), set()).add(int(row["assignment_id"]))
    expected_sms = set(expected) & with_sms
    assert expected_sms, "no assigned volunteer has SMS: the SMS check would be empty"
    store = sa.create_engine(stack.env["NOTIFIER_DATABASE_URL"])
    try:
        wait_until(lambda: _all_sent(store, plan["id"], len(expected))
                   and len(sms_lines(stack)) >= len(expected_sms),
                   timeout=180, what=f"{len(expected)} digests and {len(expected_sms)} SMS")
        phases["delivered"] = time.monotonic()
        time.sleep(SETTLE)  # a duplicate would come right behind the last alert
        digests, inbox, deliveries = _notifier_records(store, plan["id"])
    finally:
        store.dispose()

    # Every assigned volunteer has one digest with exactly their assignments, and its inbox copy.
    per_volunteer = Counter(d.volunteer_id for d in digests)
    assert set(per_volunteer) == set(expected)
    assert max(per_volunteer.values()) == 1
    assert {d.volunteer_id: set(map(int, d.assignment_ids)) for d in digests} == expected
    assert sorted(inbox) == sorted(d.id for d in digests)
    # One SMS per volunteer who has SMS, each sent once; nobody else gets one.
    assert sorted((d.notification_id, d.channel) for d in deliveries) == sorted(
        (d.id, "sms") for d in digests if d.volunteer_id in with_sms)
    assert {d.status for d in deliveries} == {"sent"}
    lines = sms_lines(stack)
    keys = Counter(line["idempotency_key"] for line in lines)
    assert max(keys.values()) == 1, keys.most_common(3)
    sms_to = {d.volunteer_id for d in digests if f"linli-n{d.id}-sms" in keys}
    assert sms_to == expected_sms
    assert len(lines) == len(expected_sms)
    assert {line["kind"] for line in lines} == {"digest"}
    assert all("*" in line["phone"] for line in lines)


def _solved_by(stack: Stack, plan_id: int) -> int:
    """Process id of the worker that ran the plan's solve job, from the scheduler's store."""
    from scheduler.service.models import SolveJob  # noqa: PLC0415

    engine = sa.create_engine(stack.env["SCHEDULER_DATABASE_URL"])
    try:
        with engine.connect() as conn:
            worker = conn.execute(sa.select(SolveJob.worker_id)
                                  .where(SolveJob.plan_id == plan_id)).scalar_one()
    finally:
        engine.dispose()
    return int(worker.split(":")[1])


def _all_sent(store: sa.Engine, plan_id: int, volunteers: int) -> bool:
    """Every volunteer has a digest and no delivery of them is still waiting."""
    digests, _, deliveries = _notifier_records(store, plan_id)
    return len(digests) >= volunteers and all(d.status != "pending" and d.status != "sending"
                                              for d in deliveries)


def _notifier_records(store: sa.Engine, plan_id: int) -> tuple[list[Any], list[int], list[Any]]:
    """The plan's digest notifications, their inbox messages and their deliveries."""
    with store.connect() as conn:
        digests = list(conn.execute(
            sa.select(Notification.id, Notification.volunteer_id, Notification.assignment_ids)
            .where(Notification.plan_id == plan_id, Notification.kind == "digest")))
        ids = sa.select(Notification.id).where(Notification.plan_id == plan_id,
                                               Notification.kind == "digest")
        inbox = list(conn.scalars(sa.select(InboxMessage.notification_id)
                                  .where(InboxMessage.notification_id.in_(ids))))
        deliveries = list(conn.execute(
            sa.select(Delivery.notification_id, Delivery.channel, Delivery.status)
            .where(Delivery.notification_id.in_(ids))))
    return digests, inbox, deliveries
