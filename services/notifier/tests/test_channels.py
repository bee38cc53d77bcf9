"""Channels against real local servers: SMTP (aiosmtpd), webhooks, group robots, SSRF guard."""

from __future__ import annotations

import base64
import hashlib
import hmac
from email import message_from_bytes
from email.header import decode_header, make_header
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from notifier.channels.base import PERMANENT, SENT, TRANSIENT, OutgoingMessage, Recipient
from notifier.channels.email import EmailChannel
from notifier.channels.robots import DingTalkRobot, WeComRobot, dingtalk_sign, join_batch
from notifier.channels.ssrf import UnsafeTarget, check_url
from notifier.channels.webhook import WebhookChannel
from notifier.domain.templates import Item, render

SHIFT = {
    "id": 1, "date": "2026-11-25", "start": "16:30", "end": "18:00",
    "activity_type": "after_school", "activity_name": "四点半课堂", "venue_id": 3,
    "venue_name": "星光社区邻里中心", "venue_address": "幸福路8号", "community_id": 7,
    "bring": "志愿者证", "teammates": [{"name": "王老师"}, "李阿姨"],
}


def message(language: str = "zh-CN", **recipient: Any) -> OutgoingMessage:
    rendered = render("digest", language, "张明", [
        Item(1, "tutor", SHIFT, "https://x/responses/t?response=confirmed",
             "https://x/responses/t?response=declined"),
    ])
    return OutgoingMessage("digest", rendered.language, rendered.subject, rendered.text,
                           rendered.markdown, Recipient(volunteer_id=5, **recipient),
                           rendered.sms_params)


@pytest.mark.parametrize(("language", "expected"), [
    ("zh-CN", ["张明您好：", "四点半课堂", "岗位：辅导老师", "时间：11月25日（周三）16:30–18:00",
               "地点：星光社区邻里中心，幸福路8号", "请携带：志愿者证",
               "同班志愿者：王老师、李阿姨",
               "确认参加：https://x/responses/t?response=confirmed"]),
    ("en", ["Dear 张明,", "Role: tutor", "When: Wed 25 Nov 16:30–18:00", "Please bring: 志愿者证",
            "Also on this shift: 王老师, 李阿姨", "Decline: https://x/responses/t?response=declined"]),
])
def test_email_reaches_a_real_smtp_server_with_content_and_key(
    smtp_sink: Any, language: str, expected: list[str]
) -> None:
    channel = EmailChannel("127.0.0.1", smtp_sink.port, "linli@example.org")
    result = channel.send(message(language, email="zhang@example.org"), "linli-n1-email")
    assert result.status == SENT
    (envelope,) = smtp_sink.messages
    assert envelope.rcpt_tos == ["zhang@example.org"]
    mail = message_from_bytes(envelope.content)
    assert mail["Message-ID"] == "<linli-n1-email@linli.notifier>"
    assert mail["X-Linli-Idempotency-Key"] == "linli-n1-email"
    subject = str(make_header(decode_header(mail["Subject"])))
    assert subject == ("【邻里】您有1个新的志愿服务班次" if language == "zh-CN"
                       else "[Linli] You have 1 new volunteer shift(s)")
    body = mail.get_payload(decode=True).decode("utf-8")
    for text in expected:
        assert text in body


def test_email_without_a_server_is_transient() -> None:
    from linli_testing.servers import free_port  # noqa: PLC0415

    channel = EmailChannel("127.0.0.1", free_port(), "linli@example.org", timeout=2)
    assert channel.send(message(email="a@example.org"), "k").status == TRANSIENT


def test_webhook_is_signed_and_carries_the_idempotency_key(http_sink: Any) -> None:
    channel = WebhookChannel(allow_loopback=True)
    result = channel.send(message(url=http_sink.url + "/hook", secret="s3cret"), "linli-n7-webhook")
    assert result.status == SENT
    (receipt,) = http_sink.receipts
    assert receipt.headers["Idempotency-Key"] == "linli-n7-webhook"
    timestamp = receipt.headers["X-Linli-Timestamp"]
    expected = hmac.new(b"s3cret", timestamp.encode() + b"." + receipt.body, hashlib.sha256)
    assert receipt.headers["X-Linli-Signature"] == "sha256=" + expected.hexdigest()
    assert receipt.json()["id"] == "linli-n7-webhook"
    assert receipt.json()["volunteer_id"] == 5


@pytest.mark.parametrize(("status", "kind"), [(500, TRANSIENT), (429, TRANSIENT),
                                              (404, PERMANENT)])
