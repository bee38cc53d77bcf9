"""Schemathesis against the app's own OpenAPI document: no 5xx, responses match the schema.

Every operation gets positive and negative examples, sent in-process to the WSGI app as the
admin of a small world. The pytest plugin of schemathesis is not used (its fixture-based
parametrisation predates pytest 9), so operations are driven one by one here.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from .conftest import World

EXAMPLES = 10


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """SQLite only here: the fuzzing exercises the HTTP layer, not the database."""
    yield f"sqlite:///{tmp_path / 'fuzz.db'}"


def _exercise(operation: Any, mode: GenerationMode, headers: dict[str, str]) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        case.call_and_validate(
            headers=headers,
            checks=[not_a_server_error, response_schema_conformance, status_code_conformance],
        )

    run()


def test_api_conforms(world: World) -> None:
    api = schemathesis.openapi.from_wsgi("/openapi.json", world.app)
    failures: list[str] = []
    operations = [result.ok() for result in api.get_all_operations()]
    assert len(operations) > 30
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _exercise(operation, mode, world.h("admin"))
            except Unsatisfiable:
                continue  # nothing to make invalid (no parameters, no body)
            except Exception as exc:  # noqa: BLE001 - collect every operation's failure
                failures.append(f"{operation.label} [{mode.value}]: {exc}")
    assert not failures, "\n\n".join(failures)
