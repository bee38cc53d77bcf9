"""Routes of the coordinator follow-up pages: answers and repair, attendance, exports, import."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Response, current_app, flash, redirect, render_template, request, url_for

from portal.auth import login_required
from portal.clients import BackendError, Backends
from portal.coordinator.data import plan_names
from portal.followup import bp
from portal.followup.roster import (
    answer_counts,
    attendance_times,
    import_problems,
    local_time,
    roster_rows,
    roster_workbook,
    shift_hours,
)
from portal.i18n import language, t

COORDINATORS = ("coordinator", "admin")
#: The scheduler keeps at most this many characters of an absence's reason.
ABSENT_REASON_MAX = 200
ANSWER_KEYS = {"confirmed": "f_confirmed", "declined": "f_declined", "none": "f_none"}


def _plan(plan_id: int) -> dict[str, Any]:
    return Backends().get("scheduler", f"/plans/{plan_id}")  # type: ignore[no-any-return]


def _names() -> dict[int, str]:
    """Names of the volunteers the coordinator may see."""
    people = Backends().all_pages("registry", "/volunteers", page_size=200)
    return {int(p["id"]): str(p.get("name") or "") for p in people}


def _published(plan: dict[str, Any], **filters: Any) -> list[dict[str, Any]]:
    if not plan.get("published_version"):
        return []
    return Backends().all_pages("scheduler", f"/plans/{plan['id']}/assignments", page_size=500,
                                version=plan["published_version"], **filters)


def _answers(plan_id: int) -> list[dict[str, Any]]:
    return Backends().get("notifier", f"/plans/{plan_id}/responses")  # type: ignore[no-any-return]


def _decline_waiting(plan: dict[str, Any]) -> bool:
    """True when the scheduler reopened a declined slot in a version not yet published."""
    version = plan.get("version") or {}
    pending = version.get("pending_change") or {}
    return (version.get("number") != plan.get("published_version")
            and pending.get("type") == "decline")


@bp.get("/")
@login_required(*COORDINATORS)
def index() -> Any:
    """Published plans with links to their follow-up pages; the import page."""
    plans = [p for p in Backends().all_pages("scheduler", "/plans", page_size=100)
             if p.get("published_version")]
    return render_template("followup/index.html", plans=plans)


@bp.get("/plans/<int:plan_id>/responses")
@login_required(*COORDINATORS)
def responses(plan_id: int) -> Any:
    """Confirmations and declines as they come in, and the repair button."""
    plan = _plan(plan_id)
    rows = _answers(plan_id)
    names = plan_names(Backends(), plan, (r["volunteer_id"] for r in rows))
    zone = current_app.config.get("TIMEZONE", "Asia/Shanghai")
    declines = [{**r, "answered_local": local_time(r.get("responded_at"), zone)}
                for r in rows if r.get("response") == "declined"]
    open_declines = [r for r in declines if r.get("status") != "cancelled"]
    return render_template(
        "followup/responses.html", plan=plan, rows=rows, names=names,
        counts=answer_counts(rows), declines=declines, open_declines=open_declines,
        decline_waiting=_decline_waiting(plan),
        unpublished=(plan.get("version") or {}).get("number") != plan.get("published_version"),
    )


@bp.post("/plans/<int:plan_id>/repair")
@login_required(*COORDINATORS)
def repair(plan_id: int) -> Any:
    """Repair around the declines, then show what publishing would change."""
    plan = _plan(plan_id)
    declined = [r for r in _answers(plan_id)
                if r.get("response") == "declined" and r.get("status") != "cancelled"]
    if not declined or not _decline_waiting(plan):
        flash(t("f_decline_processing") if declined else t("f_nothing_to_repair"), "warning")
        return redirect(url_for("followup.responses", plan_id=plan_id))
    # The scheduler keeps every decliner off their shift already (exclusions); repairing
    # around one of them re-solves the open places of all.
    Backends().post("scheduler", f"/plans/{plan_id}/repair",
                    {"type": "availability", "volunteer_id": int(declined[0]["volunteer_id"])})
    return redirect(url_for("followup.changes", plan_id=plan_id))


@bp.get("/plans/<int:plan_id>/changes")
@login_required(*COORDINATORS)
def changes(plan_id: int) -> Any:
    """What publishing the latest version would change, and the publish button."""
    plan = _plan(plan_id)
    diff = None
    if (plan.get("version") or {}).get("number") != plan.get("published_version"):
        diff = Backends().get("scheduler", f"/plans/{plan_id}/diff")
    changed = [item["volunteer_id"] for key in ("added", "removed", "changed")
               for item in (diff or {}).get(key, [])]
    return render_template("followup/changes.html", plan=plan, diff=diff,
                           names=plan_names(Backends(), plan, changed))


@bp.post("/plans/<int:plan_id>/publish")
@login_required(*COORDINATORS)
def publish(plan_id: int) -> Any:
    """Publish the version the coordinator looked at (its ETag), never a newer one unseen."""
    etag = request.form.get("etag", "")
    try:
        Backends().request("scheduler", "POST", f"/plans/{plan_id}/publish", json={},
                           headers={"If-Match": etag})
    except BackendError as exc:
        if exc.status not in (412, 428):
            raise
        flash(t("f_stale"), "error")
        return redirect(url_for("followup.changes", plan_id=plan_id))
    flash(t("f_published"), "success")
    return redirect(url_for("followup.responses", plan_id=plan_id))


def _attendance(assignment_id: int) -> dict[str, Any] | None:
    try:
        return Backends().get(  # type: ignore[no-any-return]
            "scheduler", f"/assignments/{assignment_id}/attendance")
    except BackendError as exc:
        if exc.status in (404, 409):
            return None
        raise


def _ledger_hours(volunteer_id: int) -> dict[int, float]:
    try:
        ledger = Backends().get("scheduler", f"/volunteers/{volunteer_id}/hours")
    except BackendError as exc:
        if exc.status == 404:
            return {}
        raise
    hours: dict[int, float] = {}
    for entry in ledger.get("entries") or []:
        if entry.get("assignment_id"):
            key = int(entry["assignment_id"])
            hours[key] = hours.get(key, 0.0) + float(entry.get("hours") or 0)
    return hours


@bp.get("/plans/<int:plan_id>/attendance")
@login_required(*COORDINATORS)
def attendance(plan_id: int) -> Any:
    """One day of the published plan: who came and for how long."""
    plan = _plan(plan_id)
    day = request.args.get("date") or str(plan.get("period_start") or "")
    try:
        datetime.fromisoformat(day)
    except ValueError:
        day = str(plan.get("period_start") or "")
    rows = _published(plan, date=day)
    names = _names()
    now = datetime.now(UTC).date().isoformat()
    ledgers: dict[int, dict[int, float]] = {}
    for row in rows:
        row["record"] = _attendance(int(row["assignment_id"]))
        if row["record"] and row["record"].get("confirmed_at"):
            vid = int(row["volunteer_id"])
            if vid not in ledgers:
                ledgers[vid] = _ledger_hours(vid)
            row["confirmed_hours"] = ledgers[vid].get(int(row["assignment_id"]))
        row["planned_hours"] = shift_hours(row["start"], row["end"])
        row["past"] = row["date"] < now
    rows.sort(key=lambda r: (r["start"], r.get("venue_name") or "",
                             names.get(r["volunteer_id"], "")))
    return render_template("followup/attendance.html", plan=plan, day=day, rows=rows,
                           names=names)


def _name_of(row: dict[str, Any], names: dict[int, str]) -> str:
    """The volunteer's name: the registry's, else the plan's (people from outside the
    coordinator's communities), else their number."""
    vid = int(row["volunteer_id"])
    return names.get(vid) or str(row.get("volunteer_name") or "") or f"#{vid}"


