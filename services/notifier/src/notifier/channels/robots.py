"""WeCom and DingTalk group robots: Markdown messages, several alerts batched into one.

Both robots accept 20 messages a minute; the deliverer batches pending alerts per robot and
takes a slot from the shared per-minute counter before each call. Neither honours an
idempotency key, so the key also travels in a header for tracing only.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from urllib.parse import quote_plus

from notifier.channels.base import (
    PERMANENT,
    SENT,
    TRANSIENT,
    DeliveryResult,
    OutgoingMessage,
    classify_http,
)
from notifier.channels.http import HttpError
from notifier.channels.ssrf import UnsafeTarget
from notifier.channels.webhook import post_checked

WECOM_LIMIT_BYTES = 4096
DINGTALK_LIMIT_BYTES = 20000
#: Robot error codes meaning "too many messages": retried later.
_RATE_LIMITED = {45009, 130101, 660026}


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """URL-encoded base64 of HMAC-SHA256(secret, f"{timestamp}\\n{secret}")."""
    to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), to_sign, hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest))


def dingtalk_url(url: str, secret: str | None, timestamp_ms: int | None = None) -> str:
    """The robot URL with `timestamp` and `sign` appended when the robot has a secret."""
    if not secret:
        return url
    timestamp_ms = int(time.time() * 1000) if timestamp_ms is None else timestamp_ms
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}timestamp={timestamp_ms}&sign={dingtalk_sign(secret, timestamp_ms)}"


def truncate_utf8(text: str, limit: int) -> str:
    """`text` cut to at most `limit` UTF-8 bytes without splitting a character."""
    data = text.encode()
    if len(data) <= limit:
        return text
    return data[: limit - 3].decode("utf-8", "ignore") + "…"


def join_batch(parts: list[str], limit: int, separator: str = "\n\n---\n\n") -> list[list[int]]:
    """Group part indexes into batches whose joined text stays within `limit` bytes."""
    batches: list[list[int]] = []
    current: list[int] = []
    size = 0
    for index, part in enumerate(parts):
        length = len(part.encode()) + (len(separator.encode()) if current else 0)
        if current and size + length > limit:
            batches.append(current)
            current, size = [], 0
            length = len(part.encode())
        current.append(index)
        size += length
    if current:
        batches.append(current)
    return batches


class _Robot:
    name = ""
    limit = WECOM_LIMIT_BYTES

    def __init__(self, *, allow_loopback: bool = False, timeout: float = 10.0) -> None:
        self.allow_loopback = allow_loopback
        self.timeout = timeout

    def payload(self, message: OutgoingMessage) -> dict[str, object]:
        raise NotImplementedError

    def url(self, message: OutgoingMessage) -> str:
        return message.recipient.url or ""

    def send(self, message: OutgoingMessage, idempotency_key: str) -> DeliveryResult:
        """POST the Markdown message; the robot answers errcode 0 when it accepted it."""
        if not message.recipient.url:
            return DeliveryResult(PERMANENT, error="no robot target")
        body = json.dumps(self.payload(message), ensure_ascii=False).encode()
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Idempotency-Key": idempotency_key,
        }
        try:
            response = post_checked(
                self.url(message), body, headers,
                allow_loopback=self.allow_loopback, timeout=self.timeout,
            )
        except UnsafeTarget as exc:
            return DeliveryResult(PERMANENT, error=f"unsafe target: {exc}")
        except HttpError as exc:
            return DeliveryResult(TRANSIENT, error=str(exc))
        status = classify_http(response.status_code)
        if status != SENT:
            return DeliveryResult(status, error=f"HTTP {response.status_code}")
        try:
            answer = response.json()
            code = int(answer.get("errcode", 0))
        except (ValueError, AttributeError, TypeError):
            return DeliveryResult(TRANSIENT, error="robot answered no JSON")
        if code == 0:
            return DeliveryResult(SENT)
        kind = TRANSIENT if code in _RATE_LIMITED or code == -1 else PERMANENT
        return DeliveryResult(kind, error=f"robot errcode {code}")


class WeComRobot(_Robot):
    """企业微信 group robot: `{"msgtype": "markdown", "markdown": {"content": ...}}`."""

    name = "wecom"
    limit = WECOM_LIMIT_BYTES

    def payload(self, message: OutgoingMessage) -> dict[str, object]:
        """The robot's JSON body, content cut to 4096 bytes."""
        content = truncate_utf8(message.markdown, WECOM_LIMIT_BYTES)
        return {"msgtype": "markdown", "markdown": {"content": content}}


class DingTalkRobot(_Robot):
    """钉钉 group robot: Markdown with a title, on a URL signed with the robot's secret."""

    name = "dingtalk"
    limit = DINGTALK_LIMIT_BYTES

    def payload(self, message: OutgoingMessage) -> dict[str, object]:
        """The robot's JSON body."""
        text = truncate_utf8(message.markdown, DINGTALK_LIMIT_BYTES)
        return {"msgtype": "markdown", "markdown": {"title": message.subject, "text": text}}

    def url(self, message: OutgoingMessage) -> str:
        """The robot URL with a fresh timestamp and signature."""
        return dingtalk_url(message.recipient.url or "", message.recipient.secret)
