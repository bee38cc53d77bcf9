"""The channel interface, what a channel is given, and what it reports back."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Protocol

import requests

SENT = "sent"
TRANSIENT = "transient"
PERMANENT = "permanent"


@dataclass(frozen=True)
class Recipient:
    """Where a message goes; only the fields its channel needs are set."""

    volunteer_id: int | None = None
    email: str | None = None
    phone: str | None = None
    url: str | None = None
    secret: str | None = None


@dataclass(frozen=True)
class OutgoingMessage:
    """A rendered alert addressed to one recipient."""

    kind: str
    language: str
    subject: str
    text: str
    markdown: str
    recipient: Recipient
    sms_params: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class DeliveryResult:
    """Outcome of one send: sent, transient (retry later) or permanent (give up)."""

    status: str
    provider_message_id: str | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the provider accepted the message."""
        return self.status == SENT


class Channel(Protocol):
    """Anything that can send one message with a stable idempotency key."""

    name: str

    def send(self, message: OutgoingMessage, idempotency_key: str) -> DeliveryResult:
        """Send the message; the same key on a retry means the same logical alert."""
        ...


_local = threading.local()


def http_session() -> requests.Session:
    """A keep-alive HTTP session per thread (requests sessions are not thread-safe)."""
    session = getattr(_local, "session", None)
    if session is None:
        session = requests.Session()
        # Never pick up proxies or credentials from the environment for outgoing alerts.
        session.trust_env = False
        _local.session = session
    return session


def classify_http(status: int) -> str:
    """Map an HTTP status to sent, transient or permanent."""
    if 200 <= status < 300:
        return SENT
    if status in (408, 425, 429) or status >= 500:
        return TRANSIENT
    return PERMANENT
