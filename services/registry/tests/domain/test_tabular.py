"""Volunteer and shift sheets: round trips, encodings, and error reports."""

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from registry.domain.cells import (
    format_availability,
    format_leave,
    id_number_with_check,
    parse_availability,
    parse_leave,
)
from registry.domain.tabular import (
    RowError,
    read_shifts,
    read_volunteers,
    shift_template,
    volunteer_template,
    write_shifts,
    write_volunteers,
)

COMMUNITIES = {"幸福社区": 1, "XF": 1, "东门社区": 2, "DM": 2}
GRIDS = {(1, "第一网格"): 11, (1, "第二网格"): 12, (2, "第一网格"): 21}
TODAY = date(2026, 3, 1)
ID_NUMBER = id_number_with_check("36072419620508002")


def volunteer(**kw):
    base = {
        "community_id": 1,
        "grid_id": 11,
        "name": "张秀英",
        "gender": "female",
        "phone": "13800000001",
        "id_number": ID_NUMBER,
        "birth_date": "1962-05-08",
        "guardian_name": None,
        "guardian_consent": False,
        "team": "party",
        "party_member": True,
        "skills": ["tutor", "teacher"],
        "languages": ["普通话", "客家话"],
        "qualifications": [
            {
                "skill": "teacher",
                "number": "教师资格证2003",
                "valid_until": "2030-12-31",
                "verified": True,
            }
        ],
        "vetted_until": "2027-02-28",
        "insured_until": "2026-12-31",
        "availability": [
            {"weekday": 0, "start": "16:00", "end": "19:00"},
            {"weekday": 2, "start": "16:00", "end": "19:00"},
        ],
        "leave": [
            {"start": "2026-03-10", "end": "2026-03-12", "reason": "外出"},
            {"start": "2026-04-01", "end": "2026-04-01"},
        ],
        "max_hours_week": 6,
        "max_hours_month": 20,
        "min_hours_month": None,
        "contact_channels": [
            {"channel": "sms", "address": "13800000001", "consent": True},
            {"channel": "email", "address": "zxy@example.cn", "consent": True},
        ],
        "home_lat": 25.7912,
        "home_lon": 114.5401,
        "joined_on": "2020-06-01",
        "experienced": True,
        "active": True,
    }
    base.update(kw)
    return base


def minimal(**kw):
    base = {
        "community_id": 2,
        "grid_id": None,
        "name": "李浩然",
        "gender": "male",
        "phone": "13800000002",
        "id_number": None,
        "birth_date": "2009-08-15",
        "guardian_name": "李建国",
        "guardian_consent": True,
        "team": "youth",
        "party_member": False,
        "skills": ["escort"],
        "languages": [],
        "qualifications": [],
        "vetted_until": None,
        "insured_until": None,
        "availability": [{"weekday": 5, "start": "08:30", "end": "11:30"}],
        "leave": [],
        "max_hours_week": None,
        "max_hours_month": 10.5,
        "min_hours_month": None,
        "contact_channels": [{"channel": "inbox", "address": "", "consent": True}],
        "home_lat": None,
        "home_lon": None,
        "joined_on": None,
        "experienced": False,
        "active": False,
    }
    base.update(kw)
    return base


NAMES = {1: "幸福社区", 2: "东门社区"}
GRID_NAMES = {11: "第一网格", 12: "第二网格", 21: "第一网格"}


def read(data, filename):
    return read_volunteers(data, filename, communities=COMMUNITIES, grids=GRIDS, today=TODAY)


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_volunteer_round_trip(fmt):
    rows = [volunteer(), minimal()]
    data = write_volunteers(rows, fmt, communities=NAMES, grids=GRID_NAMES)
    result = read(data, f"v.{fmt}")
    assert result.errors == []
    assert result.rows == rows


def test_xlsx_export_drops_control_characters_a_worksheet_cannot_hold():
    data = write_volunteers(
        [volunteer(name="张\x01明")], "xlsx", communities=NAMES, grids=GRID_NAMES
    )
    result = read(data, "v.xlsx")
    assert result.errors == []
    assert result.rows[0]["name"] == "张明"


def test_gbk_csv_and_bom_less_utf8():
    data = write_volunteers([volunteer()], "csv", communities=NAMES, grids=GRID_NAMES)
    text = data.decode("utf-8-sig")
    for raw in (text.encode("gbk"), text.encode("utf-8")):
        result = read(raw, "志愿者.csv")
        assert result.errors == [] and result.rows == [volunteer()]


