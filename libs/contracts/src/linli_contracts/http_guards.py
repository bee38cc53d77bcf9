"""Checks every API makes on a request body before its arguments parser sees it."""

from __future__ import annotations

import json


def nested_too_deeply(body: bytes) -> bool:
    """Whether parsing this JSON body would exhaust the stack. Malformed JSON is not reported
    here: each API's arguments parser answers it in its own words."""
    try:
        json.loads(body)
    except RecursionError:
        return True
    except ValueError:
        return False
    return False
