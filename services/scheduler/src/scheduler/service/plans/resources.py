"""HTTP endpoints of plans: create, solve (202 + job status), edit, publish, diff, repair."""

from __future__ import annotations

from typing import Any

from flask import current_app, g, request
from flask.views import MethodView
from flask_smorest import Blueprint, Page, abort

from scheduler.service.auth import require_roles
from scheduler.service.db import db
from scheduler.service.i18n import lang, t
from scheduler.service.models import Plan, PlanVersion, SolveJob
from scheduler.service.plans import changes, derived, publishing, service, store
from scheduler.service.plans.schemas import (
    AssignmentArgs,
    AssignmentSchema,
    CancelArgs,
    CandidateArgs,
    DiffArgs,
    DiffSchema,
    EditSchema,
    JobSchema,
    PlanCreateSchema,
    PlanListArgs,
    PlanSchema,
    PlanSettingsSchema,
    PublishResultSchema,
    RepairResultSchema,
    RepairSchema,
    ReportSchema,
    SolveSchema,
    VersionArgs,
    VersionSchema,
)

blp = Blueprint("Plans", __name__, url_prefix="/plans", description="排班计划 Plans")

READERS = ("admin", "coordinator", "service")
WRITERS = ("admin", "coordinator")


class ListPage(Page):
    """Pages over an in-memory list."""


def version_view(
    session: Any, version: PlanVersion, assignment_count: int | None = None
) -> dict[str, Any]:
    """A version with its counts (`assignment_count` when the caller has counted already)."""
    if assignment_count is None:
        assignment_count = store.assignment_counts(session, [version.id]).get(version.id, 0)
    return {
        "number": version.number, "state": version.state, "revision": version.revision,
        "origin": version.origin, "parent_number": version.parent_number,
        "pending_change": version.pending_change, "created_at": version.created_at,
        "solved_at": version.solved_at, "published_at": version.published_at,
        "published_by": version.published_by,
        "assignment_count": assignment_count,
        "unfilled_count": derived.summary(session, version)["unfilled_count"],
    }


def plan_view(
    session: Any, plan: Plan, version: PlanVersion | None = None,
    assignment_count: int | None = None, jobs: dict[int, SolveJob] | None = None,
) -> dict[str, Any]:
    """A plan with its latest version and latest job, as the API shows it (`assignment_count`
    and the latest `jobs` by plan when the caller has looked them up already)."""
    version = version or store.version_of(session, plan, light=True)
    counts = derived.summary(session, version)
    job = service.latest_job(session, plan) if jobs is None else jobs.get(plan.id)
    return {
        "id": plan.id, "title": plan.title, "community_ids": plan.community_ids,
        "period_start": plan.period_start, "period_end": plan.period_end,
        "settings": plan.settings, "state": version.state,
        "version": version_view(session, version, assignment_count),
        "published_version": plan.published_version,
        "etag": store.etag(plan, version), "job": job,
        "created_at": plan.created_at,
        "shift_count": counts["shift_count"],
        "volunteer_count": counts["volunteer_count"],
    }


class PlanPage(ListPage):
    """Pages over plan ids: only the page's plans are read and shown."""

    @property
    def items(self) -> list[dict[str, Any]]:
        """The page's plans as the API shows them."""
        rows = service.plans_with_versions(db.session, super().items)
        counts = store.assignment_counts(db.session, [version.id for _plan, version in rows])
        jobs = service.latest_jobs(db.session, [plan.id for plan, _version in rows])
        return [plan_view(db.session, plan, version, counts.get(version.id, 0), jobs)
                for plan, version in rows]


def _with_etag(session: Any, plan: Plan) -> tuple[dict[str, Any], dict[str, str]]:
    view = plan_view(session, plan)
    return view, {"ETag": view["etag"]}


def _plan(plan_id: int, roles: tuple[str, ...] = READERS) -> Plan:
    principal = require_roles(*roles)
    return service.visible_plan(db.session, principal, plan_id)


