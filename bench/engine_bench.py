"""Planning-engine benchmark: generated county/district problems, the public NRP instances, and
repairing a plan after one volunteer withdraws.

Every solve runs in its own process, so its peak memory is its own.  Results are re-checked
rather than trusted: each plan goes through the engine's ``validate_plan``; NRP plans are
also priced and checked by the independent evaluator in ``scheduler.bench.nrp`` and compared
with the best-known values.  Writes ``bench/results/engine.json`` and prints a table.

    python bench/engine_bench.py            # everything (about 20 minutes on 2 cores)
    python bench/engine_bench.py --quick    # county presets, Instance1-3, repair
    python bench/engine_bench.py --cases county-week,Instance4 --nrp-time 30

See bench/README.md for what each target means.
"""

from __future__ import annotations

import argparse
import csv
import importlib.metadata
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "services" / "scheduler" / "src"
NRP_DATA = ROOT / "bench" / "data" / "nrp"
RESULTS = ROOT / "bench" / "results" / "engine.json"

try:
    import scheduler  # noqa: F401
except ImportError:  # a checkout without `make install`
    sys.path.insert(0, str(SRC))

MIB = 1024 * 1024

# Presets, their time limits (seconds) and targets.
PRESETS = {
    "county-week": 5,
    "county-month": 15,
    "district-week": 30,
    "district-month": 120,
}
NRP_DEFAULT = [f"Instance{n}" for n in range(1, 9)]
QUICK = ["county-week", "county-month", "Instance1", "Instance2", "Instance3", "repair"]
QUICK_NRP_TIME = 10
REPAIR_TARGET_SECONDS = 2.0


# ------------------------------------------------------------------------------------------------
# Worker side: runs inside the child process.
# ------------------------------------------------------------------------------------------------
def _maxrss_bytes(who: int) -> int:
    """Peak resident set size from getrusage (kilobytes on Linux, bytes on macOS)."""
    value = resource.getrusage(who).ru_maxrss
    return value if sys.platform == "darwin" else value * 1024


def _violations(report: Any) -> list:
    """Normalise whatever validate_plan returns into a list of violations."""
    if report is None:
        return []
    if isinstance(report, dict):
        for key in ("violations", "errors", "problems"):
            if key in report:
                return list(report[key])
        return [] if report.get("ok", report.get("valid", True)) else [report]
    if isinstance(report, list | tuple):
        return list(report)
    return [] if report else ["validate_plan returned a false value"]


def _worker(spec: dict) -> dict:
    """Load, solve (or repair) and validate one problem; return timings and the plan."""
    from scheduler import engine

    data = json.loads(Path(spec["problem"]).read_text(encoding="utf-8"))
    started = time.perf_counter()
    problem = engine.load_problem(data)
    load_seconds = time.perf_counter() - started
    out: dict[str, Any] = {"load_seconds": load_seconds}
    started = time.perf_counter()
    if spec["mode"] == "repair":
        plan_before = json.loads(Path(spec["plan"]).read_text(encoding="utf-8"))
        try:
            result = engine.repair(
                problem, plan_before, spec["change"], workers=spec.get("workers")
            )
        except TypeError:  # a repair() without a workers option
            result = engine.repair(problem, plan_before, spec["change"])
        plan = result["plan"]
        out["diff"] = result.get("diff")
    else:
        plan = engine.solve(
            problem,
            time_limit=spec["time_limit"],
            workers=spec.get("workers"),
            seed=spec.get("seed", 0),
            deterministic=spec.get("deterministic", False),
            **({"max_variables": spec["max_variables"]} if spec.get("max_variables") else {}),
            in_process=True,
        )
    out["wall_seconds"] = time.perf_counter() - started
    started = time.perf_counter()
    out["violations"] = [
        v.as_dict() if hasattr(v, "as_dict") else str(v)
        for v in _violations(engine.validate_plan(problem, plan))
    ]
    out["validate_seconds"] = time.perf_counter() - started
    # Weighted coverage: the engine's own need weights, resolved from priorities.
    out["need_weights"] = {
        f"{s.id}\t{n.skill}": [n.min, n.weight_under] for s in problem.shifts for n in s.needs
    }
    out["maxrss_bytes"] = _maxrss_bytes(resource.RUSAGE_SELF)
    out["maxrss_children_bytes"] = _maxrss_bytes(resource.RUSAGE_CHILDREN)
    Path(spec["plan_out"]).write_text(json.dumps(plan, ensure_ascii=False), encoding="utf-8")
    return out


