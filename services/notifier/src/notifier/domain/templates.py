"""Texts of every alert in Chinese (default) and English: subject, plain text, Markdown, SMS.

Each alert says who, what, when, where, what to bring, who else is on the shift (only when the
event carried names), and how to confirm or decline. SMS templates take variables: named for
Aliyun, in `SMS_VARIABLES` order for Tencent Cloud.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

DEFAULT_LANGUAGE = "zh-CN"
LANGUAGES = ("zh-CN", "en")

#: Variables of each SMS template, in the order positional providers expect them.
SMS_VARIABLES: dict[str, tuple[str, ...]] = {
    "digest": ("name", "count", "shift", "link"),
    "assigned": ("name", "count", "shift", "link"),
    "changed": ("name", "shift", "link"),
    "cancelled": ("name", "shift"),
    "reminder": ("name", "shift", "link"),
}

_WEEKDAYS = {
    "zh-CN": ("周一", "周二", "周三", "周四", "周五", "周六", "周日"),
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}

_TEXT: dict[str, dict[str, str]] = {
    "zh-CN": {
        "greeting": "{name}您好：",
        "volunteer": "志愿者",
        "digest_subject": "【邻里】您有{count}个新的志愿服务班次",
        "digest_intro": "您有{count}个新的志愿服务班次：",
        "assigned_subject": "【邻里】新的志愿服务班次：{what}",
        "assigned_intro": "您被安排了新的志愿服务班次：",
        "changed_subject": "【邻里】班次有变：{what}",
        "changed_intro": "您的志愿服务班次有变化，请以新安排为准：",
        "was": "原安排",
        "cancelled_subject": "【邻里】班次已取消：{what}",
        "cancelled_intro": "以下志愿服务班次已取消，无需到场：",
        "reason": "原因",
        "reminder_day_before_subject": "【邻里】明天的志愿服务提醒：{what}",
        "reminder_hours_before_subject": "【邻里】志愿服务即将开始：{what}",
        "reminder_intro": "提醒您参加以下志愿服务：",
        "role": "岗位",
        "when": "时间",
        "where": "地点",
        "bring": "请携带",
        "team": "同班志愿者",
        "confirm": "确认参加",
        "decline": "无法参加",
        "closing": "感谢您的志愿服务！——邻里志愿服务平台",
        "date": "{month}月{day}日（{weekday}）",
        "sms_shift": "{date}{start}，{what}，{where}",
        "to_be_announced": "待定",
    },
    "en": {
        "greeting": "Dear {name},",
        "volunteer": "volunteer",
        "digest_subject": "[Linli] You have {count} new volunteer shift(s)",
        "digest_intro": "You have {count} new volunteer shift(s):",
        "assigned_subject": "[Linli] New volunteer shift: {what}",
        "assigned_intro": "You have been assigned a new volunteer shift:",
        "changed_subject": "[Linli] Shift changed: {what}",
        "changed_intro": "Your volunteer shift has changed; the new arrangement is:",
        "was": "Previously",
        "cancelled_subject": "[Linli] Shift cancelled: {what}",
        "cancelled_intro": "This volunteer shift is cancelled; please do not come:",
        "reason": "Reason",
        "reminder_day_before_subject": "[Linli] Tomorrow: {what}",
        "reminder_hours_before_subject": "[Linli] Starting soon: {what}",
        "reminder_intro": "A reminder of your volunteer shift:",
        "role": "Role",
        "when": "When",
        "where": "Where",
        "bring": "Please bring",
        "team": "Also on this shift",
        "confirm": "Confirm",
        "decline": "Decline",
        "closing": "Thank you for volunteering! — Linli",
        "date": "{weekday} {day} {month_name}",
        "sms_shift": "{date} {start} {what} @ {where}",
        "to_be_announced": "to be announced",
    },
}

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class Item:
    """One shift as an alert shows it, with the links that answer it."""

    assignment_id: int
    role: str
    shift: dict[str, Any]
    confirm_url: str | None = None
    decline_url: str | None = None
    previous: dict[str, Any] | None = None


@dataclass(frozen=True)
class Rendered:
    """An alert rendered for one language."""

    kind: str
    language: str
    subject: str
    text: str
    markdown: str
    sms_params: dict[str, str] = field(default_factory=dict)


def language_of(value: str | None) -> str:
    """The supported language closest to `value` (zh-CN unless it is English)."""
    if value and value.lower().startswith("en"):
        return "en"
    return DEFAULT_LANGUAGE


def format_date(value: str, language: str) -> str:
    """A shift date as people read it: `11月23日（周一）` or `Mon 23 Nov`."""
    day = date.fromisoformat(value)
    texts = _TEXT[language]
    return texts["date"].format(
        month=day.month, day=day.day, weekday=_WEEKDAYS[language][day.weekday()],
        month_name=_MONTHS[day.month - 1],
    )


def format_when(shift: dict[str, Any], language: str) -> str:
    """Date and hours of a shift: `11月25日（周三）16:30–18:00` or `Wed 25 Nov 16:30–18:00`."""
    space = "" if language == "zh-CN" else " "
    return f"{format_date(shift['date'], language)}{space}{shift['start'][:5]}–{shift['end'][:5]}"


def _what(shift: dict[str, Any]) -> str:
    return str(shift.get("activity_name") or shift.get("activity_type") or "")


def _where(shift: dict[str, Any], texts: dict[str, str]) -> str:
    parts = [p for p in (shift.get("venue_name"), shift.get("venue_address")) if p]
    return "，".join(parts) if texts is _TEXT["zh-CN"] else ", ".join(parts)


def _names(value: Any) -> list[str]:
    """Teammates' names when the event carried them (strings or objects with `name`)."""
    names: list[str] = []
    for entry in value or []:
        if isinstance(entry, str) and entry.strip():
            names.append(entry.strip())
        elif isinstance(entry, dict) and str(entry.get("name") or "").strip():
            names.append(str(entry["name"]).strip())
    return names


