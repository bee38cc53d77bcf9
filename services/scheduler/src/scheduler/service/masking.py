"""Masking of phone and ID numbers in every log record of the scheduler's processes.

The scheduler stores no phone or ID numbers, but snapshots, registry errors and request bodies
can carry them into a log line; the same rules as the registry's apply.
"""

from __future__ import annotations

from linli_contracts import logs

#: Mask every mobile number and ID number found in free text (gunicorn's log config names it).
mask_text = logs.mask_personal_data


def install_masking(level: str | int = "INFO") -> None:
    """JSON log lines (once per process) with this masking on every root handler."""
    logs.configure_logging("scheduler", level, mask_text)