def worker_main(spec_path: str) -> int:
    """Entry point of the child process."""
    spec = json.loads(Path(spec_path).read_text(encoding="utf-8"))
    try:
        out = _worker(spec)
    except Exception as exc:  # reported to the parent, which records the failure
        import traceback

        out = {"error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc()}
    Path(spec["result"]).write_text(json.dumps(out), encoding="utf-8")
    return 0


# ------------------------------------------------------------------------------------------------
# Parent side.
# ------------------------------------------------------------------------------------------------
def run_child(spec: dict, workdir: Path, label: str, timeout: float) -> dict:
    """Run one worker process, sampling its memory; return its result with the peak."""
    import psutil

    spec = dict(spec)
    spec["result"] = str(workdir / f"{label}.result.json")
    spec["plan_out"] = str(workdir / f"{label}.plan.json")
    spec_path = workdir / f"{label}.spec.json"
    spec_path.write_text(json.dumps(spec), encoding="utf-8")
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, __file__, "--worker", str(spec_path)])
    handle = psutil.Process(child.pid)
    peak = 0
    killed = False
    while child.poll() is None:
        try:
            procs = [handle, *handle.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in procs if p.is_running()))
        except psutil.Error:
            pass
        if time.perf_counter() - started > timeout:
            child.kill()
            killed = True
        time.sleep(0.05)
    elapsed = time.perf_counter() - started
    result_path = Path(spec["result"])
    if killed or not result_path.exists():
        reason = f"killed after {timeout:.0f} s" if killed else f"exit code {child.returncode}"
        return {"error": reason, "process_seconds": elapsed}
    result = json.loads(result_path.read_text(encoding="utf-8"))
    result["process_seconds"] = elapsed
    result["peak_rss_bytes"] = max(
        peak, result.get("maxrss_bytes", 0), result.get("maxrss_children_bytes", 0)
    )
    plan_path = Path(spec["plan_out"])
    if plan_path.exists():
        result["plan"] = json.loads(plan_path.read_text(encoding="utf-8"))
    return result


def coverage(plan: dict, need_weights: dict[str, list[int]]) -> dict:
    """Filled places (up to each need's min), counted and weighted, from the assignments."""
    filled: dict[str, int] = {}
    for a in plan.get("assignments", []):
        key = f"{a['shift_id']}\t{a.get('skill')}"
        filled[key] = filled.get(key, 0) + 1
    slots = covered = 0
    weight_total = weight_covered = 0
    for key, (minimum, weight) in need_weights.items():
        got = min(filled.get(key, 0), minimum)
        slots += minimum
        covered += got
        weight_total += minimum * weight
        weight_covered += got * weight
    unfilled = plan.get("unfilled", [])
    missing_reported = sum(u.get("missing", 0) for u in unfilled)
    return {
        "slots": slots,
        "covered": covered,
        "coverage": covered / slots if slots else 1.0,
        "weighted_total": weight_total,
        "shortfall_cost": weight_total - weight_covered,
        "weighted_coverage": weight_covered / weight_total if weight_total else 1.0,
        "unfilled_missing": missing_reported,
        "unfilled_consistent": missing_reported == slots - covered,
        "unfilled_entries": len(unfilled),
        "unfilled_with_reason": sum(1 for u in unfilled if (u.get("reason") or "").strip()),
    }


