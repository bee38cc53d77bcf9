"""User-facing wording (zh-CN default, en) for reasons, rule groups and conflicts."""

from __future__ import annotations

from typing import Any

SKILL_NAMES = {
    "zh-CN": {"tutor": "辅导员", "escort": "护送员", "general": "志愿者", "teacher": "教师",
              "doctor": "医生", "nurse": "护士", "police": "民警", "lawyer": "律师",
              "social_worker": "社工", "cook": "厨师", "barber": "理发师", "driver": "司机",
              "host": "主持人", "reader": "领读员"},
    "en": {"social_worker": "social worker"},
}

# Why a skill holder was excluded from a need before any variable existed.
EXCLUDED = {
    "zh-CN": {"unavailable": "该时段没空", "on_leave": "请假",
              "no_qualification": "资质未认证或已过期",
              "age": "年龄不符", "minor_not_daytime": "未成年人不可在夜间服务",
              "minor_no_consent": "未成年人无监护人同意", "not_vetted": "未通过儿童工作审查",
              "not_insured": "无有效保险", "too_far": "离家太远", "no_skill": "不具备该技能"},
    "en": {"unavailable": "not free then", "on_leave": "on leave",
           "no_qualification": "qualification unverified or expired", "age": "wrong age",
           "minor_not_daytime": "a minor, and the shift is not in daytime",
           "minor_no_consent": "a minor without guardian consent", "not_vetted": "not vetted",
           "not_insured": "not insured", "too_far": "too far from home",
           "no_skill": "lacks the skill"},
}

# Why an eligible volunteer could not be added in the solved plan.
BLOCKED = {
    "zh-CN": {"busy": "同一时间（含路程）已有其他班次", "no_rest": "休息时间不足",
              "weekly_cap": "已达每周时长上限", "monthly_cap": "已达每月时长上限",
              "daily_max": "已达每日班次上限", "max_consecutive": "已达连续工作天数上限",
              "max_total": "已达总时长上限", "max_weekends": "已达周末次数上限",
              "kind_max": "已达该类活动次数上限", "succession": "与前后一天的班次冲突",
              "unused": "未被安排", "too_few_adults": "换上后在场成人不足（有儿童在场）"},
    "en": {"busy": "busy at that time (travel included)", "no_rest": "would not get enough rest",
           "weekly_cap": "at their weekly cap", "monthly_cap": "at their monthly cap",
           "daily_max": "at their daily maximum",
           "max_consecutive": "at their consecutive-day limit",
           "max_total": "at their total-hours limit", "max_weekends": "at their weekend limit",
           "kind_max": "at their limit for this kind of activity",
           "succession": "blocked by a shift the day before or after", "unused": "left unassigned",
           "too_few_adults": "would leave too few adults with the children"},
}

SHIFT_LEVEL = {
    "zh-CN": {"too_few_adults": "有儿童在场时须至少 {n} 名成人，可安排的成人不足",
              "no_party_lead": "须有党员带队，但没有可安排的党员",
              "time_limit": "求解时间内未能排入",
              "other_rules": "受连续工作/休息天数等其他规则所限"},
    "en": {"too_few_adults": "children present need at least {n} adults and too few can come",
           "no_party_lead": "a party member must lead and none can come",
           "time_limit": "not placed within the time limit",
           "other_rules": "held back by other rules such as blocks of days"},
}

GROUPS = {
    "zh-CN": {
        "pin": "固定安排：{vol} 担任 {shift} 的{skill}",
        "eligibility": "{vol} 不符合 {shift} 的条件（{why}）",
        "overlap": "{vol} 不能同时（含路程）出现在两个班次",
        "rest": "{vol} 两个班次之间须休息至少 {rest} 分钟",
        "weekly_cap": "{vol} 每周最多 {week} 小时", "monthly_cap": "{vol} 每月最多 {month} 小时",
        "daily_max": "{vol} 每天最多 {daily} 个班次",
        "max_consecutive": "{vol} 最多连续工作 {consecutive} 天",
        "max_total": "{vol} 总时长最多 {max_total} 小时",
        "min_total": "{vol} 须至少服务 {min_total} 小时",
        "max_weekends": "{vol} 最多工作 {weekends} 个周末",
        "kind_max": "{vol} 的“{kind}”类班次最多 {kind_cap} 个",
        "min_work_block": "{vol} 每段连续工作至少 {on} 天",
        "min_off_block": "{vol} 每段连续休息至少 {off} 天",
        "succession": "{vol} 不可在相邻两天担任禁止衔接的班次",
        "need_max": "{shift} 最多需要 {need_max} 名{skill}",
        "adults": "{shift} 有儿童在场，须至少 {adults} 名成人",
        "party_lead": "{shift} 须有党员带队",
    },
    "en": {
        "pin": "pin: {vol} as {skill} on {shift}",
        "eligibility": "{vol} is not eligible for {shift} ({why})",
        "overlap": "{vol} cannot be on two shifts at once (travel included)",
        "rest": "{vol} needs {rest} minutes of rest between shifts",
        "weekly_cap": "{vol} works at most {week} h a week",
        "monthly_cap": "{vol} works at most {month} h a month",
        "daily_max": "{vol} works at most {daily} shifts a day",
        "max_consecutive": "{vol} works at most {consecutive} days in a row",
        "max_total": "{vol} works at most {max_total} h in total",
        "min_total": "{vol} must serve at least {min_total} h",
        "max_weekends": "{vol} works at most {weekends} weekends",
        "kind_max": "{vol} works at most {kind_cap} shifts of kind {kind}",
        "min_work_block": "{vol} works blocks of at least {on} days",
        "min_off_block": "{vol} rests blocks of at least {off} days",
        "succession": "{vol} must not work a forbidden succession of kinds",
        "need_max": "{shift} takes at most {need_max} {skill}",
        "adults": "{shift} has children and needs at least {adults} adults",
        "party_lead": "{shift} must be led by a party member",
    },
}


def lang_of(lang: str) -> str:
    """Normalise a language option to 'zh-CN' or 'en'."""
    return "en" if lang.lower().startswith("en") else "zh-CN"


def skill_name(skill: str, lang: str) -> str:
    """Display name of a skill."""
    return SKILL_NAMES[lang_of(lang)].get(skill, skill)


def excluded_text(code: str, lang: str) -> str:
    """Phrase for an eligibility exclusion code."""
    return EXCLUDED[lang_of(lang)].get(code, code)


def blocked_text(code: str, lang: str) -> str:
    """Phrase for a 'blocked in the solved plan' code."""
    return BLOCKED[lang_of(lang)].get(code, code)


def fmt_hours(value: Any) -> str:
    """Hours without a trailing .0."""
    return f"{value:g}" if isinstance(value, float) else str(value)
