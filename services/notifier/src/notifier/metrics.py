"""Metrics of deliveries, recorded by the deliverer (served on NOTIFIER_METRICS_PORT)."""

from __future__ import annotations

from prometheus_client import Counter

DELIVERIES = Counter(
    "linli_deliveries_total",
    "Delivery attempts, by channel and outcome (sent, transient, permanent)",
    ["channel", "outcome"],
)
RETRIES = Counter(
    "linli_delivery_retries_total", "Deliveries put back for another attempt after a "
    "transient failure", ["channel"],
)
DEAD_LETTERS = Counter(
    "linli_delivery_dead_letters_total", "Deliveries given up for good (the alert falls back "
    "to the next channel)", ["channel"],
)
