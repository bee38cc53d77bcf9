"""HTTP client of the registry with the notifier's service account: volunteers' contact data.

Every call is retried a bounded number of times with exponential back-off when the registry
cannot be reached or answers 5xx; then it raises `RegistryUnavailable`. Any other answer that
is not usable (4xx other than 404 or an expired token, bad JSON) raises `RegistryFailed`. Log
lines name the path and status, never a response body (it holds phone numbers).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Mapping
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

log = logging.getLogger(__name__)


class RegistryError(Exception):
    """The registry could not give what was asked."""


class RegistryUnavailable(RegistryError):
    """Not reachable, timing out or answering 5xx after every retry."""


class RegistryFailed(RegistryError):
    """The registry answered, but not usefully (bad credentials, 4xx, bad JSON)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class _Retryable(Exception):
    """A failure worth another attempt (connection refused, timeout, 5xx)."""


class RegistryClient:
    """Reads volunteers from the registry as the notifier's service account."""

    def __init__(self, base_url: str, username: str, password: str | None, *,
                 timeout: float = 10.0, retries: int = 3, backoff: float = 0.2,
                 page_size: int = 200) -> None:
        self.base_url = base_url.rstrip("/")
        self.username = username
        self.password = password
        self.timeout = timeout
        self.retries = max(1, retries)
        self.backoff = backoff
        self.page_size = page_size
        self._http = requests.Session()
        self._token: str | None = None
        self._token_expires = 0.0
        self._lock = threading.Lock()

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

    def close(self) -> None:
        """Close the pooled connections."""
        self._http.close()

    # -- transport ----------------------------------------------------------------------------

    def _once(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        correlation_id = logs.correlation_id()
        if correlation_id:
            kwargs["headers"] = {**(kwargs.get("headers") or {}),
                                 "X-Correlation-ID": correlation_id}
        try:
            response = self._http.request(method, self.base_url + path, timeout=self.timeout,
                                          **kwargs)
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
            raise RegistryUnavailable(
                f"registry {self.base_url} unreachable ({exc.last_attempt.exception()})"
            ) from exc

    @staticmethod
    def _json(response: requests.Response, path: str) -> Any:
        if response.status_code >= 400:
            log.warning("registry %s answered %s", path, response.status_code)
            raise RegistryFailed(f"registry {path} answered {response.status_code}",
                                 response.status_code)
        try:
            return response.json()
        except ValueError as exc:
            raise RegistryFailed(f"registry {path} answered no JSON") from exc

    def service_token(self, *, refresh: bool = False) -> str:
        """A valid service token, logging in again when it is about to expire."""
        with self._lock:
            if refresh or self._token is None or time.monotonic() > self._token_expires:
                response = self._request(
                    "POST", "/auth/token",
                    json={"username": self.username, "password": self.password or ""})
                body = self._json(response, "/auth/token")
                self._token = str(body["access_token"])
                # Renew half a minute early so a token never expires mid-request.
                self._token_expires = time.monotonic() + max(
                    5.0, float(body.get("expires_in", 300)) - 30)
            return self._token

    def _get(self, path: str, params: Any = None) -> requests.Response:
        response = self._request("GET", path, params=params,
                                 headers={"Authorization": f"Bearer {self.service_token()}"})
        if response.status_code == 401:
            response = self._request(
                "GET", path, params=params,
                headers={"Authorization": f"Bearer {self.service_token(refresh=True)}"})
        return response

    # -- calls --------------------------------------------------------------------------------

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
            response = self._get("/volunteers", {"page": page, "page_size": self.page_size})
            items = self._json(response, "/volunteers")
            if not isinstance(items, list):
                raise RegistryFailed("registry /volunteers answered no list")
            for item in items:
                yield int(item["id"])
            if len(items) < self.page_size:
                return
            page += 1
