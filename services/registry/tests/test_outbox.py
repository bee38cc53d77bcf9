"""Outbox: events live and die with their transaction; the relay publishes to real Redis."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from kombu import Connection, Queue, binding

from linli_contracts import topology
from linli_contracts.outbox import OutboxRelay
from registry.auth.principal import Principal
from registry.db import make_engine, session_scope
from registry.events import emit_change
from registry.models import OUTBOX, Grid

from .conftest import World, outbox_rows

ADMIN = Principal(user_id=1, role="admin")


def test_rolled_back_transaction_leaves_no_event(world: World) -> None:
    before = len(outbox_rows(world.app))
    engine = make_engine(world.app.config["DATABASE_URL"])
    with pytest.raises(RuntimeError), session_scope(engine) as session:
        grid = Grid(community_id=world.ids["A"], name="回滚网格")
        session.add(grid)
        session.flush()
        emit_change(session, "grid", grid.id, "created", grid.community_id)
        raise RuntimeError("fails after the outbox insert")
    engine.dispose()
    assert len(outbox_rows(world.app)) == before


def test_each_change_writes_one_event(client: FlaskClient, world: World) -> None:
    before = len(outbox_rows(world.app))
    created = client.post(
        "/grids", json={"community_id": world.ids["A"], "name": "三网格"}, headers=world.h("admin")
    )
    assert created.status_code == 201
    rows = outbox_rows(world.app)
    assert len(rows) == before + 1
    assert rows[-1]["type"] == "registry.grid.changed"
    assert rows[-1]["payload"]["action"] == "created"
    refused = client.post(
        "/grids", json={"community_id": 424242, "name": "x"}, headers=world.h("admin")
    )
    assert refused.status_code == 422
    assert len(outbox_rows(world.app)) == before + 1


def _drain(broker_url: str, queue: Queue, expected: int) -> list[dict[str, object]]:
    received: list[dict[str, object]] = []
    with Connection(broker_url) as conn:
        with conn.Consumer(
            [queue],
            accept=["json"],
            callbacks=[
                lambda body, message: (
                    received.append(json.loads(body) if isinstance(body, (str, bytes)) else body),
                    message.ack(),
                )
            ],
        ):
            deadline = time.monotonic() + 10
            while len(received) < expected and time.monotonic() < deadline:
                try:
                    conn.drain_events(timeout=0.5)
                except TimeoutError:
                    pass
    return received


def test_relay_publishes_to_redis(client: FlaskClient, world: World, redis_url: str) -> None:
    everything = Queue(
        "test.registry",
        bindings=[binding(topology.events_exchange(), routing_key="registry.#")],
        durable=True,
        auto_delete=False,
    )
    with Connection(redis_url) as conn:
        topology.declare_all(conn)
        everything(conn.default_channel).declare()
    client.patch(
        f"/volunteers/{world.ids['va2']}", json={"active": False}, headers=world.h("admin")
    )
    client.post(
        "/grids", json={"community_id": world.ids["A"], "name": "四网格"}, headers=world.h("admin")
    )
    engine = make_engine(world.app.config["DATABASE_URL"])
    relay = OutboxRelay(engine, OUTBOX, redis_url)
    assert relay.relay_once() == 2
    assert relay.relay_once() == 0
    relay.close()
    engine.dispose()
    to_scheduler = _drain(redis_url, topology.queue_for("scheduler.events"), 1)
    assert [m["type"] for m in to_scheduler] == ["registry.volunteer.changed"]
    assert to_scheduler[0]["payload"]["active"] is False
    all_events = _drain(redis_url, everything, 2)
    assert [m["type"] for m in all_events] == [
        "registry.volunteer.changed",
        "registry.grid.changed",
    ]


def test_relay_command_stops_on_sigterm(
    client: FlaskClient, world: World, redis_url: str, tmp_path: Path
) -> None:
    client.post(
        "/grids", json={"community_id": world.ids["A"], "name": "五网格"}, headers=world.h("admin")
    )
    assert outbox_unsent(world) == 1
    env = {
        "REGISTRY_DATABASE_URL": world.app.config["DATABASE_URL"],
        "BROKER_URL": redis_url,
        "PATH": "/usr/bin:/bin",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "registry", "relay"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 20
        while outbox_unsent(world) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not outbox_unsent(world)
        process.send_signal(signal.SIGTERM)
        assert process.wait(15) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(5)


def outbox_unsent(world: World) -> int:
    """Rows the relay has not published yet."""
    from sqlalchemy import func, select  # noqa: PLC0415

    engine = world.app.extensions["registry_engine"]
    with engine.connect() as conn:
        return int(
            conn.scalar(
                select(func.count()).select_from(OUTBOX).where(OUTBOX.c.published_at.is_(None))
            )
            or 0
        )


def test_correlation_id_is_carried_when_plain(client: FlaskClient, world: World) -> None:
    headers = world.h("admin", **{"X-Correlation-ID": "req-42"})
    answer = client.post(
        "/grids", json={"community_id": world.ids["A"], "name": "六网格"}, headers=headers
    )
    assert answer.headers["X-Correlation-ID"] == "req-42"
    assert outbox_rows(world.app)[-1]["correlation_id"] == "req-42"
    hostile = world.h("admin", **{"X-Correlation-ID": "x" * 500})
    answer = client.post(
        "/grids", json={"community_id": world.ids["A"], "name": "七网格"}, headers=hostile
    )
    assert answer.status_code == 201
    assert len(outbox_rows(world.app)[-1]["correlation_id"]) <= 64