@blp.route("")
class Plans(MethodView):
    """Plans."""

    @blp.arguments(PlanListArgs, location="query")
    @blp.response(200, PlanSchema(many=True))
    @blp.paginate(PlanPage, max_page_size=100)
    def get(self, filters: dict[str, Any]) -> list[int]:
        """List the plans visible to the caller, newest first."""
        principal = require_roles(*READERS)
        return service.list_plans(db.session, principal, filters.get("community_id"),
                                  filters.get("state"))

    @blp.arguments(PlanCreateSchema)
    @blp.response(201, PlanSchema)
    @blp.alt_response(502, description="登记服务出错 Registry error")
    @blp.alt_response(503, description="登记服务不可用 Registry unavailable")
    def post(self, data: dict[str, Any]) -> Any:
        """Create a plan: fetch the planning snapshot from the registry and store it."""
        principal = require_roles(*WRITERS)
        plan = service.create_plan(
            db.session, current_app.extensions["scheduler_registry"], principal, data,
            max_shifts=int(current_app.config["MAX_SHIFTS"]),
        )
        db.session.commit()
        return _with_etag(db.session, plan)


@blp.route("/<int:plan_id>")
class PlanItem(MethodView):
    """One plan."""

    @blp.response(200, PlanSchema)
    def get(self, plan_id: int) -> Any:
        """The plan, its latest version and solve progress (ETag for publishing)."""
        return _with_etag(db.session, _plan(plan_id))

    @blp.arguments(PlanSettingsSchema)
    @blp.response(200, PlanSchema)
    def patch(self, data: dict[str, Any], plan_id: int) -> Any:
        """Change the title and whether declines are repaired and published automatically."""
        plan = service.update_settings(_plan(plan_id, WRITERS), data)
        db.session.commit()
        return _with_etag(db.session, plan)


@blp.route("/<int:plan_id>/solve")
class Solve(MethodView):
    """Solving as a background job."""

    @blp.arguments(SolveSchema)
    @blp.response(202, JobSchema)
    @blp.alt_response(409, description="正在求解 Already solving")
    @blp.alt_response(429, description="任务过多 Too many jobs")
    def post(self, data: dict[str, Any], plan_id: int) -> Any:
        """Queue a solve (around the pins); poll the job for progress."""
        plan = _plan(plan_id, WRITERS)
        service.follow_correlation(plan, bool(g.get("correlation_given")))
        config = current_app.config
        limit = min(float(data.get("time_limit") or config["DEFAULT_TIME_LIMIT"]),
                    float(config["MAX_TIME_LIMIT"]))
        job = service.request_solve(
            db.session, plan, require_roles(*WRITERS), time_limit=limit,
            max_active=int(config["MAX_ACTIVE_JOBS"]), if_match=request.headers.get("If-Match"),
        )
        db.session.commit()
        return job, {"Location": f"/plans/{plan.id}/jobs/{job.id}"}

    @blp.response(200, JobSchema)
    def get(self, plan_id: int) -> SolveJob:
        """The latest solve job: status and progress (best objective, bound, elapsed)."""
        job = service.latest_job(db.session, _plan(plan_id))
        if job is None:
            abort(404, message=t("404"))
            raise AssertionError  # abort raised already; this keeps type checkers informed
        return job

    @blp.arguments(CancelArgs, location="query")
    @blp.response(200, JobSchema)
    def delete(self, args: dict[str, Any], plan_id: int) -> SolveJob:
        """Cancel the latest (or the given) solve job."""
        job = service.cancel_solve(db.session, _plan(plan_id, WRITERS), args.get("job_id"))
        db.session.commit()
        return job


@blp.route("/<int:plan_id>/jobs/<job_id>")
class Job(MethodView):
    """One solve job."""

    @blp.response(200, JobSchema)
    def get(self, plan_id: int, job_id: str) -> SolveJob:
        """Status and progress of a solve job."""
        return service.job_of(db.session, _plan(plan_id), job_id[:64])


@blp.route("/<int:plan_id>/versions")
class Versions(MethodView):
    """Versions of a plan."""

    @blp.response(200, VersionSchema(many=True))
    def get(self, plan_id: int) -> list[dict[str, Any]]:
        """Every version, oldest first."""
        versions = store.versions_of(db.session, _plan(plan_id))
        counts = store.assignment_counts(db.session, [v.id for v in versions])
        return [version_view(db.session, v, counts.get(v.id, 0)) for v in versions]


@blp.route("/<int:plan_id>/assignments")
class Assignments(MethodView):
    """Assignments of a version."""

    @blp.arguments(AssignmentArgs, location="query")
    @blp.response(200, AssignmentSchema(many=True))
    @blp.paginate(ListPage, max_page_size=500)
    def get(self, args: dict[str, Any], plan_id: int) -> list[dict[str, Any]]:
        """Assignments, filtered by venue, day, volunteer or shift."""
        plan = _plan(plan_id)
        version = store.version_of(db.session, plan, args.pop("version", None), light=True)
        return service.assignment_rows(
            db.session, plan, version, venue_id=args.get("venue_id"), day=args.get("date"),
            volunteer_id=args.get("volunteer_id"), shift_id=args.get("shift_id"),
        )


