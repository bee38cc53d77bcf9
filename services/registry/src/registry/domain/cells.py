"""Parsers and formatters for single spreadsheet cells in coordinators' Chinese conventions.

Each ``parse_*`` takes the cell's text (already stripped, never empty) and returns the model
value or raises :class:`CellError` with a Chinese and an English reason.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time

from .vocabulary import WEEKDAYS_ZH, skill_code


class CellError(ValueError):
    """A cell's text cannot be read; ``reason`` is zh-CN, ``reason_en`` English."""

    def __init__(self, reason: str, reason_en: str) -> None:
        self.reason = reason
        self.reason_en = reason_en
        super().__init__(reason)


YES = {"是", "有", "y", "yes", "true", "1", "已同意", "同意", "√"}
NO = {"否", "无", "n", "no", "false", "0", "未同意", "不同意", "×"}
LIST_SEP = re.compile(r"[、,，;；\s]+")
ENTRY_SEP = re.compile(r"[;；\n]+")
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_TIME = re.compile(r"^(\d{1,2})\s*[:：]\s*(\d{2})(?:[:：]\d{2})?$")
_PHONE = re.compile(r"^1[3-9]\d{9}$")
_ID = re.compile(r"^\d{17}[\dX]$")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_WEEKDAY_NAMES = {
    **{name: i for i, name in enumerate(WEEKDAYS_ZH)},
    **{"星期" + name[1]: i for i, name in enumerate(WEEKDAYS_ZH)},
    "周天": 6,
    "星期天": 6,
}
_RANGE = re.compile(r"\s*(?:-|–|—|~|～|至|到)\s*")


def parse_bool(text: str) -> bool:
    """是/否 and common equivalents."""
    t = text.strip().lower()
    if t in YES:
        return True
    if t in NO:
        return False
    raise CellError(f"应填“是”或“否”，而不是“{text}”", f"expected 是 or 否, got {text!r}")


def parse_date(text: str) -> date:
    """2026-03-10, 2026/3/10, 2026.3.10 or 2026年3月10日."""
    m = _DATE.match(text.strip())
    try:
        if not m:
            raise ValueError
        d = date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        raise CellError(
            f"日期格式不正确：“{text}”，应为 YYYY-MM-DD，如 2026-03-10",
            f"invalid date {text!r}: use YYYY-MM-DD, e.g. 2026-03-10",
        ) from None
    if not 1900 <= d.year <= 2100:
        raise CellError(f"日期超出范围：“{text}”", f"date out of range: {text!r}")
    return d


def parse_time(text: str) -> str:
    """16:30 or 16：30 → "16:30"."""
    m = _TIME.match(text.strip())
    if not m or int(m[1]) > 23 or int(m[2]) > 59:
        raise CellError(
            f"时间格式不正确：“{text}”，应为 HH:MM，如 16:30",
            f"invalid time {text!r}: use HH:MM, e.g. 16:30",
        )
    return f"{int(m[1]):02d}:{m[2]}"


def parse_phone(text: str) -> str:
    """A mainland mobile number; spaces, dashes and a +86 prefix are dropped."""
    t = re.sub(r"[\s\-()（）]", "", text)
    if t.startswith("+86"):
        t = t[3:]
    elif t.startswith("0086"):
        t = t[4:]
    if not _PHONE.match(t):
        raise CellError(
            "手机号格式不正确：应为 11 位数字", "invalid mobile number: expected 11 digits"
        )
    return t


def id_number_valid(number: str) -> bool:
    """Whether an 18-character resident ID number has a valid checksum and birth date."""
    if not _ID.match(number):
        return False
    total = sum(int(c) * w for c, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    if _ID_CHECK[total % 11] != number[17]:
        return False
    try:
        datetime.strptime(number[6:14], "%Y%m%d")
    except ValueError:
        return False
    return True


def id_number_with_check(first17: str) -> str:
    """Append the check character to 17 digits (used to build valid test numbers)."""
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True))
    return first17 + _ID_CHECK[total % 11]


def parse_id_number(text: str) -> str:
    """An 18-character resident ID number with a valid checksum."""
    t = text.strip().upper()
    if not id_number_valid(t):
        raise CellError(
            "身份证号格式不正确：应为 18 位，最后一位可为 X，且校验位正确",
            "invalid ID number: expected 18 characters with a valid check digit",
        )
    return t


def parse_number(text: str, *, low: float, high: float, integer: bool = False) -> int | float:
    """A number within [low, high]; ints stay ints."""
    try:
        value = float(text.strip())
    except ValueError:
        raise CellError(f"应为数字，而不是“{text}”", f"expected a number, got {text!r}") from None
    if integer and value != int(value):
        raise CellError(f"应为整数，而不是“{text}”", f"expected a whole number, got {text!r}")
    if not low <= value <= high:
        raise CellError(
            f"数值超出范围：{text}，应在 {low:g} 到 {high:g} 之间",
            f"{text} is out of range {low:g}..{high:g}",
        )
    return int(value) if value == int(value) and ("." not in text or integer) else value


def split_list(text: str) -> list[str]:
    """Split on 、 , ， ; ； and spaces, dropping empties."""
    return [p for p in LIST_SEP.split(text.strip()) if p]


def parse_skills(text: str) -> list[str]:
    """Skill names or codes → codes, in order, without repeats."""
    out: list[str] = []
    bad: list[str] = []
    for part in split_list(text):
        code = skill_code(part)
        if code is None:
            bad.append(part)
        elif code not in out:
            out.append(code)
    if bad:
        raise CellError(f"未知技能：{'、'.join(bad)}", f"unknown skills: {', '.join(bad)}")
    return out