def test_coordinator_spellings():
    csv_text = (
        "姓名,手机号,所属社区,技能,可服务时间,队伍,联系方式偏好,出生日期,住址纬度,住址经度\n"
        "王芳,+86 138-0000-0003,XF,辅导，护学岗,周一至周三16:30-18:30,巾帼,短信、企业微信,"
        "1990年3月5日,25.8,114.5\n"
    )
    result = read(csv_text.encode("gbk"), "x.csv")
    assert result.errors == []
    row = result.rows[0]
    assert row["phone"] == "13800000003" and row["community_id"] == 1
    assert row["skills"] == ["tutor", "escort"] and row["team"] == "women"
    assert [a["weekday"] for a in row["availability"]] == [0, 1, 2]
    assert row["birth_date"] == "1990-03-05"
    assert [c["channel"] for c in row["contact_channels"]] == ["sms", "wecom"]
    assert all(c["consent"] for c in row["contact_channels"])


def test_bad_file_names_every_bad_row_and_column():
    csv_text = (
        "姓名,手机号,所属社区,网格,技能,出生日期,监护人同意,可服务时间,请假,资质,每周时长上限\n"
        "张三,1380000,幸福社区,第一网格,辅导,1980-01-01,否,周一16:00-19:00,,,\n"  # 2: phone
        "李四,13800000011,月亮社区,,跳伞,1980-01-01,否,,,,\n"  # 3: community, skills
        "王五,13800000012,幸福社区,第九网格,,2010-05-05,否,周八16:00,,,\n"  # 4
        ",13800000012,幸福社区,,,1980-02-30,,,2026-03-12至2026-03-10,医生:x:2027-13-01,-3\n"
        "赵六,13800000013,幸福社区,,,,,,,,\n"  # 6: fine
    )
    result = read(csv_text.encode("utf-8"), "bad.csv")
    got = {(e.row, e.column) for e in result.errors}
    assert got == {
        (2, "手机号"),
        (3, "所属社区"),
        (3, "技能"),
        (4, "网格"),
        (4, "监护人"),
        (4, "监护人同意"),
        (4, "可服务时间"),
        (5, "姓名"),
        (5, "手机号"),  # repeats row 4
        (5, "出生日期"),
        (5, "请假"),
        (5, "资质"),
        (5, "每周时长上限"),
    }
    assert [r["name"] for r in result.rows] == ["赵六"]
    phone = next(e for e in result.errors if e.row == 2)
    assert phone.reason == "手机号格式不正确：应为 11 位数字" and phone.reason_en
    dup = next(e for e in result.errors if e.row == 5 and e.column == "手机号")
    assert "第 4 行" in dup.reason
    assert all(isinstance(e, RowError) and e.reason for e in result.errors)


def test_header_problems_are_row_one():
    result = read("姓名,电话,所属社区\n张三,13800000001,XF\n".encode(), "h.csv")
    assert (1, "电话") in {(e.row, e.column) for e in result.errors}
    assert (1, "手机号") in {(e.row, e.column) for e in result.errors}
    assert result.rows == []


@pytest.mark.parametrize(
    ("data", "name"),
    [(b"", "e.csv"), (b"\n\n", "e.csv"), (b"not a workbook", "e.xlsx"), (b"x", "old.xls")],
)
def test_empty_or_unreadable_file(data, name):
    result = read(data, name)
    assert not result.ok and result.errors[0].row == 1 and result.rows == []


def test_header_only_is_an_error():
    result = read("姓名,手机号,所属社区\n".encode(), "h.csv")
    assert [(e.row, e.reason) for e in result.errors] == [(2, "表格没有数据行")]


def test_id_number_checks():
    bad = ID_NUMBER[:-1] + ("0" if ID_NUMBER[-1] != "0" else "1")
    csv_text = (
        "姓名,手机号,所属社区,身份证号,出生日期\n"
        f"甲,13800000001,XF,{bad},\n"
        f"乙,13800000002,XF,{ID_NUMBER},1970-01-01\n"
    )
    result = read(csv_text.encode(), "i.csv")
    assert {(e.row, e.column) for e in result.errors} == {(2, "身份证号"), (3, "出生日期")}


