"""Volunteer and shift spreadsheets in the layout coordinators already use.

One header row of Chinese column names, then one record per row. Reads .xlsx (openpyxl) and
.csv in UTF-8 (with or without BOM) or GBK, which Excel in China writes by default. Every bad
cell is reported with its Excel row number (the header is row 1) and a Chinese reason; rows
with errors are left out of ``rows``. Writers produce the same layout, so a sheet written here
reads back to the same rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, time
from typing import Any

from .cells import (
    CellError,
    age_on,
    format_availability,
    format_leave,
    format_qualifications,
    parse_availability,
    parse_bool,
    parse_date,
    parse_id_number,
    parse_leave,
    parse_number,
    parse_phone,
    parse_qualifications,
    parse_skills,
    parse_time,
    split_list,
)
from .sheets import (
    Fmt,
    RowError,
    RowReader,
    TableResult,
    choice,
    load_rows,
    lookup,
    write_table,
)
from .vocabulary import ACTIVITY_TYPES, CHANNELS, GENDERS, SKILLS, TEAMS, channel_code

__all__ = [
    "SHIFT_COLUMNS",
    "VOLUNTEER_COLUMNS",
    "RowError",
    "TableResult",
    "read_shifts",
    "read_volunteers",
    "shift_template",
    "volunteer_template",
    "write_shifts",
    "write_volunteers",
]

# header -> field (or a pseudo-field the reader combines), in sheet order.
VOLUNTEER_COLUMNS: dict[str, str] = {
    "姓名": "name",
    "性别": "gender",
    "手机号": "phone",
    "身份证号": "id_number",
    "出生日期": "birth_date",
    "所属社区": "community",
    "网格": "grid",
    "队伍": "team",
    "是否党员": "party_member",
    "技能": "skills",
    "资质": "qualifications",
    "语言": "languages",
    "儿童工作审查有效期": "vetted_until",
    "保险有效期": "insured_until",
    "可服务时间": "availability",
    "请假": "leave",
    "每周时长上限": "max_hours_week",
    "每月时长上限": "max_hours_month",
    "每月最少时长": "min_hours_month",
    "监护人": "guardian_name",
    "监护人同意": "guardian_consent",
    "联系方式偏好": "channels",
    "邮箱": "email",
    "住址纬度": "home_lat",
    "住址经度": "home_lon",
    "入队日期": "joined_on",
    "服务经验": "experienced",
    "状态": "active",
}
VOLUNTEER_REQUIRED = ("姓名", "手机号", "所属社区")

SHIFT_COLUMNS: dict[str, str] = {
    "日期": "date",
    "开始时间": "start_time",
    "结束时间": "end_time",
    "社区": "community",
    "场所": "venue",
    "活动类型": "type",
    "活动名称": "name",
    "所需技能": "skills",
    "最少人数": "min",
    "最多人数": "max",
    "优先级": "priority",
    "备注": "description",
}
SHIFT_REQUIRED = ("日期", "开始时间", "结束时间", "社区", "场所", "活动类型", "活动名称")

_YES_NO = {True: "是", False: "否"}
_STATUS = {True: "在岗", False: "停用"}
_STATUS_IN = {"在岗": True, "正常": True, "启用": True, "停用": False, "离岗": False}
_EXPERIENCE = {True: "有经验", False: "新手"}
_EXPERIENCE_IN = {"有经验": True, "是": True, "新手": False, "否": False}


def _iso(d: date) -> str:
    return d.isoformat()


_GENDER_IN = {**{v: k for k, v in GENDERS.items()}, **{k: k for k in GENDERS}}
_TEAM_IN = {
    **{v: k for k, v in TEAMS.items()},
    **{k: k for k in TEAMS},
    **{v + "志愿者队伍": k for k, v in TEAMS.items()},
}


# --- volunteers -------------------------------------------------------------------------------


def read_volunteers(
    data: bytes,
    filename: str,
    *,
    communities: Mapping[str, int],
    grids: Mapping[tuple[int, str], int],
    today: date | None = None,
) -> TableResult:
    """Read a volunteer sheet; ``communities`` maps name or code to id, ``grids`` maps
    (community id, grid name) to id; ``today`` decides who is a minor."""
    errors: list[RowError] = []
    loaded = load_rows(data, filename, VOLUNTEER_COLUMNS, VOLUNTEER_REQUIRED, errors)
    if loaded is None:
        return TableResult([], errors)
    today = today or date.today()
    rows: list[dict[str, Any]] = []
    phones: dict[str, int] = {}
    for number, cells in loaded:
        r = RowReader(number, cells, errors)
        rec = _volunteer_row(r, communities, grids, today)
        phone = rec.get("phone")
        if phone:
            if phone in phones:
                r.error(
                    "手机号",
                    f"手机号与第 {phones[phone]} 行重复",
                    f"phone number repeats row {phones[phone]}",
                )
            else:
                phones[phone] = number
        if not r.bad:
            rows.append(rec)
    errors.sort(
        key=lambda e: (
            e.row,
            list(VOLUNTEER_COLUMNS).index(e.column) if e.column in VOLUNTEER_COLUMNS else -1,
        )
    )
    return TableResult(rows, errors)


def _volunteer_row(
    r: RowReader, communities: Mapping[str, int], grids: Mapping[tuple[int, str], int], today: date
) -> dict[str, Any]:
    name = r.required("姓名", str)
    if name and len(name) > 50:
        r.error("姓名", "姓名过长（最多 50 个字符）", "name longer than 50 characters")
    phone = r.required("手机号", parse_phone)
    community_id = r.required("所属社区", lookup(communities, "社区", "community"))
    grid_id = None
    grid_name = r.text("网格")
    if grid_name and community_id is not None:
        grid_id = grids.get((community_id, grid_name))
        if grid_id is None:
            r.error("网格", f"该社区没有网格：{grid_name}", f"unknown grid {grid_name!r}")
    id_number = r.get("身份证号", parse_id_number)
    birth = r.get("出生日期", parse_date)
    if id_number and birth and id_number[6:14] != birth.strftime("%Y%m%d"):
        r.error("出生日期", "出生日期与身份证号不一致", "birth date does not match the ID number")
    guardian_name = r.text("监护人") or None
    consent = r.get("监护人同意", parse_bool, False)
    if birth and age_on(birth, today) < 18:
        if not guardian_name:
            r.error("监护人", "未满 18 周岁的志愿者须填写监护人", "a minor needs a guardian")
        if not consent:
            r.error(
                "监护人同意",
                "未满 18 周岁的志愿者须经监护人同意",
                "a minor needs the guardian's consent",
            )
    email = r.text("邮箱") or None
    if email and ("@" not in email or " " in email):
        r.error("邮箱", "邮箱格式不正确", "invalid email address")
    channels: list[dict[str, Any]] = []
    wanted = r.get("联系方式偏好", _parse_channels, [])
    for code in wanted:
        if code == "email":
            if not email:
                r.error("邮箱", "联系方式偏好为邮件时须填写邮箱", "email preferred but missing")
            address = email or ""
        elif code == "inbox":
            address = ""
        else:
            address = phone or ""
        channels.append({"channel": code, "address": address, "consent": True})
    if email and "email" not in wanted:
        # Keep the address, but without consent it is not used to send anything.
        channels.append({"channel": "email", "address": email, "consent": False})
    quals = r.get("资质", parse_qualifications, [])
    lat = r.get("住址纬度", lambda t: float(parse_number(t, low=-90, high=90)))
    lon = r.get("住址经度", lambda t: float(parse_number(t, low=-180, high=180)))
    if (lat is None) != (lon is None) and not r.bad:
        r.error(
            "住址经度" if lon is None else "住址纬度",
            "住址经纬度须同时填写",
            "home latitude and longitude go together",
        )
    hours = lambda hi: lambda t: parse_number(t, low=0, high=hi)  # noqa: E731
    rec: dict[str, Any] = {
        "community_id": community_id,
        "grid_id": grid_id,
        "name": name,
        "gender": r.get("性别", choice(_GENDER_IN, "性别")),
        "phone": phone,
        "id_number": id_number,
        "birth_date": _iso(birth) if birth else None,
        "guardian_name": guardian_name,
        "guardian_consent": bool(consent),
        "team": r.get("队伍", choice(_TEAM_IN, "队伍")),
        "party_member": r.get("是否党员", parse_bool, False),
        "skills": r.get("技能", parse_skills, []),
        "languages": r.get("语言", split_list, []),
        "qualifications": quals,
        "vetted_until": _opt_iso(r.get("儿童工作审查有效期", parse_date)),
        "insured_until": _opt_iso(r.get("保险有效期", parse_date)),
        "availability": r.get("可服务时间", parse_availability, []),
        "leave": r.get("请假", parse_leave, []),
        "max_hours_week": r.get("每周时长上限", hours(168)),
        "max_hours_month": r.get("每月时长上限", hours(744)),
        "min_hours_month": r.get("每月最少时长", hours(744)),
        "contact_channels": channels,
        "home_lat": lat,
        "home_lon": lon,
        "joined_on": _opt_iso(r.get("入队日期", parse_date)),
        "experienced": r.get("服务经验", choice(_EXPERIENCE_IN, "服务经验"), False),
        "active": r.get("状态", choice(_STATUS_IN, "状态"), True),
    }
    return rec


def _opt_iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def _parse_channels(text: str) -> list[str]:
    out: list[str] = []
    bad: list[str] = []
    for part in split_list(text):
        code = channel_code(part)
        if code is None or code == "webhook":
            bad.append(part)
        elif code not in out:
            out.append(code)
    if bad:
        raise CellError(
            f"联系方式未知：{'、'.join(bad)}，可选：短信、邮件、企业微信、钉钉、站内信",
            f"unknown contact channels: {', '.join(bad)}",
        )
    return out


def _by_id(names: Mapping[int, str] | None, key: Any) -> str | None:
    return None if names is None or key is None else names.get(key)


def _volunteer_cells(
    v: Mapping[str, Any],
    communities: Mapping[int, str] | None,
    grids: Mapping[int, str] | None,
) -> dict[str, Any]:
    community = v.get("community") or _by_id(communities, v.get("community_id"))
    if community is None and v.get("community_id") is not None:
        community = str(v["community_id"])
    grid = v.get("grid") or _by_id(grids, v.get("grid_id")) or ""
    channels = v.get("contact_channels") or []
    preferred = [CHANNELS[c["channel"]] for c in channels if c.get("consent")]
    email = v.get("email") or next(
        (c.get("address") for c in channels if c["channel"] == "email" and c.get("address")), ""
    )
    exp = v.get("experienced")
    return {
        "姓名": v.get("name") or "",
        "性别": GENDERS.get(v.get("gender") or "", ""),
        "手机号": v.get("phone") or "",
        "身份证号": v.get("id_number") or "",
        "出生日期": v.get("birth_date") or "",
        "所属社区": community or "",
        "网格": grid,
        "队伍": TEAMS.get(v.get("team") or "", ""),
        "是否党员": _YES_NO[bool(v.get("party_member"))],
        "技能": "、".join(SKILLS.get(s, s) for s in v.get("skills") or []),
        "资质": format_qualifications(v.get("qualifications") or [], lambda s: SKILLS.get(s, s)),
        "语言": "、".join(v.get("languages") or []),
        "儿童工作审查有效期": v.get("vetted_until") or "",
        "保险有效期": v.get("insured_until") or "",
        "可服务时间": format_availability(v.get("availability") or []),
        "请假": format_leave(v.get("leave") or []),
        "每周时长上限": v.get("max_hours_week"),
        "每月时长上限": v.get("max_hours_month"),
        "每月最少时长": v.get("min_hours_month"),
        "监护人": v.get("guardian_name") or "",
        "监护人同意": _YES_NO[bool(v.get("guardian_consent"))],
        "联系方式偏好": "、".join(preferred),
        "邮箱": email or "",
        "住址纬度": v.get("home_lat"),
        "住址经度": v.get("home_lon"),
        "入队日期": v.get("joined_on") or "",
        "服务经验": _EXPERIENCE[bool(exp)],
        "状态": _STATUS[v.get("active", True) is not False],
    }


# Columns whose cells are written as text so Excel keeps leading digits and long numbers.
_TEXT_COLUMNS = {"手机号", "身份证号", "出生日期", "日期", "开始时间", "结束时间"}


def write_volunteers(
    volunteers: list[dict[str, Any]],
    fmt: Fmt,
    *,
    communities: Mapping[int, str] | None = None,
    grids: Mapping[int, str] | None = None,
) -> bytes:
    """Write volunteers in the sheet layout. The community cell is ``community`` (name or code)
    or ``communities[community_id]``; the grid cell likewise ``grid`` or ``grids[grid_id]``."""
    rows = [_volunteer_cells(v, communities, grids) for v in volunteers]
    return write_table(list(VOLUNTEER_COLUMNS), rows, fmt, "志愿者", _TEXT_COLUMNS)


def volunteer_template(fmt: Fmt) -> bytes:
    """An empty volunteer sheet: the header row and one example row."""
    example = {
        "name": "张秀英",
        "gender": "female",
        "phone": "13800000000",
        "birth_date": "1962-05-08",
        "community": "幸福社区",
        "grid": "第一网格",
        "team": "party",
        "party_member": True,
        "skills": ["tutor", "teacher"],
        "qualifications": [
            {"skill": "teacher", "number": "教师资格证20003612", "valid_until": "2030-12-31"}
        ],
        "languages": ["普通话", "客家话"],
        "vetted_until": "2027-02-28",
        "insured_until": "2026-12-31",
        "availability": [
            {"weekday": 0, "start": "16:00", "end": "19:00"},
            {"weekday": 2, "start": "16:00", "end": "19:00"},
        ],
        "leave": [{"start": "2026-03-10", "end": "2026-03-12", "reason": "外出"}],
        "max_hours_week": 6,
        "max_hours_month": 20,
        "contact_channels": [{"channel": "sms", "address": "13800000000", "consent": True}],
        "experienced": True,
    }
    return write_volunteers([example], fmt)


# --- shifts -----------------------------------------------------------------------------------


def _typelookup(activity_types: set[str] | Mapping[str, str]) -> dict[str, str]:
    if isinstance(activity_types, Mapping):
        table = dict(activity_types)
        codes = set(activity_types.values())
    else:
        codes = set(activity_types)
        table = {c: c for c in codes}
    for code, (name_zh, _en, _skill) in ACTIVITY_TYPES.items():
        if code in codes:
            table.setdefault(name_zh, code)
    return table


def _parse_needs(text: str) -> list[tuple[str, int | None, int | None]]:
    out: list[tuple[str, int | None, int | None]] = []
    for part in split_list(text):
        pieces = part.replace("：", ":").split(":")
        codes = parse_skills(pieces[0])
        if len(pieces) == 1:
            out.append((codes[0], None, None))
            continue
        counts = pieces[1].replace("～", "-").replace("~", "-").split("-")
        try:
            lo = int(counts[0])
            hi = int(counts[-1])
        except ValueError:
            raise CellError(
                f"所需技能人数格式不正确：“{part}”，应为 医生:1-2",
                f"invalid skill count {part!r}: use 医生:1-2",
            ) from None
        if len(pieces) > 2 or len(counts) > 2 or lo < 0 or hi < lo:
            raise CellError(
                f"所需技能人数格式不正确：“{part}”，应为 医生:1-2",
                f"invalid skill count {part!r}: use 医生:1-2",
            )
        out.append((codes[0], lo, hi))
    return out


def read_shifts(
    data: bytes,
    filename: str,
    *,
    venues: Mapping[str, int],
    activity_types: set[str] | Mapping[str, str],
    communities: Mapping[str, int],
) -> TableResult:
    """Read a sheet of one-off shifts. ``activity_types`` holds the allowed codes (or maps
    names and codes to codes); built-in Chinese names are accepted for allowed built-ins."""
    errors: list[RowError] = []
    loaded = load_rows(data, filename, SHIFT_COLUMNS, SHIFT_REQUIRED, errors)
    if loaded is None:
        return TableResult([], errors)
    types = _typelookup(activity_types)
    rows = []
    for number, cells in loaded:
        r = RowReader(number, cells, errors)
        rec = _shift_row(r, venues, types, communities)
        if not r.bad:
            rows.append(rec)
    order = list(SHIFT_COLUMNS)
    errors.sort(key=lambda e: (e.row, order.index(e.column) if e.column in order else -1))
    return TableResult(rows, errors)


def _shift_row(
    r: RowReader,
    venues: Mapping[str, int],
    types: Mapping[str, str],
    communities: Mapping[str, int],
) -> dict[str, Any]:
    day = r.required("日期", parse_date)
    start = r.required("开始时间", parse_time)
    end = r.required("结束时间", parse_time)
    if start and end and end <= start:
        r.error("结束时间", "结束时间须晚于开始时间", "end time must be after start time")
    community_id = r.required("社区", lookup(communities, "社区", "community"))
    venue_id = r.required("场所", lookup(venues, "场所", "venue"))
    type_code = r.required("活动类型", lookup(types, "活动类型", "activity type"))
    name = r.required("活动名称", str)
    count = lambda t: int(parse_number(t, low=0, high=500, integer=True))  # noqa: E731
    lo = r.get("最少人数", count)
    hi = r.get("最多人数", count)
    if lo is not None and hi is not None and hi < lo:
        r.error("最多人数", "最多人数不能少于最少人数", "max is below min")
    needs_raw = r.get("所需技能", _parse_needs, [])
    needs: list[dict[str, Any]] = []
    if not needs_raw and not r.text("所需技能") and type_code in ACTIVITY_TYPES:
        needs_raw = [(ACTIVITY_TYPES[type_code][2], None, None)]
    if not needs_raw and not r.text("所需技能"):
        r.error("所需技能", "所需技能不能为空", "needed skill is required")
    elif len(needs_raw) == 1 and needs_raw[0][1] is None:
        needs = [
            {
                "skill": needs_raw[0][0],
                "min": lo if lo is not None else 1,
                "max": hi if hi is not None else max(lo or 1, 1),
            }
        ]
    elif needs_raw:
        if any(n[1] is None for n in needs_raw):
            r.error(
                "所需技能",
                "多个技能时请写明各自人数，如 医生:1-2、综合服务:2-3",
                "with several skills give each a count, e.g. 医生:1-2、综合服务:2-3",
            )
        else:
            needs = [{"skill": s, "min": a, "max": b} for s, a, b in needs_raw]
            if lo is not None and lo != sum(n["min"] for n in needs):
                r.error("最少人数", "最少人数与各技能人数之和不一致", "min differs from the sum")
            if hi is not None and hi != sum(n["max"] for n in needs):
                r.error("最多人数", "最多人数与各技能人数之和不一致", "max differs from the sum")
    priority = r.get("优先级", lambda t: int(parse_number(t, low=1, high=5, integer=True)), 3)
    return {
        "date": _opt_iso(day),
        "start_time": start,
        "end_time": end,
        "community_id": community_id,
        "venue_id": venue_id,
        "type_code": type_code,
        "name": name,
        "needs": needs,
        "priority": priority,
        "description": r.text("备注") or None,
    }


def _shift_cells(
    s: Mapping[str, Any],
    communities: Mapping[int, str] | None,
    venues: Mapping[int, str] | None,
) -> dict[str, Any]:
    community = s.get("community") or _by_id(communities, s.get("community_id"))
    venue = s.get("venue") or _by_id(venues, s.get("venue_id"))
    code = s.get("type_code") or ""
    needs = s.get("needs") or []
    if len(needs) == 1:
        skills = SKILLS.get(needs[0]["skill"], needs[0]["skill"])
    else:
        skills = "、".join(
            f"{SKILLS.get(n['skill'], n['skill'])}:{n['min']}-{n['max']}" for n in needs
        )
    return {
        "日期": _text(s.get("date")),
        "开始时间": _text(s.get("start_time")),
        "结束时间": _text(s.get("end_time")),
        "社区": community if community is not None else _text(s.get("community_id")),
        "场所": venue if venue is not None else _text(s.get("venue_id")),
        "活动类型": ACTIVITY_TYPES[code][0] if code in ACTIVITY_TYPES else code,
        "活动名称": s.get("name") or "",
        "所需技能": skills,
        "最少人数": sum(n["min"] for n in needs) if needs else None,
        "最多人数": sum(n["max"] for n in needs) if needs else None,
        "优先级": s.get("priority", 3),
        "备注": s.get("description") or "",
    }


def _text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, time):
        return v.strftime("%H:%M")
    if isinstance(v, date):
        return v.isoformat()
    return str(v)


def write_shifts(
    shifts: list[dict[str, Any]],
    fmt: Fmt,
    *,
    communities: Mapping[int, str] | None = None,
    venues: Mapping[int, str] | None = None,
) -> bytes:
    """Write shifts in the sheet layout; community and venue cells as in write_volunteers."""
    rows = [_shift_cells(s, communities, venues) for s in shifts]
    return write_table(list(SHIFT_COLUMNS), rows, fmt, "排班", _TEXT_COLUMNS)


def shift_template(fmt: Fmt) -> bytes:
    """An empty shift sheet: the header row and one example row."""
    example = {
        "date": "2026-03-14",
        "start_time": "09:00",
        "end_time": "11:30",
        "community": "幸福社区",
        "venue": "幸福社区邻里中心",
        "type_code": "outreach_health",
        "name": "党员医生送健康义诊",
        "needs": [
            {"skill": "doctor", "min": 1, "max": 2},
            {"skill": "general", "min": 2, "max": 3},
        ],
        "priority": 4,
        "description": "测量血压、血糖，健康咨询",
    }
    return write_shifts([example], fmt)
