"""Notifier throughput: alerts per second from Redis to a local webhook sink, beside bare kombu.

Both runs read the same kind of queue on a Redis of their own (no AOF, so the broker's disk
is not what is measured). The notifier run is the real thing: `python -m notifier worker` as a
subprocess on a SQLite database, consuming pre-queued `assignment.assigned` events (one
volunteer each, so one alert each) plus the `plan.published` that completes the publication,
building the digests and POSTing every alert with its idempotency key to an HTTP sink in this
process. The clock runs from the moment the worker takes its first message to the moment the
sink has every alert. The bare runs (one before, one after, averaged) are a kombu consumer
on the same queue that decodes and acks each message and does nothing else. The figure is the
ratio of the two rates. The bare consumer pays kombu's three Redis round trips per message;
the notifier takes and acks its batches with one round trip each (`linli_contracts.batch`),
so it can outrun it and the ratio can exceed 1.

A second notifier run uses the scale-out shape (`consume` plus two `deliver` processes).

Usage: python bench/notifier_bench.py [--alerts 5000]
Writes bench/results/notifier.json and prints a table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import redis
from kombu import Consumer, Producer

from linli_contracts import topology
from linli_contracts.envelope import make_event
from linli_contracts.outbox import publish_envelope
from linli_testing.servers import RedisServer

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench/results/notifier.json"
QUEUE = "notifier.events"


class Sink:
    """An HTTP server counting POSTs and idempotency keys."""

    def __init__(self) -> None:
        self.count = 0
        self.keys: set[str] = set()
        self.first = 0.0
        self.last = 0.0
        self.lock = threading.Lock()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with sink.lock:
                    sink.count += 1
                    sink.first = sink.first or time.perf_counter()
                    sink.keys.add(self.headers.get("Idempotency-Key", ""))
                    sink.last = time.perf_counter()
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        """Where webhooks go."""
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"


def events(n: int) -> list[Any]:
    """n assignments of n volunteers in one plan version, then its announcement."""
    day = (date.today() + timedelta(days=14)).isoformat()
    shift = {"id": 1, "date": day, "start": "16:30", "end": "18:00",
             "activity_type": "after_school", "activity_name": "四点半课堂", "venue_id": 3,
             "venue_name": "星光社区邻里中心", "venue_address": "幸福路8号", "community_id": 7}
    out = [make_event("assignment.assigned", {
        "assignment_id": v, "plan_id": 1, "plan_version": 1, "volunteer_id": v, "role": "tutor",
        "shift": {**shift, "id": v}}) for v in range(1, n + 1)]
    out.append(make_event("plan.published", {
        "plan_id": 1, "version": 1, "community_ids": [7], "period_start": day,
        "period_end": day, "assignment_count": n}))
    return out


def fill(broker_url: str, envelopes: list[Any]) -> None:
    """Queue every envelope the way the scheduler's relay does."""
    with topology.connection(broker_url) as conn:
        topology.declare_all(conn)
        producer = Producer(conn)
        for envelope in envelopes:
            publish_envelope(producer, envelope, type_=envelope.type, message_id=envelope.id)


def seed(database_url: str, n: int, sink_url: str) -> None:
    """n volunteers who chose the webhook channel."""
    from notifier import config  # noqa: PLC0415
    from notifier.crypto import Vault  # noqa: PLC0415
    from notifier.db import make_engine, session_factory  # noqa: PLC0415
    from notifier.migrate import upgrade  # noqa: PLC0415
    from notifier.models import ChannelSettings, WebhookTarget  # noqa: PLC0415

    upgrade(database_url)
    engine = make_engine(database_url)
    now = datetime.now(UTC)
    vault = Vault(config.defaults())
    with session_factory(engine)() as session, session.begin():
        target = WebhookTarget(kind="webhook", name="sink", url=sink_url, community_id=7,
                               secret_ciphertext=vault.encrypt("s"), enabled=True,
                               created_at=now)
        session.add(target)
        session.flush()
        session.add_all(ChannelSettings(
            volunteer_id=v, community_id=7, language="zh-CN", channels=["webhook"],
            consents={"webhook": now.isoformat()}, webhook_target_id=target.id,
            calendar_secret=f"bench-{v}", updated_at=now) for v in range(1, n + 1))
    engine.dispose()


def wait_until(condition: Any, timeout: float) -> None:
    """Poll every 5 ms."""
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError("benchmark stalled")
        time.sleep(0.005)


