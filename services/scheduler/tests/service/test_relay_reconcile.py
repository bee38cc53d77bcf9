"""`python -m scheduler.service relay` reconciles with the notifier's inbox (see
`linli_testing.reconciliation`), on SQLite and PostgreSQL with a real Redis."""

from __future__ import annotations

from pathlib import Path

from linli_testing.reconciliation import RelayUnderTest, check_relay_reconciles
from scheduler.service.db import make_engine
from scheduler.service.migrate import upgrade
from scheduler.service.models import OUTBOX

RELAY = RelayUnderTest(module="scheduler.service", prefix="SCHEDULER", consumer="notifier",
                       inbox="consumer_inbox", queue="notifier.events")


def test_relay_process_publishes_again_what_the_notifier_never_recorded(
    database_url: str, redis_url: str, tmp_path: Path
) -> None:
    upgrade(database_url)
    engine = make_engine(database_url)
    check_relay_reconciles(
        RELAY, engine, OUTBOX, database_url=database_url, redis_url=redis_url,
        workdir=tmp_path, event_type="assignment.assigned",
        ignored_type="scheduler.solve",  # the reaper heals lost solve commands, not reconciliation
    )
    engine.dispose()