def summarize(raw: dict) -> dict:
    """The numbers a case reports, from a child's result."""
    if "error" in raw:
        return {"error": raw["error"], "traceback": raw.get("traceback")}
    plan = raw["plan"]
    objective = plan.get("objective") or {}
    solver = plan.get("solver") or {}
    cov = coverage(plan, raw["need_weights"])
    return {
        "status": plan.get("status"),
        "proven_optimal": plan.get("status") == "OPTIMAL",
        "objective": objective.get("value"),
        "bound": objective.get("bound"),
        "gap": objective.get("gap"),
        "terms": objective.get("terms"),
        "load_seconds": round(raw["load_seconds"], 3),
        "build_seconds": solver.get("build_seconds"),
        "solve_seconds": solver.get("solve_seconds"),
        "wall_seconds": round(raw["wall_seconds"], 3),
        "process_seconds": round(raw["process_seconds"], 3),
        "validate_seconds": round(raw["validate_seconds"], 3),
        "workers": solver.get("workers"),
        "strategy": solver.get("strategy"),
        "coverage_status": solver.get("coverage_status"),
        "components": solver.get("components"),
        "variables": solver.get("variables"),
        "estimated_variables": solver.get("estimated_variables"),
        "stopped": solver.get("stopped"),
        "peak_rss_mib": round(raw["peak_rss_bytes"] / MIB, 1),
        "assignments": len(plan.get("assignments", [])),
        "violations": raw["violations"][:20],
        "violation_count": len(raw["violations"]),
        "valid": not raw["violations"],
        "coverage": cov,
        "every_unfilled_has_reason": cov["unfilled_with_reason"] == cov["unfilled_entries"],
    }


def coverage_only(problem: dict) -> dict:
    """The problem with every objective term but coverage switched off."""
    reference = json.loads(json.dumps(problem))
    weights = reference.setdefault("weights", {})
    for name in (
        "over_cover",
        "fairness",
        "preference",
        "requests",
        "continuity",
        "proximity",
        "mentoring",
        "stability",
    ):
        weights[name] = 0
    for shift in reference["shifts"]:
        for need in shift["needs"]:
            if need.get("weight_over"):
                need["weight_over"] = 0
    return reference


def run_preset(name: str, args: argparse.Namespace, workdir: Path) -> tuple[dict, dict | None]:
    """Generate, solve and check one preset; also bound its best possible coverage."""
    from scheduler.bench import generator

    limit = PRESETS[name] * args.time_scale
    problem = generator.generate(name, seed=args.seed)
    path = workdir / f"{name}.problem.json"
    path.write_text(json.dumps(problem, ensure_ascii=False), encoding="utf-8")
    spec = {
        "mode": "solve",
        "problem": str(path),
        "time_limit": limit,
        "workers": args.workers,
        "seed": 0,
        "max_variables": args.max_variables,
    }
    print(
        f"  {name}: {len(problem['volunteers'])} volunteers, {len(problem['shifts'])} shifts, "
        f"{limit:g} s",
        flush=True,
    )
    raw = run_child(spec, workdir, name, timeout=limit * 3 + 180)
    case = {
        "case": name,
        "kind": "preset",
        "time_limit": limit,
        "volunteers": len(problem["volunteers"]),
        "shifts": len(problem["shifts"]),
        **summarize(raw),
    }
    if "error" not in case and not args.no_reference:
        # The best coverage any plan can reach, proven by a coverage-only solve given longer.
        ref_path = workdir / f"{name}.coverage-only.json"
        ref_path.write_text(json.dumps(coverage_only(problem), ensure_ascii=False), "utf-8")
        ref_limit = limit * args.reference_factor
        ref = run_child(
            {**spec, "problem": str(ref_path), "time_limit": ref_limit},
            workdir,
            f"{name}.reference",
            timeout=ref_limit * 3 + 180,
        )
        if "error" in ref:
            case["coverage_bound"] = {"error": ref["error"]}
        else:
            ref_plan = ref["plan"]
            ref_obj = ref_plan.get("objective") or {}
            total = case["coverage"]["weighted_total"]
            lower = ref_obj.get("bound")
            found = ref_plan.get("status") in ("OPTIMAL", "FEASIBLE")
            best = coverage(ref_plan, ref["need_weights"])["shortfall_cost"] if found else None
            upper = None
            if lower is not None and total:
                upper = (total - lower) / total
            case["coverage_bound"] = {
                "time_limit": ref_limit,
                "status": ref_plan.get("status"),
                "shortfall_cost_lower_bound": lower,
                "best_shortfall_cost_found": best,
                "weighted_coverage_upper_bound": upper,
            }
    return case, raw.get("plan")


