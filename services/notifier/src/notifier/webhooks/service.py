"""Create and list targets; every URL is checked against the SSRF rules when saved."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from notifier.channels.ssrf import check_url
from notifier.crypto import Vault
from notifier.models import WebhookTarget


def create_target(session: Session, vault: Vault, settings: dict[str, Any], *, kind: str,
                  name: str, url: str, secret: str | None, community_id: int | None = None,
                  volunteer_id: int | None = None) -> WebhookTarget:
    """Validate the URL (raises UnsafeTarget) and store the target, secret encrypted."""
    check_url(url, allow_loopback=bool(settings["ALLOW_LOOPBACK_WEBHOOKS"]))
    target = WebhookTarget(
        kind=kind, name=name, url=url, secret_ciphertext=vault.encrypt(secret),
        community_id=community_id, volunteer_id=volunteer_id, enabled=True,
        created_at=datetime.now(UTC),
    )
    session.add(target)
    session.flush()
    return target


def list_targets(session: Session, community_ids: frozenset[int] | None,
                 community_id: int | None) -> list[WebhookTarget]:
    """Enabled community targets, limited to the caller's communities (None = all)."""
    query = sa.select(WebhookTarget).where(WebhookTarget.enabled.is_(True),
                                           WebhookTarget.community_id.is_not(None))
    if community_ids is not None:
        query = query.where(WebhookTarget.community_id.in_(sorted(community_ids)))
    if community_id is not None:
        query = query.where(WebhookTarget.community_id == community_id)
    return list(session.scalars(query.order_by(WebhookTarget.id)))