def shift(**kw):
    base = {
        "date": "2026-03-14",
        "start_time": "09:00",
        "end_time": "11:30",
        "community_id": 1,
        "venue_id": 7,
        "type_code": "outreach_health",
        "name": "党员医生送健康义诊",
        "needs": [
            {"skill": "doctor", "min": 1, "max": 2},
            {"skill": "general", "min": 2, "max": 3},
        ],
        "priority": 4,
        "description": "测量血压",
    }
    base.update(kw)
    return base


VENUES = {"幸福社区邻里中心": 7, "东门社区党群服务中心": 8}
TYPES = {"outreach_health", "after_school", "free_haircut"}


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_shift_round_trip(fmt):
    rows = [
        shift(),
        shift(
            venue_id=8,
            community_id=2,
            type_code="free_haircut",
            name="义剪进社区",
            needs=[{"skill": "barber", "min": 2, "max": 2}],
            priority=3,
            description=None,
        ),
    ]
    data = write_shifts(
        rows, fmt, communities=NAMES, venues={7: "幸福社区邻里中心", 8: "东门社区党群服务中心"}
    )
    result = read_shifts(
        data, f"s.{fmt}", venues=VENUES, activity_types=TYPES, communities=COMMUNITIES
    )
    assert result.errors == [] and result.rows == rows


def test_bad_shift_rows():
    csv_text = (
        "日期,开始时间,结束时间,社区,场所,活动类型,活动名称,所需技能,最少人数,最多人数,优先级\n"
        "2026-03-14,09:00,08:00,幸福社区,幸福社区邻里中心,送健康,义诊,医生,1,2,3\n"
        "2026-02-30,9点,11:00,幸福社区,天上人间,赛马,,医生、综合服务,3,1,9\n"
        "2026-03-15,16:30,18:00,XF,幸福社区邻里中心,四点半课堂,四点半课堂,,2,4,\n"
    )
    result = read_shifts(
        csv_text.encode("gbk"),
        "s.csv",
        venues=VENUES,
        activity_types=TYPES,
        communities=COMMUNITIES,
    )
    got = {(e.row, e.column) for e in result.errors}
    assert got == {
        (2, "结束时间"),
        (3, "日期"),
        (3, "开始时间"),
        (3, "场所"),
        (3, "活动类型"),
        (3, "活动名称"),
        (3, "最多人数"),
        (3, "所需技能"),
        (3, "优先级"),
    }
    assert result.rows == [
        {
            "date": "2026-03-15",
            "start_time": "16:30",
            "end_time": "18:00",
            "community_id": 1,
            "venue_id": 7,
            "type_code": "after_school",
            "name": "四点半课堂",
            "needs": [{"skill": "tutor", "min": 2, "max": 4}],
            "priority": 3,
            "description": None,
        }
    ]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_templates_read_back(fmt):
    v = read(volunteer_template(fmt), f"t.{fmt}")
    assert v.errors == [] and v.rows[0]["name"] == "张秀英"
    s = read_shifts(
        shift_template(fmt),
        f"t.{fmt}",
        venues=VENUES,
        activity_types=TYPES,
        communities=COMMUNITIES,
    )
    assert s.errors == [] and s.rows[0]["needs"][0]["skill"] == "doctor"


# --- cell formats round-trip ------------------------------------------------------------------

HHMM = st.integers(0, 23 * 60 + 58).map(lambda m: f"{m // 60:02d}:{m % 60:02d}")
DAYS = st.dates(date(2000, 1, 1), date(2040, 12, 31))


@st.composite
def windows(draw):
    a, b = sorted(draw(st.lists(HHMM, min_size=2, max_size=2, unique=True)))
    return {"weekday": draw(st.integers(0, 6)), "start": a, "end": b}


@st.composite
def leaves(draw):
    a, b = sorted(draw(st.lists(DAYS, min_size=2, max_size=2)))
    item = {"start": a.isoformat(), "end": b.isoformat()}
    reason = draw(st.sampled_from(["", "外出探亲", "身体不适", "单位出差"]))
    if reason:
        item["reason"] = reason
    return item


@settings(max_examples=100, deadline=None)
@given(st.lists(windows(), max_size=5), st.lists(leaves(), max_size=3))
def test_cell_formats_round_trip(avail, leave):
    if avail:
        assert parse_availability(format_availability(avail)) == avail
    if leave:
        assert parse_leave(format_leave(leave)) == leave
