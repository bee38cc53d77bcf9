"""HTTP client of the registry: service login, planning snapshots, scope and export look-ups.

Every call is retried a bounded number of times with exponential back-off when the registry
cannot be reached or answers 5xx; then it raises `RegistryUnavailable` (503 to our callers).
An answer that is not usable (4xx other than an expired token, bad JSON) raises
`RegistryFailed` (502). Log lines name the path and status, never a response body.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from typing import Any

import requests
from tenacity import (
    RetryError,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
)

from linli_contracts import logs
from scheduler.service.errors import NotFound, RegistryFailed, RegistryUnavailable

log = logging.getLogger(__name__)


class _Retryable(Exception):
    """A failure worth another attempt (connection refused, timeout, 5xx)."""


class RegistryClient:
    """Talks to the registry with the scheduler's service credentials."""

    def __init__(
        self,
        base_url: str,
        username: str,
        password: str | None,
        *,
        timeout: float = 10.0,
        retries: int = 3,
        backoff: float = 0.2,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.username = username
        self.password = password
        self.timeout = timeout
        self.retries = max(1, retries)
        self.backoff = backoff
        self._http = requests.Session()
        self._token: str | None = None
        self._token_expires = 0.0
        self._lock = threading.Lock()

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

    # -- transport ----------------------------------------------------------------------------

    def _once(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        correlation_id = logs.correlation_id()
        if correlation_id:
            # The registry's log lines for this call carry the plan's id too.
            kwargs["headers"] = {**(kwargs.get("headers") or {}),
                                 "X-Correlation-ID": correlation_id}
        try:
            response = self._http.request(
                method, self.base_url + path, timeout=self.timeout, **kwargs
            )
        except (requests.ConnectionError, requests.Timeout) as exc:
            log.warning("registry %s %s failed: %s", method, path, type(exc).__name__)
            raise _Retryable(type(exc).__name__) from exc
        if response.status_code >= 500:
            log.warning("registry %s %s answered %s", method, path, response.status_code)
            raise _Retryable(f"HTTP {response.status_code}")
        return response

    def _request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        retrying = Retrying(
            stop=stop_after_attempt(self.retries),
            wait=wait_exponential(multiplier=self.backoff, max=5),
            retry=retry_if_exception_type(_Retryable),
            reraise=False,
        )
        try:
            return retrying(self._once, method, path, **kwargs)
        except RetryError as exc:
            raise RegistryUnavailable() from exc

    @staticmethod
    def _json(response: requests.Response, path: str) -> Any:
        if response.status_code >= 400:
            log.warning("registry %s answered %s", path, response.status_code)
            raise RegistryFailed(errors={"registry_status": response.status_code})
        try:
            return response.json()
        except ValueError as exc:
            raise RegistryFailed() from exc

    # -- service token ------------------------------------------------------------------------

    def service_token(self, *, refresh: bool = False) -> str:
        """A valid service token, logging in again when it is about to expire."""
        with self._lock:
            if refresh or self._token is None or time.monotonic() > self._token_expires:
                response = self._request(
                    "POST", "/auth/token",
                    json={"username": self.username, "password": self.password or ""},
                )
                body = self._json(response, "/auth/token")
                self._token = str(body["access_token"])
                # Renew half a minute early so a token never expires mid-request.
                self._token_expires = time.monotonic() + max(
                    5.0, float(body.get("expires_in", 300)) - 30
                )
            return self._token

    def _get_as_service(self, path: str, params: Any = None) -> Any:
        response = self._request(
            "GET", path, params=params,
            headers={"Authorization": f"Bearer {self.service_token()}"},
        )
        if response.status_code == 401:
            response = self._request(
                "GET", path, params=params,
                headers={"Authorization": f"Bearer {self.service_token(refresh=True)}"},
            )
        return self._json(response, path)

    # -- calls --------------------------------------------------------------------------------

    def snapshot(self, community_ids: list[int], start: str, end: str) -> dict[str, Any]:
        """The planning snapshot of the communities over [start, end]."""
        params = [("community_id", c) for c in community_ids] + [("start", start), ("end", end)]
        try:
            body = self._get_as_service("/snapshot", params)
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
            body = self._get_as_service(f"/volunteers/{volunteer_id}")
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
