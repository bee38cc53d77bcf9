"""Signed, expiring, single-use response links (itsdangerous; the jti is recorded on use)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from functools import cache
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode
from itsdangerous.serializer import Serializer

SALT = "linli-notifier-response"


class InvalidToken(Exception):
    """The link is forged, malformed or expired."""


@dataclass(frozen=True)
class ResponseGrant:
    """What a response link allows: answering one assignment as one volunteer, once."""

    assignment_id: int
    volunteer_id: int
    jti: str


class _Serializer(URLSafeTimedSerializer):
    """Tokens without the zlib attempt, which never wins on a payload this short and random.

    Uncompressed is a form every itsdangerous reader accepts, so links stay readable both ways.
    """

    def dump_payload(self, obj: Any) -> bytes:
        return base64_encode(Serializer.dump_payload(self, obj))


@cache
def _serializer(secret: str) -> URLSafeTimedSerializer:
    # One per secret: a digest builds a link per shift, thousands per publication.
    return _Serializer(secret, salt=SALT)


def make_token(secret: str, assignment_id: int, volunteer_id: int) -> str:
    """A fresh link token with its own jti."""
    return str(_serializer(secret).dumps(
        {"a": assignment_id, "v": volunteer_id, "j": uuid.uuid4().hex}
    ))


def read_token(secret: str, token: str, max_age: int) -> ResponseGrant:
    """Verify signature and age; raise InvalidToken otherwise."""
    try:
        data: Any = _serializer(secret).loads(token, max_age=max_age)
        return ResponseGrant(int(data["a"]), int(data["v"]), str(data["j"]))
    except SignatureExpired as exc:
        raise InvalidToken("expired") from exc
    except (BadSignature, KeyError, TypeError, ValueError) as exc:
        raise InvalidToken("invalid") from exc


def response_links(base_url: str, token: str) -> tuple[str, str]:
    """Confirm and decline URLs of a token (both open a page that asks before recording)."""
    base = base_url.rstrip("/")
    return (f"{base}/responses/{token}?response=confirmed",
            f"{base}/responses/{token}?response=declined")
