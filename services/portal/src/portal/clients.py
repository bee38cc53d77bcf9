"""`Backends`: the registry, scheduler and notifier APIs as the logged-in user sees them.

Every call carries the session's bearer token and a timeout. A 4xx/5xx answer or an
unreachable service becomes a `BackendError` whose message and field messages a page can show
as they are; pages never turn one into a 500.
"""

from __future__ import annotations

import json as _json
from dataclasses import dataclass, field
from typing import Any

import requests
from flask import current_app

from linli_contracts.logs import correlation_id
from portal import session_user

SERVICES = ("registry", "scheduler", "notifier")


@dataclass
class BackendError(Exception):
    """A back-end call that did not succeed, in words a page can show."""

    status: int
    message: str
    fields: dict[str, list[str]] = field(default_factory=dict)
    service: str = ""

    def __str__(self) -> str:
        return self.message

    def lines(self) -> list[str]:
        """The message, then one line per field problem."""
        return [self.message] + [f"{name}: {'; '.join(problems)}"
                                 for name, problems in self.fields.items()]


def _flatten(errors: Any, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow-style nested errors as `{"a.b": [messages]}`."""
    found: dict[str, list[str]] = {}
    if isinstance(errors, dict):
        for key, value in errors.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            # flask-smorest nests body errors under the location ("json", "query").
            if not prefix and key in ("json", "query", "form", "files", "path"):
                name = ""
            found.update(_flatten(value, name))
    elif isinstance(errors, list) and all(isinstance(item, str) for item in errors):
        found[prefix or "_"] = list(errors)
    elif isinstance(errors, list):
        for index, item in enumerate(errors):
            found.update(_flatten(item, f"{prefix}[{index}]"))
    elif errors is not None:
        found[prefix or "_"] = [str(errors)]
    return found


class Backends:
    """HTTP calls to the three services with one bearer token (the caller's by default)."""

    def __init__(self, token: str | None = None, settings: dict[str, Any] | None = None) -> None:
        self.settings = settings if settings is not None else current_app.config
        self.token = token if token is not None else session_user.token()
        self.timeout = float(self.settings.get("BACKEND_TIMEOUT", 15.0))

    def url(self, service: str, path: str) -> str:
        """Absolute URL of a path on a service."""
        return f"{self.settings[service.upper() + '_URL']}{path}"

    def request(self, service: str, method: str, path: str, *, json: Any = None,
                params: dict[str, Any] | None = None, files: Any = None,
                data: Any = None, raw: bool = False,
                headers: dict[str, str] | None = None) -> Any:
        """One call; the decoded JSON answer (or the response itself when raw)."""
        headers = {"Accept": "application/json", "Accept-Language": _accept_language(),
                   **(headers or {})}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        # The page's correlation id goes along, so one click is found in every service's logs.
        current = correlation_id()
        if current:
            headers.setdefault("X-Correlation-ID", current)
        try:
            answer = requests.request(method, self.url(service, path), json=json, params=params,
                                      files=files, data=data, headers=headers,
                                      timeout=self.timeout)
        except requests.RequestException as exc:
            raise BackendError(503, _unavailable(service), service=service) from exc
        if answer.status_code >= 400:
            raise _error(service, answer)
        if raw:
            return answer
        if answer.status_code == 204 or not answer.content:
            return None
        try:
            return answer.json()
        except ValueError as exc:
            raise BackendError(502, _unavailable(service), service=service) from exc

    def get(self, service: str, path: str, **params: Any) -> Any:
        """GET with query parameters (None values left out)."""
        clean = {key: value for key, value in params.items() if value is not None}
        return self.request(service, "GET", path, params=clean)

    def post(self, service: str, path: str, body: Any = None, **kw: Any) -> Any:
        """POST a JSON body."""
        return self.request(service, "POST", path, json=body if body is not None else {}, **kw)

    def patch(self, service: str, path: str, body: Any) -> Any:
        """PATCH a JSON body."""
        return self.request(service, "PATCH", path, json=body)

    def put(self, service: str, path: str, body: Any) -> Any:
        """PUT a JSON body."""
        return self.request(service, "PUT", path, json=body)

    def delete(self, service: str, path: str, **params: Any) -> Any:
        """DELETE."""
        return self.request(service, "DELETE", path, params=params or None)

    def count(self, service: str, path: str, **params: Any) -> int:
        """How many items a paginated list holds (its X-Pagination total)."""
        clean = {key: value for key, value in params.items() if value is not None}
        answer = self.request(service, "GET", path, params={**clean, "page_size": 1}, raw=True)
        try:
            return int(_json.loads(answer.headers.get("X-Pagination", "{}")).get("total", 0))
        except (ValueError, TypeError):
            return len(answer.json() or [])

    def all_pages(self, service: str, path: str, page_size: int = 200, **params: Any) -> list:
        """Every item of a paginated list (`page`/`page_size` parameters)."""
        items: list[Any] = []
        page = 1
        while True:
            batch = self.get(service, path, page=page, page_size=page_size, **params) or []
            items.extend(batch)
            if len(batch) < page_size:
                return items
            page += 1


def _accept_language() -> str:
    from portal.i18n import language  # noqa: PLC0415 - request-time only

    return "en" if language() == "en" else "zh-CN"


def _unavailable(service: str) -> str:
    from portal.i18n import t  # noqa: PLC0415

    return t("backend_unavailable", service=t(f"service_{service}"))


def _error(service: str, answer: requests.Response) -> BackendError:
    """A BackendError from a 4xx/5xx answer (flask-smorest's JSON error body when present)."""
    from portal.i18n import t  # noqa: PLC0415

    try:
        body = answer.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    if answer.status_code >= 500:
        return BackendError(answer.status_code, _unavailable(service), service=service)
    message = body.get("message") or body.get("status") or t(f"http_{answer.status_code}")
    if message == t(f"http_{answer.status_code}") and answer.status_code not in (401, 403, 404):
        message = t("request_refused")
    fields = _flatten(body.get("errors")) if body.get("errors") else {}
    return BackendError(answer.status_code, str(message), fields, service)
