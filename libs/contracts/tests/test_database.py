"""Database URLs read from the environment: the same rules in every service."""

from __future__ import annotations

from pathlib import Path

import pytest

from linli_contracts.database import absolute_database_url


@pytest.mark.parametrize("url", ["postgresql://u:p@db:5432/linli", "postgres://u:p@db:5432/linli"])
def test_plain_postgres_urls_get_the_installed_psycopg_driver(url: str) -> None:
    assert absolute_database_url(url) == "postgresql+psycopg://u:p@db:5432/linli"


def test_an_explicit_driver_and_in_memory_sqlite_are_kept() -> None:
    for url in ("postgresql+psycopg://u@db/linli", "sqlite:///:memory:"):
        assert absolute_database_url(url) == url


def test_a_relative_sqlite_path_is_made_absolute_and_its_folder_created(tmp_path: Path) -> None:
    url = absolute_database_url("sqlite:///var/registry.db", base=tmp_path)
    assert url == f"sqlite:///{tmp_path / 'var' / 'registry.db'}"
    assert (tmp_path / "var").is_dir()
    assert absolute_database_url(url) == url

