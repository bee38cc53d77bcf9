"""Dashboard and the plan list with the form that generates a plan."""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, flash, redirect, render_template, request, url_for

from portal.auth import login_required
from portal.clients import BackendError, Backends
from portal.coordinator import bp, data
from portal.i18n import t

COORDINATORS = ("coordinator", "admin")
TIME_LIMITS = (10, 30, 120)


def today() -> date:
    """Today where the communities are."""
    return datetime.now(ZoneInfo(current_app.config["TIMEZONE"])).date()


@bp.get("/dashboard")
@login_required(*COORDINATORS)
def dashboard() -> Any:
    """The coordinator's communities at a glance: people, the week's shifts, open slots."""
    api = Backends()
    try:
        found = data.communities(api)
        ids = [c["id"] for c in found]
        monday, is_this_week = data.planning_week(api, ids, today())
        sunday = monday + timedelta(days=6)
        cards = []
        for community in found:
            shifts = api.all_pages("registry", "/shifts", community_id=[community["id"]],
                                   start=monday.isoformat(), end=sunday.isoformat())
            cards.append({
                "community": community,
                "volunteers": api.count("registry", "/volunteers", community_id=community["id"],
                                        active=True),
                "shifts": len([s for s in shifts if s["status"] != "cancelled"]),
            })
        plans = api.get("scheduler", "/plans", page_size=10) or []
    except BackendError as exc:
        return render_template("coordinator/dashboard.html", backend_error=exc, cards=[],
                               plans=[], week=None, open_slots=None)
    open_slots = _open_slots(plans, monday, sunday)
    return render_template(
        "coordinator/dashboard.html", cards=cards, plans=plans[:5], open_slots=open_slots,
        week={"start": monday, "end": sunday, "is_this_week": is_this_week},
        unanswered=_unanswered(api, plans),
    )


def _unanswered(api: Backends, plans: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Who has not answered in the newest published plan (None when nothing is published or
    the answers cannot be read right now)."""
    published = next((p for p in plans if p.get("published_version")), None)
    if published is None:
        return None
    try:
        rows = api.get("notifier", f"/plans/{published['id']}/responses") or []
    except BackendError:
        return None
    standing = [r for r in rows if r.get("status") != "cancelled"]
    waiting = [r for r in standing if not r.get("response")]
    return {"plan": published, "count": len(waiting), "total": len(standing)}


def _open_slots(plans: list[dict[str, Any]], monday: date, sunday: date) -> dict[str, Any] | None:
    """Unfilled places in the newest plan that covers the week."""
    for plan in plans:
        start, end = date.fromisoformat(plan["period_start"]), date.fromisoformat(
            plan["period_end"])
        if start <= sunday and end >= monday and plan["state"] != "draft":
            return {"plan": plan, "count": plan["version"]["unfilled_count"]}
    return None


@bp.get("/plans")
@login_required(*COORDINATORS)
def plans() -> Any:
    """Plans of the coordinator's communities and the form to generate a new one."""
    api = Backends()
    try:
        found = data.communities(api)
        listed = api.get("scheduler", "/plans", page_size=50) or []
        monday, _ = data.planning_week(api, [c["id"] for c in found], today())
    except BackendError as exc:
        return render_template("coordinator/plans.html", backend_error=exc, communities=[],
                               plans=[], form={}, time_limits=TIME_LIMITS)
    names = {c["id"]: c["name"] for c in found}
    form = {"start": monday.isoformat(), "period": "week", "time_limit": TIME_LIMITS[0],
            "community_id": found[0]["id"] if found else None}
    return render_template("coordinator/plans.html", communities=found, plans=listed,
                           names=names, form=form, time_limits=TIME_LIMITS)


def plan_period(kind: str, start: date) -> tuple[date, date]:
    """A week from the given day, or the calendar month the day falls in."""
    if kind == "month":
        first = start.replace(day=1)
        return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])
    return start, start + timedelta(days=6)


@bp.post("/plans")
@login_required(*COORDINATORS)
def create_plan() -> Any:
    """Create a plan for a week or a month, start solving it, show its progress."""
    form = request.form
    errors = []
    try:
        start = date.fromisoformat(form.get("start", ""))
    except ValueError:
        errors.append(t("error_start_date"))
    community_ids = [int(c) for c in form.getlist("community_id") if c.isdigit()]
    if not community_ids:
        errors.append(t("error_community"))
    kind = "month" if form.get("period") == "month" else "week"
    limit = int(form["time_limit"]) if form.get("time_limit", "").isdigit() else TIME_LIMITS[0]
    if errors:
        for error in errors:
            flash(error, "error")
        return redirect(url_for("coordinator.plans"))
    first, last = plan_period(kind, start)
    title = form.get("title", "").strip() or t(
        "plan_default_title_" + kind, start=first.isoformat(), month=first.month)
    api = Backends()
    try:
        created = api.post("scheduler", "/plans", {
            "community_ids": community_ids, "start": first.isoformat(),
            "end": last.isoformat(), "title": title[:200]})
        api.request("scheduler", "POST", f"/plans/{created['id']}/solve",
                    json={"time_limit": min(limit, max(TIME_LIMITS))})
    except BackendError as exc:
        for line in exc.lines():
            flash(line, "error")
        if "created" in locals():
            return redirect(url_for("coordinator.plan", plan_id=created["id"]))
        return redirect(url_for("coordinator.plans"))
    flash(t("plan_created", title=title), "ok")
    return redirect(url_for("coordinator.plan", plan_id=created["id"]))


from portal.coordinator import plan_views  # noqa: E402,F401 - the plan pages join bp too
