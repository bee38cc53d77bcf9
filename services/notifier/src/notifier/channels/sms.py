"""SMS through a provider adapter: Aliyun (named variables), Tencent Cloud (positional), a file.

Neither vendor de-duplicates, so the deliverer never re-sends an SMS whose outcome it knows;
the idempotency key travels as Aliyun's `OutId` and Tencent's `SessionContext`, which both
echo back in delivery receipts, so a repeat can be traced.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import hmac
import json
import os
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote, urlsplit

import requests

from notifier.channels.base import (
    PERMANENT,
    SENT,
    TRANSIENT,
    DeliveryResult,
    OutgoingMessage,
    classify_http,
    http_session,
)
from notifier.domain.templates import SMS_VARIABLES, sms_text
from notifier.masking import mask_phone


class SmsProvider(Protocol):
    """Sends one templated SMS."""

    def send_sms(
        self, phone: str, kind: str, language: str, params: dict[str, str], key: str
    ) -> DeliveryResult:
        """Send; `params` are the template variables by name."""
        ...


def _family(kind: str) -> str:
    return "reminder" if kind.startswith("reminder") else kind


class SmsChannel:
    """The SMS channel: renders template variables and hands them to the provider."""

    name = "sms"

    def __init__(self, provider: SmsProvider) -> None:
        self.provider = provider

    def send(self, message: OutgoingMessage, idempotency_key: str) -> DeliveryResult:
        """Send the alert's SMS template to the recipient's phone."""
        if not message.recipient.phone:
            return DeliveryResult(PERMANENT, error="no phone number")
        return self.provider.send_sms(
            message.recipient.phone, message.kind, message.language, message.sms_params,
            idempotency_key,
        )


class FileSmsProvider:
    """Development provider: appends one JSON line per SMS to a file (phone masked)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)

    def send_sms(
        self, phone: str, kind: str, language: str, params: dict[str, str], key: str
    ) -> DeliveryResult:
        """Append the message; one write of one line, under an exclusive lock."""
        line = json.dumps(
            {
                "at": datetime.now(UTC).isoformat(),
                "idempotency_key": key,
                "phone": mask_phone(phone),
                "kind": kind,
                "params": params,
                "text": sms_text(kind, language, params),
            },
            ensure_ascii=False,
        ) + "\n"
        with open(self.path, "a", encoding="utf-8") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())
        return DeliveryResult(SENT, provider_message_id=key)


# -- Aliyun -----------------------------------------------------------------------------------

def aliyun_quote(value: str) -> str:
    """Aliyun's percent-encoding (RFC 3986: space as %20, `~` kept, `*` encoded)."""
    return quote(value, safe="~")


