"""API throughput and p99 latency of the registry and the scheduler, beside a bare Flask endpoint.

The whole system runs as `make run` starts it (`linli_testing.stack.Stack`: every API under its
own gunicorn settings, SQLite databases, a Redis of this run's own) with the demo county. A
plan for the county's first spring-term week is created and solved by a solve worker; then
every process but the two APIs is stopped, so the measurements share the machine with nothing
of Linli's own. A bare Flask app (`bare_app.py`: same path, a page of the same size, no auth,
no database) runs under the registry's gunicorn settings (sync workers, WEB_CONCURRENCY of
them, as the scheduler's); wrk drives each endpoint in turn with the same connections and
duration. The ratio of an endpoint's throughput to the bare endpoint's says how much of the
machine's budget Linli's own work per request (auth, query, serialisation) takes.

Endpoints: the registry's paginated volunteer list, one volunteer and the shift list; the
scheduler's plan list, one day of a plan's assignments, the plan's report and the candidates
for one slot (the engine ranks volunteers inside the request).

Usage: python bench/api_bench.py [--duration 10] [--connections 16] [--quick] [--wrk PATH]
Writes bench/results/api.json (with the machine's load average before and after) and prints
a table. `--quick` runs each endpoint for 2 s, to check that the benchmark works.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench/results/api.json"
REGISTRY_CONF = ROOT / "services/registry/src/registry/gunicorn.conf.py"
WEEK = {"start": "2026-03-02", "end": "2026-03-08"}
SOLVE_TIME_LIMIT = 10
UNIT_SECONDS = {"us": 1e-6, "ms": 1e-3, "s": 1.0}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line; `--quick` shortens every run to 2 s."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per endpoint")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--timeout", type=int, default=30,
                        help="seconds before wrk counts a request as timed out")
    parser.add_argument("--quick", action="store_true", help="2 s per endpoint (smoke run)")
    parser.add_argument("--wrk", default=os.environ.get("LINLI_WRK") or shutil.which("wrk"))
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if args.quick:
        args.duration = 2
    if min(args.duration, args.connections, args.threads, args.timeout) < 1:
        parser.error("--duration, --connections, --threads and --timeout must be at least 1")
    if args.threads > args.connections:
        parser.error("--threads must not exceed --connections")
    return args


def parse_wrk(output: str) -> dict[str, Any]:
    """Requests/s, p50 and p99 latency (ms) and error counts from `wrk --latency` output."""
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if not rps:
        raise ValueError(f"no Requests/sec in wrk output:\n{output}")
    total = re.search(r"(\d+) requests in", output)

    def percentile(label: str) -> float | None:
        # With no request completed, wrk prints 0us percentiles: there is no latency to report.
        match = re.search(rf"\s{label}%\s+([\d.]+)(us|ms|s)\b", output)
        if not match or (total and int(total.group(1)) == 0):
            return None
        return float(match.group(1)) * UNIT_SECONDS[match.group(2)] * 1000

    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(r"Socket errors:.*", output)
    return {
        "requests_per_second": float(rps.group(1)),
        "requests": int(total.group(1)) if total else 0,
        "p50_ms": percentile("50"),
        "p99_ms": percentile("99"),
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": errors.group(0) if errors else "",
    }


def format_table(report: dict[str, Any]) -> str:
    """The printed table: one row per endpoint, the bare endpoint first, ratios to it."""
    settings, results = report["settings"], report["results"]
    bare = results["bare_flask"]["requests_per_second"]
    load = report["machine"]["load_average"]
    lines = [
        f"Linli APIs under gunicorn ({report['machine']['cpus']} CPUs, "
        f"{settings['connections']} connections, {settings['duration_s']} s each; load average "
        f"{load['before'][0]:.2f} before, {load['after'][0]:.2f} after)",
        f"{'endpoint':<26}{'path':<44}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'non-2xx':>9}"
        f"{'vs bare':>9}",
    ]
    for name, row in results.items():
        ratio = f"{row['requests_per_second'] / bare:.2f}" if bare else "n/a"
        path = row["path"] if len(row["path"]) <= 42 else row["path"][:41] + "…"
        lines.append(
            f"{name:<26}{path:<44}{row['requests_per_second']:>9.0f}{_ms(row['p50_ms'])}"
            f"{_ms(row['p99_ms'])}{row['non_2xx']:>9}{ratio:>9}"
        )
    if any(row["requests"] == 0 for row in results.values()):
        lines.append("n/a: no request finished within the run (see --duration and --timeout)")
    return "\n".join(lines)


def _ms(value: float | None) -> str:
    return f"{'n/a':>9}" if value is None else f"{value:>9.2f}"


def run_wrk(args: argparse.Namespace, url: str, token: str | None) -> dict[str, Any]:
    """One wrk run against `url`."""
    command = [args.wrk, f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s",
               f"--timeout={args.timeout}s", "--latency", url]
    if token:
        command += ["-H", f"Authorization: Bearer {token}"]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return parse_wrk(done.stdout)


def _http(method: str, url: str, token: str, body: Any = None) -> Any:
    import requests  # noqa: PLC0415 - installed with the test tools the benchmark runs on

    answer = requests.request(method, url, json=body, timeout=60,
                              headers={"Authorization": f"Bearer {token}"})
    answer.raise_for_status()
    return answer.json()


def solved_plan(stack: Any, token: str) -> dict[str, Any]:
    """A plan for the whole demo county's week, solved by a worker; its id and a few ids."""
    registry, scheduler = stack.urls["registry"], stack.urls["scheduler"]
    communities = [c["id"] for c in _http("GET", f"{registry}/communities?page_size=100", token)]
    plan = _http("POST", f"{scheduler}/plans", token,
                 {"community_ids": communities, **WEEK, "title": "基准测试"})
    _http("POST", f"{scheduler}/plans/{plan['id']}/solve", token,
          {"time_limit": SOLVE_TIME_LIMIT})
    deadline = time.monotonic() + SOLVE_TIME_LIMIT * 10
    while True:
        job = _http("GET", f"{scheduler}/plans/{plan['id']}/solve", token)
        if job["status"] == "succeeded":
            break
        if job["status"] not in ("queued", "running") or time.monotonic() > deadline:
            raise RuntimeError(f"the benchmark plan was not solved: {job}")
        time.sleep(0.5)
    report = _http("GET", f"{scheduler}/plans/{plan['id']}/report", token)
    rows = _http("GET", f"{scheduler}/plans/{plan['id']}/assignments?page_size=1", token)
    slot = (report.get("unfilled") or [{}])[0]
    return {
        "id": plan["id"],
        "shift_id": slot.get("shift_id") or rows[0]["shift_id"],
        "skill": slot.get("skill") or rows[0]["skill"],
    }


