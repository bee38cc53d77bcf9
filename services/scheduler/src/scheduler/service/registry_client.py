"""HTTP client of the registry: planning snapshots, scope and export look-ups.

The transport (retries, service login, JSON answers) is `linli_contracts.registry_client`,
raising the scheduler's own errors: a registry that cannot be reached or answers 5xx after the
retries raises `RegistryUnavailable` (503 to our callers); an answer that is not usable (4xx
other than an expired token, bad JSON) raises `RegistryFailed` (502). Log lines name the path
and status, never a response body.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, ClassVar

from linli_contracts import registry_client as transport
from scheduler.service.errors import NotFound, RegistryFailed, RegistryUnavailable


class RegistryClient(transport.RegistryClient):
    """Talks to the registry with the scheduler's service credentials."""

    log: ClassVar[logging.Logger] = logging.getLogger(__name__)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> RegistryClient:
        """A client configured from the service settings."""
        return cls(
            config["REGISTRY_URL"],
            config["REGISTRY_USERNAME"],
            config["REGISTRY_PASSWORD"],
            timeout=float(config["REGISTRY_TIMEOUT"]),
            retries=int(config["REGISTRY_RETRIES"]),
        )

    def _unavailable(self, last: BaseException | None) -> Exception:
        return RegistryUnavailable()

    def _failed(self, path: str, status: int | None) -> Exception:
        # The status lets callers tell an unknown record (404) from a failure.
        if status is None:
            return RegistryFailed()
        return RegistryFailed(errors={"registry_status": status})

    # -- calls --------------------------------------------------------------------------------

    def snapshot(self, community_ids: list[int], start: str, end: str) -> dict[str, Any]:
        """The planning snapshot of the communities over [start, end]."""
        params = [("community_id", c) for c in community_ids] + [("start", start), ("end", end)]
        try:
            body = self.get_json("/snapshot", params)
        except RegistryFailed as exc:
            # An unknown community is the caller's mistake, not the registry's failure.
            if (exc.errors or {}).get("registry_status") == 404:
                raise NotFound() from exc
            raise
        if not isinstance(body, dict):
            raise RegistryFailed()
        return body

    def volunteer(self, volunteer_id: int) -> dict[str, Any] | None:
        """One volunteer as the service sees it, or None when the registry does not know it."""
        try:
            body = self.get_json(f"/volunteers/{volunteer_id}")
        except RegistryFailed as exc:
            if (exc.errors or {}).get("registry_status") == 404:
                return None
            raise
        return body if isinstance(body, dict) else None

    def communities_of(self, bearer_token: str) -> list[int]:
        """Ids of the communities the token's holder may see, as the registry says."""
        ids: list[int] = []
        page = 1
        while True:
            response = self._request(
                "GET", "/communities", params={"page": page, "page_size": 100},
                headers={"Authorization": f"Bearer {bearer_token}"},
            )
            body = self._json(response, "/communities")
            items = body.get("items", body) if isinstance(body, dict) else body
            if not isinstance(items, list):
                raise RegistryFailed()
            ids.extend(int(item["id"]) for item in items)
            if len(items) < 100:
                return ids
            page += 1
