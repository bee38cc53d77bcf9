"""The command line: solve prints a plan, validate re-checks it, bad files exit with 2."""

from __future__ import annotations

import json

from scheduler.cli import main


def _files(tmp_path, mk):
    data = mk.problem([mk.volunteer("p1"), mk.volunteer("p2", vetted_until=None)],
                      [mk.shift("s1", children_present=True)])
    problem = tmp_path / "problem.json"
    problem.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    return data, problem


def test_solve_then_validate(tmp_path, mk, capsys):
    _, problem = _files(tmp_path, mk)
    assert main(["solve", str(problem), "--time-limit", "5", "--deterministic",
                 "--in-process", "--lang", "en"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert plan["format"] == "linli-plan/1" and plan["status"] == "OPTIMAL"
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(json.dumps(plan), "utf-8")
    assert main(["validate", str(problem), str(plan_file)]) == 0
    out = capsys.readouterr().out
    assert "coverage: 1/1" in out and "0 violation(s)" in out


def test_validate_reports_each_violation(tmp_path, mk, capsys):
    _, problem = _files(tmp_path, mk)
    bad = {"format": "linli-plan/1", "assignments": [
        {"volunteer_id": "p2", "shift_id": "s1", "skill": "tutor"}]}
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(json.dumps(bad), "utf-8")
    assert main(["validate", str(problem), str(plan_file)]) == 1
    assert "VIOLATION vetting" in capsys.readouterr().out


def test_bad_files_exit_2(tmp_path, mk, capsys):
    data, problem = _files(tmp_path, mk)
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", "utf-8")
    assert main(["solve", str(broken)]) == 2
    assert "not valid JSON" in capsys.readouterr().err
    assert main(["validate", str(problem), str(tmp_path / "missing.json")]) == 2
    data["shifts"][0]["needs"][0]["min"] = -1
    problem.write_text(json.dumps(data), "utf-8")
    assert main(["solve", str(problem)]) == 2
    assert "shifts[0].needs[0].min: must be >= 0" in capsys.readouterr().err
    not_a_plan = tmp_path / "plan.json"
    not_a_plan.write_text("[]", "utf-8")
    _, problem = _files(tmp_path, mk)
    assert main(["validate", str(problem), str(not_a_plan)]) == 2
