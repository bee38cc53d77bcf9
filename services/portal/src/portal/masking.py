"""Masking for log lines: no link tokens, bearer tokens, phone or ID numbers.

No Flask here, so gunicorn's master can load it; phone and ID numbers follow the rule of
every service (`linli_contracts.logs.mask_personal_data`).
"""

from __future__ import annotations

import re

from linli_contracts.logs import mask_personal_data

# What log lines must never show: a volunteer's link token is a password, as is a bearer
# token; phone and ID numbers are personal (the same rules as the services' masking).
# Route templates (`/responses/<token>`) stay readable.
_LINK_PATH = re.compile(r"(/responses/|/v/t/)(?!<)[^/\s?#\"']+")
_BEARER = re.compile(r"(Bearer\s+)[A-Za-z0-9._~+/=-]+", re.IGNORECASE)
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")


def mask_text(text: str) -> str:
    """`text` with link and bearer tokens replaced by `***` and phone and ID numbers masked;
    every log line of the portal passes through it (gunicorn's too)."""
    text = _LINK_PATH.sub(lambda m: f"{m.group(1)}***", text)
    text = _BEARER.sub(lambda m: f"{m.group(1)}***", text)
    text = _JWT.sub("***", text)
    return mask_personal_data(text)
