"""A registry volunteer record turned into the notifier's channel settings.

The registry keeps contact channels with consent; the notifier keeps its own copy of what it
may use. Development start-up and the test stacks copy the demo volunteers across with this.
"""

from __future__ import annotations

from typing import Any

#: Registry channel name -> notifier channel name.
CHANNELS_FROM_REGISTRY = {"sms": "sms", "email": "email", "inbox": "inapp"}


def channel_settings(volunteer: dict[str, Any]) -> dict[str, Any]:
    """Body of `PUT /volunteers/<id>/channel-settings`: consented channels plus the inbox."""
    channels = [c for c in volunteer["contact_channels"] if c.get("consent")]
    known = [c for c in channels if c["channel"] in CHANNELS_FROM_REGISTRY]
    emails = [c["address"] for c in channels if c["channel"] == "email"]
    names = [CHANNELS_FROM_REGISTRY[c["channel"]] for c in known] + ["inapp"]
    return {
        "community_id": volunteer["community_id"],
        "display_name": volunteer["name"],
        "language": "zh-CN",
        "channels": list(dict.fromkeys(names)),
        "consents": {CHANNELS_FROM_REGISTRY[c["channel"]]: True for c in known},
        "phone": volunteer["phone"],
        "email": emails[0] if emails else None,
    }
