"""Masking of phone numbers, in responses and in every log record."""

from __future__ import annotations

import logging
import re

MOBILE = re.compile(r"(?<!\d)(\+?86)?(1[3-9]\d)\d{4}(\d{4})(?!\d)")
ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[0-9Xx])(?![0-9A-Za-z])")


def mask_phone(phone: str | None) -> str | None:
    """`13812345678` → `138****5678`; other formats keep only their last four characters."""
    if not phone:
        return phone
    digits = phone[3:] if phone.startswith("+86") else phone
    if len(digits) == 11 and digits.isdigit():
        return f"{digits[:3]}****{digits[7:]}"
    return "*" * max(len(phone) - 4, 0) + phone[-4:]


def mask_text(text: str) -> str:
    """Mask every mobile number and ID number found in free text."""
    text = ID_NUMBER.sub(lambda m: f"{m.group(1)}********{m.group(2)}", text)
    return MOBILE.sub(lambda m: f"{m.group(1) or ''}{m.group(2)}****{m.group(3)}", text)


class MaskingFilter(logging.Filter):
    """Rewrites each log record so no full phone or ID number reaches a handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Render the message, mask it, and drop the arguments."""
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken format string must not hide the record
            message = str(record.msg)
        record.msg = mask_text(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        return True


def install_masking(level: str | int = "INFO") -> None:
    """Attach the masking filter to every handler of the root logger (adding one if none)."""
    root = logging.getLogger()
    if not root.handlers:
        stream = logging.StreamHandler()
        stream.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        root.addHandler(stream)
    root.setLevel(level)
    for handler in root.handlers:
        if not any(isinstance(f, MaskingFilter) for f in handler.filters):
            handler.addFilter(MaskingFilter())
