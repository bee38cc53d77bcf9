"""Encryption at rest for phone numbers and robot secrets (Fernet: AES-CBC + HMAC)."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from cryptography.fernet import Fernet, InvalidToken


class Vault:
    """Encrypts and decrypts short secrets with the configured key."""

    def __init__(self, settings: dict[str, Any]) -> None:
        key = settings.get("ENCRYPTION_KEY")
        if not key:
            # Development only: derive a stable key from the secret key.
            digest = hashlib.sha256(("enc:" + settings["SECRET_KEY"]).encode()).digest()
            key = base64.urlsafe_b64encode(digest)
        self._fernet = Fernet(key)

    def encrypt(self, value: str | None) -> str | None:
        """Ciphertext of `value` (None stays None)."""
        if value is None:
            return None
        return self._fernet.encrypt(value.encode()).decode()

    def decrypt(self, token: str | None) -> str | None:
        """Plain text of a ciphertext made by `encrypt`; None if missing or unreadable."""
        if not token:
            return None
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken:
            return None
