"""Transport of a service's HTTP client of the registry: retries, service login, JSON answers.

Every request is retried a bounded number of times with exponential back-off when the registry
cannot be reached, times out or answers 5xx; then it raises `RegistryUnavailable`. An answer
that is not usable (a 4xx the caller did not handle, bad JSON) raises `RegistryFailed`. A
service token is fetched with the service's credentials, renewed before it expires and once
more when the registry answers 401. Log lines name the method, path and status, never a
request or response body (they hold names and phone numbers).

A service subclasses `RegistryClient` with its domain calls and settings, names its own logger
(`log`) so its log lines keep their origin, and may override `_unavailable` and `_failed` to
raise its own exception types.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, ClassVar

import requests
from tenacity import (
    RetryError,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
)

from linli_contracts import logs

__all__ = ["RegistryClient", "RegistryError", "RegistryFailed", "RegistryUnavailable"]


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
    """Talks to the registry with one service account's credentials."""

    #: Where the transport's log lines go; a subclass names its own module's logger.
    log: ClassVar[logging.Logger] = logging.getLogger(__name__)

    def __init__(self, base_url: str, username: str, password: str | None, *,
                 timeout: float = 10.0, retries: int = 3, backoff: float = 0.2) -> None:
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

    def close(self) -> None:
        """Close the pooled connections."""
        self._http.close()

    # -- what a failure raises ----------------------------------------------------------------

    def _unavailable(self, last: BaseException | None) -> Exception:
        """The exception once every attempt failed; `last` is the last attempt's failure."""
        return RegistryUnavailable(f"registry {self.base_url} unreachable ({last})")

    def _failed(self, path: str, status: int | None) -> Exception:
        """The exception for an unusable answer: a 4xx `status`, or None for a body that is
        no JSON."""
        if status is None:
            return RegistryFailed(f"registry {path} answered no JSON")
        return RegistryFailed(f"registry {path} answered {status}", status)

    # -- transport ----------------------------------------------------------------------------

    def _once(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        correlation_id = logs.correlation_id()
        if correlation_id:
            # The registry's log lines for this call carry the caller's id too.
            kwargs["headers"] = {**(kwargs.get("headers") or {}),
                                 "X-Correlation-ID": correlation_id}
        try:
            response = self._http.request(method, self.base_url + path, timeout=self.timeout,
                                          **kwargs)
        except (requests.ConnectionError, requests.Timeout) as exc:
            self.log.warning("registry %s %s failed: %s", method, path, type(exc).__name__)
            raise _Retryable(type(exc).__name__) from exc
        if response.status_code >= 500:
            self.log.warning("registry %s %s answered %s", method, path, response.status_code)
            raise _Retryable(f"HTTP {response.status_code}")
        return response

    def _request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """One request, retried on connection failures, timeouts and 5xx; any other answer
        (4xx included) is returned as it came."""
        retrying = Retrying(
            stop=stop_after_attempt(self.retries),
            wait=wait_exponential(multiplier=self.backoff, max=5),
            retry=retry_if_exception_type(_Retryable),
            reraise=False,
        )
        try:
            return retrying(self._once, method, path, **kwargs)
        except RetryError as exc:
            raise self._unavailable(exc.last_attempt.exception()) from exc

    def _json(self, response: requests.Response, path: str) -> Any:
        """The decoded body of a successful answer."""
        if response.status_code >= 400:
            self.log.warning("registry %s answered %s", path, response.status_code)
            raise self._failed(path, response.status_code)
        try:
            return response.json()
        except ValueError as exc:
            raise self._failed(path, None) from exc

    # -- service token ------------------------------------------------------------------------

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
        """GET as the service, logging in again once when the registry refuses the token."""
        response = self._request("GET", path, params=params,
                                 headers={"Authorization": f"Bearer {self.service_token()}"})
        if response.status_code == 401:
            response = self._request(
                "GET", path, params=params,
                headers={"Authorization": f"Bearer {self.service_token(refresh=True)}"})
        return response

    def get_json(self, path: str, params: Any = None) -> Any:
        """GET as the service and decode the answer (raises on 4xx and bad JSON)."""
        return self._json(self._get(path, params), path)
