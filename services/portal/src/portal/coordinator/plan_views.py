"""One plan: progress and report, the roster board, a slot with its candidates, publishing."""

from __future__ import annotations

from typing import Any

from flask import flash, jsonify, redirect, render_template, request, url_for

from portal.auth import login_required, safe_next
from portal.clients import BackendError, Backends
from portal.coordinator import board as boards
from portal.coordinator import bp, data
from portal.coordinator.views import COORDINATORS, TIME_LIMITS
from portal.i18n import t

EDIT_ACTIONS = ("pin", "unpin", "assign", "unassign")


def _board(api: Backends, plan: dict[str, Any], report: dict[str, Any]) -> tuple[
        boards.Board, list[dict[str, Any]]]:
    rows = data.assignments(api, plan["id"]) if plan["state"] != "draft" else []
    assigned = {int(r["shift_id"]) for r in rows}
    missing = {int(u["shift_id"]) for u in report.get("unfilled") or []} - assigned
    shifts = data.shift_rows(api, plan, missing)
    days = boards.period_days(plan["period_start"], plan["period_end"])
    return boards.build_board(rows, report, shifts, days), rows


@bp.get("/plans/<int:plan_id>")
@login_required(*COORDINATORS)
def plan(plan_id: int) -> Any:
    """Solve progress, then the report: status, gap, unfilled slots, the two pictures."""
    api = Backends()
    view = data.plan(api, plan_id)
    job = view.get("job") or {}
    solving = job.get("status") in data.JOB_RUNNING
    report: dict[str, Any] = {}
    board = spread = None
    heat: Any = None
    bands: list[dict[str, Any]] = []
    if not solving and view["state"] != "draft":
        report = data.report(api, plan_id)
        board, rows = _board(api, view, report)
        heat = boards.heat_map(board)
        names = data.volunteer_names(api, rows, report.get("loads") or [])
        spread = boards.hours_spread(report, names)
        bands = boards.histogram(spread)
    return render_template("coordinator/plan.html", plan=view, job=job, solving=solving,
                           report=report, board=board, heat=heat, spread=spread, bands=bands,
                           time_limits=TIME_LIMITS)


@bp.get("/plans/<int:plan_id>/progress")
@login_required(*COORDINATORS)
def progress(plan_id: int) -> Any:
    """The latest job's status for the plan page's polling script."""
    try:
        job = Backends().get("scheduler", f"/plans/{plan_id}/solve")
    except BackendError as exc:
        return jsonify({"error": exc.message}), 200
    done = job["status"] not in data.JOB_RUNNING
    progress_ = job.get("progress") or {}
    elapsed = float(progress_.get("elapsed") or 0)
    limit = float(job.get("time_limit") or 1)
    return jsonify({
        "status": job["status"], "done": done, "elapsed": round(elapsed, 1),
        "fraction": 1.0 if done else min(0.99, elapsed / limit),
        "text": t("job_" + job["status"]) + (
            "" if done else " · " + t("elapsed_seconds", seconds=round(elapsed, 1))),
    })


@bp.post("/plans/<int:plan_id>/solve")
@login_required(*COORDINATORS)
def solve(plan_id: int) -> Any:
    """Solve again (around the pins)."""
    limit = int(request.form.get("time_limit", "") or TIME_LIMITS[0]) \
        if request.form.get("time_limit", "").isdigit() else TIME_LIMITS[0]
    try:
        Backends().post("scheduler", f"/plans/{plan_id}/solve",
                        {"time_limit": min(limit, max(TIME_LIMITS))})
    except BackendError as exc:
        for line in exc.lines():
            flash(line, "error")
    return redirect(url_for("coordinator.plan", plan_id=plan_id))


@bp.get("/plans/<int:plan_id>/roster")
@login_required(*COORDINATORS)
def roster(plan_id: int) -> Any:
    """The roster board: venues and activities by day, names in each cell, shortfalls."""
    api = Backends()
    view = data.plan(api, plan_id)
    report = data.report(api, plan_id)
    board, rows = _board(api, view, report)
    names = data.volunteer_names(api, rows, report.get("loads") or [])
    spread = boards.hours_spread(report, names)
    return render_template("coordinator/roster.html", plan=view, board=board, report=report,
                           spread=spread)


