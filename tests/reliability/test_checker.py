"""The checker's own rules: delivered, lost, duplicated, unexpected; raw against effective."""

from __future__ import annotations

import json
from types import SimpleNamespace

from reliability.checker import classify, webhook_receipts


def test_each_id_gets_exactly_one_verdict() -> None:
    report = classify(
        [1, 2, 3, 4],
        [(1, "k1"), (2, "k2"), (2, "k2"), (3, "k3a"), (3, "k3b"), (9, "k9")],
    )
    assert report.delivered == [1, 2]  # 2's key twice: a retry, one effective alert
    assert report.duplicated == [3]  # two keys: two effective alerts
    assert report.lost == [4]
    assert report.unexpected == [9]
    assert report.raw_receipts == 6
    assert report.effective_receipts == 5
    assert report.keys_received_more_than_once == 1
    assert not report.ok


def test_a_clean_run_is_ok_and_summarised() -> None:
    report = classify(range(1, 4), [(1, "a"), (2, "b"), (3, "c")])
    assert report.ok
    summary = report.summary()
    assert summary["delivered"] == 3 and summary["lost"] == 0
    assert summary["examples"] == {"lost": [], "duplicated": [], "unexpected": []}


def test_ids_sent_twice_count_once_and_nothing_received_is_all_lost() -> None:
    report = classify([5, 5, 6], [])
    assert report.lost == [5, 6] and report.raw_receipts == 0


def test_webhook_receipts_read_the_volunteer_and_the_key() -> None:
    receipts = [SimpleNamespace(headers={"Idempotency-Key": "key-1"},
                                json=lambda: json.loads('{"volunteer_id": "7"}'))]
    assert webhook_receipts(receipts) == [(7, "key-1")]