def _published_row(plan_id: int, assignment_id: int) -> dict[str, Any] | None:
    """The assignment in the plan's published version, or None."""
    rows = [r for r in _published(_plan(plan_id)) if int(r["assignment_id"]) == assignment_id]
    return rows[0] if rows else None


@bp.post("/plans/<int:plan_id>/attendance/<int:assignment_id>")
@login_required(*COORDINATORS)
def record_attendance(plan_id: int, assignment_id: int) -> Any:
    """Attended for the given hours: check-in at the shift start, check-out, confirm."""
    row = _published_row(plan_id, assignment_id)
    if row is None:
        flash(t("http_404"), "error")
        return redirect(url_for("followup.attendance", plan_id=plan_id))
    back = redirect(url_for("followup.attendance", plan_id=plan_id, date=row["date"]))
    try:
        hours = float(request.form.get("hours", ""))
    except ValueError:
        hours = -1.0
    if not 0.25 <= hours <= 24:
        flash(t("f_bad_hours"), "error")
        return back
    check_in, check_out = attendance_times(row["date"], row["start"], hours,
                                           current_app.config.get("TIMEZONE", "Asia/Shanghai"))
    backends = Backends()
    path = f"/assignments/{assignment_id}"
    try:
        backends.post("scheduler", f"{path}/check-in", {"at": check_in.isoformat()})
        backends.post("scheduler", f"{path}/check-out", {"at": check_out.isoformat()})
        backends.post("scheduler", f"{path}/confirm", {})
    except BackendError as exc:
        if exc.status != 409:
            raise
        flash(t("f_already_confirmed"), "warning")
        return back
    name = _name_of(row, _names())
    flash(t("f_recorded", name=name), "success")
    return back


