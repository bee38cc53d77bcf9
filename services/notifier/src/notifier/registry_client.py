"""HTTP client of the registry with the notifier's service account: volunteers' contact data.

The transport (retries, service login, JSON answers) is `linli_contracts.registry_client`:
a registry that cannot be reached or answers 5xx after the retries raises
`RegistryUnavailable`; any other answer that is not usable (4xx other than 404 or an expired
token, bad JSON) raises `RegistryFailed`. Log lines name the path and status, never a
response body (it holds phone numbers).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

from linli_contracts import registry_client as transport
from linli_contracts.registry_client import RegistryError, RegistryFailed, RegistryUnavailable

__all__ = ["RegistryClient", "RegistryError", "RegistryFailed", "RegistryUnavailable"]


class RegistryClient(transport.RegistryClient):
    """Reads volunteers from the registry as the notifier's service account."""

    log: ClassVar[logging.Logger] = logging.getLogger(__name__)

    def __init__(self, base_url: str, username: str, password: str | None, *,
                 timeout: float = 10.0, retries: int = 3, backoff: float = 0.2,
                 page_size: int = 200) -> None:
        super().__init__(base_url, username, password, timeout=timeout, retries=retries,
                         backoff=backoff)
        self.page_size = page_size

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> RegistryClient:
        """A client configured from the notifier settings (`NOTIFIER_REGISTRY_*`)."""
        password = settings.get("REGISTRY_PASSWORD")
        return cls(
            str(settings["REGISTRY_URL"]),
            str(settings["REGISTRY_USERNAME"]),
            # Environment values parse as JSON: a numeric password arrives as a number.
            None if password is None else str(password),
            timeout=float(settings["REGISTRY_TIMEOUT"]),
            retries=int(settings["REGISTRY_RETRIES"]),
            page_size=int(settings.get("REGISTRY_PAGE_SIZE", 200)),
        )

    def volunteer(self, volunteer_id: int) -> dict[str, Any] | None:
        """One volunteer in full, or None when the registry does not know it (deleted)."""
        path = f"/volunteers/{volunteer_id}"
        response = self._get(path)
        if response.status_code == 404:
            return None
        body = self._json(response, path)
        if not isinstance(body, dict):
            raise RegistryFailed(f"registry {path} answered no object")
        return body

    def volunteer_ids(self) -> Iterator[int]:
        """Ids of every volunteer, active or not, page by page."""
        page = 1
        while True:
            items = self.get_json("/volunteers", {"page": page, "page_size": self.page_size})
            if not isinstance(items, list):
                raise RegistryFailed("registry /volunteers answered no list")
            for item in items:
                yield int(item["id"])
            if len(items) < self.page_size:
                return
            page += 1
