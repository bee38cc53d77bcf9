"""Contact channels come from the registry by themselves: a real registry over HTTP, its real
change events relayed through a real Redis, the notifier's consumer looking volunteers up with
its own service account, and the `sync-channels` backfill."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from kombu import Producer
from registry_server import SECRET, RegistryServer
from sqlalchemy.orm import Session, sessionmaker

from linli_contracts import topology
from linli_contracts.envelope import make_event
from linli_contracts.outbox import publish_envelope
from notifier.__main__ import main
from notifier.consumer import BatchingConsumer, NotifierConsumer
from notifier.contacts import apply_volunteer, merge_channels
from notifier.crypto import Vault
from notifier.models import ChannelSettings, consumer_inbox
from notifier.registry_client import RegistryClient
from notifier.volunteers.service import upsert

SMS = {"channel": "sms", "address": "13812345678", "consent": True}
EMAIL = {"channel": "email", "address": "chen@example.org", "consent": True}
INBOX = {"channel": "inbox", "address": "", "consent": True}


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[RegistryServer]:
    server = RegistryServer(f"sqlite:///{tmp_path / 'registry.db'}").prepare().start()
    yield server
    server.stop()


@pytest.fixture
def notifier_settings(settings: dict[str, Any], registry: RegistryServer) -> dict[str, Any]:
    settings.update(REGISTRY_URL=registry.url, REGISTRY_USERNAME="notifier",
                    REGISTRY_PASSWORD="correct horse battery staple", REGISTRY_RETRIES=1,
                    JWT_SECRET=SECRET, CONSUMER_RETRY_DELAY=0.05, CONSUMER_MAX_ATTEMPTS=50)
    return settings


def _settings_of(sessions: sessionmaker[Session], volunteer_id: int) -> ChannelSettings | None:
    with sessions() as session:
        found = session.get(ChannelSettings, volunteer_id)
        if found is not None:
            session.expunge(found)
        return found


def _processed(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return int(session.scalar(sa.select(sa.func.count()).select_from(consumer_inbox)) or 0)


def _wait(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


class Running:
    """A notifier consumer on the real broker in a thread of its own."""

    def __init__(self, consumer: NotifierConsumer) -> None:
        self.consumer = consumer
        self.thread = threading.Thread(target=consumer.run, daemon=True)

    def __enter__(self) -> Running:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.consumer.stop()
        self.thread.join(15)
        self.consumer.connection.release()


def _consumer(kind: str, broker_url: str, sessions: sessionmaker[Session],
              settings: dict[str, Any]) -> NotifierConsumer:
    connection = topology.connection(broker_url, visibility_timeout=60)
    if kind == "batch":
        return BatchingConsumer(connection, sessions, settings, batch_size=20)
    return NotifierConsumer(connection, sessions, settings)


@pytest.mark.parametrize("kind", ["batch", "single"])
def test_registry_changes_reach_the_channel_settings_and_keep_the_volunteers_own(
    kind: str, redis_url: str, registry: RegistryServer, sessions: sessionmaker[Session],
    notifier_settings: dict[str, Any],
) -> None:
    vault = Vault(notifier_settings)
    with topology.connection(redis_url) as conn:
        topology.declare_all(conn)
    volunteer = registry.create_volunteer("陈老师", "13812345678", [SMS, EMAIL, INBOX])
    other = registry.create_volunteer("林老师", "13912345678", [INBOX])
    assert registry.relay(redis_url) == 2
    with Running(_consumer(kind, redis_url, sessions, notifier_settings)):
        _wait(lambda: _processed(sessions) == 2)
        first = _settings_of(sessions, volunteer)
        assert first is not None
        # The notifier's service account reads the phone unmasked: SMS can go out.
        assert vault.decrypt(first.phone_ciphertext) == "13812345678"
        assert first.phone_masked == "138****5678"
        assert (first.display_name, first.email) == ("陈老师", "chen@example.org")
        assert first.channels == ["sms", "email", "inapp"]
        assert set(first.consents) == {"sms", "email", "inapp"}
        assert _settings_of(sessions, other).channels == ["inapp"]  # type: ignore[union-attr]

        # What the volunteer chose in the notifier: quiet hours, language, a webhook first.
        with sessions() as session, session.begin():
            upsert(session, vault, notifier_settings, volunteer, {
                "language": "en", "quiet_start": "22:00", "quiet_end": "08:00",
                "channels": ["webhook", "sms", "email", "inapp"],
                "consents": {"webhook": True}})
        calendar_secret = first.calendar_secret

        # The registry changes phone, drops SMS consent; name too.
        patch = {"name": "陈晓老师", "phone": "13700001111",
                 "contact_channels": [{**SMS, "address": "13700001111", "consent": False},
                                      EMAIL, INBOX]}
        answer = registry.call("PATCH", f"/volunteers/{volunteer}", patch)
        assert answer.status_code == 200, answer.text
        # A change the notifier needs no look-up for (availability) travels too.
        answer = registry.call("PATCH", f"/volunteers/{volunteer}", {
            "availability": [{"weekday": 0, "start": "16:00", "end": "18:00"}]})
        assert answer.status_code == 200, answer.text
        assert registry.relay(redis_url) == 2
        _wait(lambda: _processed(sessions) == 4)
        changed = _settings_of(sessions, volunteer)
        assert changed is not None
        assert vault.decrypt(changed.phone_ciphertext) == "13700001111"
        assert changed.display_name == "陈晓老师"
        # Registry-owned channels replaced in place; the volunteer's own kept.
        assert changed.channels == ["webhook", "email", "inapp"]
        assert set(changed.consents) == {"webhook", "email", "inapp"}
        assert changed.consents["email"] == first.consents["email"]  # given once, kept
        assert (changed.language, changed.quiet_start, changed.quiet_end) == (
            "en", "22:00", "08:00")
        assert changed.calendar_secret == calendar_secret

    # A replay of every event (the relay publishing them again) is harmless, and so is a new
    # event about a volunteer whose record did not change (another id, the same effect).
    engine = sa.create_engine(registry.database_url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE outbox SET published_at = NULL"))
    engine.dispose()
    assert registry.relay(redis_url) == 4
    again = make_event("registry.volunteer.changed", {
        "entity": "volunteer", "id": volunteer, "action": "updated",
        "community_id": registry.ids["community"], "fields": ["contact_channels"],
        "active": True})
    with topology.connection(redis_url) as conn:
        publish_envelope(Producer(conn), again, type_=again.type, message_id=again.id)
    with Running(_consumer(kind, redis_url, sessions, notifier_settings)):
        _wait(lambda: _processed(sessions) == 5)
        time.sleep(0.5)
        assert _processed(sessions) == 5
    replayed = _settings_of(sessions, volunteer)
    assert replayed is not None
    # Nothing written at all: not even the phone encrypted again.
    assert (replayed.channels, replayed.consents, replayed.phone_ciphertext,
            replayed.updated_at) == (changed.channels, changed.consents,
                                     changed.phone_ciphertext, changed.updated_at)
    assert replayed.quiet_start == "22:00"


def test_deactivated_and_deleted_volunteers_keep_the_inbox_only(
    redis_url: str, registry: RegistryServer, sessions: sessionmaker[Session],
    notifier_settings: dict[str, Any],
) -> None:
    with topology.connection(redis_url) as conn:
        topology.declare_all(conn)
    leaving = registry.create_volunteer("王阿姨", "13612345678", [SMS, INBOX])
    gone = registry.create_volunteer("赵叔叔", "13512345678", [SMS, EMAIL])
    registry.relay(redis_url)
    with Running(_consumer("batch", redis_url, sessions, notifier_settings)):
        _wait(lambda: _processed(sessions) == 2)
        with sessions() as session, session.begin():
            upsert(session, Vault(notifier_settings), notifier_settings, leaving,
                   {"quiet_start": "20:00", "quiet_end": "09:00"})
        assert registry.call("PATCH", f"/volunteers/{leaving}", {"active": False}).ok
        assert registry.call("DELETE", f"/volunteers/{gone}").status_code == 204
        assert registry.relay(redis_url) == 2
        _wait(lambda: _processed(sessions) == 4)
    for volunteer_id in (leaving, gone):
        cleared = _settings_of(sessions, volunteer_id)
        assert cleared is not None
        assert cleared.channels == ["inapp"]
        assert cleared.consents == {}
        assert (cleared.phone_ciphertext, cleared.phone_masked, cleared.email) == (
            None, None, None)
    assert _settings_of(sessions, leaving).quiet_start == "20:00"  # type: ignore[union-attr]
    # Applying the deletion again (the backfill, a replay) writes nothing.
    with sessions() as session, session.begin():
        before = session.get(ChannelSettings, gone).updated_at  # type: ignore[union-attr]
        assert apply_volunteer(session, Vault(notifier_settings), notifier_settings, gone,
                               None) == "unchanged"
        assert session.get(ChannelSettings, gone).updated_at == before  # type: ignore[union-attr]


def test_an_unreachable_registry_leaves_the_event_queued_until_it_is_back(
    redis_url: str, registry: RegistryServer, sessions: sessionmaker[Session],
    notifier_settings: dict[str, Any],
) -> None:
    with topology.connection(redis_url) as conn:
        topology.declare_all(conn)
    volunteer = registry.create_volunteer("周老师", "13812340000", [SMS])
    registry.stop()
    assert registry.relay(redis_url) == 1
    with Running(_consumer("batch", redis_url, sessions, notifier_settings)) as running:
        time.sleep(1.5)
        # Failed and retried (a copy with an attempts header on Redis), never recorded.
        assert _processed(sessions) == 0
        assert _settings_of(sessions, volunteer) is None
        with topology.connection(redis_url) as conn, conn.channel() as channel:
            dead = topology.dead_letter_queue_for("notifier.events")(channel)
            assert dead.queue_declare().message_count == 0
        registry.start()
        _wait(lambda: _processed(sessions) == 1, timeout=30)
        assert running.consumer.should_stop is False
    found = _settings_of(sessions, volunteer)
    assert found is not None and found.channels == ["sms", "inapp"]


def test_sync_channels_copies_the_seeded_registry_page_by_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    from registry.db import make_engine, session_scope
    from registry.models import Volunteer
    from registry.seed import seed_demo

    registry = RegistryServer(f"sqlite:///{tmp_path / 'registry.db'}").prepare(accounts=False)
    engine = make_engine(registry.database_url)
    with session_scope(engine) as session:
        seed_demo(session)
    with engine.connect() as conn:
        phones = dict(conn.execute(sa.select(Volunteer.id, Volunteer.phone)).all())
        active = dict(conn.execute(sa.select(Volunteer.id, Volunteer.active)).all())
    engine.dispose()
    registry.start()
    try:
        database = f"sqlite:///{tmp_path / 'notifier.db'}"
        for name, value in {
            "NOTIFIER_DATABASE_URL": database, "NOTIFIER_REGISTRY_URL": registry.url,
            # The demo county's own notifier account and password.
            "NOTIFIER_REGISTRY_USERNAME": "notifier", "NOTIFIER_REGISTRY_PASSWORD": "linli-demo",
            "NOTIFIER_REGISTRY_PAGE_SIZE": "40", "NOTIFIER_JWT_SECRET": SECRET,
        }.items():
            monkeypatch.setenv(name, value)
        assert main(["sync-channels", "--migrate"]) == 0
        out = capsys.readouterr().out
        assert f"contact channels synced: {len(phones)} volunteers" in out
        assert len(phones) > 40  # more than one page
        engine = sa.create_engine(database)
        with Session(engine) as session:
            stored = {s.volunteer_id: s for s in session.scalars(sa.select(ChannelSettings))}
        engine.dispose()
        assert set(stored) == {v for v, is_active in active.items() if is_active}
        vault = Vault({"SECRET_KEY": "linli-notifier-development-secret-change-me"})
        with_sms = [s for s in stored.values() if "sms" in s.channels]
        assert with_sms
        for found in with_sms:
            assert vault.decrypt(found.phone_ciphertext) == phones[found.volunteer_id]
        # Running it again (after restoring a backup, say) changes nothing.
        before = {v: (s.channels, s.consents, s.email) for v, s in stored.items()}
        assert main(["sync-channels"]) == 0
        assert f"0 updated, {len(stored)} unchanged" in capsys.readouterr().out
        engine = sa.create_engine(database)
        with Session(engine) as session:
            after = {s.volunteer_id: (s.channels, s.consents, s.email)
                     for s in session.scalars(sa.select(ChannelSettings))}
        engine.dispose()
        assert after == before
    finally:
        registry.stop()


def test_sync_channels_fails_clearly_without_the_registry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    from linli_testing.servers import free_port

    monkeypatch.setenv("NOTIFIER_DATABASE_URL", f"sqlite:///{tmp_path / 'notifier.db'}")
    monkeypatch.setenv("NOTIFIER_REGISTRY_URL", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("NOTIFIER_REGISTRY_RETRIES", "2")
    assert main(["sync-channels", "--migrate"]) == 1
    err = capsys.readouterr().err
    assert "syncing contact channels failed" in err and "unreachable" in err


def test_a_registry_that_masks_phones_is_refused_not_copied(
    registry: RegistryServer, sessions: sessionmaker[Session], settings: dict[str, Any],
) -> None:
    """Another service account (not a contact reader) gets masked phones; storing a masked
    number would send SMS nowhere, so the sync stops and says what to configure."""
    from notifier.contacts import MaskedContact, sync_all

    registry.create_volunteer("吴老师", "13812349999", [SMS])
    client = RegistryClient(registry.url, "scheduler", "correct horse battery staple")
    with pytest.raises(MaskedContact, match="REGISTRY_CONTACT_READERS"):
        sync_all(sessions, Vault(settings), settings, client)
    client.close()


def test_merge_channels_keeps_the_notifiers_own_channels_in_place() -> None:
    assert merge_channels([], ["sms", "inapp"]) == ["sms", "inapp"]
    assert merge_channels(["webhook", "sms", "inapp"], ["email", "inapp"]) == [
        "webhook", "email", "inapp"]
    assert merge_channels(["sms", "wecom", "inapp"], ["inapp"]) == ["inapp", "wecom"]
    assert merge_channels(["dingtalk"], ["sms", "inapp"]) == ["dingtalk", "sms", "inapp"]
