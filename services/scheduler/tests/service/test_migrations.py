"""The Alembic migrations create exactly the schema the models describe (SQLite, PostgreSQL)."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from scheduler.service.db import make_engine
from scheduler.service.migrate import alembic_config, head_revision, upgrade
from scheduler.service.models import Base


def test_migrated_schema_matches_the_models(database_url: str) -> None:
    upgrade(database_url)
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn)
            assert context.get_current_revision() == head_revision()
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()


def test_absence_columns_come_and_go_with_their_migration(database_url: str) -> None:
    upgrade(database_url)
    config = alembic_config(database_url)
    absence = {"absent_at", "absent_by", "absent_reason"}
    engine = make_engine(database_url)
    try:
        command.downgrade(config, "0002")
        engine.dispose()
        columns = {c["name"] for c in inspect(engine).get_columns("attendance")}
        assert not absence & columns and "confirmed_at" in columns
        upgrade(database_url)
        engine.dispose()
        columns = {c["name"] for c in inspect(engine).get_columns("attendance")}
        assert absence <= columns
    finally:
        engine.dispose()