@blp.route("/<int:plan_id>/report")
class Report(MethodView):
    """Coverage report of a version."""

    @blp.arguments(VersionArgs, location="query")
    @blp.response(200, ReportSchema)
    def get(self, args: dict[str, Any], plan_id: int) -> dict[str, Any]:
        """Unfilled slots with reasons, shortage and per-volunteer load."""
        plan = _plan(plan_id)
        version = store.version_of(db.session, plan, args.get("version"), light=True)
        return service.report(version, derived.result(db.session, version))


@blp.route("/<int:plan_id>/edits")
class Edits(MethodView):
    """Hand edits."""

    @blp.arguments(EditSchema)
    @blp.response(200, PlanSchema)
    @blp.alt_response(412, description="排班已变 The plan changed")
    @blp.alt_response(422, description="违反硬性规则 Breaks a hard rule")
    def post(self, data: dict[str, Any], plan_id: int) -> Any:
        """Pin, unpin, assign or unassign; checked against every hard rule."""
        plan = _plan(plan_id, WRITERS)
        changes.edit(db.session, plan, data["action"], data,
                     if_match=request.headers.get("If-Match"))
        db.session.commit()
        return _with_etag(db.session, plan)


@blp.route("/<int:plan_id>/publish")
class Publish(MethodView):
    """Publishing."""

    @blp.response(200, PublishResultSchema)
    @blp.alt_response(412, description="排班已变 The plan changed")
    @blp.alt_response(428, description="缺少 If-Match If-Match required")
    def post(self, plan_id: int) -> Any:
        """Publish the latest version (If-Match: its ETag); publishing again changes nothing."""
        plan = _plan(plan_id, WRITERS)
        if_match = request.headers.get("If-Match")
        if not if_match:
            abort(428, message=t("428"))
        service.follow_correlation(plan, bool(g.get("correlation_given")))
        _version, events = publishing.publish(db.session, plan, require_roles(*WRITERS), if_match)
        db.session.commit()
        view, headers = _with_etag(db.session, plan)
        return {"plan": view, "events": events}, headers


@blp.route("/<int:plan_id>/diff")
class Diff(MethodView):
    """Comparing versions."""

    @blp.arguments(DiffArgs, location="query")
    @blp.response(200, DiffSchema)
    def get(self, args: dict[str, Any], plan_id: int) -> dict[str, Any]:
        """Assignments added, removed and changed between two versions."""
        return publishing.diff(db.session, _plan(plan_id), args.get("from_version"),
                            args.get("to_version"))


@blp.route("/<int:plan_id>/repair")
class Repair(MethodView):
    """Repair after a change."""

    @blp.arguments(RepairSchema)
    @blp.response(201, RepairResultSchema)
    def post(self, data: dict[str, Any], plan_id: int) -> Any:
        """Repair the published plan after a withdrawal or a cancelled or added shift; the
        result is a new version waiting to be published."""
        plan = _plan(plan_id, WRITERS)
        change = {k: v for k, v in data.items() if k not in ("from_date", "to_date")}
        if data.get("from_date"):
            change["from"] = data["from_date"].isoformat()
        if data.get("to_date"):
            change["to"] = data["to_date"].isoformat()
        changes.repair(db.session, plan, change, lang=lang())
        db.session.commit()
        # The same shape as GET /diff: what publishing this version would change.
        diff = publishing.diff(db.session, plan, None, None)
        view, headers = _with_etag(db.session, plan)
        return {"plan": view, "diff": diff}, headers


@blp.route("/<int:plan_id>/candidates")
class Candidates(MethodView):
    """Ranked candidates."""

    @blp.arguments(CandidateArgs, location="query")
    @blp.response(200)
    def get(self, args: dict[str, Any], plan_id: int) -> list[dict[str, Any]]:
        """Volunteers ranked for one open slot, best first, then the excluded with reasons."""
        plan = _plan(plan_id)
        return changes.candidates(db.session, plan, args["shift_id"], args["skill"],
                                  args["limit"], lang(), args["replace"])
