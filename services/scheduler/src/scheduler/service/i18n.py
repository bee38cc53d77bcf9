"""User-facing messages in Chinese (default) and English, chosen by Accept-Language."""

from __future__ import annotations

from flask import has_request_context, request

MESSAGES: dict[str, tuple[str, str]] = {
    "400": ("请求格式错误", "Bad request"),
    "401": ("未登录或登录已失效", "Not authenticated or token invalid"),
    "403": ("无权执行此操作", "Not allowed to do this"),
    "404": ("未找到", "Not found"),
    "405": ("不支持该请求方法", "Method not allowed"),
    "409": ("与当前状态冲突", "Conflicts with the current state"),
    "412": ("排班已被他人修改，请刷新后重试", "The plan changed; reload and retry"),
    "413": ("请求内容过大", "Request body too large"),
    "415": ("不支持的内容类型", "Unsupported media type"),
    "422": ("输入数据有误", "Invalid input"),
    "428": ("缺少 If-Match 请求头", "If-Match header required"),
    "429": ("求解任务过多，请稍后再试", "Too many solve jobs; retry later"),
    "500": ("服务器内部错误", "Internal server error"),
    "502": ("登记服务返回了错误", "The registry answered with an error"),
    "503": ("服务暂不可用", "Service unavailable"),
    "registry_down": ("登记服务暂不可用，请稍后再试", "The registry is unavailable; retry later"),
    "registry_bad": ("登记服务返回了无法使用的数据", "The registry answered with unusable data"),
    "community_scope": ("不在您负责的社区范围内", "Outside your communities"),
    "bad_state": ("排班当前状态不允许此操作", "The plan's state does not allow this"),
    "not_solved": ("排班尚未求解", "The plan has not been solved yet"),
    "hard_rule": ("违反硬性规则", "Breaks a hard rule"),
    "unknown_shift": ("该班次不在此排班中", "The shift is not part of this plan"),
    "unknown_volunteer": ("该志愿者不在此排班中", "The volunteer is not part of this plan"),
    "already_assigned": ("该志愿者已在此班次", "The volunteer is already on this shift"),
    "not_assigned": ("该志愿者不在此班次", "The volunteer is not on this shift"),
    "bad_problem": ("排班问题数据有误", "The planning problem is invalid"),
    "too_large": ("排班规模超过上限", "The plan is larger than allowed"),
    "no_previous": ("没有可比较的版本", "No version to compare with"),
    "checkin_first": ("请先签到", "Check in first"),
    "already_confirmed": ("服务时长已确认", "Hours already confirmed"),
    "not_checked_out": ("尚未签退", "Not checked out yet"),
    "bad_checkout": ("签退时间须晚于签到时间", "Check-out must be after check-in"),
    "already_checked_in": ("已签到，不能登记为缺席", "Checked in already; cannot be absent"),
    "marked_absent": ("已登记为缺席", "Recorded as absent"),
    "not_published": ("只能为已发布排班中的任务签到", "Only assignments of a published plan"),
    "star_0": ("未评星", "No star yet"),
}


def wants_english() -> bool:
    """True when the request prefers English over Chinese."""
    if not has_request_context():
        return False
    best = request.accept_languages.best_match(["zh-CN", "zh", "en"], default="zh-CN")
    return bool(best and best.startswith("en"))


def lang() -> str:
    """The language of the current request: "zh-CN" or "en"."""
    return "en" if wants_english() else "zh-CN"


def t(key: str) -> str:
    """Translate a message key for the current request (zh-CN unless English is preferred)."""
    zh, en = MESSAGES.get(key, (key, key))
    return en if wants_english() else zh