@bp.get("/plans/<int:plan_id>/shifts/<int:shift_id>")
@login_required(*COORDINATORS)
def slot(plan_id: int, shift_id: int) -> Any:
    """One shift: who is on it (pin, unpin, remove, replace) and the ranked candidates."""
    api = Backends()
    view = data.plan(api, plan_id)
    report = data.report(api, plan_id)
    people = data.assignments(api, plan_id, shift_id=shift_id)
    gaps = [u for u in report.get("unfilled") or [] if int(u["shift_id"]) == shift_id]
    info = people[0] if people else data.shift_rows(api, view, {shift_id}).get(shift_id)
    if info is None:
        return render_template("error.html", title_key="error_title",
                               message_key="not_found"), 404
    skills = list(dict.fromkeys([p["skill"] for p in people] + [g["skill"] for g in gaps]
                                + [n["skill"] for n in info.get("needs") or []]))
    skill = request.args.get("skill") or (gaps[0]["skill"] if gaps else
                                         (skills[0] if skills else ""))
    replace = request.args.get("replace", type=int)
    candidates: list[dict[str, Any]] = []
    candidate_error = None
    if skill:
        try:
            candidates = api.get("scheduler", f"/plans/{plan_id}/candidates", shift_id=shift_id,
                                 skill=skill, limit=10,
                                 **({"replace": replace} if replace else {})) or []
        except BackendError as exc:
            candidate_error = exc
    on_shift = {int(p["volunteer_id"]) for p in people}
    eligible = [c for c in candidates if c.get("eligible") and int(c["volunteer_id"])
                not in on_shift]
    excluded = [c for c in candidates if not c.get("eligible")]
    replacing = next((p for p in people if int(p["volunteer_id"]) == replace), None)
    return render_template("coordinator/slot.html", plan=view, info=info, people=people,
                           gaps=gaps, skills=skills, skill=skill, eligible=eligible,
                           excluded=excluded, replacing=replacing,
                           candidate_error=candidate_error)


@bp.post("/plans/<int:plan_id>/edits")
@login_required(*COORDINATORS)
def edit(plan_id: int) -> Any:
    """Pin, unpin, assign or unassign; `replace` unassigns that person first."""
    form = request.form
    back = safe_next(form.get("next"), url_for("coordinator.roster", plan_id=plan_id))
    action = form.get("action", "")
    try:
        volunteer_id, shift_id = int(form.get("volunteer_id", "")), int(form.get("shift_id", ""))
    except ValueError:
        flash(t("error_edit_fields"), "error")
        return redirect(back)
    if action not in EDIT_ACTIONS:
        flash(t("error_edit_fields"), "error")
        return redirect(back)
    skill = form.get("skill") or None
    api = Backends()
    etag = form.get("etag", "")
    replace = int(form["replace"]) if form.get("replace", "").isdigit() else None
    try:
        if replace is not None and action == "assign":
            _edit(api, plan_id, etag, "assign", volunteer_id, shift_id, skill, replace=replace)
            flash(t("edit_replaced"), "ok")
            return redirect(url_for("coordinator.roster", plan_id=plan_id) + f"#shift-{shift_id}")
        _edit(api, plan_id, etag, action, volunteer_id, shift_id, skill)
    except BackendError as exc:
        message = t("edit_stale") if exc.status == 412 else None
        for line in [message] if message else exc.lines():
            flash(line, "error")
        return redirect(back)
    flash(t("edit_done_" + action), "ok")
    return redirect(back)


def _edit(api: Backends, plan_id: int, etag: str, action: str, volunteer_id: int,
          shift_id: int, skill: str | None, replace: int | None = None) -> str:
    """One hand edit with the page's ETag; returns the plan's new ETag."""
    body: dict[str, Any] = {"action": action, "volunteer_id": volunteer_id, "shift_id": shift_id}
    if replace is not None:
        body["replace"] = replace
    if skill and action == "assign":
        body["skill"] = skill
    answer = api.request("scheduler", "POST", f"/plans/{plan_id}/edits", json=body, raw=True,
                         headers={"If-Match": etag} if etag else None)
    return str(answer.json().get("etag") or answer.headers.get("ETag") or "")


@bp.get("/plans/<int:plan_id>/publish")
@login_required(*COORDINATORS)
def review(plan_id: int) -> Any:
    """What publishing would change, before the button that does it."""
    api = Backends()
    view = data.plan(api, plan_id)
    diff: dict[str, Any] | None = None
    first: list[dict[str, Any]] = []
    try:
        diff = api.get("scheduler", f"/plans/{plan_id}/diff")
    except BackendError as exc:
        if exc.status != 422:
            raise
        # Nothing published yet: every assignment is new.
        first = data.assignments(api, plan_id)
    names = data.volunteer_names(api, first or data.assignments(api, plan_id))
    return render_template("coordinator/publish.html", plan=view, diff=diff, first=first,
                           names=names)


@bp.post("/plans/<int:plan_id>/publish")
@login_required(*COORDINATORS)
def publish(plan_id: int) -> Any:
    """Publish the version the coordinator reviewed (its ETag), then tell them how it went."""
    etag = request.form.get("etag", "")
    try:
        answer = Backends().request("scheduler", "POST", f"/plans/{plan_id}/publish", json={},
                                    headers={"If-Match": etag})
    except BackendError as exc:
        flash(t("edit_stale") if exc.status in (412, 428) else exc.message, "error")
        return redirect(url_for("coordinator.review", plan_id=plan_id))
    flash(t("published", events=answer.get("events", 0)), "ok")
    return redirect(url_for("coordinator.plan", plan_id=plan_id))
