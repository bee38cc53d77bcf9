"""The whole Linli system as real processes on free ports, for end-to-end and browser tests.

`Stack(workdir, broker_url).start()` does what `make run` does, in a directory of its own:
migrate the three SQLite databases, seed the registry's demo county (or, with
`seed="district"`, the demo district), start gunicorn for each API (and the portal), the outbox
relays, the solve workers, the scheduler's consumer and the notifier's workers, plus a local
SMTP server writing a Maildir; then wait for every `/healthz` and have the notifier copy the
demo county volunteers' contact channels from the registry (`python -m notifier
sync-channels`). Each process runs in a
process group of its own with its output in `<workdir>/logs/<name>.log`, so a test can kill or
restart one of them by name.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from linli_testing.servers import free_port

ROOT = Path(__file__).resolve().parents[4]
SERVICES = ROOT / "services"
DEMO_PASSWORD = "linli-demo"
SECRET = "linli-stack-test-secret-0123456789abcdef"
GUNICORN_CONF = {
    "registry": SERVICES / "registry/src/registry/gunicorn.conf.py",
    "scheduler": SERVICES / "scheduler/src/scheduler/service/gunicorn.conf.py",
    "notifier": SERVICES / "notifier/src/notifier/gunicorn.conf.py",
    "portal": SERVICES / "portal/src/portal/gunicorn.conf.py",
}
WSGI = {
    "registry": "registry.wsgi:app",
    "scheduler": "scheduler.service.wsgi:app",
    "notifier": "notifier.wsgi:app",
    "portal": "portal.wsgi:app",
}
# The registry's channel names as the notifier spells them.


class StackError(RuntimeError):
    """The stack did not come up; the message ends with the processes' logs."""


