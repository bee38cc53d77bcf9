"""Small formatting helpers the coordinator templates use (dates, states, skills, gap)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Flask

from portal.i18n import language, t

_WEEKDAYS = {
    "zh-CN": ("周一", "周二", "周三", "周四", "周五", "周六", "周日"),
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}
SKILLS_ZH = {"tutor": "辅导员", "escort": "护送员", "general": "志愿者", "teacher": "教师",
             "doctor": "医生", "nurse": "护士", "police": "民警", "lawyer": "律师",
             "social_worker": "社工", "cook": "厨师", "barber": "理发师", "driver": "司机",
             "host": "主持人", "reader": "领读员", "grid_visit": "网格走访员",
             "talk_host": "讲座主持", "reading_host": "阅读领读员"}
_STATE_CLASS = {"published": "ok", "solved": "warn", "solving": "", "draft": "",
                "superseded": ""}


def weekday(day: str) -> str:
    """周一 … 周日 (or Mon … Sun) of an ISO date."""
    try:
        index = date.fromisoformat(str(day)[:10]).weekday()
    except ValueError:
        return ""
    return _WEEKDAYS["en" if language() == "en" else "zh-CN"][index]


def skill_name(skill: str) -> str:
    """Display name of a skill code."""
    if language() == "en":
        return str(skill).replace("_", " ")
    return SKILLS_ZH.get(skill, skill)


def state_class(state: str) -> str:
    """Badge colour of a plan state."""
    return _STATE_CLASS.get(state, "")


def gap_text(report: dict[str, Any]) -> str:
    """The optimality gap as a percentage, or a dash when the solver did not report one."""
    gap = (report.get("objective") or {}).get("gap")
    if gap is None:
        return "–"
    return f"{float(gap) * 100:.1f}%"


def community_name(community_id: int, names: dict[int, str]) -> str:
    """A community's name by id."""
    return names.get(int(community_id), f"#{community_id}")


def install(app: Flask) -> None:
    """Make the helpers available to every template."""
    app.jinja_env.globals.update(weekday=weekday, skill_name=skill_name,
                                 state_class=state_class, gap_text=gap_text, t=t)
    app.jinja_env.filters["community_name"] = community_name
