"""The follow-up pages' plain helpers: answer counts, roster rows and workbook, the import
error table, attendance times."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import openpyxl

from portal.followup.roster import (
    answer_counts,
    attendance_times,
    import_problems,
    local_time,
    roster_rows,
    roster_workbook,
    shift_hours,
)


def _assignment(aid: int, vid: int, day: str, start: str, venue: str) -> dict:
    return {"assignment_id": aid, "volunteer_id": vid, "date": day, "start": start,
            "end": "18:00", "activity_name": "四点半课堂", "venue_name": venue, "skill": "tutor"}


def test_answer_counts_leave_out_cancelled_assignments() -> None:
    rows = [{"response": "confirmed", "status": "assigned"},
            {"response": "declined", "status": "assigned"},
            {"response": None, "status": "assigned"},
            {"response": None, "status": "assigned"},
            {"response": "confirmed", "status": "cancelled"}]
    assert answer_counts(rows) == {"confirmed": 1, "declined": 1, "none": 2}


def test_roster_rows_sort_by_day_time_and_place_and_name_people() -> None:
    rows = roster_rows(
        [_assignment(3, 7, "2026-03-03", "16:30", "B 中心"),
         _assignment(1, 8, "2026-03-02", "16:30", "A 中心"),
         _assignment(2, 9, "2026-03-02", "09:00", "C 中心")],
        {7: "张三", 8: "李四"}, {1: "confirmed", 3: "declined"})
    assert [r["assignment_id"] for r in rows] == [2, 1, 3]
    assert [r["volunteer"] for r in rows] == ["#9", "李四", "张三"]
    assert [r["answer"] for r in rows] == [None, "confirmed", "declined"]
    # Someone from outside the coordinator's communities: the plan's name, not a number.
    outsider = {**_assignment(4, 10, "2026-03-02", "16:30", "A 中心"), "volunteer_name": "王五"}
    assert roster_rows([outsider], {}, {})[0]["volunteer"] == "王五"


def test_roster_workbook_reads_back() -> None:
    rows = roster_rows([_assignment(1, 8, "2026-03-02", "16:30", "幸福邻里中心")], {8: "李四"},
                       {1: "declined"})
    data = roster_workbook("全县/第一周:排班", rows,
                           {"confirmed": "已确认", "declined": "已请假", "none": "未答复"})
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet.title == "全县 第一周 排班"
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values[0] == ["日期", "开始", "结束", "活动", "场所", "岗位", "志愿者", "答复"]
    assert values[1] == ["2026-03-02", "16:30", "18:00", "四点半课堂", "幸福邻里中心", "tutor",
                         "李四", "已请假"]
    assert sheet.freeze_panes == "A2"
    english = openpyxl.load_workbook(io.BytesIO(roster_workbook("x", [], {}, "en"))).active
    assert next(english.iter_rows(values_only=True))[0] == "Date"


def test_import_problems_rebuild_the_rows_in_order() -> None:
    fields = {"rows[0].row": ["12"], "rows[0].column": ["手机号"],
              "rows[0].reason": ["手机号格式不对 / bad phone"],
              "rows[1].row": ["3"], "rows[1].column": ["所属社区"],
              "rows[1].reason": ["未知社区"], "file": ["ignored"]}
    assert import_problems(fields) == [
        {"row": "3", "column": "所属社区", "reason": "未知社区"},
        {"row": "12", "column": "手机号", "reason": "手机号格式不对 / bad phone"},
    ]


def test_attendance_times_are_local_and_hours_long() -> None:
    check_in, check_out = attendance_times("2026-03-02", "16:30", 1.5, "Asia/Shanghai")
    assert check_in.astimezone(UTC) == datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
    assert (check_out - check_in).total_seconds() == 5400
    assert shift_hours("16:30", "18:00") == 1.5
    assert shift_hours("22:00", "02:00") == 4.0


def test_answer_times_show_in_local_time() -> None:
    assert local_time("2026-03-02T08:30:00+00:00", "Asia/Shanghai") == "2026-03-02 16:30"
    assert local_time("2026-03-02T08:30:00", "Asia/Shanghai") == "2026-03-02 16:30"
    assert local_time(None, "Asia/Shanghai") == local_time("garbage", "Asia/Shanghai") == ""