def _best_known() -> dict[str, int]:
    with open(NRP_DATA / "best_known.csv", newline="") as handle:
        return {row["instance"]: int(row["best_known_solution"]) for row in csv.DictReader(handle)}


def run_nrp(name: str, args: argparse.Namespace, workdir: Path) -> dict:
    """Convert, solve and independently price and check one NRP instance."""
    from scheduler.bench import nrp

    instance = nrp.load_instance(NRP_DATA / f"{name}.txt")
    problem = nrp.to_problem(instance)
    path = workdir / f"{name}.problem.json"
    path.write_text(json.dumps(problem), encoding="utf-8")
    limit = args.nrp_time
    print(
        f"  {name}: {len(instance.staff)} staff, {len(instance.shift_types)} shift types, "
        f"{instance.horizon} days, {limit:g} s",
        flush=True,
    )
    spec = {
        "mode": "solve",
        "problem": str(path),
        "time_limit": limit,
        "workers": args.workers,
        "seed": 0,
        "max_variables": args.max_variables,
    }
    raw = run_child(spec, workdir, name, timeout=limit * 3 + 180)
    case = {"case": name, "kind": "nrp", "time_limit": limit, **summarize(raw)}
    if "error" in case:
        return case
    best = _best_known()[name]
    roster = nrp.roster_from_plan(instance, raw["plan"])
    penalty = nrp.evaluate(instance, roster)
    broken = nrp.check(instance, roster)
    case["nrp"] = {
        "objective": penalty.total,
        "parts": {
            "on_requests": penalty.on_requests,
            "off_requests": penalty.off_requests,
            "under_cover": penalty.under_cover,
            "over_cover": penalty.over_cover,
        },
        "best_known": best,
        "gap_percent": round(100 * (penalty.total - best) / best, 3),
        "hard_violations": broken[:20],
        "hard_violation_count": len(broken),
        "engine_objective_matches": case["objective"] is not None
        and abs(case["objective"] - penalty.total) < 1e-6,
    }
    return case


