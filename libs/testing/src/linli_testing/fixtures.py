"""pytest fixtures for real servers, loaded as a plugin in every Linli test suite.

- `redis_server`: a Redis of the test session's own (session scope); `redis_url` flushes it
  before each test that asks for it.
- `fresh_redis`: a Redis of the test's own, for tests that kill or pause the server.
- `postgres_database`: a PostgreSQL database of the session's own.
- `database_url`: parametrised over SQLite and PostgreSQL, so database tests run on both.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from linli_testing.servers import PostgresDatabase, RedisServer


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
