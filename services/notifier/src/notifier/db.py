"""Engine and session factory; SQLite gets WAL and immediate write locks for several processes."""

from __future__ import annotations

import threading
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker


def make_engine(url: str, **kwargs: Any) -> sa.Engine:
    """An engine for `url`; on SQLite every transaction takes the write lock at BEGIN."""
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"timeout": 30}, **kwargs)
        # SQLite has one writer; threads of this process queue on a lock instead of polling
        # in SQLite's busy handler, which sleeps up to 100 ms per try.
        writer = threading.RLock()

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            # Let SQLAlchemy emit BEGIN itself (pysqlite's own handling defers it).
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Any) -> None:
            # IMMEDIATE: a reader that later writes cannot deadlock with another writer.
            writer.acquire()
            try:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            except BaseException:
                writer.release()
                raise

        @event.listens_for(engine, "commit")
        @event.listens_for(engine, "rollback")
        def _on_end(conn: Any) -> None:
            try:
                writer.release()
            except RuntimeError:
                pass  # a rollback without a transaction of this thread

        return engine
    return sa.create_engine(url, pool_pre_ping=True, **kwargs)


def rowcount(result: Any) -> int:
    """Rows an UPDATE or DELETE touched."""
    return int(result.rowcount)


def table_of(model: Any) -> sa.Table:
    """The Core table of a mapped class."""
    table: sa.Table = model.__table__
    return table


def session_factory(engine: sa.Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit."""
    return sessionmaker(engine, expire_on_commit=False)