class Stack:
    """Every Linli process, started and stopped together."""

    def __init__(self, workdir: Path, broker_url: str, *, solve_workers: int = 1,
                 notifier_workers: int = 1, portal: bool = True,
                 env: dict[str, str] | None = None, seed: str = "county") -> None:
        if seed not in ("county", "district"):
            raise ValueError(f"seed must be 'county' or 'district', not {seed!r}")
        self.seed = seed
        self.workdir = Path(workdir)
        self.broker_url = broker_url
        self.solve_workers = solve_workers
        self.notifier_workers = notifier_workers
        self.with_portal = portal
        self.extra_env = dict(env or {})
        apis = ["registry", "scheduler", "notifier"] + (["portal"] if portal else [])
        self.ports: dict[str, int] = {name: free_port() for name in [*apis, "smtp"]}
        self.urls: dict[str, str] = {name: f"http://127.0.0.1:{self.ports[name]}"
                                     for name in apis}
        self.mail_dir = self.workdir / "mail"
        self.sms_outbox = self.workdir / "sms-outbox.log"
        self.log_dir = self.workdir / "logs"
        self.env = self._environment()
        self.commands: dict[str, list[str]] = self._commands()
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    # -- configuration -------------------------------------------------------------------------

    def _environment(self) -> dict[str, str]:
        """Environment of every process (the caller's `env` wins)."""
        env = dict(os.environ)
        public = self.urls.get("portal", self.urls["notifier"])
        env.update({
            "BROKER_URL": self.broker_url,
            "LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
            "WEB_CONCURRENCY": "2",
            "PATH": f"{Path(sys.executable).parent}:{env.get('PATH', '')}",
            "REGISTRY_DATABASE_URL": f"sqlite:///{self.workdir / 'registry.db'}",
            "REGISTRY_JWT_SECRET": SECRET,
            "SCHEDULER_DATABASE_URL": f"sqlite:///{self.workdir / 'scheduler.db'}",
            "SCHEDULER_JWT_SECRET": SECRET,
            "SCHEDULER_REGISTRY_URL": self.urls["registry"],
            "SCHEDULER_RELAY_POLL_INTERVAL": "0.2",
            "NOTIFIER_DATABASE_URL": f"sqlite:///{self.workdir / 'notifier.db'}",
            "NOTIFIER_JWT_SECRET": SECRET,
            "NOTIFIER_SMTP_HOST": "127.0.0.1",
            "NOTIFIER_SMTP_PORT": str(self.ports["smtp"]),
            "NOTIFIER_SMS_PROVIDER": "file",
            "NOTIFIER_SMS_OUTBOX_PATH": str(self.sms_outbox),
            "NOTIFIER_PUBLIC_BASE_URL": self.urls["notifier"],
            # Volunteers' response links open the portal when there is one.
            "NOTIFIER_RESPONSE_BASE_URL": public,
            "NOTIFIER_POLL_INTERVAL": "0.2",
            # The notifier reads contact channels from this stack's registry (its demo
            # account `notifier` and password are the notifier's defaults).
            "NOTIFIER_REGISTRY_URL": self.urls["registry"],
            "PORTAL_REGISTRY_URL": self.urls["registry"],
            "PORTAL_SCHEDULER_URL": self.urls["scheduler"],
            "PORTAL_NOTIFIER_URL": self.urls["notifier"],
            "PORTAL_SERVICE_USERNAME": "portal",
            "PORTAL_SERVICE_PASSWORD": DEMO_PASSWORD,
            "PORTAL_SECRET_KEY": "linli-stack-test-portal-secret",
        })
        env.update(self.extra_env)
        return env

    def _commands(self) -> dict[str, list[str]]:
        """Command line of each named process."""
        python = sys.executable
        gunicorn = str(Path(python).parent / "gunicorn")
        commands: dict[str, list[str]] = {
            "mail": [python, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{self.ports['smtp']}",
                     "-c", "aiosmtpd.handlers.Mailbox", str(self.mail_dir)],
        }
        for name in self.urls:
            commands[name] = [gunicorn, "-c", str(GUNICORN_CONF[name]), WSGI[name]]
        commands["registry-relay"] = [python, "-m", "registry", "relay"]
        commands["scheduler-relay"] = [python, "-m", "scheduler.service", "relay"]
        commands["scheduler-consumer"] = [python, "-m", "scheduler.service", "consume"]
        for n in range(1, self.solve_workers + 1):
            commands[f"solve-worker-{n}"] = [python, "-m", "scheduler.service", "solve-worker"]
        for n in range(1, self.notifier_workers + 1):
            commands[f"notifier-worker-{n}"] = [python, "-m", "notifier", "worker"]
        return commands

    # -- life cycle ----------------------------------------------------------------------------

    def start(self, timeout: float = 90.0) -> Stack:
        """Prepare the databases, start every process, wait until the APIs answer."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.log_dir.mkdir(exist_ok=True)
        self.mail_dir.mkdir(exist_ok=True)
        try:
            self._prepare_databases()
            for name in self.commands:
                self._spawn(name)
            self.wait_healthy(timeout=timeout)
            if self.seed == "county":
                # The district's 3,000 volunteers one by one would take minutes: a district
                # test copies the channels it needs itself (`channel_settings`).
                self.copy_demo_channels()
        except BaseException:
            self.stop()
            raise
        return self

    def _prepare_databases(self) -> None:
        """Migrations of the three services side by side; the demo seed after the registry's."""
        steps = [
            [["registry", "migrate"],
             ["registry", "seed-demo", *(["--district"] if self.seed == "district" else [])]],
            [["scheduler.service", "migrate"]],
            [["notifier", "migrate"]],
        ]

        def run(chain: list[list[str]]) -> None:
            for command in chain:
                done = subprocess.run([sys.executable, "-m", *command], env=self.env,
                                      cwd=self.workdir, capture_output=True, check=False)
                if done.returncode != 0:
                    raise StackError(f"{' '.join(command)} failed:\n"
                                     f"{done.stdout.decode(errors='replace')[-2000:]}\n"
                                     f"{done.stderr.decode(errors='replace')[-4000:]}")

        with ThreadPoolExecutor(len(steps)) as pool:
            for future in [pool.submit(run, chain) for chain in steps]:
                future.result()

    def _spawn(self, name: str) -> subprocess.Popen[bytes]:
        env = dict(self.env)
        if name in self.ports:
            env["PORT"] = str(self.ports[name])
        with open(self.log_dir / f"{name}.log", "ab") as log:
            process = subprocess.Popen(self.commands[name], env=env, cwd=self.workdir,
                                       stdout=log, stderr=subprocess.STDOUT,
                                       start_new_session=True)
        self.processes[name] = process
        return process

    def wait_healthy(self, names: list[str] | None = None, timeout: float = 90.0) -> None:
        """Wait until each API answers `/healthz`; fail early when a process has died."""
        waiting = list(names or self.urls)
        deadline = time.monotonic() + timeout
        while waiting:
            for name, process in self.processes.items():
                if process.poll() is not None and name in self.commands:
                    raise StackError(f"{name} exited with {process.returncode}\n{self.logs()}")
            for name in list(waiting):
                try:
                    if requests.get(f"{self.urls[name]}/healthz", timeout=2).status_code == 200:
                        waiting.remove(name)
                except requests.RequestException:
                    pass
            if waiting and time.monotonic() > deadline:
                raise StackError(f"{', '.join(waiting)} not healthy after {timeout} s\n"
                                 f"{self.logs()}")
            if waiting:
                time.sleep(0.2)

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Send a signal to one process's whole group (gunicorn's workers too) and reap it."""
        process = self.processes[name]
        if process.poll() is None:
            try:
                os.killpg(process.pid, sig)
            except ProcessLookupError:
                return
            if sig in (signal.SIGKILL, signal.SIGTERM, signal.SIGINT):
                try:
                    process.wait(30)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait(10)

    def restart(self, name: str) -> None:
        """Stop one process (if running) and start it again; wait for it if it is an API."""
        self.kill(name, signal.SIGTERM)
        self._spawn(name)
        if name in self.urls:
            self.wait_healthy([name])

    def stop(self) -> None:
        """TERM every process group, then KILL whatever is left after a grace period."""
        for process in self.processes.values():
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + 15
        for process in self.processes.values():
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
        for process in self.processes.values():
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            if process.poll() is None:
                process.wait(10)

    def logs(self, tail: int = 3000) -> str:
        """The end of every process's log, for failure messages."""
        return "\n".join(f"== {path.stem}\n{path.read_text(errors='replace')[-tail:]}"
                         for path in sorted(self.log_dir.glob("*.log")))

    def __enter__(self) -> Stack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- demo data -----------------------------------------------------------------------------

    def token(self, username: str, password: str = DEMO_PASSWORD) -> str:
        """A bearer token from the registry."""
        answer = requests.post(f"{self.urls['registry']}/auth/token", timeout=30,
                               json={"username": username, "password": password})
        answer.raise_for_status()
        return str(answer.json()["access_token"])

    def copy_demo_channels(self) -> int:
        """Give the notifier each demo volunteer's channels and consent, as `make run` does:
        `python -m notifier sync-channels` against this stack's registry."""
        done = subprocess.run([sys.executable, "-m", "notifier", "sync-channels"],
                              env=self.env, cwd=self.workdir, capture_output=True, text=True,
                              timeout=600, check=False)
        found = re.search(r"synced: (\d+) volunteers", done.stdout)
        if done.returncode != 0 or found is None:
            raise StackError(f"notifier sync-channels failed ({done.returncode}):\n"
                             f"{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
        return int(found.group(1))