def run_repair(args: argparse.Namespace, workdir: Path, plan: dict | None) -> dict:
    """One volunteer withdraws from a county-month plan: repair it, and re-solve it whole."""
    from scheduler import engine
    from scheduler.bench import generator

    if not hasattr(engine, "repair"):
        return {"case": "repair", "error": "scheduler.engine has no repair()"}
    problem = generator.generate("county-month", seed=args.seed)
    path = workdir / "county-month.problem.json"
    path.write_text(json.dumps(problem, ensure_ascii=False), encoding="utf-8")
    limit = PRESETS["county-month"] * args.time_scale
    if plan is None:
        print("  repair: solving county-month first", flush=True)
        base = run_child(
            {
                "mode": "solve",
                "problem": str(path),
                "time_limit": limit,
                "workers": args.workers,
                "seed": 0,
                "max_variables": args.max_variables,
            },
            workdir,
            "county-month.base",
            timeout=limit * 3 + 180,
        )
        if "error" in base:
            return {"case": "repair", "error": f"base solve: {base['error']}"}
        plan = base["plan"]
    plan_path = workdir / "county-month.base.plan.json"
    plan_path.write_text(json.dumps(plan, ensure_ascii=False), encoding="utf-8")

    def triples(p: dict) -> set[tuple[str, str, str | None]]:
        return {(a["volunteer_id"], a["shift_id"], a.get("skill")) for a in p["assignments"]}

    before = triples(plan)
    if not before:
        return {
            "case": "repair",
            "kind": "repair",
            "error": "the county-month plan to repair "
            f"has no assignments (status {plan.get('status')})",
        }
    counts: dict[str, int] = {}
    for vid, _, _ in before:
        counts[vid] = counts.get(vid, 0) + 1
    # The busiest volunteer withdraws: the hardest single withdrawal to absorb.
    volunteer = min(counts, key=lambda v: (-counts[v], v))
    change = {"type": "withdraw", "volunteer_id": volunteer}
    print(f"  repair: {volunteer} withdraws ({counts[volunteer]} assignments)", flush=True)
    raw = run_child(
        {
            "mode": "repair",
            "problem": str(path),
            "plan": str(plan_path),
            "change": change,
            "workers": args.workers,
        },
        workdir,
        "repair",
        timeout=120,
    )
    case: dict[str, Any] = {
        "case": "repair",
        "kind": "repair",
        "change": change,
        "own_assignments": counts[volunteer],
    }
    if "error" in raw:
        case.update(error=raw["error"], traceback=raw.get("traceback"))
        return case

    def changes(after: set) -> dict:
        diff = before ^ after
        own = sum(1 for t in diff if t[0] == volunteer)
        return {
            "changed": len(diff),
            "own": own,
            "others": len(diff) - own,
            "volunteer_still_assigned": any(t[0] == volunteer for t in after),
        }

    repaired = raw["plan"]
    case["repair"] = {
        "seconds": round(raw["wall_seconds"], 3),
        "process_seconds": round(raw["process_seconds"], 3),
        "status": repaired.get("status"),
        "valid": not raw["violations"],
        "violations": raw["violations"][:20],
        "coverage": coverage(repaired, raw["need_weights"])["coverage"],
        "engine_diff_size": _diff_size(raw.get("diff")),
        **changes(triples(repaired)),
    }
    # The alternative: solve again from scratch with the volunteer on leave all month.
    resolve_problem = json.loads(json.dumps(problem))
    for v in resolve_problem["volunteers"]:
        if v["id"] == volunteer:
            v["leave"] = [dict(problem["horizon"])]
    resolve_path = workdir / "county-month.withdrawn.json"
    resolve_path.write_text(json.dumps(resolve_problem, ensure_ascii=False), encoding="utf-8")
    full = run_child(
        {
            "mode": "solve",
            "problem": str(resolve_path),
            "time_limit": limit,
            "workers": args.workers,
            "seed": 0,
            "max_variables": args.max_variables,
        },
        workdir,
        "county-month.resolve",
        timeout=limit * 3 + 180,
    )
    if "error" in full:
        case["resolve"] = {"error": full["error"]}
    else:
        case["resolve"] = {
            "seconds": round(full["wall_seconds"], 3),
            "status": full["plan"].get("status"),
            "coverage": coverage(full["plan"], full["need_weights"])["coverage"],
            **changes(triples(full["plan"])),
        }
    r = case["repair"]
    case["targets"] = {
        "repair_within_2s": r["seconds"] <= REPAIR_TARGET_SECONDS,
        "only_own_plus_as_many_others": not r["volunteer_still_assigned"]
        and r["others"] <= case["own_assignments"],
        "valid": r["valid"],
    }
    return case


def _diff_size(diff: Any) -> int | None:
    if isinstance(diff, list):
        return len(diff)
    if isinstance(diff, dict):
        return sum(len(v) for v in diff.values() if isinstance(v, list))
    return None


def preset_targets(case: dict) -> dict[str, bool | None]:
    """Which of the issue's targets this preset run meets (None: cannot be decided)."""
    name = case["case"]
    if "error" in case:
        return {"ran": False}
    bound = case.get("coverage_bound") or {}
    lower = bound.get("shortfall_cost_lower_bound")
    cost = case["coverage"]["shortfall_cost"]
    # Optimal coverage: no plan can have a smaller shortfall than this one's, as proven by the
    # engine's own coverage phase or by the separate coverage-only solve's bound.
    optimal_cov = None if lower is None else cost <= lower + 1e-6
    if case.get("coverage_status") == "OPTIMAL":
        optimal_cov = True
    common = {"valid": case["valid"], "unfilled_have_reasons": case["every_unfilled_has_reason"]}
    if name == "county-week":
        return {"proven_optimal": case["proven_optimal"], **common}
    if name == "county-month":
        return {"optimal_coverage": optimal_cov, **common}
    if name == "district-week":
        gap = case["gap"]
        return {
            "optimal_coverage": optimal_cov,
            "gap_le_1pct": gap is not None and gap <= 0.01,
            "peak_le_1GiB": case["peak_rss_mib"] <= 1024,
            **common,
        }
    if name == "district-month":
        upper = bound.get("weighted_coverage_upper_bound")
        within = None if upper is None else upper - case["coverage"]["weighted_coverage"] <= 0.005
        build = case["build_seconds"]
        return {
            "coverage_within_0.5pct_of_bound": within,
            "built_within_20s": build is not None and build <= 20,
            "peak_le_3GiB": case["peak_rss_mib"] <= 3 * 1024,
            **common,
        }
    return common