def parse_availability(text: str) -> list[dict[str, object]]:
    """ "周一16:00-19:00；周三至周五16:00-19:00" → [{weekday, start, end}, ...]."""
    out: list[dict[str, object]] = []
    for entry in ENTRY_SEP.split(text.replace("，", "；").replace(",", "；")):
        entry = entry.strip()
        if not entry:
            continue
        m = re.match(
            r"^((?:星期|周)[一二三四五六日天])(?:\s*(?:至|到|-|~)\s*((?:星期|周)[一二三四五六日天]))?"
            r"\s*(\d{1,2}\s*[:：]\s*\d{2})\s*(?:-|–|—|~|～|至|到)\s*(\d{1,2}\s*[:：]\s*\d{2})$",
            entry,
        )
        if not m:
            raise CellError(
                f"可服务时间格式不正确：“{entry}”，应为 周一16:00-19:00，多个时段用；分隔",
                f"invalid availability {entry!r}: use 周一16:00-19:00, separated by ；",
            )
        first = _WEEKDAY_NAMES[m[1]]
        last = _WEEKDAY_NAMES[m[2]] if m[2] else first
        start, end = parse_time(m[3]), parse_time(m[4])
        if end <= start:
            raise CellError(
                f"可服务时间结束早于开始：“{entry}”",
                f"availability ends before it starts: {entry!r}",
            )
        if last < first:
            raise CellError(f"星期范围不正确：“{entry}”", f"invalid weekday range: {entry!r}")
        for wd in range(first, last + 1):
            out.append({"weekday": wd, "start": start, "end": end})
    return out


def format_availability(items: list[dict[str, object]]) -> str:
    """Inverse of :func:`parse_availability` (one entry per weekday)."""
    return "；".join(f"{WEEKDAYS_ZH[int(str(a['weekday']))]}{a['start']}-{a['end']}" for a in items)


def parse_leave(text: str) -> list[dict[str, str]]:
    """ "2026-03-10至2026-03-12（出差）；2026-04-01" → [{start, end, reason?}, ...]."""
    out: list[dict[str, str]] = []
    for entry in ENTRY_SEP.split(text):
        entry = entry.strip()
        if not entry:
            continue
        reason = None
        m = re.match(r"^(.*?)\s*[（(]([^）)]*)[）)]$", entry)
        if m:
            entry, reason = m[1], m[2].strip()
        parts = re.split(r"\s*(?:至|到|~|～|—)\s*", entry)
        if len(parts) == 1:
            parts = [parts[0], parts[0]]
        if len(parts) != 2:
            raise CellError(
                f"请假格式不正确：“{entry}”，应为 2026-03-10至2026-03-12",
                f"invalid leave {entry!r}: use 2026-03-10至2026-03-12",
            )
        start, end = parse_date(parts[0]), parse_date(parts[1])
        if end < start:
            raise CellError(
                f"请假结束早于开始：“{entry}”", f"leave ends before it starts: {entry!r}"
            )
        item = {"start": start.isoformat(), "end": end.isoformat()}
        if reason:
            item["reason"] = reason
        out.append(item)
    return out


def format_leave(items: list[dict[str, str]]) -> str:
    """Inverse of :func:`parse_leave`."""
    parts = []
    for it in items:
        s = f"{it['start']}至{it['end']}"
        if it.get("reason"):
            s += f"（{it['reason']}）"
        parts.append(s)
    return "；".join(parts)


def parse_qualifications(text: str) -> list[dict[str, object]]:
    """ "医生:执业证123:2027-06-30[:已核验]；…" → [{skill, number, valid_until, verified}]."""
    out: list[dict[str, object]] = []
    for entry in ENTRY_SEP.split(text):
        entry = entry.strip()
        if not entry:
            continue
        parts = [p.strip() for p in re.split(r"[:：]", entry)]
        code = skill_code(parts[0])
        if code is None:
            raise CellError(
                f"资质技能未知：“{parts[0]}”，格式应为 医生:证书编号:有效期至",
                f"unknown qualification skill {parts[0]!r}: use 医生:number:valid-until",
            )
        if len(parts) > 4:
            raise CellError(
                f"资质格式不正确：“{entry}”，应为 医生:证书编号:有效期至",
                f"invalid qualification {entry!r}: use 医生:number:valid-until",
            )
        item: dict[str, object] = {"skill": code, "verified": False}
        if len(parts) > 1 and parts[1]:
            item["number"] = parts[1]
        if len(parts) > 2 and parts[2]:
            item["valid_until"] = parse_date(parts[2]).isoformat()
        if len(parts) > 3:
            if parts[3] not in ("已核验", "未核验", ""):
                raise CellError(
                    f"资质核验状态应为“已核验”或“未核验”：“{entry}”",
                    f"verification must be 已核验 or 未核验: {entry!r}",
                )
            item["verified"] = parts[3] == "已核验"
        out.append(item)
    return out


def format_qualifications(items: list[dict[str, object]], skill_name) -> str:
    """Inverse of :func:`parse_qualifications`; ``skill_name`` maps a code to its name."""
    parts = []
    for q in items:
        fields = [
            skill_name(str(q["skill"])),
            str(q.get("number") or ""),
            str(q.get("valid_until") or ""),
        ]
        if q.get("verified"):
            fields.append("已核验")
        while fields and not fields[-1]:
            fields.pop()
        parts.append(":".join(fields))
    return "；".join(parts)


def age_on(birth: date, today: date) -> int:
    """Whole years between ``birth`` and ``today``."""
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def as_time(text: str) -> time:
    """ "16:30" → time(16, 30)."""
    return time.fromisoformat(text)
