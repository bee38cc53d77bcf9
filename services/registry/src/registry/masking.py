"""Masking of phone and ID numbers, in responses and in every log record."""

from __future__ import annotations

from linli_contracts import logs

# Every mobile (with or without +86) and ID number in free text: the rule of every service.
mask_text = logs.mask_personal_data


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


class MaskingFilter(logs.MaskingFilter):
    """Rewrites each log record so no full phone or ID number reaches a handler: the message,
    the traceback and every event field."""

    def __init__(self) -> None:
        super().__init__(mask_text)


def install_masking(level: str | int = "INFO") -> None:
    """JSON log lines (once per process) with the registry's masking on every root handler."""
    logs.configure_logging("registry", level, mask_text)
