"""A small keep-alive HTTP client for webhooks and robots (http.client, one pool per thread).

`requests` spends about five times the CPU of `http.client` per call, and webhooks are the
notifier's hottest path. Redirects are never followed here: the caller checks each target.
"""

from __future__ import annotations

import http.client
import json
import ssl
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

_local = threading.local()
_STALE = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError,
          http.client.CannotSendRequest, http.client.BadStatusLine)


class HttpError(Exception):
    """The request could not be completed (network error or timeout)."""


@dataclass
class HttpResponse:
    """Status, headers (lower-case names) and body of an answer."""

    status_code: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    @property
    def is_redirect(self) -> bool:
        """Whether the answer points elsewhere."""
        return self.status_code in (301, 302, 303, 307, 308) and "location" in self.headers

    def json(self) -> Any:
        """The body as JSON (raises ValueError)."""
        return json.loads(self.body)


def _connections() -> dict[tuple[str, str, int], http.client.HTTPConnection]:
    pool = getattr(_local, "pool", None)
    if pool is None:
        pool = _local.pool = {}
    return pool  # type: ignore[no-any-return]


class _OneWrite:
    """Sends the request line, headers and a bytes body in one write.

    http.client writes the headers and the body separately: a second system call here and a
    second wake-up of the receiver for every webhook.
    """

    _buffer: list[bytes]

    def _send_output(self, message_body: Any = None, encode_chunked: bool = False) -> None:
        if not isinstance(message_body, bytes) or encode_chunked:
            super()._send_output(message_body, encode_chunked)  # type: ignore[misc]
            return
        self._buffer.extend((b"", b""))
        head = b"\r\n".join(self._buffer)
        del self._buffer[:]
        self.send(head + message_body)  # type: ignore[attr-defined]


class _HTTPConnection(_OneWrite, http.client.HTTPConnection):
    pass


class _HTTPSConnection(_OneWrite, http.client.HTTPSConnection):
    pass


def _connect(scheme: str, host: str, port: int, timeout: float) -> http.client.HTTPConnection:
    if scheme == "https":
        return _HTTPSConnection(host, port, timeout=timeout,
                                context=ssl.create_default_context())
    return _HTTPConnection(host, port, timeout=timeout)


def post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> HttpResponse:
    """POST once over a kept-alive connection; a connection gone stale is reopened once."""
    parts = urlsplit(url)
    scheme = parts.scheme
    port = parts.port or (443 if scheme == "https" else 80)
    host = parts.hostname or ""
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    key = (scheme, host, port)
    pool = _connections()
    for attempt in (1, 2):
        reused = key in pool
        conn = pool.get(key) or _connect(scheme, host, port, timeout)
        pool[key] = conn
        conn.timeout = timeout
        try:
            conn.request("POST", target, body=body, headers=headers)
            answer = conn.getresponse()
            data = answer.read()
        except _STALE as exc:
            conn.close()
            pool.pop(key, None)
            # Only a kept-alive connection the server had already closed is worth a retry: the
            # request never reached the application.
            if reused and attempt == 1:
                continue
            raise HttpError(type(exc).__name__) from exc
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            pool.pop(key, None)
            raise HttpError(type(exc).__name__) from exc
        if answer.will_close:
            conn.close()
            pool.pop(key, None)
        return HttpResponse(answer.status, {k.lower(): v for k, v in answer.getheaders()}, data)
    raise HttpError("connection closed")  # pragma: no cover - the loop returns or raises
