"""Which channel carries a volunteer's alerts: the first preferred one with consent and means."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

EXTERNAL_CHANNELS = ("sms", "email", "webhook", "wecom", "dingtalk")
ALL_CHANNELS = ("inapp", *EXTERNAL_CHANNELS)


def usable_channels(
    preferences: Iterable[str], consents: Mapping[str, Any], available: Iterable[str]
) -> list[str]:
    """External channels in preference order that the volunteer consented to and can receive."""
    present = set(available)
    chosen: list[str] = []
    for channel in preferences:
        if channel in EXTERNAL_CHANNELS and consents.get(channel) and channel in present:
            if channel not in chosen:
                chosen.append(channel)
    return chosen


def choose_channel(
    preferences: Iterable[str], consents: Mapping[str, Any], available: Iterable[str]
) -> str | None:
    """The external channel for an alert, or None (the in-app inbox always gets a copy)."""
    usable = usable_channels(preferences, consents, available)
    return usable[0] if usable else None
