"""Command line of the scheduler service: `python -m scheduler.service <command>`.

Commands: migrate, solve-worker, relay, consume, serve (development server; use gunicorn
with gunicorn.conf.py in production).
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading

from scheduler.service.config import from_environment
from scheduler.service.masking import install_masking

#: Long-running commands that serve their metrics on SCHEDULER_METRICS_PORT.
WORKERS = ("solve-worker", "relay", "consume")


def _setup(config: dict) -> None:
    install_masking(config["LOG_LEVEL"])


def cmd_migrate(config: dict) -> int:
    """Bring the database to the latest schema."""
    from scheduler.service.migrate import upgrade  # noqa: PLC0415

    upgrade(config["DATABASE_URL"])
    print("scheduler database migrated", flush=True)
    return 0


def cmd_solve_worker(config: dict) -> int:
    """Consume solve commands until SIGTERM; reap expired leases meanwhile."""
    from linli_contracts import topology  # noqa: PLC0415
    from scheduler.service.db import make_engine, session_factory  # noqa: PLC0415
    from scheduler.service.worker import Reaper, SolveWorker  # noqa: PLC0415

    lease = float(config["JOB_LEASE_SECONDS"])
    factory = session_factory(make_engine(config["DATABASE_URL"]))
    reaper = Reaper(factory, lease)
    reaper.start()
    # No AMQP heartbeat: a solve blocks the consumer loop for up to the time limit, so it
    # could not answer them; a lost connection shows at the ack and the job lease covers it.
    with topology.connection(config["BROKER_URL"], heartbeat=0) as conn:
        worker = SolveWorker(conn, factory, lease=lease)
        logging.getLogger(__name__).info("solve worker %s started", worker.name)
        worker.run_forever()
    reaper.stopping.set()
    return 0


def cmd_relay(config: dict) -> int:
    """Publish outbox rows until SIGTERM."""
    from linli_contracts.outbox import OutboxRelay  # noqa: PLC0415
    from linli_contracts.reconcile import PeriodicReconciliation  # noqa: PLC0415
    from scheduler.service.db import make_engine  # noqa: PLC0415
    from scheduler.service.models import OUTBOX  # noqa: PLC0415

    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    engine = make_engine(config["DATABASE_URL"])
    # Small batches: on SQLite a batch holds the write lock while it is being published.
    relay = OutboxRelay(engine, OUTBOX, config["BROKER_URL"],
                        batch_size=int(config["RELAY_BATCH_SIZE"]),
                        poll_interval=float(config["RELAY_POLL_INTERVAL"]))
    # The notifier consumes the plan and assignment events: with SCHEDULER_RECONCILE_INBOX_URL
    # (the notifier's database) what its inbox never recorded is published again. Solve
    # commands need none: a queued job whose command was lost is sent again by the reaper.
    reconciliation = PeriodicReconciliation.from_settings(
        config, engine, OUTBOX, config["BROKER_URL"],
        consumer="notifier", inbox="consumer_inbox", queue="notifier.events")
    if reconciliation is not None:
        reconciliation.start()
    relay.run(stop)
    if reconciliation is not None:
        reconciliation.stop()
    relay.close()
    engine.dispose()
    return 0


def cmd_consume(config: dict) -> int:
    """Consume `scheduler.events` until SIGTERM."""
    from linli_contracts import topology  # noqa: PLC0415
    from scheduler.service.consumer import SchedulerEventConsumer  # noqa: PLC0415
    from scheduler.service.db import make_engine, session_factory  # noqa: PLC0415
    from scheduler.service.models import INBOX  # noqa: PLC0415

    factory = session_factory(make_engine(config["DATABASE_URL"]))
    with topology.connection(config["BROKER_URL"]) as conn:
        consumer = SchedulerEventConsumer(conn, factory, INBOX)
        consumer.install_signal_handlers()
        consumer.run()
    return 0


def cmd_serve(config: dict) -> int:
    """Development server on PORT (default 8002)."""
    import os  # noqa: PLC0415

    from scheduler.service.app import create_app  # noqa: PLC0415

    create_app().run(host="127.0.0.1", port=int(os.environ.get("PORT", "8002")))
    return 0


COMMANDS = {
    "migrate": cmd_migrate,
    "solve-worker": cmd_solve_worker,
    "relay": cmd_relay,
    "consume": cmd_consume,
    "serve": cmd_serve,
}


def main(argv: list[str] | None = None) -> int:
    """Parse the command and run it with settings from the environment."""
    parser = argparse.ArgumentParser(prog="python -m scheduler.service")
    parser.add_argument("command", choices=sorted(COMMANDS))
    args = parser.parse_args(argv)
    config = from_environment()
    _setup(config)
    if args.command in WORKERS:
        from linli_contracts.metrics import serve_metrics  # noqa: PLC0415

        serve_metrics(config["METRICS_PORT"])
    return COMMANDS[args.command](config)


if __name__ == "__main__":
    sys.exit(main())
