"""Database extension: one engine per app, one session per request, committed by services."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; SQLite gets foreign keys, a busy timeout and serialisable writes."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            # Let SQLAlchemy issue BEGIN itself so a transaction spans every statement.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin(connection: Any) -> None:
            connection.exec_driver_sql(
                connection.get_execution_options().get("sqlite_begin") or _sqlite_begin()
            )

        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _sqlite_begin() -> str:
    """How an SQLite transaction starts: reads deferred, anything that may write IMMEDIATE.

    In WAL mode a deferred transaction that read and then wants to write fails at once with
    "database is locked" if another writer committed meanwhile (the busy timeout does not
    apply), so every transaction that may write takes the write lock up front and queues.
    """
    if has_request_context() and request.method in ("GET", "HEAD", "OPTIONS"):
        return "BEGIN"
    return "BEGIN IMMEDIATE"


class Database:
    """Binds an engine and a session factory to a Flask app."""

    def __init__(self) -> None:
        self._factories: dict[int, sessionmaker[Session]] = {}

    def init_app(self, app: Flask) -> None:
        """Create the app's engine from DATABASE_URL and close sessions after each request."""
        engine = make_engine(app.config["DATABASE_URL"])
        app.extensions["registry_engine"] = engine
        app.extensions["registry_sessionmaker"] = sessionmaker(engine, expire_on_commit=False)
        app.teardown_appcontext(self._close)

    @property
    def engine(self) -> Engine:
        """The current app's engine."""
        return current_app.extensions["registry_engine"]  # type: ignore[no-any-return]

    @property
    def session(self) -> Session:
        """The session of the current app context (created on first use)."""
        if "db_session" not in g:
            g.db_session = current_app.extensions["registry_sessionmaker"]()
        return g.db_session  # type: ignore[no-any-return]

    @staticmethod
    def _close(_exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.close()


db = Database()


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session outside Flask (commands): commit on success, roll back on error."""
    session = sessionmaker(engine, expire_on_commit=False)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