def nrp_targets(case: dict) -> dict[str, bool | None]:
    """Best-known on Instance1-3, within 2 % on Instance4-8, feasible, objective agrees."""
    if "error" in case:
        return {"ran": False}
    number = int(case["case"].removeprefix("Instance"))
    gap = case["nrp"]["gap_percent"]
    limit = 0.0 if number <= 3 else 2.0
    return {
        f"gap_le_{limit:g}pct": gap <= limit + 1e-9,
        "nrp_feasible": case["nrp"]["hard_violation_count"] == 0,
        "engine_objective_matches": case["nrp"]["engine_objective_matches"],
        "valid": case["valid"],
    }


def _fmt(value: Any, spec: str = "") -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "NO"
    return format(value, spec)


def print_table(cases: list[dict]) -> None:
    """A fixed-width summary of every case."""
    head = (
        f"{'case':<15}{'status':<10}{'load s':>7}{'build s':>8}{'solve s':>8}{'wall s':>7}"
        f"{'peak MiB':>9}"
        f"{'objective':>12}{'bound':>12}{'gap':>7}{'cover':>8}{'cov UB':>8}"
        f"{'NRP':>7}{'best':>7}{'NRP gap':>8}{'sysload':>8}  targets"
    )
    print(head)
    print("-" * len(head))
    for c in cases:
        if c["case"] == "repair":
            continue
        if "error" in c:
            print(f"{c['case']:<15}ERROR {c['error']}")
            continue
        nrp = c.get("nrp") or {}
        upper = (c.get("coverage_bound") or {}).get("weighted_coverage_upper_bound")
        cover = c["coverage"]["weighted_coverage"] if c["kind"] == "preset" else None
        gap = c.get("gap")
        missed = [k for k, v in c["targets"].items() if v is not True]
        verdict = (
            "all met"
            if not missed
            else "missed: "
            + ", ".join(k + ("?" if c["targets"][k] is None else "") for k in missed)
        )
        print(
            f"{c['case']:<15}{_fmt(c['status']):<10}{_fmt(c['load_seconds'], '.2f'):>7}"
            f"{_fmt(c['build_seconds'], '.2f'):>8}{_fmt(c['solve_seconds'], '.2f'):>8}"
            f"{_fmt(c['wall_seconds'], '.1f'):>7}{_fmt(c['peak_rss_mib'], '.0f'):>9}"
            f"{_fmt(c['objective'], '.0f'):>12}{_fmt(c['bound'], '.0f'):>12}"
            f"{_fmt(None if gap is None else 100 * gap, '.2f'):>7}"
            f"{_fmt(None if cover is None else 100 * cover, '.2f'):>8}"
            f"{_fmt(None if upper is None else 100 * upper, '.2f'):>8}"
            f"{_fmt(nrp.get('objective')):>7}{_fmt(nrp.get('best_known')):>7}"
            f"{_fmt(nrp.get('gap_percent'), '.2f'):>8}"
            f"{_fmt(c.get('load_average_after'), '.1f'):>8}  {verdict}"
        )
    for c in cases:
        if c["case"] != "repair":
            continue
        if "error" in c:
            print(f"repair: ERROR {c['error']}")
            continue
        r, full = c["repair"], c.get("resolve", {})
        print(
            f"repair ({c['change']['volunteer_id']} withdraws, {c['own_assignments']} own "
            f"assignments): {r['seconds']:.2f} s, {r['changed']} changes ({r['others']} of "
            f"others), valid {_fmt(r['valid'])}; full re-solve: {_fmt(full.get('seconds'), '.1f')}"
            f" s, {_fmt(full.get('changed'))} changes ({_fmt(full.get('others'))} of others)"
        )


