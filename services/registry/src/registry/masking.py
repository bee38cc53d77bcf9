"""Masking of phone and ID numbers, in responses and in every log record."""

from __future__ import annotations

import re

from linli_contracts import logs

MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")
ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[0-9Xx])(?![0-9A-Za-z])")


def mask_phone(phone: str | None) -> str | None:
    """`13812345678` → `138****5678`; other formats keep only their last four characters."""
    if not phone:
        return phone
    if len(phone) == 11 and phone.isdigit():
        return f"{phone[:3]}****{phone[7:]}"
    return "*" * max(len(phone) - 4, 0) + phone[-4:]


def mask_id_number(value: str | None) -> str | None:
    """Keep the first six and last four characters of an 18-character ID number."""
    if not value:
        return value
    if len(value) == 18:
        return f"{value[:6]}{'*' * 8}{value[-4:]}"
    return "*" * len(value)


def mask_text(text: str) -> str:
    """Mask every mobile number and ID number found in free text."""
    text = ID_NUMBER.sub(lambda m: f"{m.group(1)}********{m.group(2)}", text)
    return MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(2)}", text)


class MaskingFilter(logs.MaskingFilter):
    """Rewrites each log record so no full phone or ID number reaches a handler: the message,
    the traceback and every event field."""

    def __init__(self) -> None:
        super().__init__(mask_text)


def install_masking(level: str | int = "INFO") -> None:
    """JSON log lines (once per process) with the registry's masking on every root handler."""
    logs.configure_logging("registry", level, mask_text)
