"""Masking in logs, and the command line (migrate, create-user)."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from registry.masking import MaskingFilter, mask_id_number, mask_phone, mask_text

from .conftest import World


def test_mask_helpers() -> None:
    assert mask_phone("13812345678") == "138****5678"
    assert mask_id_number("11010119900101123X") == "110101********123X"
    text = mask_text("电话13812345678，身份证11010119900101123X，订单号 2138123456789")
    assert text == "电话138****5678，身份证110101********123X，订单号 2138123456789"
    assert mask_text("手机 +8613812345678 或 8613912345678") == (
        "手机 +86138****5678 或 86139****5678")


def test_log_records_are_masked(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("registry.test")
    caplog.handler.addFilter(MaskingFilter())
    with caplog.at_level(logging.INFO):
        logger.info("calling %s about %s", "13812345678", {"id": "11010119900101123X"})
        try:
            raise ValueError("bad phone 13912345678")
        except ValueError:
            logger.exception("failed for 13712345678")
    text = caplog.text
    for secret in ("13812345678", "11010119900101123X", "13912345678", "13712345678"):
        assert secret not in text
    assert "138****5678" in text


def test_server_errors_do_not_log_phone_numbers(
    client: FlaskClient, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.handler.addFilter(MaskingFilter())

    @world.app.get("/boom")
    def boom() -> str:
        raise RuntimeError("lookup failed for 13812345678")

    world.app.config["PROPAGATE_EXCEPTIONS"] = False
    answer = client.get("/boom", headers=world.h("admin"))
    assert answer.status_code == 500 and answer.json["code"] == 500
    assert "13812345678" not in answer.get_data(as_text=True)
    assert "13812345678" not in caplog.text


def test_migrate_and_create_user_commands(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    env = {"REGISTRY_DATABASE_URL": url, "PATH": "/usr/bin:/bin"}
    run = [sys.executable, "-m", "registry"]
    migrated = subprocess.run([*run, "migrate"], env=env, capture_output=True, text=True)
    assert migrated.returncode == 0, migrated.stderr
    created = subprocess.run(
        [*run, "create-user", "coord", "--password", "s3cret-pass", "--role", "coordinator",
         "--community-id", "1"], env=env, capture_output=True, text=True,
    )
    assert created.returncode == 0, created.stderr
    assert "coord (coordinator)" in created.stdout
    from registry.app import create_app  # noqa: PLC0415

    app = create_app({"DATABASE_URL": url})
    answer = app.test_client().post(
        "/auth/token", json={"username": "coord", "password": "s3cret-pass"}
    )
    assert answer.status_code == 200
    assert app.test_client().get("/readyz").json == {"status": "ready"}
    app.extensions["registry_engine"].dispose()
