"""The AsyncAPI document describes every channel and message and cannot drift from the schemas."""

from __future__ import annotations

import json
from pathlib import Path

from jsonschema import Draft7Validator

from linli_contracts import topology
from linli_contracts.asyncapi import build_document, load_document, render
from linli_contracts.schemas import MESSAGE_TYPES, envelope_schema, schema_for, versions

OFFICIAL_SCHEMA = Path(__file__).parent / "data" / "asyncapi-2.6.0.schema.json"


def test_document_is_valid_against_the_official_asyncapi_schema() -> None:
    document = load_document()
    validator = Draft7Validator(json.loads(OFFICIAL_SCHEMA.read_text("utf-8")))
    errors = [f"{list(e.path)}: {e.message[:200]}" for e in validator.iter_errors(document)]
    assert errors == []
    assert {"asyncapi", "info", "channels", "components"} <= set(document)


def test_every_message_type_has_a_channel_and_a_message() -> None:
    document = load_document()
    for type_ in MESSAGE_TYPES:
        assert type_ in document["channels"], type_
        for version in versions(type_):
            assert f"{type_}.v{version}" in document["components"]["messages"]


def test_payload_schemas_equal_the_schema_files() -> None:
    document = load_document()
    assert document["components"]["schemas"]["envelope"] == envelope_schema()
    for type_ in MESSAGE_TYPES:
        for version in versions(type_):
            message = document["components"]["messages"][f"{type_}.v{version}"]
            envelope, specific = message["payload"]["allOf"]
            assert envelope == {"$ref": "#/components/schemas/envelope"}
            assert specific["properties"]["payload"] == schema_for(type_, version)
            assert specific["properties"]["type"] == {"const": type_}


def test_every_queue_has_its_dead_letter_channel() -> None:
    channels = load_document()["channels"]
    for queue in topology.queue_names():
        assert f"{queue}.dead" in channels


def test_committed_document_is_the_generated_one() -> None:
    """Fails when a schema changed without `python -m linli_contracts.asyncapi`."""
    path = Path(__file__).parents[1] / "src" / "linli_contracts" / "asyncapi.yaml"
    assert path.read_text("utf-8") == render()
    assert load_document() == build_document()
