"""Masking of phone and ID numbers in every log record of the scheduler's processes.

The scheduler stores no phone or ID numbers, but snapshots, registry errors and request bodies
can carry them into a log line; the same rules as the registry's apply.
"""

from __future__ import annotations

import re

from linli_contracts import logs

MOBILE = re.compile(r"(?<!\d)(\+?86)?(1[3-9]\d)\d{4}(\d{4})(?!\d)")
ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[0-9Xx])(?![0-9A-Za-z])")


def mask_text(text: str) -> str:
    """Mask every mobile number and ID number found in free text."""
    text = ID_NUMBER.sub(lambda m: f"{m.group(1)}********{m.group(2)}", text)
    return MOBILE.sub(lambda m: f"{m.group(1) or ''}{m.group(2)}****{m.group(3)}", text)


def install_masking(level: str | int = "INFO") -> None:
    """JSON log lines (once per process) with this masking on every root handler."""
    logs.configure_logging("scheduler", level, mask_text)
