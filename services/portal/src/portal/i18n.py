"""Page texts in Chinese (default) and English: each blueprint registers its own catalog.

A catalog is `{"zh-CN": {key: text}, "en": {key: text}}`; `t(key, **kw)` (a Jinja global too)
looks the key up in the caller's language, falls back to Chinese, then to the key itself, and
formats it with `kw`. The language comes from the `lang` cookie set by `/lang/<code>`.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, current_app, has_request_context, redirect, request
from werkzeug.wrappers import Response

DEFAULT_LANGUAGE = "zh-CN"
LANGUAGES = ("zh-CN", "en")
COOKIE = "lang"

_CATALOG: dict[str, dict[str, str]] = {language: {} for language in LANGUAGES}

bp = Blueprint("i18n", __name__)


def register(catalog: dict[str, dict[str, str]]) -> None:
    """Add a blueprint's texts; a key defined twice is a mistake worth failing on at start-up."""
    for language, texts in catalog.items():
        target = _CATALOG.setdefault(language, {})
        for key, text in texts.items():
            if key in target and target[key] != text:
                raise ValueError(f"text {key!r} ({language}) registered twice, differently")
            target[key] = text


def language() -> str:
    """The caller's language: the cookie if valid, else the configured default."""
    if has_request_context():
        chosen = request.cookies.get(COOKIE)
        if chosen in LANGUAGES:
            return str(chosen)
        return str(current_app.config.get("DEFAULT_LANGUAGE", DEFAULT_LANGUAGE))
    return DEFAULT_LANGUAGE


def t(key: str, **kw: Any) -> str:
    """The text for key in the caller's language, formatted with kw."""
    text = _CATALOG.get(language(), {}).get(key) or _CATALOG[DEFAULT_LANGUAGE].get(key) or key
    return text.format(**kw) if kw else text


@bp.get("/lang/<code>")
def switch(code: str) -> Response:
    """Remember the chosen language and go back to the page (same site only)."""
    target = request.args.get("next") or "/"
    if not target.startswith("/") or target.startswith("//"):
        target = "/"
    answer = redirect(target)
    if code in LANGUAGES:
        answer.set_cookie(COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True,
                          secure=bool(current_app.config.get("COOKIE_SECURE")))
    return answer


def install(app: Flask) -> None:
    """Make `t` and the current language available to every template."""
    app.register_blueprint(bp)
    app.jinja_env.globals["t"] = t
    app.jinja_env.globals["current_language"] = language
