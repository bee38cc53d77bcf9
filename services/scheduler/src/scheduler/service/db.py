"""Database access: one engine per process, one session per request or unit of work."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, current_app, g
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
            # IMMEDIATE takes the write lock up front, so two writers queue instead of failing
            # with "database is locked" when both try to upgrade a read lock.
            connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """A session factory that keeps loaded values readable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


class Database:
    """Binds an engine and a session factory to a Flask app."""

    def init_app(self, app: Flask) -> None:
        """Create the app's engine from DATABASE_URL and close sessions after each request."""
        engine = make_engine(app.config["DATABASE_URL"])
        app.extensions["scheduler_engine"] = engine
        app.extensions["scheduler_sessionmaker"] = session_factory(engine)
        app.teardown_appcontext(self._close)

    @property
    def engine(self) -> Engine:
        """The current app's engine."""
        return current_app.extensions["scheduler_engine"]  # type: ignore[no-any-return]

    @property
    def session(self) -> Session:
        """The session of the current app context (created on first use)."""
        if "db_session" not in g:
            g.db_session = current_app.extensions["scheduler_sessionmaker"]()
        return g.db_session  # type: ignore[no-any-return]

    @staticmethod
    def _close(_exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.close()


db = Database()


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session outside Flask: commit on success, roll back on error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
