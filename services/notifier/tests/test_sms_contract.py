"""Contract tests of the SMS vendors' request shapes, against a local server playing the vendor.

The signatures are recomputed here step by step from the vendors' public documentation
(Aliyun RPC signature v1; Tencent Cloud TC3-HMAC-SHA256), independently of the adapter code.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote

from notifier.channels.base import PERMANENT, SENT, TRANSIENT, OutgoingMessage, Recipient
from notifier.channels.sms import (
    AliyunSmsProvider,
    FileSmsProvider,
    SmsChannel,
    TencentSmsProvider,
    aliyun_signature,
)

PARAMS = {"name": "张明", "count": "2", "shift": "11月25日（周三）16:30，四点半课堂，星光社区",
          "link": "https://linli.example.org/inbox"}


def sms(phone: str = "13812345678") -> OutgoingMessage:
    return OutgoingMessage("digest", "zh-CN", "s", "t", "m", Recipient(phone=phone), PARAMS)


def test_aliyun_signature_matches_the_documented_example() -> None:
    # The SendSms example of Aliyun's "HTTP 协议及签名" page (GET, Format=XML).
    params = {
        "AccessKeyId": "testId", "Action": "SendSms", "Format": "XML", "OutId": "123",
        "PhoneNumbers": "15300000001", "RegionId": "cn-hangzhou",
        "SignName": "阿里云短信测试专用", "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466", "SignatureVersion": "1.0",
        "TemplateCode": "SMS_71390007", "TemplateParam": '{"customer":"test"}',
        "Timestamp": "2017-07-12T02:42:19Z", "Version": "2017-05-25",
    }
    assert aliyun_signature(params, "testSecret", "GET") == "zJDF+Lrzhj/ThnlvIToysFRq6t4="


def _aliyun_expected_signature(fields: dict[str, str], secret: str) -> str:
    def enc(value: str) -> str:
        return quote(value, safe="").replace("+", "%20").replace("*", "%2A").replace("%7E", "~")

    canonical = "&".join(f"{enc(k)}={enc(v)}" for k, v in sorted(fields.items()))
    to_sign = "POST&%2F&" + enc(canonical)
    return base64.b64encode(
        hmac.new((secret + "&").encode(), to_sign.encode(), hashlib.sha1).digest()
    ).decode()


def test_aliyun_send_sms_request_shape(http_sink: Any) -> None:
    http_sink.answers.append((200, {}, json.dumps(
        {"Code": "OK", "Message": "OK", "BizId": "900619746936498440^0", "RequestId": "r"}
    ).encode()))
    provider = AliyunSmsProvider(
        endpoint=http_sink.url + "/", access_key_id="LTAIexample", access_key_secret="sekret",
        sign_name="邻里志愿", templates={"digest": "SMS_1001"}, clock=lambda: 1763700000.0,
        nonce=lambda: "nonce-1",
    )
    result = SmsChannel(provider).send(sms("+8613812345678"), "linli-n3-sms")
    assert (result.status, result.provider_message_id) == (SENT, "900619746936498440^0")
    receipt = http_sink.receipts[0]
    assert receipt.headers["Content-Type"].startswith("application/x-www-form-urlencoded")
    fields = dict(parse_qsl(receipt.body.decode(), keep_blank_values=True))
    signature = fields.pop("Signature")
    assert fields == {
        "AccessKeyId": "LTAIexample", "Action": "SendSms", "Format": "JSON",
        "RegionId": "cn-hangzhou", "SignatureMethod": "HMAC-SHA1", "SignatureNonce": "nonce-1",
        "SignatureVersion": "1.0", "Timestamp": "2025-11-21T04:40:00Z", "Version": "2017-05-25",
        "PhoneNumbers": "13812345678", "SignName": "邻里志愿", "TemplateCode": "SMS_1001",
        "TemplateParam": json.dumps(PARAMS, ensure_ascii=False, separators=(",", ":")),
        "OutId": "linli-n3-sms",
    }
    # Named template variables.
    assert json.loads(fields["TemplateParam"]) == PARAMS
    assert signature == _aliyun_expected_signature(fields, "sekret")
    assert "13812345678" not in receipt.path  # the number travels in the body, not the URL


def test_aliyun_throttling_is_transient_and_bad_numbers_are_permanent(http_sink: Any) -> None:
    provider = AliyunSmsProvider(endpoint=http_sink.url + "/", access_key_id="a",
                                 access_key_secret="b", sign_name="s", templates={})
    http_sink.answers.append((200, {}, b'{"Code":"isv.BUSINESS_LIMIT_CONTROL"}'))
    http_sink.answers.append((200, {}, b'{"Code":"isv.MOBILE_NUMBER_ILLEGAL"}'))
    assert SmsChannel(provider).send(sms(), "k").status == TRANSIENT
    assert SmsChannel(provider).send(sms(), "k").status == PERMANENT


def _tc3_expected(receipt: Any, secret_id: str, secret_key: str) -> str:
    headers = {k.lower(): v for k, v in receipt.headers.items()}
    timestamp = int(headers["x-tc-timestamp"])
    import datetime as dt  # noqa: PLC0415

    day = dt.datetime.fromtimestamp(timestamp, dt.UTC).strftime("%Y-%m-%d")
    canonical_headers = (f"content-type:{headers['content-type']}\nhost:{headers['host']}\n"
                         f"x-tc-action:{headers['x-tc-action'].lower()}\n")
    signed = "content-type;host;x-tc-action"
    canonical_request = (f"POST\n/\n\n{canonical_headers}\n{signed}\n"
                         f"{hashlib.sha256(receipt.body).hexdigest()}")
    scope = f"{day}/sms/tc3_request"
    to_sign = (f"TC3-HMAC-SHA256\n{timestamp}\n{scope}\n"
               f"{hashlib.sha256(canonical_request.encode()).hexdigest()}")

    def sign(key: bytes, msg: str) -> bytes:
        return hmac.new(key, msg.encode(), hashlib.sha256).digest()

    k = sign(sign(sign(("TC3" + secret_key).encode(), day), "sms"), "tc3_request")
    signature = hmac.new(k, to_sign.encode(), hashlib.sha256).hexdigest()
    return (f"TC3-HMAC-SHA256 Credential={secret_id}/{scope}, SignedHeaders={signed}, "
            f"Signature={signature}")


def test_tencent_send_sms_request_shape(http_sink: Any) -> None:
    http_sink.answers.append((200, {}, json.dumps({"Response": {
        "SendStatusSet": [{"SerialNo": "5000:1045710669157053657849499619", "Code": "Ok",
                           "PhoneNumber": "+8613812345678", "SessionContext": "linli-n4-sms"}],
        "RequestId": "a0aabda6"}}).encode()))
    provider = TencentSmsProvider(
        endpoint=http_sink.url + "/", secret_id="AKIDexample", secret_key="key",
        region="ap-guangzhou", sdk_app_id="1400006666", sign_name="邻里志愿",
        templates={"digest": "449739"}, clock=lambda: 1763700000.0,
    )
    result = SmsChannel(provider).send(sms(), "linli-n4-sms")
    serial = "5000:1045710669157053657849499619"
    assert (result.status, result.provider_message_id) == (SENT, serial)
    receipt = http_sink.receipts[0]
    headers = {k.lower(): v for k, v in receipt.headers.items()}
    assert headers["x-tc-action"] == "SendSms"
    assert headers["x-tc-version"] == "2021-01-11"
    assert headers["x-tc-region"] == "ap-guangzhou"
    assert headers["x-tc-timestamp"] == "1763700000"
    assert headers["content-type"] == "application/json; charset=utf-8"
    body = json.loads(receipt.body)
    assert body == {
        "PhoneNumberSet": ["+8613812345678"], "SmsSdkAppId": "1400006666", "SignName": "邻里志愿",
        "TemplateId": "449739",
        # Positional template variables, in the template's order.
        "TemplateParamSet": [PARAMS["name"], PARAMS["count"], PARAMS["shift"], PARAMS["link"]],
        "SessionContext": "linli-n4-sms",
    }
    assert headers["authorization"] == _tc3_expected(receipt, "AKIDexample", "key")


def test_tencent_errors_map_to_retry_or_give_up(http_sink: Any) -> None:
    provider = TencentSmsProvider(endpoint=http_sink.url + "/", secret_id="a", secret_key="b",
                                  region="ap-guangzhou", sdk_app_id="1", sign_name="s",
                                  templates={})
    http_sink.answers.append((200, {}, b'{"Response":{"Error":{"Code":"RequestLimitExceeded"}}}'))
    http_sink.answers.append((200, {}, json.dumps({"Response": {"SendStatusSet": [
        {"Code": "InvalidParameterValue.IncorrectPhoneNumber"}]}}).encode()))
    assert SmsChannel(provider).send(sms(), "k").status == TRANSIENT
    assert SmsChannel(provider).send(sms(), "k").status == PERMANENT


def test_file_provider_appends_json_lines_with_masked_numbers(tmp_path: Path) -> None:
    path = tmp_path / "var" / "sms-outbox.log"
    channel = SmsChannel(FileSmsProvider(path))
    assert channel.send(sms(), "linli-n5-sms").status == SENT
    assert channel.send(sms(), "linli-n6-sms").status == SENT
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert [line["idempotency_key"] for line in lines] == ["linli-n5-sms", "linli-n6-sms"]
    assert lines[0]["phone"] == "138****5678"
    assert "13812345678" not in path.read_text(encoding="utf-8")
    assert lines[0]["text"].startswith("张明您好，您有2个新的志愿服务班次")