def _bring(value: Any) -> str | None:
    if isinstance(value, list):
        value = "、".join(str(v) for v in value if v)
    return str(value) if value else None


# Roles travel as the registry's skill codes; volunteers read them in their own language.
ROLE_NAMES: dict[str, tuple[str, str]] = {
    "tutor": ("辅导老师", "tutor"),
    "escort": ("护学", "escort"),
    "general": ("综合服务", "general service"),
    "teacher": ("教师", "teacher"),
    "doctor": ("医生", "doctor"),
    "police": ("民警", "police officer"),
    "lawyer": ("律师", "lawyer"),
    "social_worker": ("社工", "social worker"),
    "cook": ("厨艺", "cook"),
    "barber": ("义剪", "barber"),
    "reading_host": ("读书会主持", "reading club host"),
    "talk_host": ("夜话主持", "evening talk host"),
    "grid_visit": ("入户走访", "door-to-door visits"),
}


def role_name(role: str, language: str) -> str:
    """A role code in the volunteer's language; unknown codes are shown as they are."""
    names = ROLE_NAMES.get(role)
    if names is None:
        return role
    return names[0] if language == DEFAULT_LANGUAGE else names[1]


def _shift_lines(item_shift: dict[str, Any], role: str, language: str) -> list[tuple[str, str]]:
    texts = _TEXT[language]
    rows = [
        (texts["role"], role_name(role, language)),
        (texts["when"], format_when(item_shift, language)),
        (texts["where"], _where(item_shift, texts) or texts["to_be_announced"]),
    ]
    bring = _bring(item_shift.get("bring"))
    if bring:
        rows.append((texts["bring"], bring))
    team = _names(item_shift.get("teammates"))
    if team:
        rows.append((texts["team"], ("、" if language == "zh-CN" else ", ").join(team)))
    return rows


