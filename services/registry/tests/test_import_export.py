"""Spreadsheet import (all rows or nothing) and export of volunteers and shifts."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
from flask.testing import FlaskClient

from .conftest import World, outbox_rows

HEADER = ["姓名", "手机号", "所属社区", "技能", "出生日期", "监护人", "监护人同意"]


def _xlsx(rows: list[list[Any]], header: list[str] = HEADER) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _upload(
    client: FlaskClient, world: World, url: str, data: bytes, name: str, who: str = "coord_a"
) -> Any:
    return client.post(
        url,
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
        headers=world.h(who),
    )


def _count(client: FlaskClient, world: World) -> int:
    return len(client.get("/volunteers?page_size=200", headers=world.h("admin")).json)


def test_bad_xlsx_changes_nothing_and_names_every_bad_row(
    client: FlaskClient, world: World
) -> None:
    before, events = _count(client, world), len(outbox_rows(world.app))
    data = _xlsx(
        [
            ["周一", "13500000001", "A", "辅导", "", "", ""],
            ["周二", "12345", "A", "辅导", "", "", ""],
            ["周三", "13500000003", "没有这个社区", "辅导", "", "", ""],
            ["周四", "13500000004", "A", "不存在的技能", "", "", ""],
            ["周五", "13500000005", "A", "辅导", "", "", ""],
        ]
    )
    answer = _upload(client, world, "/volunteers/import", data, "志愿者.xlsx")
    assert answer.status_code == 422, answer.json
    bad_rows = {e["row"] for e in answer.json["errors"]["rows"]}
    assert bad_rows == {3, 4, 5}
    assert all(e["column"] and e["reason"] for e in answer.json["errors"]["rows"])
    assert _count(client, world) == before
    assert len(outbox_rows(world.app)) == events


def test_good_import_dry_run_then_real(client: FlaskClient, world: World) -> None:
    before = _count(client, world)
    csv = (
        "姓名,手机号,所属社区,技能\r\n陈一,13500000011,A,辅导\r\n张三,13812345678,A,辅导、护学\r\n"
    ).encode()
    dry = _upload(client, world, "/volunteers/import?dry_run=true", csv, "v.csv")
    assert dry.status_code == 200, dry.json
    assert dry.json == {"dry_run": True, "created": 1, "updated": 1, "rows": 2}
    assert _count(client, world) == before
    real = _upload(client, world, "/volunteers/import", csv, "v.csv")
    assert real.json == {"dry_run": False, "created": 1, "updated": 1, "rows": 2}
    assert _count(client, world) == before + 1
    zhang = client.get(f"/volunteers/{world.ids['va1']}", headers=world.h("admin")).json
    assert zhang["skills"] == ["tutor", "escort"]
    assert zhang["id_number"] == "110101199001011234"


def test_import_outside_scope_and_by_volunteers(client: FlaskClient, world: World) -> None:
    csv = "姓名,手机号,所属社区\r\n陈一,13500000011,C\r\n".encode()
    answer = _upload(client, world, "/volunteers/import", csv, "v.csv")
    assert answer.status_code == 422
    assert (
        _upload(client, world, "/volunteers/import", csv, "v.csv", who="vol_a1").status_code == 403
    )
    assert _upload(client, world, "/volunteers/import", b"x", "v.txt").status_code == 422
    assert _upload(client, world, "/volunteers/import", b"garbage", "v.xlsx").status_code == 422


def test_volunteer_export_round_trips(client: FlaskClient, world: World) -> None:
    for fmt in ("xlsx", "csv"):
        answer = client.get(f"/volunteers/export?format={fmt}", headers=world.h("coord_a"))
        assert answer.status_code == 200
        again = _upload(client, world, "/volunteers/import?dry_run=true", answer.data, f"v.{fmt}")
        assert again.status_code == 200, again.json
        assert again.json["created"] == 0 and again.json["updated"] == 2
    text = client.get("/volunteers/export?format=csv", headers=world.h("coord_a")).data
    assert "王五".encode() not in text  # community B is not the coordinator's
    assert b"110101199001011234" not in text
    assert client.get("/volunteers/export", headers=world.h("vol_a1")).status_code == 403


def test_shift_import_and_export(client: FlaskClient, world: World) -> None:
    header = [
        "日期",
        "开始时间",
        "结束时间",
        "社区",
        "场所",
        "活动类型",
        "活动名称",
        "所需技能",
        "最少人数",
        "最多人数",
    ]
    good = _xlsx(
        [["2026-04-11", "09:00", "11:30", "A", "幸福邻里中心", "送健康", "义诊", "医生", 1, 2]],
        header,
    )
    answer = _upload(client, world, "/shifts/import", good, "排班.xlsx")
    assert answer.status_code == 200, answer.json
    assert answer.json["created"] == 1
    again = _upload(client, world, "/shifts/import", good, "排班.xlsx")
    assert again.json == {"dry_run": False, "created": 0, "updated": 1, "rows": 1}
    bad = _xlsx(
        [
            ["2026-04-12", "09:00", "11:30", "A", "幸福邻里中心", "送健康", "义诊", "医生", 1, 2],
            ["2026-04-13", "12:00", "11:30", "A", "幸福邻里中心", "送健康", "义诊", "医生", 1, 2],
        ],
        header,
    )
    refused = _upload(client, world, "/shifts/import", bad, "排班.xlsx")
    assert refused.status_code == 422
    assert {e["row"] for e in refused.json["errors"]["rows"]} == {3}
    shifts = client.get("/shifts?start=2026-04-01&end=2026-04-30", headers=world.h("admin")).json
    assert [s["date"] for s in shifts] == ["2026-04-11"]
    exported = client.get("/shifts/export?format=csv&start=2026-04-01", headers=world.h("coord_a"))
    assert exported.status_code == 200
    assert "义诊" in exported.data.decode("utf-8-sig")


def test_oversize_bodies_are_413_json(client: FlaskClient, world: World) -> None:
    big = b'{"name": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    answer = client.post(
        "/communities", data=big, content_type="application/json", headers=world.h("admin")
    )
    assert answer.status_code == 413
    assert answer.json["code"] == 413
    upload = _upload(client, world, "/volunteers/import", b"x" * (11 * 1024 * 1024), "v.csv")
    assert upload.status_code == 413 and upload.json["code"] == 413
    medium = b"PK" + b"x" * (1024 * 1024 + 10)  # over the JSON limit, under the import one
    answer = _upload(client, world, "/volunteers/import?dry_run=true", medium, "v.xlsx")
    assert answer.status_code == 422
