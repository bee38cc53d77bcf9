"""Contract tests: every message type round-trips, and invalid messages are refused."""

from __future__ import annotations

import json
import uuid

import pytest

from linli_contracts import MESSAGE_TYPES, ContractError, DecodeError, make_event, parse_envelope
from linli_contracts.examples import example_payload
from linli_contracts.schemas import latest_version, schema_for, versions

EXPECTED_TYPES = {
    *(f"registry.{e}.changed" for e in (
        "community", "grid", "venue", "volunteer", "activity_type", "activity", "shift",
        "calendar", "user",
    )),
    "registry.shifts.generated",
    "plan.published",
    "plan.solved",
    "assignment.assigned",
    "assignment.changed",
    "assignment.cancelled",
    "assignment.response",
    "scheduler.solve",
}


def test_registry_holds_every_message_the_system_carries() -> None:
    assert set(MESSAGE_TYPES) == EXPECTED_TYPES
    for type_ in MESSAGE_TYPES:
        assert versions(type_) == (1,)
        assert schema_for(type_)["$id"].endswith(f"{type_}.v1.json")


@pytest.mark.parametrize("type_", MESSAGE_TYPES)
def test_every_message_round_trips(type_: str) -> None:
    envelope = make_event(type_, example_payload(type_), correlation_id="req-1")
    assert envelope.version == latest_version(type_)
    assert str(uuid.UUID(envelope.id)) == envelope.id
    assert envelope.occurred_at.endswith("Z")
    text = envelope.to_json()
    assert parse_envelope(text) == envelope
    assert parse_envelope(text.encode()) == envelope
    assert parse_envelope(envelope.to_dict()) == envelope
    assert json.loads(text) == envelope.to_dict()


@pytest.mark.parametrize("type_", MESSAGE_TYPES)
def test_missing_required_field_is_named(type_: str) -> None:
    payload = example_payload(type_)
    first_required = schema_for(type_)["required"][0]
    del payload[first_required]
    with pytest.raises(ContractError, match=rf"^payload\.{first_required}: is required$"):
        make_event(type_, payload)


@pytest.mark.parametrize(
    ("type_", "change", "expected"),
    [
        ("assignment.response", {"response": "maybe"}, r"^payload\.response: must be one of"),
        ("assignment.assigned", {"volunteer_id": "55"}, r"^payload\.volunteer_id: must be of type"),
        ("plan.published", {"period_start": "2026-13-01"}, r"^payload\.period_start: must be a "),
        ("registry.volunteer.changed", {"action": "renamed"}, r"^payload\.action: must be one of"),
        ("registry.grid.changed", {"entity": "venue"}, r"^payload\.entity: must be 'grid'"),
        ("scheduler.solve", {"time_limit_seconds": 0}, r"^payload\.time_limit_seconds: must be >"),
        ("assignment.response", {"responded_at": "2026-12-01 09:15"},
         r"^payload\.responded_at: must be a valid date-time"),
    ],
)
def test_invalid_value_is_refused_naming_the_field(type_: str, change: dict, expected: str) -> None:
    payload = {**example_payload(type_), **change}
    with pytest.raises(ContractError, match=expected):
        make_event(type_, payload)


def test_nested_field_is_named_and_the_value_is_not_echoed() -> None:
    payload = example_payload("assignment.assigned")
    payload["shift"]["start"] = "13800138000"
    with pytest.raises(ContractError) as caught:
        make_event("assignment.assigned", payload)
    assert str(caught.value) == "payload.shift.start: does not match the required pattern"
    assert "13800138000" not in str(caught.value)


def test_producer_refuses_unknown_fields() -> None:
    payload = {**example_payload("assignment.assigned"), "phone": "13800138000"}
    with pytest.raises(ContractError, match=r"^payload\.phone: is not a known field$"):
        make_event("assignment.assigned", payload)


def test_consumer_accepts_unknown_fields_in_envelope_and_payload() -> None:
    document = make_event("plan.published", example_payload("plan.published")).to_dict()
    document["trace"] = {"span": "x"}
    document["payload"]["new_in_a_later_release"] = [1, 2]
    document["payload"]["community_ids"] = [7, 8]
    envelope = parse_envelope(json.dumps(document))
    assert envelope.payload["new_in_a_later_release"] == [1, 2]
    assert envelope.payload["community_ids"] == [7, 8]


def test_unknown_type_or_version_is_a_contract_error() -> None:
    with pytest.raises(ContractError, match=r"^type: unknown message type"):
        make_event("plan.exploded", {})
    with pytest.raises(ContractError, match=r"^type: unknown message type"):
        make_event("plan.published", example_payload("plan.published"), version=9)
    document = make_event("plan.solved", example_payload("plan.solved")).to_dict()
    document["version"] = 2
    with pytest.raises(ContractError, match=r"^type: unknown message type 'plan.solved' version 2"):
        parse_envelope(document)


@pytest.mark.parametrize(
    "raw",
    [b"\x80\x04\x95pickle", b"not json", b'["a list"]', "", b"\xff\xfe"],
)
def test_undecodable_bodies_raise_decode_error(raw: bytes | str) -> None:
    with pytest.raises(DecodeError):
        parse_envelope(raw)


def test_invalid_envelope_fields_are_named() -> None:
    document = make_event("plan.solved", example_payload("plan.solved")).to_dict()
    for field, value, reason in [
        ("id", "not-a-uuid", "must be a valid uuid"),
        ("version", "1", "must be of type"),
        ("occurred_at", "2026-12-01T09:15:00", "must be a valid date-time"),
    ]:
        broken = {**document, field: value}
        with pytest.raises(ContractError, match=rf"^envelope\.{field}: {reason}"):
            parse_envelope(broken)
    with pytest.raises(ContractError, match=r"^envelope\.payload: is required$"):
        parse_envelope({k: v for k, v in document.items() if k != "payload"})


def test_make_event_copies_the_payload_and_defaults_the_correlation_to_its_id() -> None:
    payload = example_payload("plan.solved")
    envelope = make_event("plan.solved", payload)
    payload["status"] = "changed afterwards"
    assert envelope.payload["status"] == "optimal"
    assert envelope.correlation_id == envelope.id


def test_non_json_values_are_refused() -> None:
    payload = {**example_payload("plan.solved"), "status": {1, 2}}
    with pytest.raises(ContractError, match=r"^payload: not JSON-serialisable"):
        make_event("plan.solved", payload)
