"""Routes of the volunteer pages (phone first). The volunteer is always the session's."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import (
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.blueprints import BlueprintSetupState

from portal import session_user
from portal.clients import BackendError, Backends
from portal.i18n import t
from portal.volunteer import bp
from portal.volunteer.access import current_volunteer_id, link_grant, sign_in, volunteer_required
from portal.volunteer.shifts import (
    MAX_LEAVES,
    MAX_WINDOWS,
    STAR_THRESHOLDS,
    calendar_links,
    read_availability,
    read_leave,
    shift_ics,
    split_shifts,
    star_level,
    submitted_rows,
)

RESPONSES = ("confirmed", "declined")


def _link(token: str) -> Any:
    """A message link: sign the volunteer in, then show the shift it is about."""
    try:
        grant = link_grant(token)
    except BackendError as exc:
        key = {410: "v_link_expired", 404: "v_link_invalid", 422: "v_link_invalid"}.get(
            exc.status)
        if key is None:
            raise
        return render_template("volunteer/link_error.html", message_key=key), exc.status
    try:
        sign_in(int(grant["volunteer_id"]))
    except BackendError as exc:
        if exc.status >= 500:
            raise
        return render_template("volunteer/link_error.html", message_key="v_link_refused"), 403
    suggested = request.args.get("response")
    return redirect(url_for("volunteer.shift", assignment_id=int(grant["assignment_id"]),
                            response=suggested if suggested in RESPONSES else None))


@bp.record_once
def _link_routes(state: BlueprintSetupState) -> None:
    # Message links keep the notifier's path, so links sent before the portal existed (and
    # the portal's own) look alike; they live outside /v on purpose.
    state.app.add_url_rule("/responses/<token>", "volunteer_link", _link)


bp.add_url_rule("/t/<token>", "link", _link)


def _shifts() -> list[dict[str, Any]]:
    return Backends().get(  # type: ignore[no-any-return]
        "notifier", f"/volunteers/{current_volunteer_id()}/shifts")


def _calendar() -> dict[str, str] | None:
    try:
        settings = Backends().get(
            "notifier", f"/volunteers/{current_volunteer_id()}/channel-settings")
    except BackendError as exc:
        if exc.status == 404:
            return None
        raise
    return calendar_links(settings.get("calendar_url"))


@bp.get("/")
@volunteer_required
def home() -> Any:
    """Coming and past shifts, with their answers."""
    groups = split_shifts(_shifts(), datetime.now(UTC))
    return render_template("volunteer/home.html", groups=groups, calendar=_calendar(),
                           user=session_user.current())


@bp.get("/signed-out")
def signed_out() -> Any:
    """Where a volunteer without a session lands: open your link again."""
    return render_template("volunteer/signed_out.html")


def _own_shift(assignment_id: int) -> dict[str, Any]:
    for row in _shifts():
        if int(row["assignment_id"]) == assignment_id:
            return row
    abort(404)


@bp.get("/shifts/<int:assignment_id>")
@volunteer_required
def shift(assignment_id: int) -> Any:
    """One shift: details, confirm or decline, add to the calendar."""
    row = _own_shift(assignment_id)
    suggested = request.args.get("response")
    return render_template("volunteer/shift.html", row=row, calendar=_calendar(),
                           suggested=suggested if suggested in RESPONSES else row.get("response"),
                           errors={}, reason="")


@bp.post("/shifts/<int:assignment_id>/answer")
@volunteer_required
def answer(assignment_id: int) -> Any:
    """Record a confirmation or a decline (with its reason) through the notifier."""
    row = _own_shift(assignment_id)
    response = request.form.get("response", "")
    reason = request.form.get("reason", "").strip()
    errors = {}
    if response not in RESPONSES:
        errors["response"] = t("v_choose_answer")
    if len(reason) > 500:
        errors["reason"] = t("v_reason_too_long")
    if errors:
        return render_template("volunteer/shift.html", row=row, calendar=_calendar(),
                               suggested=response, errors=errors, reason=reason), 422
    body = {"response": response, "reason": reason if response == "declined" and reason else None}
    try:
        Backends().post("notifier", f"/assignments/{assignment_id}/response", body)
    except BackendError as exc:
        if exc.status != 409:
            raise
        already = row.get("response") == response
        flash(t("v_already_answered") if already else t("v_not_open"), "warning")
    else:
        flash(t(f"v_answered_{response}"), "success")
    return redirect(url_for("volunteer.shift", assignment_id=assignment_id))


@bp.get("/shifts/<int:assignment_id>.ics")
@volunteer_required
def shift_file(assignment_id: int) -> Response:
    """One shift as a calendar file."""
    row = _own_shift(assignment_id)
    body = shift_ics(row, request.host.split(":")[0], datetime.now(UTC))
    return Response(body, mimetype="text/calendar; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="linli-shift-{assignment_id}.ics"'})


@bp.get("/hours")
@volunteer_required
def hours() -> Any:
    """Confirmed service hours, the ledger and the star level."""
    ledger = Backends().get("scheduler", f"/volunteers/{current_volunteer_id()}/hours")
    total = float(ledger.get("total_hours") or 0)
    stars = ledger.get("stars")
    stars = int(stars) if stars is not None else star_level(total)
    upcoming = next(((i + 1, h) for i, h in enumerate(STAR_THRESHOLDS) if total < h), None)
    return render_template("volunteer/hours.html", ledger=ledger, total=total, stars=stars,
                           next_star=upcoming)


def _record() -> tuple[dict[str, Any], str | None]:
    answer = Backends().request("registry", "GET", f"/volunteers/{current_volunteer_id()}",
                                raw=True)
    return answer.json(), answer.headers.get("ETag")


@bp.route("/availability", methods=["GET", "POST"])
@volunteer_required
def availability() -> Any:
    """Weekly availability and leave: the only fields of their record volunteers change."""
    record, etag = _record()
    errors: dict[str, str] = {}
    windows, leave = record.get("availability") or [], record.get("leave") or []
    if request.method == "POST":
        windows, avail_errors = read_availability(request.form)
        leave, leave_errors = read_leave(request.form)
        errors = {**avail_errors, **leave_errors}
        if not errors:
            try:
                _save(windows, leave, request.form.get("etag") or etag)
            except BackendError as exc:
                if exc.status == 412:
                    flash(t("v_changed_meanwhile"), "error")
                    return redirect(url_for("volunteer.availability"))
                if exc.status != 422:
                    raise
                return render_template("volunteer/availability.html", windows=windows,
                                       leave=leave, errors={}, etag=etag,
                                       backend_error=exc), 422
            flash(t("v_saved"), "success")
            return redirect(url_for("volunteer.availability"))
        flash(t("v_fix_errors"), "error")
        windows = submitted_rows(request.form, "avail", ("weekday", "start", "end"), MAX_WINDOWS)
        leave = submitted_rows(request.form, "leave", ("start", "end", "reason"), MAX_LEAVES)
    return render_template("volunteer/availability.html", windows=windows, leave=leave,
                           errors=errors, etag=etag), 422 if errors else 200


def _save(windows: list[dict[str, Any]], leave: list[dict[str, Any]], etag: str | None) -> None:
    # The If-Match keeps a coordinator's change made meanwhile from being overwritten.
    Backends().request("registry", "PATCH", f"/volunteers/{current_volunteer_id()}",
                       json={"availability": windows, "leave": leave},
                       headers={"If-Match": etag} if etag else None)


@bp.app_context_processor
def _volunteer_globals() -> dict[str, Any]:
    return {"link_session": bool(session.get("volunteer_link"))}
