"""CSRF on every form, same-origin posts, security headers and no caching of signed-in pages.

Flask-WTF's `CSRFProtect` checks a token on every POST/PUT/PATCH/DELETE (and, on HTTPS, the
Referer). The Origin check below also refuses cross-site posts over plain HTTP, where
Flask-WTF does not look. A refused form gets a readable page with status 400.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import Flask, Response, render_template, request
from flask_wtf.csrf import CSRFError, CSRFProtect

log = logging.getLogger("portal.http")
csrf = CSRFProtect()

# No inline scripts or styles: every script and style sheet is a file under /static.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}
# Volunteer links carry their secret in the path.
_UNSAFE = ("POST", "PUT", "PATCH", "DELETE")


def install(app: Flask) -> None:
    """Wire CSRF, the Origin check, the headers and the access log into the app."""
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # valid as long as the session
    app.config["WTF_CSRF_SSL_STRICT"] = True
    csrf.init_app(app)
    app.before_request(_same_origin)
    app.after_request(_headers)
    app.register_error_handler(CSRFError, _csrf_refused)


def _same_origin() -> tuple[str, int] | None:
    """Refuse a state-changing request whose Origin names another site."""
    if request.method not in _UNSAFE:
        return None
    origin = request.headers.get("Origin")
    if origin and origin != "null":
        if urlsplit(origin).netloc != request.host:
            return _refused_page("csrf_cross_site"), 400
    return None


def _csrf_refused(error: CSRFError) -> tuple[str, int]:
    log.info("form refused: %s", error.description)
    return _refused_page("csrf_refused"), 400


def _refused_page(reason: str) -> str:
    return render_template("error.html", title_key="csrf_title", message_key=reason)


def _headers(response: Response) -> Response:
    """Security headers on every answer, no caching of signed-in pages (the access line comes
    from the metrics instrumentation, by route, so link tokens never reach the log)."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if not request.path.startswith("/static/"):
        response.headers.setdefault("Cache-Control", "no-store")
    return response