def machine() -> dict:
    """Where the numbers were measured."""
    try:
        ortools_version = importlib.metadata.version("ortools")
    except importlib.metadata.PackageNotFoundError:
        ortools_version = None
    return {
        "cpus": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "ortools": ortools_version,
    }


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="county presets, Instance1-3 at 10 s, and the repair case",
    )
    parser.add_argument("--cases", help="comma-separated: preset names, InstanceN, repair")
    parser.add_argument(
        "--nrp-time",
        type=float,
        default=None,
        help="seconds per NRP instance (default 60; 10 with --quick)",
    )
    parser.add_argument(
        "--time-scale",
        type=float,
        default=1.0,
        help="multiply the preset time limits (targets assume 1)",
    )
    parser.add_argument(
        "--workers", type=int, default=None, help="CP-SAT workers (default: the usable CPUs)"
    )
    parser.add_argument("--seed", type=int, default=1, help="generator seed")
    parser.add_argument(
        "--no-reference",
        action="store_true",
        help="skip the coverage-only solves that bound the best coverage",
    )
    parser.add_argument(
        "--reference-factor",
        type=float,
        default=2.0,
        help="time of a coverage-only solve, as a multiple of the case's",
    )
    parser.add_argument(
        "--max-variables",
        type=int,
        default=None,
        help="raise the engine's cap on assignment variables (default: the engine's)",
    )
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.nrp_time is None:
        args.nrp_time = QUICK_NRP_TIME if args.quick else 60.0
    if args.workers is None:
        args.workers = machine()["usable_cpus"] or os.cpu_count() or 1
    return args


def write_results(args: argparse.Namespace, started: datetime, cases: list[dict]) -> None:
    """Write the results file atomically."""
    results = {
        "started": started.isoformat(timespec="seconds"),
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "options": {
            "workers": args.workers,
            "seed": args.seed,
            "nrp_time": args.nrp_time,
            "time_scale": args.time_scale,
            "reference_factor": args.reference_factor,
            "max_variables": args.max_variables,
        },
        "cases": cases,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp_out = args.out.with_suffix(".json.tmp")
    tmp_out.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", "utf-8")
    tmp_out.replace(args.out)


def main(argv: list[str] | None = None) -> int:
    """Run the selected cases, write the results file and print the table."""
    args = parse_args(argv)
    if args.worker:
        return worker_main(args.worker)
    if args.cases:
        selected = [c.strip() for c in args.cases.split(",") if c.strip()]
    elif args.quick:
        selected = QUICK
    else:
        selected = [*PRESETS, *NRP_DEFAULT, "repair"]
    unknown = [
        c
        for c in selected
        if c not in PRESETS and c != "repair" and not (NRP_DATA / f"{c}.txt").exists()
    ]
    if unknown:
        print(f"unknown cases: {', '.join(unknown)}", file=sys.stderr)
        return 2
    try:
        from scheduler import engine

        engine.solve  # noqa: B018 - fail early with a clear message
    except (ImportError, AttributeError) as exc:
        print(f"the planning engine is not available: {exc}", file=sys.stderr)
        return 2

    started = datetime.now(UTC)
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs", flush=True)
    cases: list[dict] = []
    plans: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="linli-bench-") as tmp:
        workdir = Path(tmp)
        ordered = [n for n in selected if n != "repair"] + (
            ["repair"] if "repair" in selected else []
        )
        for name in ordered:
            load_before = round(os.getloadavg()[0], 2)
            try:
                if name in PRESETS:
                    case, plan = run_preset(name, args, workdir)
                    case["targets"] = preset_targets(case)
                    if plan is not None:
                        plans[name] = plan
                elif name == "repair":
                    case = run_repair(args, workdir, plans.get("county-month"))
                else:
                    case = run_nrp(name, args, workdir)
                    case["targets"] = nrp_targets(case)
            except Exception as exc:  # one broken case must not lose the others' numbers
                case = {"case": name, "kind": "error", "error": f"{type(exc).__name__}: {exc}"}
            # Other work on the machine slows CP-SAT down: keep the load next to the numbers.
            case["load_average_before"] = load_before
            case["load_average_after"] = round(os.getloadavg()[0], 2)
            cases.append(case)
            # Written after every case, so an interrupted run keeps what it measured.
            write_results(args, started, cases)
    print()
    print_table(cases)
    print(f"\nresults: {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