def endpoints(stack: Any, bare_url: str, token: str, plan: dict[str, Any]) -> dict[str, str]:
    """Name -> URL of every measured endpoint, the bare one first."""
    registry, scheduler = stack.urls["registry"], stack.urls["scheduler"]
    volunteer = _http("GET", f"{registry}/volunteers?page=1&page_size=1", token)[0]["id"]
    pid = plan["id"]
    return {
        "bare_flask": f"{bare_url}/volunteers",
        "registry_volunteer_list": f"{registry}/volunteers?page=1&page_size=50",
        "registry_volunteer": f"{registry}/volunteers/{volunteer}",
        "registry_shift_list": f"{registry}/shifts?page=1&page_size=50&start={WEEK['start']}"
                               f"&end={WEEK['end']}",
        "scheduler_plan_list": f"{scheduler}/plans?page=1&page_size=50",
        "scheduler_assignments": f"{scheduler}/plans/{pid}/assignments?date={WEEK['start']}"
                                 "&page=1&page_size=50",
        "scheduler_report": f"{scheduler}/plans/{pid}/report",
        "scheduler_candidates": f"{scheduler}/plans/{pid}/candidates?shift_id={plan['shift_id']}"
                                f"&skill={plan['skill']}&limit=10",
    }


def start_bare(env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    """The bare Flask app under the registry's gunicorn settings, on a free port."""
    from linli_testing.servers import free_port  # noqa: PLC0415

    port = free_port()
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-c", str(REGISTRY_CONF), "bare_app:app"],
        env=dict(env, PORT=str(port), PYTHONPATH=str(ROOT / "bench")), cwd=ROOT,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    return process, f"http://127.0.0.1:{port}"


def wait_healthy(url: str, timeout: float = 60.0) -> None:
    """Wait until GET url/healthz answers 200."""
    import requests  # noqa: PLC0415

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not become healthy")


def measure(args: argparse.Namespace) -> dict[str, Any]:
    """Start the system, solve a plan, measure every endpoint; the report."""
    from linli_testing.servers import RedisServer  # noqa: PLC0415
    from linli_testing.stack import Stack  # noqa: PLC0415

    workdir = Path(tempfile.mkdtemp(prefix="linli-api-bench-"))
    redis = RedisServer().start()
    stack = Stack(workdir, redis.url, portal=False,
                  env={"LOG_LEVEL": "WARNING", "REGISTRY_TOKEN_TTL_SECONDS": "3600"})
    bare = None
    try:
        stack.start()
        token = stack.token("coord_county")
        plan = solved_plan(stack, token)
        for name in list(stack.processes):
            if name not in ("registry", "scheduler"):
                stack.kill(name, 15)
        bare, bare_url = start_bare(stack.env)
        wait_healthy(bare_url)
        urls = endpoints(stack, bare_url, token, plan)
        load_before = os.getloadavg()
        results = {}
        for name, url in urls.items():
            results[name] = {"path": "/" + url.split("/", 3)[3], **run_wrk(args, url, token)}
        load_after = os.getloadavg()
    finally:
        if bare is not None:
            os.killpg(bare.pid, 15)
            bare.wait(30)
        stack.stop()
        redis.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    return {
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "load_average": {"before": list(load_before), "after": list(load_after)},
        },
        "settings": {
            "duration_s": args.duration,
            "connections": args.connections,
            "threads": args.threads,
            "web_concurrency": stack.env.get("WEB_CONCURRENCY"),
            "gunicorn_conf": {
                "registry": "services/registry/src/registry/gunicorn.conf.py",
                "scheduler": "services/scheduler/src/scheduler/service/gunicorn.conf.py",
                "bare_flask": "services/registry/src/registry/gunicorn.conf.py",
            },
            "data": "demo county; one week planned and solved "
                    f"({WEEK['start']}..{WEEK['end']}, time limit {SOLVE_TIME_LIMIT} s)",
        },
        "results": results,
    }


def main(argv: list[str] | None = None) -> int:
    """Measure, write the results file and print the table."""
    args = parse_args(argv)
    if not args.wrk:
        print("wrk is not installed: run `make bench`, which installs it", file=sys.stderr)
        return 2
    report = measure(args)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", "utf-8")
    print()
    print(format_table(report))
    print(f"(written to {args.out})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
