"""Generic webhook: signed JSON POST carrying the idempotency key; redirects re-checked."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from urllib.parse import urljoin

from notifier.channels.base import (
    PERMANENT,
    SENT,
    TRANSIENT,
    DeliveryResult,
    OutgoingMessage,
    classify_http,
)
from notifier.channels.http import HttpError, HttpResponse, post
from notifier.channels.ssrf import UnsafeTarget, check_url

MAX_REDIRECTS = 3
SIGNATURE_HEADER = "X-Linli-Signature"
TIMESTAMP_HEADER = "X-Linli-Timestamp"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """`sha256=<hex>` of HMAC-SHA256(secret, timestamp + "." + body)."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def post_checked(
    url: str, body: bytes, headers: dict[str, str], *, allow_loopback: bool, timeout: float
) -> HttpResponse:
    """POST, following at most three redirects, each target checked like the first."""
    for _ in range(MAX_REDIRECTS + 1):
        check_url(url, allow_loopback=allow_loopback)
        response = post(url, body, headers, timeout)
        if response.is_redirect:
            url = urljoin(url, response.headers["location"])
            continue
        return response
    raise UnsafeTarget("too many redirects")


class WebhookChannel:
    """POSTs the alert as JSON to a volunteer's or community's own endpoint."""

    name = "webhook"

    def __init__(self, *, allow_loopback: bool = False, timeout: float = 10.0) -> None:
        self.allow_loopback = allow_loopback
        self.timeout = timeout

    def send(self, message: OutgoingMessage, idempotency_key: str) -> DeliveryResult:
        """Send one alert; 2xx is sent, 408/429/5xx and network errors are retried."""
        recipient = message.recipient
        if not recipient.url:
            return DeliveryResult(PERMANENT, error="no webhook target")
        body = json.dumps(
            {
                "id": idempotency_key,
                "kind": message.kind,
                "volunteer_id": recipient.volunteer_id,
                "language": message.language,
                "subject": message.subject,
                "text": message.text,
                "markdown": message.markdown,
            },
            ensure_ascii=False,
        ).encode()
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Idempotency-Key": idempotency_key,
            TIMESTAMP_HEADER: timestamp,
        }
        if recipient.secret:
            headers[SIGNATURE_HEADER] = sign(recipient.secret, timestamp, body)
        try:
            response = post_checked(
                recipient.url, body, headers,
                allow_loopback=self.allow_loopback, timeout=self.timeout,
            )
        except UnsafeTarget as exc:
            return DeliveryResult(PERMANENT, error=f"unsafe target: {exc}")
        except HttpError as exc:
            return DeliveryResult(TRANSIENT, error=str(exc))
        status = classify_http(response.status_code)
        if status == SENT:
            return DeliveryResult(SENT, provider_message_id=response.headers.get("x-request-id"))
        return DeliveryResult(status, error=f"HTTP {response.status_code}")
