"""Change events of the registry, written to the outbox in the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import g, has_request_context
from sqlalchemy import Table
from sqlalchemy.orm import Session

from linli_contracts.envelope import make_event
from linli_contracts.outbox import outbox_table, record

__all__ = ["emit_change", "emit_event", "outbox_table"]


def _correlation_id() -> str | None:
    if has_request_context():
        return getattr(g, "correlation_id", None)
    return None


def emit_event(session: Session, type_: str, payload: dict[str, Any]) -> None:
    """Record one event in the outbox inside the session's open transaction."""
    from registry.models import OUTBOX  # noqa: PLC0415 - models import this module

    envelope = make_event(type_, payload, correlation_id=_correlation_id())
    record(session, OUTBOX, envelope)


def emit_change(
    session: Session,
    entity: str,
    id_: int,
    action: str,
    community_id: int | None,
    fields: Iterable[str] = (),
    **extra: Any,
) -> None:
    """Record a `registry.<entity>.changed` event for one created, updated or deleted record."""
    payload: dict[str, Any] = {
        "entity": entity,
        "id": id_,
        "action": action,
        "community_id": community_id,
        "fields": sorted(set(fields)) if action == "updated" else [],
    }
    payload.update(extra)
    emit_event(session, f"registry.{entity}.changed", payload)


def outbox(metadata: Any) -> Table:
    """The outbox table bound to the registry's metadata."""
    return outbox_table(metadata)
