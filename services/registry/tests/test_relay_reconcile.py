"""`python -m registry relay` reconciles with the scheduler's inbox (see
`linli_testing.reconciliation`), on SQLite and PostgreSQL with a real Redis."""

from __future__ import annotations

from pathlib import Path

from linli_testing.reconciliation import RelayUnderTest, check_relay_reconciles
from registry.db import make_engine
from registry.migrate import upgrade
from registry.models import OUTBOX

RELAY = RelayUnderTest(module="registry", prefix="REGISTRY", consumer="scheduler",
                       inbox="inbox", queue="scheduler.events")


def test_relay_process_publishes_again_what_the_scheduler_never_recorded(
    database_url: str, redis_url: str, tmp_path: Path
) -> None:
    upgrade(database_url)
    engine = make_engine(database_url)
    check_relay_reconciles(
        RELAY, engine, OUTBOX, database_url=database_url, redis_url=redis_url,
        workdir=tmp_path, event_type="registry.volunteer.changed",
        ignored_type="registry.grid.changed",  # nobody's inbox expects grid changes
    )
    engine.dispose()
