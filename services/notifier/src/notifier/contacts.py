"""The registry's contact data applied to the notifier's channel settings.

The registry owns who a volunteer is and how they agreed to be reached: name, community,
phone, e-mail, and the consented SMS, e-mail and inbox channels. The notifier owns what the
volunteer set here: language, quiet hours, personal webhook, group robot, calendar secret, and
consent to the channels only the notifier knows (webhook, WeCom, DingTalk). Applying a record
replaces the first and keeps the second, so applying the same record twice changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from notifier.crypto import Vault
from notifier.domain.registry_channels import CHANNELS_FROM_REGISTRY, channel_settings
from notifier.models import ChannelSettings
from notifier.registry_client import RegistryClient, RegistryFailed
from notifier.volunteers.service import upsert

log = logging.getLogger(__name__)

#: Channels whose consent and place in the preference order come from the registry.
REGISTRY_CHANNELS = frozenset(CHANNELS_FROM_REGISTRY.values())
#: Registry fields that change what the notifier keeps; other changes (availability, skills,
#: leave …) need no look-up.
CONTACT_FIELDS = frozenset({"name", "community_id", "phone", "contact_channels", "active"})


class MaskedContact(RegistryFailed):
    """The registry masked the phone number: the notifier's account is no contact reader."""


def needs_lookup(payload: dict[str, Any]) -> bool:
    """Whether a `registry.volunteer.changed` payload can change the channel settings."""
    if payload.get("action") != "updated":
        return True
    return bool(CONTACT_FIELDS & set(payload.get("fields") or ()))


def merge_channels(current: Iterable[str], from_registry: list[str]) -> list[str]:
    """The registry's channels in its order, at the place the registry's channels held in the
    current preference order; the notifier's own channels keep their places."""
    merged: list[str] = []
    placed = False
    for channel in current:
        if channel in REGISTRY_CHANNELS:
            if not placed:
                merged.extend(from_registry)
                placed = True
        elif channel not in merged:
            merged.append(channel)
    if not placed:
        merged.extend(from_registry)
    return list(dict.fromkeys(merged))


def apply_volunteer(session: Session, vault: Vault, settings: dict[str, Any],
                    volunteer_id: int, record: dict[str, Any] | None) -> str:
    """Bring one volunteer's settings in line with the registry; returns what was done:
    `updated`, `unchanged`, `cleared` (deleted or inactive: in-app only) or `skipped`
    (deleted or inactive, and nothing stored)."""
    current = session.get(ChannelSettings, volunteer_id)
    if record is None or not record.get("active", True):
        if current is None:
            return "skipped"
        channels = merge_channels(current.channels or [], ["inapp"])
        given = current.consents or {}
        if (channels == current.channels and current.phone_ciphertext is None
                and current.email is None and not REGISTRY_CHANNELS & set(given)):
            return "unchanged"
        upsert(session, vault, settings, volunteer_id, {
            "channels": channels,
            "consents": {channel: False for channel in REGISTRY_CHANNELS},
            "phone": None, "email": None,
        })
        return "cleared"
    phone = record.get("phone")
    if phone and "*" in str(phone):
        raise MaskedContact(
            "the registry masks phone numbers for this account: add the notifier's "
            "NOTIFIER_REGISTRY_USERNAME to REGISTRY_CONTACT_READERS")
    wanted = channel_settings(record)
    consents = {channel: bool(wanted["consents"].get(channel)) for channel in REGISTRY_CHANNELS}
    changes: dict[str, Any] = {
        "community_id": wanted["community_id"],
        "display_name": wanted["display_name"],
        "phone": wanted["phone"] or None,
        "email": wanted["email"],
        "consents": consents,
        "channels": merge_channels(current.channels if current else [], wanted["channels"]),
    }
    if current is None:
        changes["language"] = wanted["language"]
    else:
        changes = _differences(current, vault, changes)
        if not changes:
            return "unchanged"
    upsert(session, vault, settings, volunteer_id, changes)
    return "updated"


def _differences(current: ChannelSettings, vault: Vault,
                 changes: dict[str, Any]) -> dict[str, Any]:
    """The changes that alter something: a replay writes nothing, and an unchanged phone is
    not encrypted again (Fernet ciphertexts differ every time)."""
    different = {name: value for name, value in changes.items()
                 if name not in ("phone", "consents") and getattr(current, name) != value}
    if vault.decrypt(current.phone_ciphertext) != changes["phone"]:
        different["phone"] = changes["phone"]
    given = current.consents or {}
    if any(bool(given.get(channel)) != wanted for channel, wanted
           in changes["consents"].items()):
        different["consents"] = changes["consents"]
    return different


@dataclass
class Contacts:
    """Volunteers looked up at the registry before a consumer's transaction opens."""

    vault: Vault
    #: Volunteer id -> the registry's record, or None when the registry no longer has it.
    records: dict[int, dict[str, Any] | None]

    @classmethod
    def look_up(cls, client: RegistryClient, vault: Vault,
                payloads: Iterable[dict[str, Any]]) -> Contacts:
        """Fetch every volunteer the payloads name and need (raises RegistryError)."""
        records: dict[int, dict[str, Any] | None] = {}
        for payload in payloads:
            volunteer_id = int(payload["id"])
            if needs_lookup(payload) and volunteer_id not in records:
                records[volunteer_id] = client.volunteer(volunteer_id)
        return cls(vault, records)


@dataclass
class SyncResult:
    """What one pass over the registry did."""

    updated: int = 0
    unchanged: int = 0
    cleared: int = 0
    skipped: int = 0

    @property
    def total(self) -> int:
        """Volunteers looked at."""
        return self.updated + self.unchanged + self.cleared + self.skipped


def sync_all(sessions: sessionmaker[Session], vault: Vault, settings: dict[str, Any],
             client: RegistryClient) -> SyncResult:
    """Apply every registry volunteer, one short transaction each (none open during HTTP)."""
    result = SyncResult()
    for volunteer_id in list(client.volunteer_ids()):
        record = client.volunteer(volunteer_id)
        with sessions() as session, session.begin():
            outcome = apply_volunteer(session, vault, settings, volunteer_id, record)
        setattr(result, outcome, getattr(result, outcome) + 1)
    log.info("contact channels synchronised: %d updated, %d unchanged, %d cleared, %d skipped",
             result.updated, result.unchanged, result.cleared, result.skipped)
    return result