@bp.post("/plans/<int:plan_id>/attendance/<int:assignment_id>/absent")
@login_required(*COORDINATORS)
def record_absence(plan_id: int, assignment_id: int) -> Any:
    """Did not come: the scheduler records the no-show (and the reason, if given)."""
    row = _published_row(plan_id, assignment_id)
    if row is None:
        flash(t("http_404"), "error")
        return redirect(url_for("followup.attendance", plan_id=plan_id))
    back = redirect(url_for("followup.attendance", plan_id=plan_id, date=row["date"]))
    reason = request.form.get("reason", "").strip()
    if len(reason) > ABSENT_REASON_MAX:
        flash(t("f_absent_too_long"), "error")
        return back
    try:
        Backends().post("scheduler", f"/assignments/{assignment_id}/absent",
                        {"reason": reason} if reason else {})
    except BackendError as exc:
        if exc.status == 409:
            flash(t("f_absent_refused"), "warning")
        elif exc.status in (400, 422):
            flash("；".join(exc.lines()), "error")
        else:
            raise
        return back
    name = _name_of(row, _names())
    flash(t("f_absent_recorded", name=name), "success")
    return back


@bp.get("/plans/<int:plan_id>/exports")
@login_required(*COORDINATORS)
def exports(plan_id: int) -> Any:
    """Roster as Excel or print, and the confirmed hours export."""
    return render_template("followup/exports.html", plan=_plan(plan_id))


def _roster(plan_id: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    plan = _plan(plan_id)
    answers = {int(r["assignment_id"]): r.get("response") for r in _answers(plan_id)}
    return plan, roster_rows(_published(plan), _names(), answers)


@bp.get("/plans/<int:plan_id>/roster.xlsx")
@login_required(*COORDINATORS)
def roster_xlsx(plan_id: int) -> Response:
    """The published roster as an Excel workbook."""
    plan, rows = _roster(plan_id)
    labels = {key: t(message) for key, message in ANSWER_KEYS.items()}
    data = roster_workbook(str(plan.get("title") or f"plan {plan_id}"), rows, labels,
                           language())
    return Response(data, mimetype=(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), headers={
        "Content-Disposition": f'attachment; filename="roster-plan-{plan_id}.xlsx"'})


@bp.get("/plans/<int:plan_id>/roster/print")
@login_required(*COORDINATORS)
def roster_print(plan_id: int) -> Any:
    """The published roster on one plain page, for printing."""
    plan, rows = _roster(plan_id)
    return render_template("followup/roster_print.html", plan=plan, rows=rows,
                           answer_keys=ANSWER_KEYS)


@bp.get("/hours/export")
@login_required(*COORDINATORS)
def hours_export() -> Response:
    """Confirmed service hours from the scheduler, passed through as a download."""
    params = {key: request.args.get(key) or None
              for key in ("community_id", "start", "end")}
    params["format"] = "xlsx" if request.args.get("format") == "xlsx" else "csv"
    answer = Backends().request("scheduler", "GET", "/hours/export", raw=True,
                                params={k: v for k, v in params.items() if v})
    return Response(answer.content, mimetype=answer.headers.get("Content-Type"), headers={
        "Content-Disposition": answer.headers.get(
            "Content-Disposition", f'attachment; filename="service-hours.{params["format"]}"')})


@bp.route("/import", methods=["GET", "POST"])
@login_required(*COORDINATORS)
def import_volunteers() -> Any:
    """Upload a volunteer sheet to the registry and show its row-by-row report."""
    report = problems = None
    status = 200
    dry_run = bool(request.form.get("dry_run")) if request.method == "POST" else False
    if request.method == "POST":
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            flash(t("f_import_choose"), "error")
            return render_template("followup/import.html", dry_run=dry_run), 422
        files = {"file": (upload.filename, upload.stream.read(),
                          upload.mimetype or "application/octet-stream")}
        try:
            report = Backends().request("registry", "POST", "/volunteers/import", files=files,
                                        params={"dry_run": "true" if dry_run else "false"})
        except BackendError as exc:
            if exc.status not in (400, 413, 422):
                raise
            problems = import_problems(exc.fields)
            status = 422
            if not problems:
                flash("；".join(exc.lines()), "error")
    return render_template("followup/import.html", report=report, problems=problems,
                           dry_run=dry_run), status
