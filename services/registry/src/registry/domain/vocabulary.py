"""Codes of the registry vocabulary (docs/registry-model.md) and their Chinese names."""

from __future__ import annotations

TEAMS: dict[str, str] = {"party": "党员", "youth": "青年", "women": "巾帼"}

SKILLS: dict[str, str] = {
    "tutor": "辅导",
    "escort": "护学",
    "general": "综合服务",
    "teacher": "教师",
    "doctor": "医生",
    "police": "民警",
    "lawyer": "律师",
    "social_worker": "社工",
    "cook": "厨艺",
    "barber": "义剪",
    "reading_host": "读书会主持",
    "talk_host": "夜话主持",
    "grid_visit": "入户走访",
}
# Skills that may only be used with a verified, unexpired qualification.
QUALIFIED_SKILLS: frozenset[str] = frozenset(
    {"teacher", "doctor", "police", "lawyer", "social_worker"}
)
# Other spellings coordinators use in their sheets.
SKILL_ALIASES: dict[str, str] = {
    "课业辅导": "tutor",
    "辅导员": "tutor",
    "护学岗": "escort",
    "志愿服务": "general",
    "综合": "general",
    "老师": "teacher",
    "医护": "doctor",
    "警察": "police",
    "干警": "police",
    "社会工作者": "social_worker",
    "社工师": "social_worker",
    "厨师": "cook",
    "理发": "barber",
    "走访": "grid_visit",
}

# activity type code -> (中文名, English name, default skill)
ACTIVITY_TYPES: dict[str, tuple[str, str, str]] = {
    "after_school": ("四点半课堂", "After-school classroom", "tutor"),
    "escort": ("护学接送", "School escort", "escort"),
    "outreach_service": ("送服务", "Outreach: services", "general"),
    "outreach_education": ("送教育", "Outreach: education", "teacher"),
    "outreach_health": ("送健康", "Outreach: health", "doctor"),
    "outreach_safety": ("送平安", "Outreach: safety", "police"),
    "outreach_legal": ("送法援", "Outreach: legal aid", "lawyer"),
    "outreach_care": ("送关爱", "Outreach: care", "social_worker"),
    "evening_talk": ("城市夜话", "Evening talk", "talk_host"),
    "youth_reading": ("青年读书会", "Youth reading club", "reading_host"),
    "elder_canteen": ("孝老食堂", "Elder canteen", "cook"),
    "door_knocking": ("敲门行动", "Door-knocking", "grid_visit"),
}

CHANNELS: dict[str, str] = {
    "sms": "短信",
    "email": "邮件",
    "wecom": "企业微信",
    "dingtalk": "钉钉",
    "webhook": "机器人",
    "inbox": "站内信",
}
CHANNEL_ALIASES: dict[str, str] = {"电子邮件": "email", "手机短信": "sms", "微信": "wecom"}

GENDERS: dict[str, str] = {"male": "男", "female": "女"}

WEEKDAYS_ZH: tuple[str, ...] = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")


def skill_code(text: str) -> str | None:
    """The skill code for a code, Chinese name or alias, or None."""
    t = text.strip()
    if t in SKILLS:
        return t
    for code, name in SKILLS.items():
        if name == t:
            return code
    return SKILL_ALIASES.get(t)


def channel_code(text: str) -> str | None:
    """The contact channel code for a code or Chinese name, or None."""
    t = text.strip()
    if t.lower() in CHANNELS:
        return t.lower()
    for code, name in CHANNELS.items():
        if name == t:
            return code
    return CHANNEL_ALIASES.get(t)
