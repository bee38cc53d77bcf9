"""The Excel import page through Flask's test client, against a real registry over HTTP."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from linli_testing.servers import serve_wsgi
from portal.app import create_app as portal_app
from registry.app import create_app as registry_app
from registry.auth.service import hash_password
from registry.db import make_engine, session_scope
from registry.migrate import upgrade
from registry.models import Community, User, Volunteer

SECRET = "linli-portal-test-secret-0123456789abcdef"
PASSWORD = "portal test password"


@pytest.fixture
def registry_db(tmp_path: Path) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'registry.db'}"
    upgrade(url)
    engine = make_engine(url)
    with session_scope(engine) as s:
        community = Community(code="XF", name="幸福社区", district="示例区", calendar_region="CN")
        s.add(community)
        s.flush()
        s.add(User(username="coord_xf", password_hash=hash_password(PASSWORD),
                   role="coordinator", community_ids=[community.id], active=True))
    engine.dispose()
    yield url


@pytest.fixture
def client(registry_db: str) -> Iterator[FlaskClient]:
    server, url = serve_wsgi(registry_app(
        {"DATABASE_URL": registry_db, "TESTING": True, "JWT_SECRET": SECRET}))
    app = portal_app({"TESTING": True, "SECRET_KEY": "portal-test", "REGISTRY_URL": url})
    with app.test_client() as test_client:
        yield test_client
    server.shutdown()


def _csrf(client: FlaskClient, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, page
    return found.group(1)


def _log_in(client: FlaskClient) -> None:
    answer = client.post("/login", data={"csrf_token": _csrf(client, "/login"),
                                         "username": "coord_xf", "password": PASSWORD})
    assert answer.status_code == 302


def _count(url: str) -> int:
    engine = make_engine(url)
    with session_scope(engine) as s:
        count = s.scalar(select(func.count()).select_from(Volunteer))
    engine.dispose()
    return int(count or 0)


def _sheet(rows: list[list[str]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["姓名", "手机号", "所属社区", "技能"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_a_bad_sheet_is_reported_row_by_row_and_nothing_is_stored(
    client: FlaskClient, registry_db: str
) -> None:
    _log_in(client)
    token = _csrf(client, "/c/import")
    data = _sheet([["陈一", "13500000011", "XF", "辅导"],
                   ["", "12345", "XF", "辅导"],
                   ["王二", "13500000012", "没有这个社区", "辅导"]])
    answer = client.post("/c/import", data={"csrf_token": token,
                                            "file": (io.BytesIO(data), "志愿者.xlsx")},
                         content_type="multipart/form-data")
    text = answer.get_data(as_text=True)
    assert answer.status_code == 422
    table = text.split('id="import-errors"')[1]
    cells = re.findall(r"<tr><td>(\d+)</td><td>([^<]*)</td>", table)
    assert ("3", "姓名") in cells and ("3", "手机号") in cells and ("4", "所属社区") in cells
    assert _count(registry_db) == 0


def test_a_good_sheet_is_checked_then_imported(client: FlaskClient, registry_db: str) -> None:
    _log_in(client)
    data = _sheet([["陈一", "13500000011", "XF", "辅导"]])
    dry = client.post("/c/import", data={"csrf_token": _csrf(client, "/c/import"),
                                         "dry_run": "1", "file": (io.BytesIO(data), "v.xlsx")},
                      content_type="multipart/form-data")
    assert dry.status_code == 200
    assert "检查通过：共 1 行，将新增 1 人" in dry.get_data(as_text=True)
    assert _count(registry_db) == 0
    real = client.post("/c/import", data={"csrf_token": _csrf(client, "/c/import"),
                                          "file": (io.BytesIO(data), "v.xlsx")},
                       content_type="multipart/form-data")
    assert "导入成功：共 1 行，新增 1 人" in real.get_data(as_text=True)
    assert _count(registry_db) == 1


def test_the_import_form_needs_its_csrf_token_and_a_coordinator(
    client: FlaskClient, registry_db: str
) -> None:
    assert client.get("/c/import").status_code == 302  # not logged in
    _log_in(client)
    page = client.get("/c/import").get_data(as_text=True)
    assert '<label for="file">' in page and '<label for="dry_run">' in page
    data = _sheet([["陈一", "13500000011", "XF", "辅导"]])
    refused = client.post("/c/import", data={"file": (io.BytesIO(data), "v.xlsx")},
                          content_type="multipart/form-data")
    assert refused.status_code == 400
    assert _count(registry_db) == 0
