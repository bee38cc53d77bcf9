"""Masking of phone numbers, in responses and in every log record."""

from __future__ import annotations

from linli_contracts import logs


def mask_phone(phone: str | None) -> str | None:
    """`13812345678` → `138****5678`; other formats keep only their last four characters."""
    if not phone:
        return phone
    digits = phone[3:] if phone.startswith("+86") else phone
    if len(digits) == 11 and digits.isdigit():
        return f"{digits[:3]}****{digits[7:]}"
    return "*" * max(len(phone) - 4, 0) + phone[-4:]


#: Mask every mobile number and ID number found in free text (gunicorn's log config names it).
mask_text = logs.mask_personal_data


class MaskingFilter(logs.MaskingFilter):
    """Rewrites each log record so no full phone or ID number reaches a handler: the message,
    the traceback and every event field."""

    def __init__(self) -> None:
        super().__init__(mask_text)


def install_masking(level: str | int = "INFO") -> None:
    """JSON log lines (once per process) with the notifier's masking on every root handler."""
    logs.configure_logging("notifier", level, mask_text)
