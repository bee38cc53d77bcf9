"""Command line: solve a problem file, validate a plan, or generate a benchmark problem.

Exit codes: 0 success, 1 plan violations (validate) or infeasible/failed solve, 2 bad input.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_FAIL, EXIT_BAD_INPUT = 0, 1, 2


def _read_json(path: str, what: str) -> Any:
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text("utf-8")
    except OSError as exc:
        raise SystemExit(_fail(f"cannot read {what} {path}: {exc.strerror or exc}")) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise SystemExit(_fail(f"{what} {path} is not valid JSON: line {exc.lineno}, "
                               f"column {exc.colno}: {exc.msg}")) from None


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


def _progress_printer():
    if not sys.stderr.isatty():
        return None

    def show(event: dict[str, Any]) -> None:
        sys.stderr.write(f"\r{event.get('phase', '')}: best {event['objective']:.1f}  "
                         f"bound {event['bound']:.1f}  elapsed {event['elapsed']:.1f}s   ")
        sys.stderr.flush()

    return show


def cmd_solve(args: argparse.Namespace) -> int:
    """Solve PROBLEM.json and print the plan JSON."""
    from .engine import ProblemError, SolveFailed, load_problem, solve

    data = _read_json(args.problem, "problem")
    try:
        problem = load_problem(data)
        plan = solve(problem, time_limit=args.time_limit, workers=args.workers, seed=args.seed,
                     deterministic=args.deterministic, lang=args.lang,
                     progress=_progress_printer(), in_process=args.in_process,
                     max_variables=args.max_variables)
    except ProblemError as exc:
        return _fail(f"problem {args.problem}: {exc}")
    except SolveFailed as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAIL
    if sys.stderr.isatty():
        sys.stderr.write("\n")
    json.dump(plan, sys.stdout, ensure_ascii=False, indent=1 if args.pretty else None)
    sys.stdout.write("\n")
    return EXIT_OK if plan["status"] in ("OPTIMAL", "FEASIBLE") else EXIT_FAIL


def cmd_validate(args: argparse.Namespace) -> int:
    """Re-check every hard rule of PLAN.json against PROBLEM.json."""
    from .engine import ProblemError, load_problem
    from .engine.validate import coverage, validate_plan

    data = _read_json(args.problem, "problem")
    plan = _read_json(args.plan, "plan")
    try:
        load_problem(data)
    except ProblemError as exc:
        return _fail(f"problem {args.problem}: {exc}")
    if not isinstance(plan, dict) or not isinstance(plan.get("assignments"), list):
        return _fail(f"plan {args.plan}: assignments: is required and must be a list")
    for i, a in enumerate(plan["assignments"]):
        if not isinstance(a, dict) or not all(isinstance(a.get(k), str)
                                              for k in ("volunteer_id", "shift_id", "skill")):
            return _fail(f"plan {args.plan}: assignments[{i}]: needs volunteer_id, shift_id "
                         "and skill strings")
    found = validate_plan(data, plan)
    cov = coverage(data, plan)
    print(f"coverage: {cov['filled']}/{cov['wanted']} places filled ({cov['missing']} missing)")
    for v in found:
        print(f"VIOLATION {v.rule}: {v.message}")
    print(f"{len(found)} violation(s)")
    return EXIT_FAIL if found else EXIT_OK


def cmd_generate(argv: list[str]) -> int:
    """Hand over to scheduler.bench.generator when it is installed."""
    if importlib.util.find_spec("scheduler.bench") is None or importlib.util.find_spec(
            "scheduler.bench.generator") is None:
        return _fail("the generate command needs scheduler.bench.generator, not installed")
    module = importlib.import_module("scheduler.bench.generator")
    return int(module.main(argv) or 0)


def parser() -> argparse.ArgumentParser:
    """Argument parser of `python -m scheduler`."""
    p = argparse.ArgumentParser(prog="python -m scheduler", description="Linli planning engine")
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("solve", help="solve a problem file and print the plan JSON")
    s.add_argument("problem", help="problem JSON file ('-' for stdin)")
    s.add_argument("--time-limit", type=float, default=10.0, help="seconds (default 10)")
    s.add_argument("--workers", type=int, default=None, help="CP-SAT search workers")
    s.add_argument("--seed", type=int, default=0, help="random seed")
    s.add_argument("--deterministic", action="store_true", help="one worker, fixed seed")
    s.add_argument("--lang", default="zh-CN", help="zh-CN (default) or en")
    s.add_argument("--in-process", action="store_true", help="no child process")
    s.add_argument("--max-variables", type=int, default=None, help="size cap")
    s.add_argument("--pretty", action="store_true", help="indent the JSON")
    s.set_defaults(func=cmd_solve)
    v = sub.add_parser("validate", help="re-check every hard rule of a plan")
    v.add_argument("problem")
    v.add_argument("plan")
    v.set_defaults(func=cmd_validate)
    sub.add_parser("generate", help="generate a benchmark problem (scheduler.bench)",
                   add_help=False)
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit code."""
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "generate":
        return cmd_generate(argv[1:])
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except SystemExit as exc:
        return int(exc.code or 0)
