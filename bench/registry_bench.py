"""Registry throughput: a paginated volunteer list under gunicorn, beside a bare Flask endpoint.

Both apps run under the registry's own gunicorn settings (same workers, same worker class) on
free loopback ports, against a throw-away SQLite database seeded with the demo county. wrk
drives each for the same duration and connection count; the figure is the ratio of the
registry's throughput to the bare endpoint's, which says how much of the machine's budget the
registry's own work (auth, query, serialisation) takes.

Usage: python bench/registry_bench.py [--duration 10] [--connections 16] [--wrk PATH]
Writes bench/results/registry.json and prints a table.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUNICORN_CONF = ROOT / "services/registry/src/registry/gunicorn.conf.py"
RESULTS = ROOT / "bench/results/registry.json"
LIST_PATH = "/volunteers?page=1&page_size=50"


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_healthy(port: int, path: str, timeout: float = 60.0) -> None:
    """Wait until GET path answers 200."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server on port {port} did not become healthy")


def start_gunicorn(app: str, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """Start gunicorn with the registry's settings, serving `app` on `port`."""
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-c", str(GUNICORN_CONF), app],
        env=dict(env, PORT=str(port)),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a gunicorn master and wait for it."""
    process.terminate()
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def get_token(port: int) -> str:
    """Log in as the demo admin and return a bearer token."""
    body = json.dumps({"username": "admin", "password": "linli-demo"}).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/auth/token",
        data=body,
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as resp:
        return str(json.load(resp)["access_token"])


UNIT_SECONDS = {"us": 1e-6, "ms": 1e-3, "s": 1.0}


def run_wrk(wrk: str, url: str, duration: int, connections: int, headers: list[str]) -> dict:
    """Run wrk and return requests/s, p50 and p99 latency in milliseconds, and error counts."""
    args = [wrk, "-t2", f"-c{connections}", f"-d{duration}s", "--latency", url]
    for header in headers:
        args += ["-H", header]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]

    def percentile(label: str) -> float:
        match = re.search(rf"\s{label}%\s+([\d.]+)(us|ms|s)", out)
        if not match:
            return float("nan")
        return float(match.group(1)) * UNIT_SECONDS[match.group(2)] * 1000

    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*", out)
    return {
        "requests_per_second": rps,
        "p50_ms": percentile("50"),
        "p99_ms": percentile("99"),
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": errors.group(0) if errors else "",
    }


def main() -> int:
    """Measure both endpoints and write the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--wrk", default=os.environ.get("LINLI_WRK") or shutil.which("wrk"))
    args = parser.parse_args()
    if not args.wrk:
        print("wrk is not installed: run `make bench`, which installs it", file=sys.stderr)
        return 2

    workdir = Path(tempfile.mkdtemp(prefix="linli-bench-"))
    env = dict(
        os.environ,
        REGISTRY_DATABASE_URL=f"sqlite:///{workdir / 'registry.db'}",
        REGISTRY_JWT_SECRET="linli-benchmark-secret-of-at-least-32-bytes",
        REGISTRY_TOKEN_TTL_SECONDS="3600",
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT / "bench"),
    )
    subprocess.run([sys.executable, "-m", "registry", "migrate"], env=env, check=True)
    subprocess.run([sys.executable, "-m", "registry", "seed-demo"], env=env, check=True,
                   stdout=subprocess.DEVNULL)

    results = {}
    registry_port, bare_port = free_port(), free_port()
    registry = start_gunicorn("registry.wsgi:app", registry_port, env)
    bare = start_gunicorn("bare_app:app", bare_port, env)
    try:
        wait_healthy(registry_port, "/healthz")
        wait_healthy(bare_port, "/healthz")
        token = get_token(registry_port)
        auth = [f"Authorization: Bearer {token}"]
        results["bare_flask"] = run_wrk(
            args.wrk, f"http://127.0.0.1:{bare_port}/volunteers", args.duration,
            args.connections, auth,
        )
        results["registry_volunteer_list"] = run_wrk(
            args.wrk, f"http://127.0.0.1:{registry_port}{LIST_PATH}", args.duration,
            args.connections, auth,
        )
    finally:
        stop(registry)
        stop(bare)
        shutil.rmtree(workdir, ignore_errors=True)

    ratio = (
        results["registry_volunteer_list"]["requests_per_second"]
        / results["bare_flask"]["requests_per_second"]
    )
    report = {
        "machine": {"cpus": os.cpu_count()},
        "settings": {"duration_s": args.duration, "connections": args.connections,
                     "path": LIST_PATH, "gunicorn_conf": str(GUNICORN_CONF.relative_to(ROOT))},
        "results": results,
        "ratio_registry_to_bare": ratio,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    print(f"\nRegistry API under gunicorn ({os.cpu_count()} CPUs, {args.connections} connections, "
          f"{args.duration} s each)")
    print(f"{'endpoint':<28}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'non-2xx':>10}")
    for name, row in results.items():
        print(f"{name:<28}{row['requests_per_second']:>10.0f}{row['p50_ms']:>10.2f}"
              f"{row['p99_ms']:>10.2f}{row['non_2xx']:>10}")
    print(f"ratio registry / bare Flask: {ratio:.2f}   (written to {RESULTS.relative_to(ROOT)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
