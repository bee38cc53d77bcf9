"""The services read their database URLs by the one rule of linli_contracts.database."""

from __future__ import annotations


def test_the_scheduler_and_the_notifier_give_a_plain_postgres_url_the_psycopg_driver(
        monkeypatch) -> None:
    from notifier import config as notifier_config
    from scheduler.service import config as scheduler_config

    monkeypatch.setenv("SCHEDULER_DATABASE_URL", "postgresql://u@db/scheduler")
    monkeypatch.setenv("NOTIFIER_DATABASE_URL", "postgres://u@db/notifier")
    assert scheduler_config.from_environment()["DATABASE_URL"] == (
        "postgresql+psycopg://u@db/scheduler")
    assert notifier_config.load()["DATABASE_URL"] == "postgresql+psycopg://u@db/notifier"