def _sms_shift(shift: dict[str, Any], language: str) -> str:
    texts = _TEXT[language]
    return texts["sms_shift"].format(
        date=format_date(shift["date"], language), start=shift["start"][:5],
        what=_what(shift), where=shift.get("venue_name") or texts["to_be_announced"],
    )


def render(
    kind: str,
    language: str,
    name: str | None,
    items: list[Item],
    *,
    inbox_url: str = "",
    reason: str | None = None,
) -> Rendered:
    """Render one alert: kind is digest, assigned, changed, cancelled or reminder_<when>."""
    language = language_of(language)
    texts = _TEXT[language]
    who = name or texts["volunteer"]
    first = items[0]
    what = _what(first.shift)
    count = len(items)
    family = "reminder" if kind.startswith("reminder") else kind
    subject = texts[f"{kind}_subject"].format(count=count, what=what)
    intro = texts[f"{family}_intro"].format(count=count)

    sep = "：" if language == "zh-CN" else ": "
    text_lines = [texts["greeting"].format(name=who), intro, ""]
    md_lines = [f"### {subject}", f"{texts['greeting'].format(name=who)}", intro, ""]
    for number, item in enumerate(items, start=1):
        heading = f"{number}. {_what(item.shift)}"
        text_lines.append(heading)
        md_lines.append(f"**{heading}**")
        for label, value in _shift_lines(item.shift, item.role, language):
            text_lines.append(f"   {label}{sep}{value}")
            md_lines.append(f"> {label}{sep}{value}")
        if item.previous:
            prev = item.previous.get("shift") or {}
            value = f"{format_when(prev, language)} {_where(prev, texts)}".strip()
            text_lines.append(f"   {texts['was']}{sep}{value}")
            md_lines.append(f"> {texts['was']}{sep}{value}")
        if item.confirm_url and item.decline_url and family != "cancelled":
            text_lines.append(f"   {texts['confirm']}{sep}{item.confirm_url}")
            text_lines.append(f"   {texts['decline']}{sep}{item.decline_url}")
            md_lines.append(f"[{texts['confirm']}]({item.confirm_url}) · "
                            f"[{texts['decline']}]({item.decline_url})")
        text_lines.append("")
        md_lines.append("")
    if reason:
        text_lines.append(f"{texts['reason']}{sep}{reason}")
        md_lines.append(f"{texts['reason']}{sep}{reason}")
    text_lines.append(texts["closing"])
    md_lines.append(texts["closing"])

    link = first.confirm_url if count == 1 and first.confirm_url else inbox_url
    variables = {
        "name": who, "count": str(count), "shift": _sms_shift(first.shift, language),
        "link": link or "",
    }
    params = {key: variables[key] for key in SMS_VARIABLES[family]}
    return Rendered(
        kind=kind, language=language, subject=subject, text="\n".join(text_lines),
        markdown="\n".join(md_lines), sms_params=params,
    )


def sms_text(kind: str, language: str, params: dict[str, str]) -> str:
    """The SMS as the development provider writes it (real providers fill their templates)."""
    family = "reminder" if kind.startswith("reminder") else kind
    if language_of(language) == "en":
        base = {
            "digest": "{name}: {count} new shift(s), first {shift}. Details {link}",
            "assigned": "{name}: {count} new shift(s), first {shift}. Details {link}",
            "changed": "{name}: your shift changed to {shift}. Details {link}",
            "cancelled": "{name}: your shift {shift} is cancelled.",
            "reminder": "{name}: reminder, {shift}. Details {link}",
        }[family]
    else:
        base = {
            "digest": "{name}您好，您有{count}个新的志愿服务班次，最早{shift}，详情{link}",
            "assigned": "{name}您好，您有{count}个新的志愿服务班次，最早{shift}，详情{link}",
            "changed": "{name}您好，您的班次改为{shift}，详情{link}",
            "cancelled": "{name}您好，您的班次{shift}已取消。",
            "reminder": "{name}您好，提醒您参加{shift}，详情{link}",
        }[family]
    return base.format(**{k: params.get(k, "") for k in ("name", "count", "shift", "link")})