def aliyun_signature(params: dict[str, str], secret: str, method: str = "POST") -> str:
    """RPC signature v1: base64(HMAC-SHA1(secret + "&", method&%2F&quote(canonical query)))."""
    canonical = "&".join(
        f"{aliyun_quote(k)}={aliyun_quote(v)}" for k, v in sorted(params.items())
    )
    to_sign = f"{method}&{aliyun_quote('/')}&{aliyun_quote(canonical)}"
    digest = hmac.new((secret + "&").encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def aliyun_phone(phone: str) -> str:
    """Aliyun takes mainland numbers without the country code."""
    return phone[3:] if phone.startswith("+86") else phone


class AliyunSmsProvider:
    """Aliyun Dysms `SendSms` (version 2017-05-25), signed with signature v1 over a form POST."""

    def __init__(
        self, *, endpoint: str, access_key_id: str, access_key_secret: str, sign_name: str,
        templates: dict[str, str], timeout: float = 10.0,
        clock: Callable[[], float] = time.time, nonce: Callable[[], str] | None = None,
    ) -> None:
        self.endpoint = endpoint
        self.access_key_id = access_key_id
        self.access_key_secret = access_key_secret
        self.sign_name = sign_name
        self.templates = templates
        self.timeout = timeout
        self.clock = clock
        self.nonce = nonce or (lambda: uuid.uuid4().hex)

    def request_params(
        self, phone: str, kind: str, params: dict[str, str], key: str
    ) -> dict[str, str]:
        """Every form field of the call, the signature included."""
        fields = {
            "AccessKeyId": self.access_key_id,
            "Action": "SendSms",
            "Format": "JSON",
            "RegionId": "cn-hangzhou",
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": self.nonce(),
            "SignatureVersion": "1.0",
            "Timestamp": datetime.fromtimestamp(self.clock(), UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": "2017-05-25",
            "PhoneNumbers": aliyun_phone(phone),
            "SignName": self.sign_name,
            "TemplateCode": self.templates.get(_family(kind), ""),
            "TemplateParam": json.dumps(params, ensure_ascii=False, separators=(",", ":")),
            "OutId": key,
        }
        fields["Signature"] = aliyun_signature(fields, self.access_key_secret, "POST")
        return fields

    def send_sms(
        self, phone: str, kind: str, language: str, params: dict[str, str], key: str
    ) -> DeliveryResult:
        """POST the form; `Code: OK` means accepted, throttling codes are retried."""
        fields = self.request_params(phone, kind, params, key)
        body = "&".join(f"{aliyun_quote(k)}={aliyun_quote(v)}" for k, v in fields.items())
        try:
            response = http_session().post(
                self.endpoint, data=body.encode(), timeout=self.timeout, allow_redirects=False,
                headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
            )
        except requests.RequestException as exc:
            return DeliveryResult(TRANSIENT, error=type(exc).__name__)
        return _aliyun_result(response)


def _aliyun_result(response: requests.Response) -> DeliveryResult:
    try:
        answer: dict[str, Any] = response.json()
    except ValueError:
        return DeliveryResult(classify_http(response.status_code) if response.status_code >= 300
                              else TRANSIENT, error=f"HTTP {response.status_code}")
    code = str(answer.get("Code", ""))
    if code == "OK":
        return DeliveryResult(SENT, provider_message_id=answer.get("BizId"))
    throttled = "LIMIT" in code.upper() or code in ("isp.SYSTEM_ERROR", "Throttling.User")
    return DeliveryResult(TRANSIENT if throttled else PERMANENT, error=f"aliyun {code}")


# -- Tencent Cloud ----------------------------------------------------------------------------

def _sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode(), hashlib.sha256).digest()


def tc3_authorization(
    *, secret_id: str, secret_key: str, host: str, action: str, payload: bytes, timestamp: int,
    service: str = "sms", content_type: str = "application/json; charset=utf-8",
) -> str:
    """The TC3-HMAC-SHA256 Authorization header of a POST to `/`."""
    day = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    signed_headers = "content-type;host;x-tc-action"
    canonical_request = "\n".join([
        "POST", "/", "",
        f"content-type:{content_type}\nhost:{host}\nx-tc-action:{action.lower()}\n",
        signed_headers,
        _sha256_hex(payload),
    ])
    scope = f"{day}/{service}/tc3_request"
    to_sign = "\n".join([
        "TC3-HMAC-SHA256", str(timestamp), scope, _sha256_hex(canonical_request.encode()),
    ])
    secret_date = _hmac(("TC3" + secret_key).encode(), day)
    secret_service = _hmac(secret_date, service)
    secret_signing = _hmac(secret_service, "tc3_request")
    signature = hmac.new(secret_signing, to_sign.encode(), hashlib.sha256).hexdigest()
    return (
        f"TC3-HMAC-SHA256 Credential={secret_id}/{scope}, "
        f"SignedHeaders={signed_headers}, Signature={signature}"
    )


def tencent_phone(phone: str) -> str:
    """Tencent takes E.164 numbers; mainland numbers get +86."""
    return phone if phone.startswith("+") else "+86" + phone


class TencentSmsProvider:
    """Tencent Cloud SMS `SendSms` (version 2021-01-11) with the TC3-HMAC-SHA256 header."""

    def __init__(
        self, *, endpoint: str, secret_id: str, secret_key: str, region: str, sdk_app_id: str,
        sign_name: str, templates: dict[str, str], timeout: float = 10.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.endpoint = endpoint
        self.secret_id = secret_id
        self.secret_key = secret_key
        self.region = region
        self.sdk_app_id = sdk_app_id
        self.sign_name = sign_name
        self.templates = templates
        self.timeout = timeout
        self.clock = clock

    def request(
        self, phone: str, kind: str, params: dict[str, str], key: str
    ) -> tuple[dict[str, str], bytes]:
        """Headers and JSON body of the call; template variables go by position."""
        family = _family(kind)
        body = json.dumps(
            {
                "PhoneNumberSet": [tencent_phone(phone)],
                "SmsSdkAppId": self.sdk_app_id,
                "SignName": self.sign_name,
                "TemplateId": self.templates.get(family, ""),
                "TemplateParamSet": [params.get(name, "") for name in SMS_VARIABLES[family]],
                "SessionContext": key,
            },
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode()
        timestamp = int(self.clock())
        host = urlsplit(self.endpoint).netloc
        content_type = "application/json; charset=utf-8"
        headers = {
            "Authorization": tc3_authorization(
                secret_id=self.secret_id, secret_key=self.secret_key, host=host,
                action="SendSms", payload=body, timestamp=timestamp, content_type=content_type,
            ),
            "Content-Type": content_type,
            "Host": host,
            "X-TC-Action": "SendSms",
            "X-TC-Timestamp": str(timestamp),
            "X-TC-Version": "2021-01-11",
            "X-TC-Region": self.region,
        }
        return headers, body

    def send_sms(
        self, phone: str, kind: str, language: str, params: dict[str, str], key: str
    ) -> DeliveryResult:
        """POST the call; the per-number `Code: Ok` means accepted."""
        headers, body = self.request(phone, kind, params, key)
        try:
            response = http_session().post(
                self.endpoint, data=body, headers=headers, timeout=self.timeout,
                allow_redirects=False,
            )
            answer = response.json().get("Response", {})
        except requests.RequestException as exc:
            return DeliveryResult(TRANSIENT, error=type(exc).__name__)
        except (ValueError, AttributeError):
            return DeliveryResult(TRANSIENT, error=f"HTTP {response.status_code}")
        if "Error" in answer:
            code = str(answer["Error"].get("Code", ""))
            transient = code.startswith(("InternalError", "RequestLimitExceeded"))
            return DeliveryResult(TRANSIENT if transient else PERMANENT, error=f"tencent {code}")
        statuses = answer.get("SendStatusSet") or [{}]
        code = str(statuses[0].get("Code", ""))
        if code.lower() == "ok":
            return DeliveryResult(SENT, provider_message_id=statuses[0].get("SerialNo"))
        transient = "LimitExceeded" in code or code.startswith("InternalError")
        return DeliveryResult(TRANSIENT if transient else PERMANENT, error=f"tencent {code}")


def make_provider(settings: dict[str, Any]) -> SmsProvider:
    """The provider named by `SMS_PROVIDER` (file, aliyun or tencent)."""
    kind = settings["SMS_PROVIDER"]
    if kind == "aliyun":
        return AliyunSmsProvider(
            endpoint=settings["ALIYUN_ENDPOINT"],
            access_key_id=settings["ALIYUN_ACCESS_KEY_ID"],
            access_key_secret=settings["ALIYUN_ACCESS_KEY_SECRET"],
            sign_name=settings["ALIYUN_SIGN_NAME"],
            templates=dict(settings["ALIYUN_TEMPLATES"] or {}),
            timeout=float(settings["SMS_TIMEOUT"]),
        )
    if kind == "tencent":
        return TencentSmsProvider(
            endpoint=settings["TENCENT_ENDPOINT"],
            secret_id=settings["TENCENT_SECRET_ID"],
            secret_key=settings["TENCENT_SECRET_KEY"],
            region=settings["TENCENT_REGION"],
            sdk_app_id=str(settings["TENCENT_SDK_APP_ID"]),
            sign_name=settings["TENCENT_SIGN_NAME"],
            templates=dict(settings["TENCENT_TEMPLATES"] or {}),
            timeout=float(settings["SMS_TIMEOUT"]),
        )
    if kind == "file":
        return FileSmsProvider(settings["SMS_OUTBOX_PATH"])
    raise ValueError(f"unknown SMS provider {kind!r}")
