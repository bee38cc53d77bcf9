"""The test suite's own servers behave like the real ones the system meets."""

from __future__ import annotations

import redis
import sqlalchemy as sa

from linli_testing.servers import RedisServer


def test_redis_server_survives_a_crash_with_its_data(fresh_redis: RedisServer) -> None:
    """A killed Redis restarted on the same directory still has what was written (AOF)."""
    client = redis.Redis.from_url(fresh_redis.url)
    client.rpush("queue", b"message-1")
    client.close()

    fresh_redis.kill()
    fresh_redis.start()

    client = redis.Redis.from_url(fresh_redis.url)
    assert client.lrange("queue", 0, -1) == [b"message-1"]
    client.close()


def test_database_url_is_a_working_empty_database(database_url: str) -> None:
    """Each parametrised database accepts DDL and starts empty."""
    engine = sa.create_engine(database_url)
    with engine.begin() as conn:
        assert sa.inspect(conn).get_table_names() == []
        conn.execute(sa.text("CREATE TABLE probe (id INTEGER PRIMARY KEY)"))
        conn.execute(sa.text("INSERT INTO probe (id) VALUES (1)"))
        assert conn.execute(sa.text("SELECT count(*) FROM probe")).scalar_one() == 1
    engine.dispose()
