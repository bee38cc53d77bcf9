"""Builds `asyncapi.yaml`, the AsyncAPI 2.6 description of every channel and message.

The message payload schemas are copies of the schema files, so the document is regenerated, not
edited: `python -m linli_contracts.asyncapi` rewrites it, and a test fails when the two differ.
"""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from linli_contracts import topology
from linli_contracts.schemas import MESSAGE_TYPES, envelope_schema, is_command, schema_for, versions

DOCUMENT = "asyncapi.yaml"


def _message_key(type_: str, version: int) -> str:
    return f"{type_}.v{version}"


def _consumers(type_: str) -> list[str]:
    bound = {**topology.EVENT_QUEUES, **topology.COMMAND_QUEUES}
    return [queue for queue, keys in bound.items() if type_ in keys]


def _exchange_binding(type_: str) -> dict[str, Any]:
    exchange = topology.exchange_for(type_)
    return {
        "amqp": {
            "is": "routingKey",
            "exchange": {
                "name": exchange.name,
                "type": exchange.type,
                "durable": True,
                "autoDelete": False,
                "vhost": "/",
            },
            "bindingVersion": "0.2.0",
        }
    }


def build_document() -> dict[str, Any]:
    """The AsyncAPI document as data."""
    messages: dict[str, Any] = {}
    channels: dict[str, Any] = {}
    for type_ in MESSAGE_TYPES:
        refs = []
        for version in versions(type_):
            schema = schema_for(type_, version)
            key = _message_key(type_, version)
            messages[key] = {
                "name": type_,
                "title": schema.get("title", key),
                "summary": schema.get("description", ""),
                "contentType": "application/json",
                "correlationId": {"location": "$message.payload#/correlation_id"},
                "headers": {"$ref": "#/components/schemas/headers"},
                "payload": {
                    "allOf": [
                        {"$ref": "#/components/schemas/envelope"},
                        {
                            "type": "object",
                            "properties": {
                                "type": {"const": type_},
                                "version": {"const": version},
                                "payload": schema,
                            },
                        },
                    ]
                },
            }
            refs.append({"$ref": f"#/components/messages/{key}"})
        kind = "Command" if is_command(type_) else "Fact"
        channels[type_] = {
            "description": (
                f"{kind} `{type_}`, routing key on `{topology.exchange_for(type_).name}`; "
                f"consumed from: {', '.join(_consumers(type_)) or 'no queue yet'}."
            ),
            "subscribe": {
                "operationId": f"receive_{type_.replace('.', '_')}",
                "message": refs[0] if len(refs) == 1 else {"oneOf": refs},
            },
            "bindings": _exchange_binding(type_),
        }
    for queue in topology.queue_names():
        dead = topology.dead_letter_queue_for(queue)
        channels[dead.name] = {
            "description": (
                f"Dead letters of `{queue}`: the original body, untouched, with the reason in "
                "the `x-linli-error` header (Redis) or in `x-death` (RabbitMQ, where the "
                "queue is a quorum queue dead-lettering on the broker)."
            ),
            "subscribe": {
                "operationId": f"receive_dead_{queue.replace('.', '_')}",
                "message": {"$ref": "#/components/messages/dead_letter"},
            },
            "bindings": {
                "amqp": {
                    "is": "queue",
                    "queue": {"name": dead.name, "durable": True, "exclusive": False,
                              "autoDelete": False, "vhost": "/"},
                    "bindingVersion": "0.2.0",
                }
            },
        }
    messages["dead_letter"] = {
        "name": "dead_letter",
        "title": "Dead letter",
        "summary": "A message that could not be processed, as it arrived.",
        "headers": {"$ref": "#/components/schemas/headers"},
        "payload": {},
    }
    return {
        "asyncapi": "2.6.0",
        "id": "urn:linli:messages",
        "info": {
            "title": "Linli messages",
            "version": "1.0.0",
            "description": (
                "Facts travel on the topic exchange `linli.events`, commands on the direct "
                "exchange `linli.commands`; each consumer queue has a `<queue>.dead` queue on "
                "`linli.dead`. Every body is a JSON envelope; consumers ignore unknown fields."
            ),
            "license": {"name": "Apache-2.0"},
        },
        "defaultContentType": "application/json",
        "servers": {
            "redis": {
                "url": "redis://127.0.0.1:6379/0",
                "protocol": "redis",
                "description": "Development broker (kombu Redis transport).",
            },
            "rabbitmq": {
                "url": "amqp://127.0.0.1:5672/",
                "protocol": "amqp",
                "protocolVersion": "0.9.1",
                "description": "RabbitMQ, through the same kombu code.",
            },
        },
        "channels": channels,
        "components": {
            "schemas": {
                "envelope": envelope_schema(),
                "headers": {
                    "type": "object",
                    "properties": {
                        "message_id": {"type": "string"},
                        "type": {"type": "string"},
                        "x-linli-attempts": {"type": "integer", "minimum": 0},
                        "x-linli-error": {"type": "string"},
                        "x-linli-queue": {"type": "string"},
                        "x-delivery-count": {"type": "integer", "minimum": 0},
                        "x-death": {"type": "array"},
                    },
                },
            },
            "messages": messages,
        },
    }


def render() -> str:
    """The AsyncAPI document as YAML text."""
    header = "# Generated by `python -m linli_contracts.asyncapi` from the schema files.\n"
    return header + yaml.safe_dump(build_document(), sort_keys=False, allow_unicode=True,
                                   width=100)


def load_document() -> dict[str, Any]:
    """The committed AsyncAPI document, parsed."""
    text = resources.files("linli_contracts").joinpath(DOCUMENT).read_text("utf-8")
    return yaml.safe_load(text)


def main() -> None:
    """Rewrite the committed document next to this module."""
    target = Path(__file__).with_name(DOCUMENT)
    target.write_text(render(), encoding="utf-8")
    sys.stdout.write(f"wrote {target}\n")


if __name__ == "__main__":
    main()
