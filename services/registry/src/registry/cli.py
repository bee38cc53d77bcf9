"""Commands of the registry: `python -m registry migrate|seed-demo|relay|create-user`."""

from __future__ import annotations

import argparse
import logging
import signal
import threading
from typing import Any

from registry.app import create_app
from registry.db import make_engine, session_scope

log = logging.getLogger("registry.cli")


def _config() -> dict[str, Any]:
    app = create_app({"REGISTER_BLUEPRINTS": False})
    return dict(app.config)


def cmd_migrate(args: argparse.Namespace) -> int:
    """Upgrade the database to the newest schema; ensure the service user if configured."""
    from registry.migrate import upgrade  # noqa: PLC0415

    config = _config()
    upgrade(config["DATABASE_URL"])
    if config.get("SERVICE_PASSWORD"):
        _ensure_service_user(config)
    print(f"registry database migrated: {_safe_url(config['DATABASE_URL'])}")
    return 0


def _ensure_service_user(config: dict[str, Any]) -> None:
    from registry.auth.service import upsert_user  # noqa: PLC0415

    engine = make_engine(config["DATABASE_URL"])
    with session_scope(engine) as session:
        upsert_user(session, config["SERVICE_USERNAME"], config["SERVICE_PASSWORD"], "service")
    engine.dispose()


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url  # noqa: PLC0415

    return make_url(url).render_as_string(hide_password=True)


def cmd_seed_demo(args: argparse.Namespace) -> int:
    """Load the demo county, or with --district the demo district (both idempotent)."""
    from registry.migrate import upgrade  # noqa: PLC0415
    from registry.seed import seed_demo  # noqa: PLC0415
    from registry.seed_district import seed_district  # noqa: PLC0415

    config = _config()
    upgrade(config["DATABASE_URL"])
    engine = make_engine(config["DATABASE_URL"])
    with session_scope(engine) as session:
        counts = seed_district(session) if args.district else seed_demo(session)
    engine.dispose()
    if config.get("SERVICE_PASSWORD"):
        _ensure_service_user(config)
    label = "demo district" if args.district else "demo data"
    print(f"{label}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    return 0


def cmd_relay(args: argparse.Namespace) -> int:
    """Publish outbox events to BROKER_URL until SIGTERM or SIGINT."""
    from linli_contracts.metrics import serve_metrics  # noqa: PLC0415
    from linli_contracts.outbox import OutboxRelay  # noqa: PLC0415
    from linli_contracts.reconcile import PeriodicReconciliation  # noqa: PLC0415
    from registry.models import OUTBOX  # noqa: PLC0415

    config = _config()
    engine = make_engine(config["DATABASE_URL"])
    relay = OutboxRelay(engine, OUTBOX, config["BROKER_URL"])
    # The scheduler consumes the registry's events: with REGISTRY_RECONCILE_INBOX_URL (the
    # scheduler's database) what its inbox never recorded is published again.
    reconciliation = PeriodicReconciliation.from_settings(
        config, engine, OUTBOX, config["BROKER_URL"],
        consumer="scheduler", inbox="inbox", queue="scheduler.events")
    stop = threading.Event()

    def _stop(signum: int, _frame: Any) -> None:
        log.info("relay stopping on signal %s", signum)
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    log.info("registry relay publishing to %s", _safe_url(config["BROKER_URL"]))
    serve_metrics(config.get("METRICS_PORT"))
    if reconciliation is not None:
        reconciliation.start()
    relay.run(stop)
    if reconciliation is not None:
        reconciliation.stop()
    relay.close()
    engine.dispose()
    return 0


def cmd_create_user(args: argparse.Namespace) -> int:
    """Create a user or reset its password and scope."""
    from registry.auth.service import upsert_user  # noqa: PLC0415

    config = _config()
    engine = make_engine(config["DATABASE_URL"])
    with session_scope(engine) as session:
        user = upsert_user(
            session,
            args.username,
            args.password,
            args.role,
            community_ids=args.community_id or [],
            volunteer_id=args.volunteer_id,
        )
        print(f"user {user.username} ({user.role}) id {user.id}")
    engine.dispose()
    return 0


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run one command."""
    parser = argparse.ArgumentParser(prog="python -m registry")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="upgrade the database to head").set_defaults(
        func=cmd_migrate
    )
    seed = commands.add_parser("seed-demo", help="load the demo county")
    seed.add_argument(
        "--district",
        action="store_true",
        help="load the demo district instead (90 communities, ~3,000 volunteers, one week)",
    )
    seed.set_defaults(func=cmd_seed_demo)
    commands.add_parser("relay", help="publish outbox events").set_defaults(func=cmd_relay)
    user = commands.add_parser("create-user", help="create or reset a user")
    user.add_argument("username")
    user.add_argument("--password", required=True)
    user.add_argument(
        "--role", required=True, choices=["admin", "coordinator", "volunteer", "service"]
    )
    user.add_argument("--community-id", type=int, action="append")
    user.add_argument("--volunteer-id", type=int)
    user.set_defaults(func=cmd_create_user)
    args = parser.parse_args(argv)
    return int(args.func(args))
