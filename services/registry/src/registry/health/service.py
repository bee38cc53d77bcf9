"""Readiness check: the database answers and stands at the latest Alembic revision."""

from __future__ import annotations

from sqlalchemy import Engine, text

from registry.migrate import head_revision


def database_ready(engine: Engine) -> tuple[bool, str]:
    """Return (ready, reason)."""
    try:
        with engine.connect() as conn:
            current = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except Exception as exc:  # noqa: BLE001 - any database failure means not ready
        return False, f"database unavailable: {type(exc).__name__}"
    head = head_revision()
    if current != head:
        return False, f"database at revision {current}, expected {head}"
    return True, "ready"
