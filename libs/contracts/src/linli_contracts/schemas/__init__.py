"""Registry of the versioned JSON Schemas of every message the system carries.

One file per message type and version (`<type>.v<version>.json`) plus `envelope.json`. The
files are the contract: the AsyncAPI document embeds the same schemas and a test keeps the two
equal. Payload schemas allow unknown fields, so additive changes within a version do not break
consumers; producers validate strictly (see `strict_schema`).
"""

from __future__ import annotations

import copy
import json
import re
from functools import cache
from importlib import resources
from typing import Any

_FILE = re.compile(r"^(?P<type>[a-z_.]+)\.v(?P<version>\d+)\.json$")

#: Message types that are commands for one work queue rather than facts on the events exchange.
COMMAND_TYPES: frozenset[str] = frozenset({"scheduler.solve"})


@cache
def _catalogue() -> dict[str, dict[int, dict[str, Any]]]:
    catalogue: dict[str, dict[int, dict[str, Any]]] = {}
    for entry in resources.files(__name__).iterdir():
        match = _FILE.match(entry.name)
        if not match:
            continue
        schema = json.loads(entry.read_text(encoding="utf-8"))
        catalogue.setdefault(match["type"], {})[int(match["version"])] = schema
    return catalogue


def message_types() -> tuple[str, ...]:
    """All message types the contract knows, sorted."""
    return tuple(sorted(_catalogue()))


#: Every message type the system carries.
MESSAGE_TYPES: tuple[str, ...] = message_types()


def versions(type_: str) -> tuple[int, ...]:
    """Known schema versions of a message type, oldest first."""
    try:
        return tuple(sorted(_catalogue()[type_]))
    except KeyError:
        raise KeyError(f"unknown message type {type_!r}") from None


def latest_version(type_: str) -> int:
    """Newest schema version of a message type."""
    return versions(type_)[-1]


def schema_for(type_: str, version: int | None = None) -> dict[str, Any]:
    """A copy of the payload JSON Schema of (type, version); the latest version by default."""
    version = latest_version(type_) if version is None else version
    try:
        return copy.deepcopy(_catalogue()[type_][version])
    except KeyError:
        raise KeyError(f"unknown message {type_!r} version {version}") from None


@cache
def _envelope_schema() -> dict[str, Any]:
    return json.loads(resources.files(__name__).joinpath("envelope.json").read_text("utf-8"))


def envelope_schema() -> dict[str, Any]:
    """A copy of the JSON Schema of the envelope every message travels in."""
    return copy.deepcopy(_envelope_schema())


def strict_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema with unknown fields forbidden, for checking what a producer sends."""
    strict = copy.deepcopy(schema)

    def close(node: Any) -> None:
        if isinstance(node, dict):
            if "properties" in node and not isinstance(node.get("additionalProperties"), dict):
                node["additionalProperties"] = False
            for value in node.values():
                close(value)
        elif isinstance(node, list):
            for value in node:
                close(value)

    close(strict)
    return strict


def is_command(type_: str) -> bool:
    """Whether the message type is a command (work queue) rather than a fact (events)."""
    return type_ in COMMAND_TYPES
