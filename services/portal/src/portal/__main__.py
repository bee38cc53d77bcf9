"""`python -m portal`: run the development server (production uses gunicorn, see wsgi.py)."""

from __future__ import annotations

import os

from portal.app import create_app


def main() -> None:
    """Serve on 127.0.0.1:$PORT (8000 by default)."""
    create_app().run(host="127.0.0.1", port=int(os.environ.get("PORT", "8000")))


if __name__ == "__main__":
    main()