def test_webhook_answers_map_to_retry_or_give_up(http_sink: Any, status: int, kind: str) -> None:
    http_sink.answers.append((status, {}, b"{}"))
    result = WebhookChannel(allow_loopback=True).send(message(url=http_sink.url), "k")
    assert result.status == kind


@pytest.mark.parametrize("url", [
    "http://127.0.0.1/hook", "http://169.254.169.254/latest/meta-data/", "http://10.1.2.3/",
    "http://192.168.1.10/", "http://[::1]/", "http://172.16.0.1/", "http://224.0.0.1/",
    "http://0.0.0.0/", "http://localhost/", "ftp://example.org/", "http://user:pw@example.org/",
])
def test_default_refuses_loopback_private_link_local_and_odd_urls(url: str) -> None:
    with pytest.raises(UnsafeTarget):
        check_url(url)


def test_the_test_flag_allows_only_127_0_0_1() -> None:
    check_url("http://127.0.0.1:9/hook", allow_loopback=True)
    for url in ("http://127.0.0.2/", "http://[::1]/", "http://10.0.0.1/", "http://169.254.169.254/"):
        with pytest.raises(UnsafeTarget):
            check_url(url, allow_loopback=True)


def test_public_address_is_allowed() -> None:
    check_url("https://93.184.215.14/hook")


def test_webhook_sent_to_a_private_address_is_refused_at_send_time(http_sink: Any) -> None:
    result = WebhookChannel().send(message(url=http_sink.url), "k")
    assert result.status == PERMANENT and "unsafe" in (result.error or "")
    assert http_sink.receipts == []


def test_redirect_to_a_forbidden_address_is_not_followed(http_sink: Any) -> None:
    http_sink.answers.append((307, {"Location": "http://169.254.169.254/latest/"}, b""))
    result = WebhookChannel(allow_loopback=True).send(message(url=http_sink.url + "/a"), "k")
    assert result.status == PERMANENT
    assert len(http_sink.receipts) == 1


def test_wecom_robot_posts_markdown_within_4096_bytes(http_sink: Any) -> None:
    long = message(url=http_sink.url + "/cgi-bin/webhook/send?key=abc")
    long = OutgoingMessage(long.kind, long.language, long.subject, long.text,
                           long.markdown * 40, long.recipient)
    assert WeComRobot(allow_loopback=True).send(long, "linli-b1").status == SENT
    body = http_sink.receipts[0].json()
    assert body["msgtype"] == "markdown"
    assert len(body["markdown"]["content"].encode()) <= 4096
    assert http_sink.receipts[0].headers["Idempotency-Key"] == "linli-b1"


def test_wecom_rate_limit_answer_is_transient(http_sink: Any) -> None:
    http_sink.answers.append((200, {}, b'{"errcode":45009,"errmsg":"api freq out of limit"}'))
    result = WeComRobot(allow_loopback=True).send(message(url=http_sink.url), "k")
    assert result.status == TRANSIENT


def test_dingtalk_robot_signs_the_url_as_documented(http_sink: Any) -> None:
    secret = "SECb1a2c3d4"
    msg = message(url=http_sink.url + "/robot/send?access_token=tok", secret=secret)
    assert DingTalkRobot(allow_loopback=True).send(msg, "k").status == SENT
    receipt = http_sink.receipts[0]
    query = parse_qs(urlsplit(receipt.path).query)
    timestamp = query["timestamp"][0]
    # Recomputed here from the published recipe: base64(HMAC-SHA256(secret, ts + "\n" + secret)).
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    assert query["sign"][0] == base64.b64encode(digest).decode()
    assert query["access_token"] == ["tok"]
    body = receipt.json()
    assert body["msgtype"] == "markdown"
    assert set(body["markdown"]) == {"title", "text"}
    assert body["markdown"]["title"] == msg.subject


def test_dingtalk_sign_is_url_encoded() -> None:
    sign = dingtalk_sign("secret", 1700000000000)
    digest = hmac.new(b"secret", b"1700000000000\nsecret", hashlib.sha256).digest()
    assert unquote(sign) == base64.b64encode(digest).decode()
    assert "+" not in sign and "/" not in sign and "=" not in sign


def test_batches_respect_the_size_limit() -> None:
    parts = ["a" * 1500, "b" * 1500, "c" * 1500, "d" * 10]
    assert join_batch(parts, 4096, "--") == [[0, 1], [2, 3]]
