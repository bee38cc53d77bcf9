"""Registry contact channels become notifier channel settings: consented ones only, plus the
inbox, each channel once."""

from __future__ import annotations

from notifier.domain.registry_channels import channel_settings


def test_only_consented_channels_are_copied_and_the_inbox_is_always_there() -> None:
    volunteer = {
        "community_id": 3, "name": "李老师", "phone": "13912345678",
        "contact_channels": [
            {"channel": "sms", "address": "13912345678", "consent": True},
            {"channel": "email", "address": "li@example.org", "consent": False},
            {"channel": "inbox", "address": "", "consent": True},
            {"channel": "wechat", "address": "li", "consent": True},
        ],
    }
    settings = channel_settings(volunteer)
    assert settings["channels"] == ["sms", "inapp"]
    assert settings["consents"] == {"sms": True, "inapp": True}
    assert settings["email"] is None
    assert (settings["community_id"], settings["display_name"]) == (3, "李老师")
