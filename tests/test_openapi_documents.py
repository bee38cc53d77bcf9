"""Every service publishes a valid OpenAPI 3 document at /openapi.json."""

from __future__ import annotations

from pathlib import Path

import pytest
from openapi_spec_validator import validate


def _registry(tmp_path: Path):  # type: ignore[no-untyped-def]
    from registry.app import create_app  # noqa: PLC0415

    return create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'registry.db'}"})


def _scheduler(tmp_path: Path):  # type: ignore[no-untyped-def]
    from scheduler.service.app import create_app  # noqa: PLC0415

    return create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'scheduler.db'}"})


def _notifier(tmp_path: Path):  # type: ignore[no-untyped-def]
    from notifier.app import create_app  # noqa: PLC0415

    return create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'notifier.db'}"})


@pytest.mark.parametrize("factory", [_registry, _scheduler, _notifier])
def test_openapi_document_is_valid(factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The document validates against the OpenAPI 3.0 specification's own schema."""
    app = factory(tmp_path)
    document = app.test_client().get("/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    assert document["paths"]
    validate(document)
