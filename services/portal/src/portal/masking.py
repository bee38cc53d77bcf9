"""Masking for log lines: no link tokens, bearer tokens, phone or ID numbers.

Plain `re` only, so gunicorn's master can load it without Flask.
"""

from __future__ import annotations

import re

# What log lines must never show: a volunteer's link token is a password, as is a bearer
# token; phone and ID numbers are personal (the same rules as the services' masking).
# Route templates (`/responses/<token>`) stay readable.
_LINK_PATH = re.compile(r"(/responses/|/v/t/)(?!<)[^/\s?#\"']+")
_BEARER = re.compile(r"(Bearer\s+)[A-Za-z0-9._~+/=-]+", re.IGNORECASE)
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
_MOBILE = re.compile(r"(?<!\d)(\+?86)?(1[3-9]\d)\d{4}(\d{4})(?!\d)")
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[0-9Xx])(?![0-9A-Za-z])")


def mask_text(text: str) -> str:
    """`text` with link and bearer tokens replaced by `***` and phone and ID numbers masked;
    every log line of the portal passes through it (gunicorn's too)."""
    text = _LINK_PATH.sub(lambda m: f"{m.group(1)}***", text)
    text = _BEARER.sub(lambda m: f"{m.group(1)}***", text)
    text = _JWT.sub("***", text)
    text = _ID_NUMBER.sub(lambda m: f"{m.group(1)}********{m.group(2)}", text)
    return _MOBILE.sub(lambda m: f"{m.group(1) or ''}{m.group(2)}****{m.group(3)}", text)
