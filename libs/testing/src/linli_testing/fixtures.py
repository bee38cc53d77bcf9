"""pytest fixtures for real servers, loaded as a plugin in every Linli test suite.

- `redis_server`: a Redis of the test session's own (session scope); `redis_url` flushes it
  before each test that asks for it.
- `fresh_redis`: a Redis of the test's own, for tests that kill or pause the server.
- `postgres_database`: a PostgreSQL database of the session's own.
- `database_url`: parametrised over SQLite and PostgreSQL, so database tests run on both.
- `rabbitmq_url`: a RabbitMQ virtual host of the session's own (session scope); `amqp_url`
  deletes the system's queues in it before each test that asks for it.
- `broker_url`: parametrised over Redis and RabbitMQ, so broker tests run on both.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from linli_testing.servers import (
    PostgresDatabase,
    RabbitMQUnavailable,
    RabbitMQVhost,
    RedisServer,
)


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """A Redis server started for this test session."""
    server = RedisServer().start()
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    """URL of the session's Redis, emptied before the test."""
    import redis  # noqa: PLC0415

    client = redis.Redis.from_url(redis_server.url)
    client.flushall()
    client.close()
    return redis_server.url


@pytest.fixture
def fresh_redis() -> Iterator[RedisServer]:
    """A Redis server of this test's own, which the test may kill, pause or restart."""
    server = RedisServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[PostgresDatabase]:
    """A PostgreSQL database created for this test session and dropped afterwards."""
    database = PostgresDatabase().create()
    yield database
    database.drop()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database on SQLite and then on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    database = PostgresDatabase().create()
    try:
        yield database.url
    finally:
        database.drop()


@pytest.fixture(scope="session")
def rabbitmq_vhost() -> Iterator[RabbitMQVhost]:
    """A virtual host on the local RabbitMQ (started if needed) for this test session."""
    try:
        vhost = RabbitMQVhost().create()
    except RabbitMQUnavailable as exc:
        pytest.skip(str(exc))
    yield vhost
    vhost.delete()


@pytest.fixture(scope="session")
def rabbitmq_url(rabbitmq_vhost: RabbitMQVhost) -> str:
    """AMQP URL of the session's RabbitMQ virtual host."""
    return rabbitmq_vhost.url


@pytest.fixture
def amqp_url(rabbitmq_vhost: RabbitMQVhost) -> str:
    """URL of the session's RabbitMQ virtual host, without the system's queues (each test
    declares them afresh, as `redis_url` starts from an empty Redis)."""
    from linli_contracts import topology  # noqa: PLC0415 - the suites that use it have it

    rabbitmq_vhost.delete_queues([queue.name for queue in topology.all_queues()])
    return rabbitmq_vhost.url


@pytest.fixture(params=["redis", "rabbitmq"])
def broker_url(request: pytest.FixtureRequest) -> str:
    """An empty broker: the session's Redis, then the session's RabbitMQ virtual host."""
    return str(request.getfixturevalue("redis_url" if request.param == "redis" else "amqp_url"))
