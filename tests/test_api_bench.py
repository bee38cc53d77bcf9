"""The API benchmark's command line, wrk parsing and table, on made-up results (no servers)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "bench/api_bench.py"
WRK_OUTPUT = """\
Running 2s test @ http://127.0.0.1:40123/volunteers?page=1&page_size=50
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    38.21ms   12.04ms 151.33ms   81.52%
    Req/Sec   210.44     31.80   280.00     70.00%
  Latency Distribution
     50%   35.90ms
     75%   41.02ms
     90%   50.77ms
     99%    1.10s
  843 requests in 2.01s, 2.91MB read
  Non-2xx or 3xx responses: 3
Requests/sec:    419.43
Transfer/sec:      1.45MB
"""


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("api_bench", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_arguments_default_to_ten_seconds_and_quick_to_two(bench: ModuleType) -> None:
    args = bench.parse_args(["--wrk", "/usr/bin/wrk"])
    assert (args.duration, args.connections, args.threads) == (10, 16, 2)
    assert bench.parse_args(["--quick", "--duration", "30"]).duration == 2
    assert bench.parse_args(["--connections", "64", "--out", "x.json"]).out == Path("x.json")


@pytest.mark.parametrize("argv", [["--duration", "0"], ["--connections", "1", "--threads", "2"],
                                  ["--connections", "many"], ["--timeout", "0"]])
def test_bad_arguments_are_refused(bench: ModuleType, argv: list[str],
                                   capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        bench.parse_args(argv)
    assert exit_.value.code == 2
    assert "error:" in capsys.readouterr().err


def test_wrk_output_is_read_in_milliseconds(bench: ModuleType) -> None:
    row = bench.parse_wrk(WRK_OUTPUT)
    assert row["requests_per_second"] == 419.43
    assert row["requests"] == 843
    assert row["p50_ms"] == pytest.approx(35.90)
    assert row["p99_ms"] == pytest.approx(1100.0)
    assert row["non_2xx"] == 3
    assert bench.parse_wrk("Requests/sec: 1.0\n")["p99_ms"] is None
    nothing = WRK_OUTPUT.replace("843 requests", "0 requests").replace("1.10s", "0.00us")
    assert bench.parse_wrk(nothing)["p99_ms"] is None
    with pytest.raises(ValueError, match="Requests/sec"):
        bench.parse_wrk("unable to connect to 127.0.0.1:1 Connection refused\n")


def test_table_lists_every_endpoint_with_its_ratio_to_the_bare_one(bench: ModuleType) -> None:
    def row(path: str, rps: float, p99: float) -> dict:
        return {"path": path, "requests_per_second": rps, "requests": int(rps * 2),
                "p50_ms": p99 / 3, "p99_ms": p99, "non_2xx": 0, "socket_errors": ""}

    report = {
        "machine": {"cpus": 2, "load_average": {"before": [3.5, 3.0, 2.0],
                                                "after": [4.25, 3.1, 2.1]}},
        "settings": {"duration_s": 2, "connections": 16},
        "results": {
            "bare_flask": row("/volunteers", 1000.0, 40.0),
            "registry_volunteer_list": row("/volunteers?page=1&page_size=50", 250.0, 120.0),
            "scheduler_candidates": row("/plans/1/candidates?shift_id=12345&skill=tutor"
                                        "&limit=10", 20.0, 2500.0),
            "scheduler_report": {**row("/plans/1/report", 0.0, 0.0), "p50_ms": None,
                                 "p99_ms": None},
        },
    }
    lines = bench.format_table(report).splitlines()
    assert "2 CPUs, 16 connections, 2 s each" in lines[0]
    assert "load average 3.50 before, 4.25 after" in lines[0]
    assert lines[1].split() == ["endpoint", "path", "req/s", "p50", "ms", "p99", "ms",
                                "non-2xx", "vs", "bare"]
    assert lines[2].split() == ["bare_flask", "/volunteers", "1000", "13.33", "40.00", "0",
                                "1.00"]
    assert lines[3].split()[-5:] == ["250", "40.00", "120.00", "0", "0.25"]
    assert lines[4].split()[1].endswith("…")  # long paths are cut to keep the columns
    assert lines[4].split()[-5:] == ["20", "833.33", "2500.00", "0", "0.02"]
    assert lines[5].split()[-5:] == ["0", "n/a", "n/a", "0", "0.00"]
    assert lines[6].startswith("n/a: no request finished")
