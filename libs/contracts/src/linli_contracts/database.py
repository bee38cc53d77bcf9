"""Database URLs as every service reads them from its environment."""

from __future__ import annotations

from pathlib import Path

SQLITE = "sqlite:///"


def absolute_database_url(url: str, base: Path | None = None) -> str:
    """Give plain PostgreSQL URLs the psycopg 3 driver; make a relative SQLite path absolute
    (against base or the cwd) and create its folder."""
    for plain in ("postgres://", "postgresql://"):
        if url.startswith(plain):
            # psycopg 3 is the driver installed; SQLAlchemy would otherwise pick psycopg2.
            return "postgresql+psycopg://" + url[len(plain):]
    if not url.startswith(SQLITE) or url == "sqlite:///:memory:":
        return url
    path = Path(url[len(SQLITE):])
    if not path.is_absolute():
        path = (base or Path.cwd()) / path
    path.parent.mkdir(parents=True, exist_ok=True)
    return SQLITE + str(path)