def run_notifier(n: int, workdir: Path, deliverers: int) -> dict[str, Any]:
    """Alerts per second: one `worker` process, or `consume` plus `deliverers` processes."""
    server = RedisServer(appendonly=False).start()
    sink = Sink()
    try:
        database_url = f"sqlite:///{workdir / 'notifier.db'}"
        seed(database_url, n, sink.url)
        fill(server.url, events(n))
        client = redis.Redis.from_url(server.url)
        queued = client.llen(QUEUE)
        env = {**os.environ, "BROKER_URL": server.url, "LOG_LEVEL": "WARNING",
               "NOTIFIER_DATABASE_URL": database_url, "NOTIFIER_ALLOW_LOOPBACK_WEBHOOKS": "1",
               "NOTIFIER_POLL_INTERVAL": "0.05", "NOTIFIER_DELIVERY_BATCH_SIZE": "200",
               "NOTIFIER_DELIVERY_THREADS": "4"}
        commands = [["worker"]] if not deliverers else [["consume"]] + [["deliver"]] * deliverers
        workers = [subprocess.Popen([sys.executable, "-m", "notifier", *command], env=env)
                   for command in commands]
        try:
            wait_until(lambda: client.llen(QUEUE) < queued, 60)
            start = time.perf_counter()
            wait_until(lambda: sink.count >= n, 300)
            seconds = sink.last - start
        finally:
            for worker in workers:
                worker.terminate()
            for worker in workers:
                worker.wait(30)
        client.close()
        return {"processes": [" ".join(c) for c in commands],
                "alerts": n, "events": n + 1, "seconds": round(seconds, 3),
                "alerts_per_second": round(n / seconds, 1),
                "seconds_until_first_alert": round(sink.first - start, 3),
                "delivery_alerts_per_second": round(n / (sink.last - sink.first), 1),
                "raw_receipts": sink.count,
                "distinct_keys": len(sink.keys)}
    finally:
        sink.server.shutdown()
        server.stop()


def run_bare(n: int) -> dict[str, Any]:
    """Messages per second through a kombu consumer that only decodes and acks."""
    server = RedisServer(appendonly=False).start()
    try:
        fill(server.url, events(n)[:n])
        seen = 0

        def on_message(body: Any, message: Any) -> None:
            nonlocal seen
            json.loads(message.body) if isinstance(body, bytes | str) else body
            message.ack()
            seen += 1

        with topology.connection(server.url) as conn, Consumer(
            conn, queues=[topology.queue_for(QUEUE)], callbacks=[on_message],
            accept=["json"], prefetch_count=100,
        ):
            conn.drain_events(timeout=10)
            start = time.perf_counter()
            first = seen
            while seen < n:
                conn.drain_events(timeout=10)
            seconds = time.perf_counter() - start
        return {"messages": n - first, "seconds": round(seconds, 3),
                "messages_per_second": round((n - first) / seconds, 1)}
    finally:
        server.stop()


def main() -> int:
    """Run both, print the table, write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alerts", type=int, default=5000)
    args = parser.parse_args()
    load_at_start = os.getloadavg()[0]
    # The machine is shared: bare runs before and after the notifier run, averaged, so a
    # change of load during the run moves both sides of the ratio alike.
    before = run_bare(args.alerts)
    with tempfile.TemporaryDirectory(prefix="linli-notifier-bench-") as tmp:
        notifier = run_notifier(args.alerts, Path(tmp), 0)
    with tempfile.TemporaryDirectory(prefix="linli-notifier-bench-") as tmp:
        scaled = run_notifier(args.alerts, Path(tmp), 2)
    after = run_bare(args.alerts)
    bare = {
        "messages": before["messages"] + after["messages"],
        "seconds": round(before["seconds"] + after["seconds"], 3),
        "runs_messages_per_second": [before["messages_per_second"],
                                     after["messages_per_second"]],
    }
    bare["messages_per_second"] = round(bare["messages"] / bare["seconds"], 1)
    ratio = notifier["alerts_per_second"] / bare["messages_per_second"]
    scaled_ratio = scaled["alerts_per_second"] / bare["messages_per_second"]
    result = {
        "benchmark": "notifier", "when": datetime.now(UTC).isoformat(timespec="seconds"),
        # Other processes share this machine: the load says how much of it the run had.
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "load_average_1m_at_start": round(load_at_start, 2),
                    "load_average_1m_at_end": round(os.getloadavg()[0], 2)},
        "notifier": notifier, "notifier_consume_plus_two_deliverers": scaled,
        "bare_kombu": bare, "ratio": round(ratio, 3),
        "ratio_consume_plus_two_deliverers": round(scaled_ratio, 3),
        "targets": {"alerts_per_second": 1000, "ratio": 0.5},
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"{'run':<28}{'count':>8}{'seconds':>10}{'per second':>12}")
    print(f"{'notifier worker (alerts)':<28}{notifier['alerts']:>8}{notifier['seconds']:>10}"
          f"{notifier['alerts_per_second']:>12}")
    print(f"{'consume + 2 deliver (alerts)':<28}{scaled['alerts']:>8}{scaled['seconds']:>10}"
          f"{scaled['alerts_per_second']:>12}")
    print(f"{'bare kombu (messages)':<28}{bare['messages']:>8}{bare['seconds']:>10}"
          f"{bare['messages_per_second']:>12}")
    print(f"ratio {ratio:.3f} (one worker), {scaled_ratio:.3f} (consume + 2 deliver); "
          f"targets: ratio >= 0.5, alerts/s >= 1000; "
          f"raw receipts {notifier['raw_receipts']}, distinct keys {notifier['distinct_keys']}")
    print(f"load average (1 min) {result['machine']['load_average_1m_at_start']} at start, "
          f"{result['machine']['load_average_1m_at_end']} at end, {os.cpu_count()} CPUs")
    print(f"written to {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
