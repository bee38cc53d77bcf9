"""User-facing messages in Chinese (default) and English, chosen by Accept-Language."""

from __future__ import annotations

from flask import has_request_context, request

MESSAGES: dict[str, tuple[str, str]] = {
    "400": ("请求格式错误", "Bad request"),
    "401": ("未登录或登录已失效", "Not authenticated or token invalid"),
    "403": ("无权执行此操作", "Not allowed to do this"),
    "404": ("未找到", "Not found"),
    "405": ("不支持该请求方法", "Method not allowed"),
    "409": ("与现有数据冲突", "Conflicts with existing data"),
    "412": ("数据已被他人修改，请刷新后重试", "The record changed; reload and retry"),
    "413": ("请求内容过大", "Request body too large"),
    "415": ("不支持的内容类型", "Unsupported media type"),
    "422": ("输入数据有误", "Invalid input"),
    "428": ("缺少 If-Match 请求头", "If-Match header required"),
    "500": ("服务器内部错误", "Internal server error"),
    "503": ("服务暂不可用", "Service unavailable"),
    "bad_credentials": ("用户名或密码错误", "Wrong username or password"),
    "import_invalid": ("导入文件有错误，未导入任何数据", "The file has errors; nothing imported"),
    "unknown_format": ("不支持的文件格式，请上传 xlsx 或 csv", "Upload an xlsx or csv file"),
    "duplicate_code": ("编码已存在", "Code already exists"),
    "in_use": ("仍被其他记录引用，无法删除", "Still referenced by other records"),
    "community_scope": ("不在您负责的社区范围内", "Outside your communities"),
}


def wants_english() -> bool:
    """True when the request prefers English over Chinese."""
    if not has_request_context():
        return False
    best = request.accept_languages.best_match(["zh-CN", "zh", "en"], default="zh-CN")
    return bool(best and best.startswith("en"))


def t(key: str) -> str:
    """Translate a message key for the current request (zh-CN unless English is preferred)."""
    zh, en = MESSAGES.get(key, (key, key))
    return en if wants_english() else zh
