"""Classify every message of a fault test as delivered, lost, duplicated or unexpected.

The taxonomy is the one of RabbitMQ's Jepsen checks. A test knows the ids it sent (one per
expected alert, say a volunteer id) and collects receipts: what a receiver saw, as pairs of
(id, idempotency key). Two counts are kept apart:

- raw receipts: every arrival, repeats included;
- effective receipts: distinct idempotency keys, which is what a receiver honouring
  `Idempotency-Key` acts on.

An id with no receipt is lost; with two or more different keys, duplicated (two effective
alerts); with one key, delivered, even if that key arrived twice (a retry after a crash between
"accepted" and "recorded" is one effective alert). A receipt for an id never sent is unexpected.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Report:
    """The verdict on every id sent, and the receipt counts."""

    delivered: list[Hashable] = field(default_factory=list)
    lost: list[Hashable] = field(default_factory=list)
    duplicated: list[Hashable] = field(default_factory=list)
    unexpected: list[Hashable] = field(default_factory=list)
    raw_receipts: int = 0
    effective_receipts: int = 0
    keys_received_more_than_once: int = 0

    @property
    def ok(self) -> bool:
        """Every id delivered exactly once (effectively), nothing unexpected."""
        return not (self.lost or self.duplicated or self.unexpected)

    def summary(self) -> dict[str, Any]:
        """Counts, plus up to ten ids of each bad kind, for an assertion message."""
        return {
            "delivered": len(self.delivered),
            "lost": len(self.lost),
            "duplicated": len(self.duplicated),
            "unexpected": len(self.unexpected),
            "raw_receipts": self.raw_receipts,
            "effective_receipts": self.effective_receipts,
            "keys_received_more_than_once": self.keys_received_more_than_once,
            "examples": {
                "lost": self.lost[:10],
                "duplicated": self.duplicated[:10],
                "unexpected": self.unexpected[:10],
            },
        }


def classify(sent: Iterable[Hashable], receipts: Iterable[tuple[Hashable, Hashable]]) -> Report:
    """Classify each id of `sent` by the (id, idempotency key) pairs of `receipts`."""
    expected = list(dict.fromkeys(sent))
    raw: Counter[tuple[Hashable, Hashable]] = Counter()
    keys: dict[Hashable, set[Hashable]] = defaultdict(set)
    for message_id, key in receipts:
        raw[(message_id, key)] += 1
        keys[message_id].add(key)
    expected_set = set(expected)
    delivered = [i for i in expected if len(keys.get(i, ())) == 1]
    lost = [i for i in expected if not keys.get(i)]
    duplicated = [i for i in expected if len(keys.get(i, ())) > 1]
    unexpected = [i for i in keys if i not in expected_set]
    return Report(
        delivered=delivered,
        lost=lost,
        duplicated=duplicated,
        unexpected=unexpected,
        raw_receipts=sum(raw.values()),
        effective_receipts=len(raw),
        keys_received_more_than_once=sum(1 for n in raw.values() if n > 1),
    )


def webhook_receipts(receipts: Iterable[Any]) -> list[tuple[int, str]]:
    """(volunteer id, Idempotency-Key) of each webhook POST a test sink recorded."""
    return [
        (int(receipt.json()["volunteer_id"]), receipt.headers["Idempotency-Key"])
        for receipt in receipts
    ]
