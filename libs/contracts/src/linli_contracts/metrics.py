"""Prometheus metrics of every Linli process: HTTP requests, queues, outboxes, consumers.

Names start with `linli_`; labels are low-cardinality only (endpoint rule, method, status
class, queue, channel, outcome) — never ids, names or phone numbers. Each Flask API answers
`GET /metrics`; under gunicorn with several workers, set `PROMETHEUS_MULTIPROC_DIR` and the
workers' metrics are merged there (gunicorn.conf.py cleans it at start and marks dead workers).
Queue depth, dead letters and the outbox backlog are read at scrape time by the API.
Workers and relays, separate processes, serve their own metrics on `<SERVICE>_METRICS_PORT`.
"""

from __future__ import annotations

import hmac
import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import sqlalchemy as sa
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
    start_http_server,
)
from prometheus_client.core import GaugeMetricFamily, Metric

from linli_contracts import topology

log = logging.getLogger(__name__)
# `*_created` series double the output and say nothing a restart counter doesn't.
disable_created_metrics()

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

HTTP_REQUESTS = Counter(
    "linli_http_requests_total",
    "HTTP requests answered, by endpoint rule, method and status class",
    ["endpoint", "method", "status"],
)
HTTP_LATENCY = Histogram(
    "linli_http_request_duration_seconds", "Time to answer an HTTP request",
    ["endpoint", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
CONSUMED = Counter(
    "linli_consumer_messages_total",
    "Queue messages handled, by consumer and outcome (processed, duplicate, retried, "
    "dead_lettered)",
    ["consumer", "outcome"],
)
RELAYED = Counter(
    "linli_outbox_published_total", "Outbox rows published to the broker by this relay",
)
RELAY_FAILURES = Counter(
    "linli_outbox_publish_failures_total", "Failed attempts to publish an outbox row",
)


def multiprocess_dir() -> str | None:
    """The multiprocess directory when gunicorn's workers share their metrics, else None."""
    return os.environ.get(MULTIPROC_ENV) or None


# -- scrape-time collectors -------------------------------------------------------------------


class QueueDepthCollector:
    """Messages waiting in each queue and its dead-letter queue, asked of the broker at scrape
    time (a passive declare: LLEN of kombu's list on Redis, message_count on RabbitMQ)."""

    def __init__(self, broker_url: str, queues: Iterable[str], timeout: float = 2.0) -> None:
        self.broker_url = broker_url
        self.queues = tuple(queues)
        self.timeout = timeout

    def collect(self) -> Iterator[Metric]:
        """linli_queue_depth, linli_dead_letters and linli_broker_up."""
        depth = GaugeMetricFamily("linli_queue_depth", "Messages waiting in a queue",
                                  labels=["queue"])
        dead = GaugeMetricFamily("linli_dead_letters",
                                 "Messages in the dead-letter queue of a queue", labels=["queue"])
        up = GaugeMetricFamily("linli_broker_up", "1 when the broker answered this scrape")
        try:
            with topology.connection(
                self.broker_url, connect_timeout=self.timeout, socket_timeout=self.timeout,
            ) as conn:
                for name in self.queues:
                    depth.add_metric([name], _size(conn, name))
                    dead.add_metric([name], _size(conn, topology.dead_letter_queue_for(name).name))
            up.add_metric([], 1)
        except Exception as exc:  # noqa: BLE001 - a scrape must answer even when the broker won't
            log.warning("queue depth unavailable: %s", type(exc).__name__)
            up.add_metric([], 0)
            yield up
            return
        yield from (depth, dead, up)


def _size(conn: Any, queue: str) -> int:
    # A channel of its own: on RabbitMQ a failed passive declare closes the channel.
    channel = conn.channel()
    try:
        _, count, _ = channel.queue_declare(queue=queue, passive=True)
        return int(count)
    except conn.channel_errors:
        return 0  # not declared yet: nothing waits in it
    finally:
        try:
            channel.close()
        except Exception:  # noqa: BLE001 - closing a channel the broker closed already
            log.debug("closing a metrics channel failed", exc_info=True)


def outbox_backlog(connectable: sa.Engine | Any, table: sa.Table) -> int:
    """Outbox rows not yet published."""
    query = sa.select(sa.func.count()).select_from(table).where(table.c.published_at.is_(None))
    if isinstance(connectable, sa.Engine):
        with connectable.connect() as conn:
            return int(conn.execute(query).scalar_one())
    return int(connectable.execute(query).scalar_one())


class OutboxBacklogCollector:
    """Unpublished outbox rows, counted at scrape time."""

    def __init__(self, count: Callable[[], int]) -> None:
        self.count = count

    def collect(self) -> Iterator[Metric]:
        """linli_outbox_backlog (absent when the database does not answer)."""
        try:
            value = self.count()
        except Exception as exc:  # noqa: BLE001 - the scrape goes on without this number
            log.warning("outbox backlog unavailable: %s", type(exc).__name__)
            return
        backlog = GaugeMetricFamily("linli_outbox_backlog", "Outbox rows not yet published")
        backlog.add_metric([], value)
        yield backlog


# -- exposition -------------------------------------------------------------------------------


def render(collectors: Iterable[Any] = ()) -> bytes:
    """The text exposition: this process's metrics (or every gunicorn worker's, merged from
    the multiprocess directory), then the scrape-time collectors."""
    if multiprocess_dir():
        from prometheus_client import multiprocess  # noqa: PLC0415

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        output = generate_latest(registry)
    else:
        output = generate_latest(REGISTRY)
    extra = CollectorRegistry(auto_describe=False)
    for collector in collectors:
        extra.register(collector)
    return output + generate_latest(extra)


def instrument_app(app: Any, collectors: Iterable[Any] = (), token: str | None = None) -> None:
    """Count and time every request of a Flask app, log one line per request, and answer
    `GET /metrics` (before authentication: nothing in it is personal; `token`, when set, is
    required as `Authorization: Bearer <token>`).

    Call before the app registers its own before_request hooks.
    """
    from flask import Response, g, request  # noqa: PLC0415 - only the APIs use Flask

    collectors = tuple(collectors)
    access = logging.getLogger(f"{app.import_name.split('.')[0]}.http")

    def start() -> Any:
        g.linli_started = time.perf_counter()
        if request.path != "/metrics":
            return None
        if request.method not in ("GET", "HEAD"):
            return Response("method not allowed\n", 405, {"Allow": "GET, HEAD"})
        given = request.headers.get("Authorization", "")
        if token and not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            return Response("unauthorized\n", 401, {"WWW-Authenticate": "Bearer"})
        return Response(render(collectors), 200, {"Content-Type": CONTENT_TYPE_LATEST})

    def finish(response: Any) -> Any:
        started = g.get("linli_started")
        rule = request.url_rule.rule if request.url_rule is not None else (
            "/metrics" if request.path == "/metrics" else "<unmatched>")
        method = request.method if request.method in METHODS else "OTHER"
        status = f"{response.status_code // 100}xx"
        elapsed = time.perf_counter() - started if started is not None else 0.0
        HTTP_REQUESTS.labels(rule, method, status).inc()
        HTTP_LATENCY.labels(rule, method, status).observe(elapsed)
        if rule != "/metrics":
            # The rule, not the path: ids, link tokens and calendar secrets stay out of logs.
            access.info("%s %s %s", method, rule, response.status_code, extra={
                "http_method": method, "endpoint": rule, "status": response.status_code,
                "duration_ms": round(elapsed * 1000, 1)})
        return response

    app.before_request(start)
    app.after_request(finish)


def serve_metrics(port: int | str | None, collectors: Iterable[Any] = ()) -> bool:
    """Serve this process's metrics on `port` (a worker or relay); no port, no server.

    Binds HOST (default 127.0.0.1; containers set 0.0.0.0). Returns whether it serves.
    """
    if not port or int(port) <= 0:
        return False
    registry = CollectorRegistry(auto_describe=False)
    registry.register(REGISTRY)  # type: ignore[arg-type]
    for collector in collectors:
        registry.register(collector)
    try:
        start_http_server(int(port), addr=os.environ.get("HOST", "127.0.0.1"), registry=registry)
    except OSError as exc:
        # The work matters more than its numbers: go on without them.
        log.error("metrics port %s unavailable: %s", port, exc)
        return False
    log.info("metrics on port %s", port)
    return True
